"""Hromada Access dashboard (Streamlit): a thin UI over the :mod:`analysis` API."""
