"""The gradcli command line: thin click commands over ``gradcli.session``.

Each command is: options in -> one Session call -> a renderer out. The frame they share
(state, common options, and ``_guarded``, the one place that maps errors to messages and
exit codes) is ``clicommon.py``:

    0 success, 1 an error in the script (or a failed check), 2 usage and syntax
    errors, 130 Ctrl-C, 141 the reader closed the pipe (quietly).

Start-up matters (``gradcli --help`` must not import numpy, lark or rich), so
this module imports only click and the standard library at the top; the
session, the renderers and Rich are imported inside the commands that need them.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from . import __version__
from .clihelp import help_command
from .cliparse import (_click_parser, _valid_name, check_leaves, check_value,  # noqa: F401
                       leaf_problem, limit_option, no_limits, parse_assignment, parse_bound,
                       parse_number, parse_range, parse_size, parse_value, MAX_SIZE, _max_depth)

from .clicommon import (  # noqa: F401  (the frame; re-exported for gradcli.cli's users)
    EXIT_ERROR, EXIT_INTERRUPT, EXIT_OK, EXIT_PIPE, EXIT_USAGE, LIMIT_OPTIONS, Common,
    ExprCommand, GradcliGroup, State, _ClosedStream, _COMMON, _debug_traceback,
    _format_option, _guarded, _hold_for_command, _output_errors, _parse_values, _read_script,
    _read_vars_file, _silence_stdout, _standard_streams, common_options, deferred, lazy_command)

# the commands are built when run or listed (clicommon.lazy_command): their options are
# recorded here and made by click then
option, argument, common_later = deferred(click.option), deferred(click.argument), \
    deferred(common_options)


@click.group(name="gradcli", cls=GradcliGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="gradcli",
                      message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx):
    """Differentiate expressions and .gx scripts (a Python subset with PyTorch's
    autograd) from the shell.

    Without a command: the REPL on a terminal, else the script on standard input.
    """
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            return ctx.invoke(cli.get_command(ctx, "repl"))
        return ctx.invoke(cli.get_command(ctx, "run"), script="-")


@lazy_command(cli)
@argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@option("--summary", is_flag=True, help="Then a table of the script's tensors.")
@option("--graph", "graph_var", metavar="NAME", help="Then the graph history of tensor NAME.")
@option("--explain", "explain_var", metavar="NAME",
              help="Then the backward pass from NAME step by step (its sum if not a scalar).")
@option("--values", "with_values", is_flag=True,
              help="With --graph: every node carries its value and the gradient that reached it.")
@common_later()
def run(script, summary, graph_var, explain_var, with_values, common):
    """Run a .gx SCRIPT (a path, or - for standard input).

    \b
    Examples:
      gradcli run samples/tour.gx --summary --graph y
      echo 'print(2**10)' | gradcli run -
    """
    out = common.output()
    out.warning_events = True           # an event stream: warnings are events too
    source, filename = _read_script(script)
    session = common.session(out)
    recorder = _recording(session) if explain_var or (with_values and graph_var) else None
    with common.progress(out, session, f"running {os.path.basename(filename)}"):
        session.run(source, filename)
    from .engine.printing import use_printoptions
    use_printoptions(session.print_options)     # the script's set_printoptions, for --summary
    from .render import results
    annotate = None
    if with_values and graph_var:
        from .explain.walk import annotator
        annotate = annotator(session, graph_var, recorder, filename)
    results.after_run(out, session, summary=summary, graph_var=graph_var, annotate=annotate)
    if explain_var is not None:
        from .explain.walk import explain_value
        from .render import explain
        explain.render(out, explain_value(session, explain_var, recorder, source, filename))


@lazy_command(cli, cls=ExprCommand)
@argument("expr")
@argument("values", nargs=-1, metavar="[NAME=VALUE]...")
@option("--wrt", metavar="X,Y", help="Differentiate only with respect to these names.")
@option("--order", type=click.IntRange(min=1), default=1, show_default=True,
              help="2 adds the Hessian; N > 2 gives every derivative of order N.")
@option("--jsonl", is_flag=True,
              help="Read one JSON object of values per line from stdin; write one JSON line each.")
@option("--input", "input_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read points from FILE (.jsonl, .csv, .npy, .npz, .parquet).")
@option("--output", "output_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write results to FILE (.jsonl, .csv, .npy, .npz, .parquet).")
@option("--grid", metavar="X=A:B:N[,Y=...]", help="Evaluate at every point of a grid.")
@option("--echo", is_flag=True,
              help="Every success record carries its line number and input.")
@option("--elementwise", is_flag=True,
              help="Per-element derivatives of an elementwise EXPR instead of the Jacobian.")
@option("--explain", is_flag=True,
              help="Then the forward values and the backward pass step by step.")
@option("--formula", is_flag=True,
              help="Then the derivative as a formula (SymPy) beside the numbers.")
@common_later()
def grad(expr, values, wrt, order, jsonl, input_path, output_path, grid, echo, elementwise,
         explain, formula, common):
    """Value and gradient of EXPR at the given NAME=VALUE points.

    VALUE is a number or a list literal (w=[1,2,3]). An EXPR starting with -
    is taken as EXPR (or put -- before it).

    \b
    Examples:
      gradcli grad 'x**2*sin(x)' x=1.5
      gradcli grad 'x*y + y**2' x=1 y=2 --order 2
    """
    from .render import results
    given = _parse_values(values)
    wrt_names = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else None
    if order > 2 and (jsonl or input_path or output_path or grid or elementwise):
        raise click.BadParameter("above 2 only for one point (no --jsonl, --input, --output, "
                                 "--grid, --elementwise)", param_hint="--order")
    if jsonl or input_path or output_path or grid:
        from .pipeline.cli import grad_stage
        return grad_stage(common, expr, given, wrt_names, order, jsonl=jsonl, input_path=input_path,
                          output_path=output_path, grid=grid, echo=echo, elementwise=elementwise)
    check_leaves({**common.variables(), **given}, wrt_names)
    out = common.output()
    session = common.session(out)
    if order > 2:
        from .cli_explain import _factory, grad_high_order
        return grad_high_order(out, _factory(common, out), expr,
                               {**common.variables(), **given}, wrt_names, order)
    if (explain or formula) and not elementwise:
        from .cli_explain import grad_explained
        return grad_explained(out, session, expr, {**common.variables(), **given}, wrt_names,
                              order, explain, formula)
    if elementwise:
        from .pipeline.cli import grad_elementwise
        result = grad_elementwise(session, expr, {**common.variables(), **given}, wrt_names, order)
    else:
        result = session.grad_expr(expr, {**common.variables(), **given}, wrt=wrt_names,
                                   order=order)
    results.render_grad(out, expr, result)


@lazy_command(cli)
@common_later()
def repl(common):
    """Interactive session: multi-line blocks, history, tab completion.

    \b
    Examples:
      gradcli repl
      gradcli repl --precision 8 --seed 0
    """
    from .repl import run_repl
    return run_repl(common)


@lazy_command(cli)
@argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@option("--var", "var", required=True, metavar="NAME", help="The tensor whose history to export.")
@option("--format", "graph_format", default="tree", show_default=True,
              type=click.Choice(["tree", "dot", "mermaid", "json", "svg", "png"]),
              help="tree in the terminal; dot, mermaid, json text; svg, png through Graphviz.")
@option("--out", "-o", "out_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of standard output.")
@option("--values", "with_values", is_flag=True,
              help="Every node carries its value and the gradient that reached it.")
@common_later(output_format=False)
def graph(script, var, graph_format, out_path, with_values, common):
    """Export the graph history of tensor NAME after running SCRIPT.

    \b
    Examples:
      gradcli graph samples/tour.gx --var y
      gradcli graph samples/tour.gx --var y --format svg -o y.svg
    """
    out = common.output()
    source, filename = _read_script(script)
    # standard output carries the graph alone: the script's prints go to stderr
    from .render.output import Output
    session = common.session(Output("plain", out=sys.stderr, err=sys.stderr))
    recorder = _recording(session) if with_values else None
    session.run(source, filename)
    from .render import results
    annotate = None
    if recorder is not None:
        from .explain.walk import annotator
        annotate = annotator(session, var, recorder, filename)
    return results.export_graph(out, session, var, graph_format, out_path, annotate)


def _recording(session):
    """Turns the engine's trace on for --explain/--values (recorded only when asked)."""
    from .engine.recorder import Recorder
    recorder = Recorder()
    session.set_trace(recorder)
    return recorder


