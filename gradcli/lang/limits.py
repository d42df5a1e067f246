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

from .errors import GxLimitError
from .records import Record


class Limits(Record):
    """The run's limits (seconds, counts, bytes); ``Limits.field_names()`` in order."""
    FIELDS = (("timeout", 60.0), ("max_steps", 10_000_000), ("max_depth", 200),
              ("max_nesting", 100), ("max_elements", 10_000_000), ("max_memory", 4 * 1024 ** 3),
              ("max_source", 128 * 1024), ("max_graph", 1_000_000), ("max_list", 1_000_000),
              ("max_flops", 5e11))

    @classmethod
    def option_name(cls, field_name: str) -> str:
        """The CLI option that raises a limit: 'max_steps' -> '--max-steps'."""
        return "--" + field_name.replace("_", "-")



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


# ------------------------------------------------------------------ the command's clock

TICK = 0.01          # the timer's period (s): deadline and memory looked at 100 times a second
GRACE = 0.5          # past the deadline, the watchdog ends a process whose script did not stop
REFIRE = 0.2         # after raising, the timer waits this long before raising again
ADDRESS_MARGIN = 1 << 30   # address space granted beyond --max-memory (threads, arenas, maps)


def rss_bytes() -> int | None:
    """Resident memory of this process (the engine's measure, one definition)."""
    from ..engine.context import rss_bytes as rss
    return rss()


