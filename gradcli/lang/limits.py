"""Resource limits of a running script, with safe defaults.

Every limit is checked *cooperatively and before the work*: a step counter and a
deadline at loop back-edges and calls, sizes before anything is allocated. Nothing
relies on catching ``MemoryError`` or ``RecursionError``.

| field          | default            | what it bounds                                   | CLI option        |
| -------------- | ------------------ | ------------------------------------------------ | ----------------- |
| timeout        | 60 s               | wall time of one run (checked every <=10 ms)      | --timeout         |
| max_steps      | 10_000_000         | loop iterations + function calls                 | --max-steps       |
| max_depth      | 200                | nested calls of script functions                 | --max-depth       |
| max_nesting    | 100                | expression/bracket nesting (parser)              | --max-nesting     |
| max_elements   | 10_000_000         | elements of one tensor (80 MB in float64)        | --max-elements    |
| max_memory     | 4 GiB              | growth of the process while a run goes (checked  |
|                |                    | every ~5 ms at loop back-edges); bytes per tensor| --max-memory      |
| max_source     | 128 KiB            | size of the script text                          | --max-source      |
| max_graph      | 1_000_000          | depth of a tensor's graph history (nodes)        | --max-graph       |
| max_list       | 1_000_000          | length of a list, tuple or string a script makes | --max-list        |
| max_flops      | 5e11               | matmul-class work of one run (~15 s here)        | --max-flops       |

All defaults are safe on a 2-core machine with a few GiB of memory.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Limits:
    timeout: float | None = 60.0
    max_steps: int = 10_000_000
    max_depth: int = 200
    max_nesting: int = 100
    max_elements: int = 10_000_000
    max_memory: int = 4 * 1024 ** 3
    max_source: int = 128 * 1024
    max_graph: int = 1_000_000
    max_list: int = 1_000_000
    max_flops: float = 5e11

    @classmethod
    def option_name(cls, field_name: str) -> str:
        """The CLI option that raises a limit: 'max_steps' -> '--max-steps'."""
        return "--" + field_name.replace("_", "-")

    def replace(self, **kw) -> "Limits":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(kw)
        return Limits(**values)


def human(n) -> str:
    """10**12 -> '10^12', 12345 -> '12345' (limit messages)."""
    try:
        n = int(n)
    except (TypeError, ValueError, OverflowError):
        return str(n)
    if n >= 1000:
        e = len(str(n)) - 1
        if n == 10 ** e:
            return f"10^{e}"
    return str(n)


def limit_message(what: str, limit_field: str, value) -> str:
    """'step limit of 10^7 exceeded (raise it with --max-steps)'."""
    shown = human(value)
    limit = "" if shown in what else f"limit {shown}; "
    return f"{what} ({limit}raise it with {Limits.option_name(limit_field)})"