@lazy_command(cli, cls=ExprCommand)
@argument("target", metavar="SCRIPT_OR_EXPR")
@argument("values", nargs=-1, metavar="[NAME=VALUE]...")
@option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows of the table of the worst errors.")
@common_later()
def check(target, values, top, common):
    """Compare analytic gradients with central finite differences.

    SCRIPT_OR_EXPR is a .gx file (every leaf that requires grad is checked) or an
    expression whose free variables are given as NAME=VALUE. Exit 1 on mismatch.

    \b
    Examples:
      gradcli check 'sum(x**3)' 'x=[1, 2]'
      gradcli check samples/01_seed_tutorial.gx --top 3
    """
    out = common.output()
    given = _parse_values(values)
    if target == "-" or target.endswith(".gx"):
        source, filename = _read_script(target)
    else:
        # an expression, never a file that happens to be named like one, and never
        # statements: it must parse as one expression before it becomes a script
        from .lang.parse import parse_expression
        from .lang.limits import Limits
        parse_expression(target, "<expr>",
                                max_source=common.max_source or Limits.max_source,
                                max_nesting=common.max_nesting or Limits.max_nesting)
        from .render.results import expr_check_source
        check_leaves({**common.variables(), **given})
        source, filename = expr_check_source(target, {**common.variables(), **given}), "<expr>"
        given = {}
    session = common.session(out, variables={**common.variables(), **given})
    with common.progress(out, session, f"checking {os.path.basename(filename)}"):
        result = session.check(source, filename)
    if filename == "<expr>":
        result.where = {}           # positions in the generated script would mean nothing
    from .render import results
    return results.render_check(out, result, top)


