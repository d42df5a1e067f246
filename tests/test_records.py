"""lang/records.py Record: what @dataclass gave the session's records and Limits."""
import pytest

from gradcli.lang.limits import Limits
from gradcli.session import CheckResult, GradResult, Options, PrintEvent


def test_fields_defaults_and_factories():
    o = Options(dtype="float32", seed=3)
    assert (o.dtype, o.seed, o.strict, o.allow_read, o.variables) == ("float32", 3, False, (), {})
    assert Options().limits == Limits() and Options().limits is not Options().limits
    assert Options().variables is not Options().variables
    r = CheckResult([], True)
    assert (r.target, r.leaves, r.checked, r.total, r.where) == (None, [], 0, 0, {})
    assert PrintEvent("a", [1]).end == "\n"
    assert GradResult(1, {"x": 2}, None, ["x"]).leaves == {}


def test_class_level_defaults_as_a_dataclass():
    assert Limits.max_source == 128 * 1024 and Limits.timeout == 60.0
    assert Limits.field_names()[:2] == ("timeout", "max_steps") and len(Limits.field_names()) == 10


def test_eq_repr_replace():
    a = PrintEvent("x", [1], end="")
    assert a == PrintEvent("x", [1], "") and a != PrintEvent("x", [1]) and a != ("x", [1], "")
    assert repr(a) == "PrintEvent(text='x', values=[1], end='')"
    b = Limits().replace(max_steps=5)
    assert b.max_steps == 5 and b.max_depth == Limits().max_depth and Limits().max_steps != 5
    with pytest.raises(TypeError):
        hash(a)


@pytest.mark.parametrize("make, words", [
    (lambda: PrintEvent("x"), "missing required argument 'values'"),
    (lambda: Options(colour=1), "unexpected keyword argument 'colour'"),
    (lambda: PrintEvent("x", [], "\n", 4), "takes 3 arguments but 4 were given"),
    (lambda: PrintEvent("x", [], text="y"), "multiple values for argument 'text'"),
    (lambda: Limits().replace(max_stepz=1), "unexpected keyword argument 'max_stepz'"),
])
def test_wrong_arguments_are_type_errors(make, words):
    with pytest.raises(TypeError, match=words):
        make()
