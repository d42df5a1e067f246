"""The frame every gradcli command shares: its state and common options, the click
classes (the group, commands whose EXPR may start with '-'), reading scripts and values,
and ``_guarded``, the one place where errors become messages and exit codes:

    0 success, 1 an error in the script (or a failed check), 2 usage and syntax
    errors, 130 Ctrl-C, 141 the reader closed the pipe (quietly).

Like cli.py it imports only click and the standard library at the top (start-up).
"""
from __future__ import annotations

import functools
import os
import sys

import click

from .clihelp import SectionedCommand, better_suggestions, mark_common
from .cliparse import (_click_parser, _valid_name, check_value, limit_option, no_limits,
                       parse_assignment, MAX_SIZE, _max_depth)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPT, EXIT_PIPE = 0, 1, 2, 130, 141


class State:
    """Per-invocation facts the error handler needs (never a module global)."""

    def __init__(self, owns_process: bool = False):
        self.format = None
        self.debug = False
        self.held = []          # the command's clock (limits.Clock), released at the end
        # main() as the program: the process may cap its address space and end itself
        # (watchdog); never when called as a library or by a test runner
        self.owns_process = owns_process

    def release(self):
        while self.held:
            self.held.pop().__exit__(None, None, None)


# value parsing lives in cliparse.py (re-exported here: tests and callers import from cli)


# ----------------------------------------------------------------- common options

class Common:
    """The common options of one invocation, and what is built from them."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def output(self):
        from .render.output import Output, resolve_format
        fmt = resolve_format(self.format)
        ctx = click.get_current_context(silent=True)
        if ctx is not None and isinstance(ctx.find_object(State), State):
            ctx.find_object(State).format = fmt
        return Output(fmt, out=sys.stdout, err=sys.stderr)

    def variables(self) -> dict:
        values = {}
        if self.vars_file:
            values.update(self.vars_file)
        for name, value in self.set_values or ():
            values[name] = value
        return values

    def progress(self, output, session, what, steps=None, total=None):
        """A status line on stderr while a long run goes (render/progress.py)."""
        from .render.progress import Progress
        if steps is None:
            steps = lambda: session._rt.used      # noqa: E731 - the runtime's step counter
        timeout = session.options.limits.timeout
        return Progress(output, what, steps=steps, total=total, timeout=timeout)

    def session(self, output, variables=None):
        from .session import Limits, Options, Session
        given = {name: getattr(self, name) for name in LIMIT_OPTIONS}
        base = no_limits(Limits(), LIMIT_OPTIONS) if self.no_limits else {}
        limits = Limits(**{**base, **{k: v for k, v in given.items() if v is not None}})
        opts = Options(dtype=self.dtype, seed=self.seed, strict=self.strict,
                       allow_read=tuple(self.allow_read), allow_write=tuple(self.allow_write),
                       limits=limits, variables=self.variables() if variables is None else variables)
        session = Session(opts, on_print=output.print_event, on_warning=output.warning)
        _hold_for_command(session, limits)
        return session


def _hold_for_command(session, limits) -> None:
    """A command's process: its address space capped from --max-memory, its clock
    held from here to the end (every rerun of check, every point of plot), with the
    watchdog on; the REPL's entries each hold a clock of their own."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    if state is None:
        return
    if state.owns_process:
        from .lang.limits import cap_address_space
        cap_address_space(limits.max_memory)
        session.watchdog = True
    if ctx.command.name == "repl":
        return
    hold = session.hold_clock(watchdog=state.owns_process)
    hold.__enter__()
    state.held.append(hold)


def _read_vars_file(path: str) -> dict:
    import json
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(16 * 2**20))
    except OSError as e:
        raise click.BadParameter(f"cannot read {path!r}: {e.strerror}", param_hint="--vars") from None
    except (ValueError, RecursionError) as e:
        raise click.BadParameter(f"{path!r} is not valid JSON: {e}", param_hint="--vars") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path!r} must hold a JSON object of NAME: VALUE", param_hint="--vars")
    out = {}
    for name, value in data.items():
        if not _valid_name(name):
            raise click.BadParameter(f"{name!r} is not a valid variable name", param_hint="--vars")
        try:
            out[name] = check_value(value)
        except ValueError as e:
            raise click.BadParameter(f"{name}: {e}", param_hint="--vars") from None
    return out