@lazy_command(cli, cls=ExprCommand)
@argument("expr")
@option("--var", default="x", show_default=True, metavar="NAME", help="The variable on the x axis.")
@option("--range", "range_", default="-5:5", show_default=True, metavar="A:B",
              callback=_click_parser(parse_range), help="The interval of the variable.")
@option("--points", type=click.IntRange(2, 5000), default=201, show_default=True,
              help="Number of sample points.")
@option("--ylim", default=None, metavar="A:B", callback=_click_parser(parse_range),
              help="The vertical range (default: fitted to the curves).")
@option("--only", type=click.Choice(["f", "df"]), default=None,
              help="Draw only f or only df/dVAR (default: both).")
@option("--out", "-o", "out_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write a .svg or .png file instead of drawing in the terminal.")
@common_later()
def plot(expr, var, range_, points, ylim, only, out_path, common):
    """Draw EXPR and df/dVAR over a range, in the terminal or to a file.

    \b
    Examples:
      gradcli plot 'x**2*sin(x)' --range -3:3
      gradcli plot 'tanh(x)' --range -2pi:2pi --out tanh.svg
    """
    if not _valid_name(var):
        raise click.BadParameter(f"not a variable name: {var!r}", param_hint="--var")
    if out_path and not out_path.lower().endswith((".svg", ".png")):
        raise click.BadParameter("the file name must end in .svg or .png", param_hint="--out")
    check_leaves({k: v for k, v in common.variables().items() if k != var})
    out = common.output()
    session = common.session(out)
    from .render import plot as plotting
    done = []
    with common.progress(out, session, f"sampling {expr}", steps=lambda: len(done), total=points):
        data = plotting.sample(session, expr, var, range_, points, common.variables(),
                               only=only, ylim=ylim, done=done)
    return plotting.draw(out, data, out_path)


# the commands that explain derivatives (issue 10) live in their own module, imported when
# one of them runs or the commands are listed (clicommon.LazyCommands; W1 start-up)
# (not `from . import`: that asks gradcli.__getattr__ first, which imports the engine)
cli.commands.add_lazy(("diff", "taylor"), lambda: importlib.import_module(
    ".cli_explain", __package__).commands(common_options))
cli.add_command(help_command)       # gradcli help TOPIC (clihelp.py)


def main():
    cli.main(prog_name="gradcli", obj=State(owns_process=True))


if __name__ == "__main__":
    main()
