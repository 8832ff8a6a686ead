"""Test doubles shared by the suite's tiers: importable helpers, not fixtures (those stay in conftest)."""
