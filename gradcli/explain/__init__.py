"""Explaining derivatives: the backward walk step by step (``walk``), the derivative
as a formula through SymPy (``formula``), Taylor coefficients (``taylor``).

Front-end neutral (no click, no rich): these modules return plain data that
``gradcli/render/explain.py`` prints and the CLI and the REPL call.
"""