def vm_bytes() -> int | None:
    """Address space of this process (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * _page()
    except (OSError, ValueError, IndexError):
        return None


_PAGE = []


def _page() -> int:
    if not _PAGE:
        import os
        _PAGE.append(os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096)
    return _PAGE[0]


def time_message(timeout) -> str:
    return (f"time limit of {timeout:g} s exceeded (raise it with --timeout, "
            "or --no-limits for a script you trust)")


def memory_message(limit, grown) -> str:
    return (f"memory limit of {_size(limit)} exceeded (the run grew by {_size(grown)}; "
            f"raise it with --max-memory)")


def _size(n) -> str:
    for unit, size in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


class Clock:
    """The one deadline of a command, and its memory watch.

    ``hold()`` starts the clock; nested holds share it, so all reruns of ``check``,
    all points of ``plot``, the backward walk and every engine loop count against
    one ``--timeout``. While held in the main thread, a timer (``setitimer``,
    SIGALRM every ``TICK``) looks at the deadline and at the process's growth and,
    inside ``running()`` sections (where a session runs script code and turns every
    GxError into a positioned message), raises ``GxLimitError``; it raises again on
    each tick until the run has stopped, so no ``except`` can swallow it for good.
    A numpy call that cannot be interrupted is bounded before it starts by the work
    limits (the engine's budget).

    With ``watchdog=True`` (the CLI's processes, never a library or the test
    suite), a thread ends the process ``GRACE`` seconds past the deadline with the
    LimitError message and exit 1 (a native call that never returns), and a first
    Ctrl-C (or SIGTERM, so that ``save()`` removes its temporary file) likewise gets
    ``GRACE`` seconds to unwind before exit 130 ("Interrupted"); a second one ends at once. ``faulthandler`` stays as the very last resort for
    a main thread that keeps the GIL (it cannot be given a message of our own).
    """

    def __init__(self, limits: Limits):
        self.limits = limits
        self.end = None              # time.monotonic() deadline; None: no time limit
        self.mem_base = None         # resident size when the clock started
        self.held = 0
        self.running_depth = 0
        self.watchdog = False
        self.where = None            # () -> 'file:line:col' for the watchdog's message
        self._restore = None
        self._timers = []
        self._interrupts = 0
        self.fired = -1.0

    # ---------------------------------------------------------------- holding
    def hold(self, watchdog: bool = False):
        """Context manager: the clock runs from the outermost hold to its end."""
        return _Hold(self, watchdog)

    def start(self, watchdog: bool = False) -> None:
        import time
        self.held += 1
        if self.held > 1:
            return
        timeout = self.limits.timeout
        now = time.monotonic()
        self.end = now + timeout if timeout else None
        self.mem_base = rss_bytes()
        self.watchdog = watchdog
        self._interrupts = 0
        self.fired = -REFIRE
        self._arm(now)

    def stop(self) -> None:
        if self.held == 0:
            return
        self.held -= 1
        if self.held == 0:
            self._disarm()

    def running(self):
        """Context manager around code whose GxErrors end up as positioned messages:
        only there does the timer raise."""
        return _Running(self)

    def deadline(self):
        """The deadline of the current run: the held clock's, else a fresh one."""
        if self.held:
            return self.end
        import time
        timeout = self.limits.timeout
        return time.monotonic() + timeout if timeout else None

    def base(self):
        return self.mem_base if self.held else rss_bytes()

    # ------------------------------------------------------------ the checks
    def check(self) -> None:
        """Per statement: the deadline (one clock read)."""
        end = self.end
        if end is not None and self.held:
            import time
            if time.monotonic() > end:
                raise GxLimitError(time_message(self.limits.timeout))

    def _on_alarm(self, signum, frame):
        if not self.running_depth:
            return
        import time
        now = time.monotonic()
        if now - self.fired < REFIRE:       # let the error just raised unwind first
            return
        end = self.end
        if end is not None and now > end:
            self.fired = now
            raise GxLimitError(time_message(self.limits.timeout))
        base = self.mem_base
        if base is not None:
            rss = rss_bytes()
            if rss is not None and rss - base > self.limits.max_memory:
                self.fired = now
                raise GxLimitError(memory_message(self.limits.max_memory, rss - base))

    # ------------------------------------------------------- timer and watchdog
    def _arm(self, now) -> None:
        import threading
        if threading.current_thread() is not threading.main_thread():
            return                       # signals reach the main thread only: cooperative
        try:
            import _signal as signal     # the C module: `signal` costs an enum at start-up
        except ImportError:              # pragma: no cover - other implementations
            import signal
        if not hasattr(signal, "setitimer"):
            return
        saved = {"alrm": signal.signal(signal.SIGALRM, self._on_alarm),
                 "timer": signal.setitimer(signal.ITIMER_REAL, TICK, TICK)}
        if self.watchdog:
            saved["int"] = signal.signal(signal.SIGINT, self._on_interrupt)
            saved["term"] = signal.signal(signal.SIGTERM, self._on_interrupt)
            if self.end is not None:
                self._later(self.end + GRACE - now, self._expire)
                import faulthandler
                import sys
                try:
                    faulthandler.dump_traceback_later(self.end + 2 * GRACE - now, exit=True,
                                                      file=sys.__stderr__)
                    saved["faulthandler"] = True
                except (AttributeError, ValueError, OSError, RuntimeError):
                    pass
        self._restore = saved

    def _disarm(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers = []
        saved, self._restore = self._restore, None
        if not saved:
            return
        try:
            import _signal as signal
        except ImportError:              # pragma: no cover
            import signal
        signal.setitimer(signal.ITIMER_REAL, *saved["timer"])
        signal.signal(signal.SIGALRM, saved["alrm"])
        if "int" in saved:
            signal.signal(signal.SIGINT, saved["int"])
            signal.signal(signal.SIGTERM, saved["term"])
        if saved.get("faulthandler"):
            import faulthandler
            faulthandler.cancel_dump_traceback_later()

    def _later(self, seconds, fn) -> None:
        import threading
        t = threading.Timer(max(0.0, seconds), fn)
        t.daemon = True
        t.start()
        self._timers.append(t)

    def _expire(self) -> None:
        where = ""
        try:
            where = (self.where() or "") if self.where is not None else ""
        except Exception:       # noqa: BLE001 - a message must still be written
            where = ""
        prefix = f"{where}: " if where else "gradcli: "
        _last_words(f"{prefix}LimitError: {time_message(self.limits.timeout)}\n", 1)

    def _on_interrupt(self, signum, frame):
        self._interrupts += 1
        if self._interrupts > 1:
            _last_words("Interrupted\n", 130)
        self._later(GRACE, lambda: _last_words("Interrupted\n", 130))
        raise KeyboardInterrupt


def _last_words(message: str, status: int) -> None:
    """Write ``message`` to standard error and end the process now (watchdog)."""
    import os
    try:
        os.write(2, message.encode("ascii", "backslashreplace"))
    except OSError:
        pass
    os._exit(status)


class _Hold:
    __slots__ = ("clock", "watchdog")

    def __init__(self, clock, watchdog):
        self.clock, self.watchdog = clock, watchdog

    def __enter__(self):
        self.clock.start(self.watchdog)
        return self.clock

    def __exit__(self, *exc):
        self.clock.stop()
        return False


class _Running:
    __slots__ = ("clock",)

    def __init__(self, clock):
        self.clock = clock

    def __enter__(self):
        self.clock.running_depth += 1
        return self.clock

    def __exit__(self, *exc):
        self.clock.running_depth -= 1
        return False


def cap_address_space(max_memory: int) -> None:
    """Last line of defence: the process may map at most what it maps now, plus
    ``max_memory``, plus a margin for threads and allocator arenas, so that a path
    nobody thought of ends in MemoryError (a LimitError message), never in the
    host's OOM killer. Only ever lowers the limit; once per process is enough."""
    try:
        import resource
    except ImportError:          # pragma: no cover - not on this platform
        return
    now = vm_bytes()
    if now is None or not max_memory or max_memory >= 1 << 50:   # --no-limits: no cap
        return
    want = now + int(max_memory) + ADDRESS_MARGIN
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError, OverflowError):
        pass


# ------------------------------------------------------------------ recursion and the C stack

STACK_BYTES_PER_LEVEL = 320   # C stack one level of a native walk may take (measured
#                               ~170 B for list comparison/repr/json on CPython 3.11; x2)
MAX_NESTING_OPTION = 1000     # --max-nesting at most this


def stack_bytes() -> int:
    """The main thread's C stack (RLIMIT_STACK; 8 MiB when unknown or unlimited)."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    except (ImportError, ValueError, OSError):
        return 8 << 20
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return 64 << 20
    return soft


def recursion_cap() -> int:
    """The highest recursion limit the C stack holds: CPython 3.11 counts native
    recursion (comparing, printing nested lists) against the same limit, so a limit
    past this would let a deep value crash the process instead of raising."""
    return max(1000, stack_bytes() // STACK_BYTES_PER_LEVEL)


def recursion_want(lim: Limits) -> int:
    """The recursion limit a run needs: ~6 Python frames per script call (x2 for
    margin), more for expression nesting; never past ``recursion_cap()``."""
    return min(16 * lim.max_depth + 8 * lim.max_nesting + 4000, recursion_cap())


def max_depth_option() -> int:
    """The largest --max-depth this process can honour (its C stack)."""
    return max(1, (recursion_cap() - 4000 - 8 * 100) // 16)


# ------------------------------------------------------------------ bounded values

VALUE_DEPTH = 1000      # lists/tuples/dicts nested deeper than this are not walked natively
_CONTAINERS = (list, tuple, dict)


def weigh(value, cap: int) -> tuple[int, int]:
    """(items, depth) of a walk over ``value``: items counted once per path, so that
    ``a = [a, a]`` forty times weighs 2^40 although it holds 41 lists; found over the
    distinct containers only (time proportional to what the value holds, never to what
    a walk would visit). Stops as soon as the items pass ``cap``. A container inside
    itself counts once (walks write it as ``[...]``); subclasses count as their base.
    A container whose elements are all plain (the common case: a list of 10^6 numbers)
    is looked at by C loops only (``set(map(type, v))``), not element by element."""
    if not isinstance(value, _CONTAINERS):
        return 0, 0
    memo = {}             # id -> (items, depth) of a finished container
    on_path = set()
    keep = []             # containers seen: their ids stay theirs while we look
    stack = [(value, None)]
    while stack:
        v, kids = stack.pop()
        key = id(v)
        if kids is not None:
            on_path.discard(key)
            items, depth = len(v), 0
            for x in kids:
                w, d = memo.get(id(x), (1, 0))
                items += w
                depth = d if d > depth else depth
            if items > cap:
                return items, depth + 1
            memo[key] = (items, depth + 1)
            continue
        if key in memo or key in on_path:
            continue
        on_path.add(key)
        keep.append(v)
        if len(keep) > cap:
            return cap + 1, len(on_path)
        kids = _containers_in(v)
        stack.append((v, kids))
        stack.extend((x, None) for x in kids if id(x) not in memo)
    return memo[id(value)]


def _containers_in(v) -> list:
    """The lists, tuples and dicts directly inside ``v`` (a dict: its keys, then values)."""
    parts = (v.keys(), v.values()) if isinstance(v, dict) else (v,)
    kids = []
    for part in parts:
        if any(issubclass(t, _CONTAINERS) for t in set(map(type, part))):
            kids.extend(x for x in part if isinstance(x, _CONTAINERS))
    return kids


def bound(value, limit: int, what: str = "a list") -> None:
    """Before a native walk (comparing, counting, hashing, formatting, converting):
    GxLimitError when ``value`` would take more than ``16 * limit`` steps (``limit`` is
    --max-list) or nests deeper than ``VALUE_DEPTH`` levels."""
    if not isinstance(value, _CONTAINERS):
        return
    cap = 16 * limit
    if what == "a list" and type(value) is not list:
        what = "a tuple" if isinstance(value, tuple) else "a dict"
    items, depth = weigh(value, cap)
    if items > cap:
        raise GxLimitError(limit_message(
            f"{what} that would take more than {human(cap)} steps to walk (16 per allowed "
            "element; shared parts count once per path)", "max_list", limit))
    if depth > VALUE_DEPTH:
        raise GxLimitError(f"{what} nested more than {VALUE_DEPTH} levels deep cannot be "
                           "compared, printed or converted")


def bound_walk(*values, what: str = "a list") -> None:
    """``bound`` each value with the running session's --max-list: called before every
    native walk a script can start (comparisons, ``in``, ``count``/``index``, ``max``/
    ``min``, ``str``/``print``/``%``, JSON)."""
    from .runtime import CURRENT_RT
    rt = CURRENT_RT.get()
    limit = rt.limits.max_list if rt is not None else Limits.max_list
    for v in values:
        if isinstance(v, _CONTAINERS):
            bound(v, limit, what)
