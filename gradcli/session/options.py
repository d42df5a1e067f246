"""What a Session is given and what it gives back: plain dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.limits import Limits


@dataclass
class Options:
    dtype: str = "float64"
    seed: int | None = None
    strict: bool = False
    allow_read: tuple = ()
    allow_write: tuple = ()
    limits: Limits = field(default_factory=Limits)
    variables: dict = field(default_factory=dict)


@dataclass
class PrintEvent:
    """One ``print(...)``: ``text`` is what Python's print writes without ``end``;
    ``end`` is the end string (``"\\n"`` unless the script passed ``end=``)."""
    text: str
    values: list
    end: str = "\n"


@dataclass
class GradResult:
    value: object
    grads: dict
    hessian: dict | None
    wrt: list


@dataclass
class CheckRow:
    name: str
    index: tuple
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float


@dataclass
class CheckResult:
    rows: list
    ok: bool
    target: str | None = None       # the variable that was differentiated
    leaves: list = field(default_factory=list)
    checked: int = 0                # gradient entries compared
    total: int = 0                  # gradient entries in all leaves
    where: dict = field(default_factory=dict)   # leaf name -> 'file:line:col' it was made at
