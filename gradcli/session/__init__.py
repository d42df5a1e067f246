"""The core the CLI and the REPL call: run scripts, differentiate expressions, check
gradients. See docs/architecture.md ("Session API") for the contract.

    core.py      Session: state, run, the REPL's entries, inspection
    options.py   Options and the result records (PrintEvent, GradResult, CheckRow, ...)
    gradexpr.py  `gradcli grad EXPR`: gradients, Jacobians and Hessians of one expression
    checker.py   `gradcli check`: a script's gradients against central differences
"""
from ..lang.limits import Limits
from .core import Session
from .options import CheckResult, CheckRow, GradResult, Options, PrintEvent

__all__ = ["Session", "Options", "Limits", "PrintEvent", "GradResult", "CheckResult",
           "CheckRow"]
