"""Plotly figure builders (no Streamlit) and the Streamlit widgets every page shares."""
