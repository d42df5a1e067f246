"""Writes random_table.json: what torch's CPU generator gives on random_cases.cases().

Run with a Python that has torch 2.13 (the table in the repository was made with torch
2.13.0+cpu on an AVX-512 CPU):  python tests/engine/make_random_table.py
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import torch  # noqa: E402

import random_cases as rc  # noqa: E402

table = {"torch": torch.__version__,
         "cpu_capability": torch.backends.cpu.get_cpu_capability(),
         "digests": {rc.case_id(c): rc.digest(rc.run(c, "torch")) for c in rc.cases()},
         "first": {rc.case_id(c): rc.run(c, "torch")[0].ravel()[:3].tolist()
                   for c in rc.cases() if c[0] == 0}}
(pathlib.Path(__file__).parent / "random_table.json").write_text(json.dumps(table, indent=0) + "\n")
print(len(table["digests"]), "cases")
