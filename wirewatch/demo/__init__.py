"""The demo of ``wirewatch up --demo``: a local feed server over bundled FR/EN wires."""
