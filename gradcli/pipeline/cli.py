"""What ``gradcli grad`` needs beyond one point, kept out of cli.py: the stage
(--jsonl, --input, --output, --grid, --echo), --elementwise, and EXPR arguments
that start with '-'. Imports click (this is CLI glue; gradcli/lang never does)."""
from __future__ import annotations

import click


def expr_first(command, ctx, args: list) -> list:
    """Arguments with every positional that starts with '-' ('-x**2', '-sin(x)')
    moved after a '--', so that click takes it as EXPR or NAME=VALUE instead of an
    unknown option. Known options and their values stay where they are; nothing
    changes when there is no such argument."""
    takes_value, flags = set(), set()
    for p in command.get_params(ctx):
        if isinstance(p, click.Option):
            names = list(p.opts) + list(p.secondary_opts)
            (flags if p.is_flag or p.count else takes_value).update(names)
    known = takes_value | flags
    options, positional = [], []
    moved = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            positional.extend(args[i + 1:])
            break
        name = a.split("=", 1)[0]
        if a.startswith("-") and len(a) > 1 and name not in known and not _option_like(a, known):
            positional.append(a)
            moved = True
        elif a in takes_value:
            options.extend(args[i:i + 2])
            i += 1
        elif a.startswith("-") and len(a) > 1:
            options.append(a)
        else:
            positional.append(a)
        i += 1
    if not moved:
        return args
    return options + ["--"] + positional


def _option_like(a: str, known) -> bool:
    """'--jsnl' is a mistyped option (click says so); '-x**2' is an expression."""
    if a.startswith("--"):
        return a[2:3].isalpha() and all(c.isalnum() or c in "-_=" for c in a[2:].split("=")[0])
    return False


def grad_stage(common, expr, given, wrt, order, **kw) -> int:
    from .stage import StageError, parse_grid, run_stage
    grid = kw.pop("grid")
    if grid is not None:
        try:
            grid = parse_grid(grid)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--grid") from None
    if sum(bool(x) for x in (kw["jsonl"] and not kw["input_path"], kw["input_path"], grid)) > 1:
        raise click.UsageError("give one source of points: --jsonl (standard input), "
                               "--input FILE or --grid")
    common.format = "json"
    out = common.output()
    session = common.session(out)
    # a stage may run as long as its input lasts: --timeout bounds each evaluation
    # (one chunk of points), not the whole stream, so no clock is held for the command
    from ..cli import State
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    if state is not None and hasattr(state, "release"):
        state.release()
    try:
        return run_stage(session, expr, {**given}, wrt, order, grid=grid, **kw)
    except StageError as e:
        if e.code == 2:
            raise click.UsageError(str(e)) from None
        click.echo(f"gradcli: error: {e}", err=True)
        return e.code


def grad_elementwise(session, expr, values, wrt, order):
    """``grad --elementwise``: the diagonals of the Jacobians, for an EXPR that does
    not mix elements (else exit 2, saying what mixes them)."""
    from .evaluate import elementwise_point, precheck
    tree = precheck(session, expr)
    return elementwise_point(session, tree, expr, values, wrt, order, exit_code=2)
