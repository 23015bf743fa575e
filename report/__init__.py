"""What runs without a browser: the headless export (``python -m analytics export``), the board pack and the
command line's argument checks.

A composition root beside ``app.py``: it calls the analytics functions and the figure builders of ``ui/`` and
writes files, but never imports Streamlit (tests/test_architecture.py checks it transitively, and
tests/test_export.py runs the export in a subprocess and looks at ``sys.modules``).
"""
