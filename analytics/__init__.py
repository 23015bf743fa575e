"""The numbers: pure Polars functions and the page-level computations shared by the app and the export.

Never imports Streamlit. Reads data only through :mod:`queries`.
"""
