"""Writes dtype_table.json: torch 2.13's result dtype (or 'error') for every case of
dtype_cases.py, with the default dtype float64 and float32.  python tests/engine/make_dtype_table.py"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import torch  # noqa: E402

import dtype_cases as dc  # noqa: E402

table = {"torch": torch.__version__, "results": {
    default: {" ".join(c): dc.outcome(*c, "torch", default) for c in dc.cases()}
    for default in ("float64", "float32")}}
(pathlib.Path(__file__).parent / "dtype_table.json").write_text(json.dumps(table, indent=0) + "\n")
