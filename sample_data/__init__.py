"""Seeded synthetic dataset generator and the bundled default exports (see ``generate.py``)."""
