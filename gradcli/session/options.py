"""What a Session is given and what it gives back: plain records (lang/records.py:
what @dataclass gave, without its cost at every start-up)."""
from __future__ import annotations

from ..lang.limits import Limits
from ..lang.records import REQUIRED as _REQUIRED, Factory as _Factory, Record


class Options(Record):
    FIELDS = (("dtype", "float64"), ("seed", None), ("strict", False), ("allow_read", ()),
              ("allow_write", ()), ("limits", _Factory(Limits)), ("variables", _Factory(dict)))


class PrintEvent(Record):
    """One ``print(...)``: ``text`` is what Python's print writes without ``end``;
    ``end`` is the end string (``"\\n"`` unless the script passed ``end=``)."""
    FIELDS = (("text", _REQUIRED), ("values", _REQUIRED), ("end", "\n"))


class GradResult(Record):
    FIELDS = (("value", _REQUIRED), ("grads", _REQUIRED), ("hessian", _REQUIRED),
              ("wrt", _REQUIRED),
              ("leaves", _Factory(dict)))       # name -> the leaf Variable (explain)


class CheckRow(Record):
    FIELDS = (("name", _REQUIRED), ("index", _REQUIRED), ("analytic", _REQUIRED),
              ("numeric", _REQUIRED), ("abs_err", _REQUIRED), ("rel_err", _REQUIRED))


class CheckResult(Record):
    FIELDS = (("rows", _REQUIRED), ("ok", _REQUIRED),
              ("target", None),                 # the variable that was differentiated
              ("leaves", _Factory(list)),
              ("checked", 0),                   # gradient entries compared
              ("total", 0),                     # gradient entries in all leaves
              ("where", _Factory(dict)))        # leaf name -> 'file:line:col' it was made at