def _format_option(f):
    return click.option("--format", "format", type=click.Choice(["pretty", "plain", "json"]),
                        default=None,
                        help="Output format [default: pretty on a terminal, plain otherwise "
                             "or when NO_COLOR is set].")(f)


# the session's Limits fields, each raised by the option of the same name (--max-steps, ...)
LIMIT_OPTIONS = ("timeout", "max_steps", "max_memory", "max_elements", "max_depth", "max_nesting",
                 "max_source", "max_graph", "max_list", "max_flops")

_COMMON = [
    click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), default=None, metavar="N",
                 help="Seed the random generator."),
    click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
                 show_default=True, help="Default floating dtype of tensors."),
    click.option("--set", "set_values", multiple=True, metavar="NAME=VALUE",
                 callback=_click_parser(parse_assignment, multiple=True),
                 help="Define a variable (a number or a list literal); repeatable."),
    click.option("--vars", "vars_file", type=click.Path(dir_okay=False), metavar="FILE.json",
                 callback=lambda ctx, param, value: _read_vars_file(value) if value else None,
                 help="Define variables from a JSON object of NAME: VALUE."),
    click.option("--allow-read", multiple=True, type=click.Path(), metavar="PATH",
                 help="Let load() read this file or directory; repeatable."),
    click.option("--allow-write", multiple=True, type=click.Path(), metavar="PATH",
                 help="Let save() write this file or directory; repeatable."),
    click.option("--timeout", callback=limit_option("float", 0, 1e6, low_open=True),
                 metavar="SECONDS", help="Stop the command after this much wall time."),
    click.option("--max-steps", callback=limit_option("int", 1, 10 ** 15), metavar="N",
                 help="Stop after N loop iterations and calls."),
    click.option("--max-memory", callback=limit_option("size", 1, MAX_SIZE), metavar="SIZE",
                 help="Total memory the run may grow by (e.g. 512M, 2GiB)."),
    click.option("--max-elements", callback=limit_option("int", 1, 10 ** 12), metavar="N",
                 help="Elements allowed in one tensor."),
    click.option("--max-depth", callback=limit_option("int", 1, _max_depth), metavar="N",
                 help="Nested calls of script functions allowed."),
    click.option("--max-nesting", callback=limit_option("int", 1, 1000), metavar="N",
                 help="Expression and bracket nesting allowed."),
    click.option("--max-source", callback=limit_option("size", 1, 64 * 2 ** 20), metavar="SIZE",
                 help="Largest script text accepted (e.g. 1M)."),
    click.option("--max-graph", callback=limit_option("int", 1, 10 ** 9), metavar="N",
                 help="Depth of a tensor's graph history allowed (nodes)."),
    click.option("--max-list", callback=limit_option("int", 1, 10 ** 9), metavar="N",
                 help="Length of a list, tuple or string a script may make."),
    click.option("--max-flops", callback=limit_option("float", 0, 1e18, low_open=True),
                 metavar="N", help="Work of costly kernels allowed in one run (e.g. 1e12)."),
    click.option("--no-limits", is_flag=True,
                 help="Lift the time, step, memory and size limits (for your own scripts; "
                      "--max-depth and --max-nesting stay)."),
    click.option("--precision", type=click.IntRange(0, 30), metavar="N",
                 help="Digits after the point in printed tensors (PyTorch's default: 4)."),
    click.option("--strict", is_flag=True,
                 help="A NaN or infinity from any operation is an error (else a warning)."),
    click.option("--debug", is_flag=True, help="Show the internal traceback of an error."),
]


def common_options(output_format=True):
    """The options every command shares, spelled the same everywhere; the command
    receives them as one ``common`` argument."""
    names = ("seed", "dtype", "set_values", "vars_file", "allow_read", "allow_write",
             "strict", "debug", "format", "no_limits", "precision") + LIMIT_OPTIONS

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            common = Common(**{n: kw.pop(n, None) for n in names})
            state = click.get_current_context().find_object(State)
            if state is not None:
                state.debug = bool(common.debug)
                state.format = common.format
            from .engine.printing import set_printoptions
            set_printoptions(precision=common.precision, profile="default")   # fresh per invocation
            return f(*args, common=common, **kw)
        options = list(_COMMON) + ([_format_option] if output_format else [])
        before = len(getattr(wrapper, "__click_params__", ()))
        for option in reversed(options):
            wrapper = option(wrapper)
        mark_common(wrapper.__click_params__[before:], LIMIT_OPTIONS)
        return wrapper
    return decorate


