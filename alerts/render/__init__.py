"""How an alert reads on each channel: Slack Block Kit, email text + HTML, plain text.

Pure functions from ``Alert`` to strings and dicts; no I/O. Untrusted text is
cleaned once (``render.text.clean``) and then escaped for its target.
"""