# ----------------------------------------------------------------- the one error handler

def _guarded(call, state: State) -> int:
    """Run the command line; map every outcome to (message, exit code)."""
    try:
        rv = call()
        try:
            sys.stdout.flush()
        except OSError as e:
            from .render.output import output_error
            raise output_error(e) from None
        return rv if isinstance(rv, int) else EXIT_OK
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        better_suggestions(e)
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("Interrupted", err=True)
        return EXIT_INTERRUPT
    except KeyboardInterrupt:
        _debug_traceback(state)
        click.echo("Interrupted", err=True)
        return EXIT_INTERRUPT
    except BaseException as e:          # noqa: BLE001 - the one place that decides
        from .render.output import OutputClosed, OutputFailed, output_error
        if isinstance(e, OSError):              # writing output failed (EPIPE, a full disk)
            e = output_error(e)
        if isinstance(e, OutputClosed):         # EPIPE while the script was printing
            _silence_stdout()
            return EXIT_PIPE
        if isinstance(e, OutputFailed):
            if e.on_stdout:
                _silence_stdout()
            click.echo(f"gradcli: error: {e}", err=True)
            return e.exit_code
        if not isinstance(e, Exception):        # SystemExit and the like
            raise
        from .lang.errors import GxError
        if isinstance(e, GxError):
            _debug_traceback(state)
            from .render.output import Output, resolve_format
            try:
                out = Output(resolve_format(state.format), out=sys.stdout, err=sys.stderr)
                out.error(e)
                if out.json:                    # machines reading stdout learn of it too
                    from .lang.errors import error_event
                    out.emit(error_event(e))
            except (BrokenPipeError, OSError):
                pass
            return e.exit_code
        if state.debug:
            _debug_traceback(state)
        click.echo(f"gradcli: internal error: {type(e).__name__}: {e}"
                   + ("" if state.debug else " (run with --debug for the traceback)"), err=True)
        return EXIT_ERROR


def _standard_streams() -> None:
    """A closed standard input reads as empty; a closed standard output fails on the
    first write (OutputFailed, exit 1) instead of crashing on ``None``."""
    import io
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(_ClosedStream(), encoding="utf-8", write_through=True)
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")


class _ClosedStream:
    """The raw stream behind a closed standard output: every write is EBADF."""
    closed = False

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def write(self, data):
        import errno
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        import io
        raise io.UnsupportedOperation("fileno")

    def close(self):
        pass


def _debug_traceback(state: State) -> None:
    if state.debug:
        import traceback
        traceback.print_exc(file=sys.stderr)


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the final flush stays quiet."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def _output_errors(call, *args, **kw):
    try:
        return call(*args, **kw)
    except OSError as e:
        from .render.output import output_error
        raise output_error(e) from e


class ExprCommand(SectionedCommand):
    """A command whose first argument is an expression: one starting with '-'
    ('-x**2') is taken as that argument, not as an unknown option."""

    def parse_args(self, ctx, args):
        if any(a[:1] == "-" and a[1:2] not in ("", "-") for a in args):   # '-x', not '--x'
            from .pipeline.cli import expr_first
            args = expr_first(self, ctx, list(args))
        return super().parse_args(ctx, args)


class LazyCommands(dict):
    """click's ``Group.commands`` where some commands are made by a module imported only
    when one of them is asked for (``get``) or the whole table is listed (``--help``, the
    man page, suggestions): ``gradcli grad`` does not import the explain commands (start-up
    is a benchmark, W1). Their names hold their place in the listing order meanwhile."""

    def __init__(self, *args):
        super().__init__(*args)
        self.lazy = {}          # name -> make(): the commands of that name's module

    def add_lazy(self, names, make):
        for name in names:
            self.lazy[name] = make
            dict.__setitem__(self, name, None)

    def _load(self, name=None):
        for n in ([name] if name is not None else list(self.lazy)):
            make = self.lazy.pop(n, None)
            if make is not None:
                for command in make():
                    self.lazy.pop(command.name, None)
                    dict.__setitem__(self, command.name, command)

    def get(self, name, default=None):
        if name in self.lazy:
            self._load(name)
        return dict.get(self, name, default)

    def __getitem__(self, name):
        if name in self.lazy:
            self._load(name)
        return dict.__getitem__(self, name)

    def __iter__(self):
        self._load()
        return dict.__iter__(self)

    def items(self):
        self._load()
        return dict.items(self)

    def values(self):
        self._load()
        return dict.values(self)

    def keys(self):
        self._load()
        return dict.keys(self)


def _engine_first(args):
    """Import the engine (numpy) here, at the bottom of the call stack, when the command
    line will need it (not for --help, --version, `help`). Imported from inside click's
    call chain instead, numpy's import recursion goes back and forth across a boundary
    of CPython 3.11's 16 KiB frame-stack chunks: ~800 mmap/munmap pairs and their page
    faults, ~5 ms of system time in every `gradcli grad` (W1). tests/test_startup.py
    counts them."""
    if any(a in ("-h", "--help", "-V", "--version") for a in args):
        return
    words = [a for a in args if not a.startswith("-")]
    if words and words[0] == "help":
        return
    _short_blas_spin()
    import numpy  # noqa: F401  (first: the shallowest place)
    from . import engine  # noqa: F401


# OpenBLAS's worker threads spin for 2**28 cycles (~0.1 s) after they start and after each
# job before they sleep: in a process that lives ~0.1 s after `import numpy`, that is one
# core's whole time, a third of `gradcli grad`'s CPU (W1). 2**20 cycles (~0.4 ms) keeps
# them spinning between the matmuls of a loop (1500 matmuls of 96x96: the same wall time
# as 2**28; 2**4, OpenBLAS's minimum, made it 40% slower waking them each time) and lets
# them sleep at start. Only the CLI process sets it, only when the user has not, and
# before numpy loads OpenBLAS (it reads it once, at load). docs/performance.md.
BLAS_SPIN = ("OPENBLAS_THREAD_TIMEOUT", "20")


def _short_blas_spin():
    if "numpy" not in sys.modules:
        os.environ.setdefault(*BLAS_SPIN)


def deferred(decorator):
    """``decorator`` (click.option, click.argument, common_options) recorded on the function
    and applied when ``lazy_command`` builds the command: click makes an Option object per
    option and command (~170 at import, ~10 ms), so only the command a process runs is
    built (W1 start-up)."""
    def later(*args, **kw):
        def record(f):
            f.__dict__.setdefault("_deferred", []).append((decorator, args, kw))
            return f
        return record
    return later


def lazy_command(group, name=None, **attrs):
    """``@group.command(name, **attrs)`` built on first use (``LazyCommands``) from the
    function's deferred decorators; the module keeps the plain function, and code that
    needs the command asks the group (``group.get_command(ctx, name)``)."""
    def register(f):
        cmd_name = name or f.__name__

        def build():
            g = f
            for decorator, args, kw in f.__dict__.get("_deferred", ()):
                g = decorator(*args, **kw)(g)
            return [click.command(cmd_name, **{"cls": group.command_class, **attrs})(g)]
        group.commands.add_lazy((cmd_name,), build)
        return f
    return register


class GradcliGroup(click.Group):
    command_class = SectionedCommand        # every command's --help: options under headings

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.commands = LazyCommands(self.commands)

    # click's main() turns EPIPE into exit 1 (and other OSErrors into tracebacks):
    # the two places its main() calls map them first (the reader went away is 141)
    def make_context(self, *args, **kw):
        return _output_errors(super().make_context, *args, **kw)

    def invoke(self, ctx):
        return _output_errors(super().invoke, ctx)

    def list_commands(self, ctx):
        return list(self.commands)      # in the order they are defined: run, grad, repl, ...

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        _standard_streams()
        _engine_first(sys.argv[1:] if args is None else args)
        state = State()
        extra.setdefault("obj", state)
        state = extra["obj"] if isinstance(extra["obj"], State) else state
        try:
            code = _guarded(lambda: super(GradcliGroup, self).main(
                args, prog_name or "gradcli", complete_var, standalone_mode=False, **extra), state)
        finally:
            state.release()
        if standalone_mode:
            sys.exit(code)
        return code


# ----------------------------------------------------------------- commands

def _read_script(path: str):
    """(source bytes, filename for messages); '-' is standard input."""
    limit = 64 * 2**20      # the session refuses far smaller sources; never read more
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode()
        return data, "<stdin>"
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1), path
    except OSError as e:
        raise click.BadParameter(f"cannot read {path!r}: {e.strerror}", param_hint="SCRIPT") from None


def _parse_values(values) -> dict:
    try:
        return dict(parse_assignment(v) for v in values)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="NAME=VALUE") from None
