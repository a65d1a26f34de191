"""Signals csdocker receives while attached (a run, an exec), handled as the docker CLI handles them.

With ``--sig-proxy`` (the default) the docker CLI catches every signal and sends
each to the container (``POST /containers/ID/kill?signal=NAME``), except CHLD,
PIPE and URG; it never dies of one itself. Without it, other signals take their
default action. Either way it counts INT and TERM: at the third it gives up,
prints ``got 3 SIGTERM/SIGINTs, forcefully exiting``, gives the terminal back and
exits 1 (the way out of a container that ignores them). An exec's CLI relays none:
the first INT or TERM lets go (``on_termination``), the signals Go's runtime ignores are
ignored (``ignore=GO_IGNORED``), the others take their default action.

Python runs signal handlers in the main thread only, so the handlers here just
queue the signal and a relay thread makes the HTTP call. The threads csdocker
starts for a run block signals (``quiet_thread``), so the kernel hands every
signal to the main thread. The fault signals (SEGV, BUS, FPE, ILL) cannot have a
Python handler (a real fault would spin), so they are blocked and collected with
sigtimedwait: one sent with kill(1) is relayed, a real fault still kills.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["FORCED_EXIT_MESSAGE", "GO_IGNORED", "NOT_FORWARDED", "SignalRelay", "quiet_thread", "signal_name",
           "take_back_termination_signals"]

NOT_FORWARDED = frozenset({signal.SIGCHLD, signal.SIGPIPE, signal.SIGURG})
_UNCATCHABLE = frozenset({signal.SIGKILL, signal.SIGSTOP})
_FAULTS = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL})
_TERMINATION = (signal.SIGINT, signal.SIGTERM)
_TERMINATION_LIMIT = 3
FORCED_EXIT_MESSAGE = "\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n"
# Signals whose default action is not to end the process.
_HARMLESS = frozenset({signal.SIGCHLD, signal.SIGURG, signal.SIGWINCH, signal.SIGCONT,
                       signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGPIPE})
_ALIASES: dict[int, str] = {signal.SIGABRT: "ABRT", signal.SIGIO: "IO", signal.SIGCHLD: "CHLD"}
_ALL = frozenset(signal.valid_signals()) - {0}
# Signals a Go program that asks for none of them ignores (Go's runtime drops them unless told otherwise):
# the docker CLI during an exec. The others (HUP, QUIT, ABRT, ...) still end it.
GO_IGNORED = frozenset({
    signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGVTALRM,
    signal.SIGPROF, signal.SIGIO, signal.SIGPWR, *range(signal.SIGRTMIN, signal.SIGRTMAX + 1),
})


def signal_name(signum: int) -> str | None:
    """The name the Engine API takes (``TERM``, ``RTMIN+3``, ``RTMAX-1``); None when there is none."""
    rtmin, rtmax = int(signal.SIGRTMIN), int(signal.SIGRTMAX)
    if rtmin <= signum <= rtmax:
        if signum == rtmin:
            return "RTMIN"
        if signum == rtmax:
            return "RTMAX"
        offset = signum - rtmin
        return f"RTMIN+{offset}" if offset <= 15 else f"RTMAX-{rtmax - signum}"
    if signum in _ALIASES:
        return _ALIASES[signum]
    try:
        return signal.Signals(signum).name.removeprefix("SIG")
    except ValueError:
        return None


def take_back_termination_signals() -> None:
    """INT and TERM as the docker CLI has them from its start (its main asks for both, and Go takes
    back a SIGINT ignored at start when asked for it): for the commands csdocker runs in the CLI's
    place (run, exec, an ECR pull or push), one started with either ignored (a script's background
    job ignores INT) takes it back before anything else, so that INT during a pull ends the run (130).
    The others stay as they were started: the CLI takes HUP back only where it asks for every signal
    (a run's --sig-proxy, SignalRelay)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
        if signal.getsignal(signum) == signal.SIG_IGN:
            signal.signal(signum, handler)


def quiet_thread(target: Callable[[], Any], name: str) -> threading.Thread:
    """A started daemon thread that blocks every signal (they go to the main thread instead)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _ALL)  # the new thread inherits this mask
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return thread


class SignalRelay:
    """Install with ``start()`` (main thread), undo with ``stop()``.

    ``forward(name)`` is called (on the relay thread) for each signal to send to
    the container, or never when ``forward`` is None (``--sig-proxy=false``).
    ``on_winch()`` is called for each SIGWINCH (the TTY resize). ``on_fatal()``
    runs before csdocker dies of a signal it does not relay (restores the terminal).
    ``on_termination()``, when given, is called for each INT and TERM instead of counting them
    to three (``docker exec`` gives up at the first: it runs in the main thread and may raise).
    ``ignore``: signals ignored while the relay is installed (``GO_IGNORED`` for an exec), before
    anything else is installed, so that none of them is taken for one to die of.
    """

    def __init__(
        self,
        *,
        forward: Callable[[str], None] | None,
        on_winch: Callable[[], None] | None = None,
        on_fatal: Callable[[], None] | None = None,
        on_termination: Callable[[], None] | None = None,
        ignore: frozenset[int] = frozenset(),
        stderr_fd: int = 2,
    ) -> None:
        self.forward = forward
        self.ignore = ignore
        self.on_termination = on_termination
        self.on_winch = on_winch
        self.on_fatal = on_fatal
        self.stderr_fd = stderr_fd
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._previous: dict[int, Any] = {}
        self._old_mask: set[int] | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._terminations = 0

    @property
    def active(self) -> bool:
        return bool(self._previous) or self._old_mask is not None

    def start(self) -> SignalRelay:
        if threading.current_thread() is not threading.main_thread():
            return self  # signal handlers can only be set from the main thread
        for signum in sorted(self.ignore):
            self._install(signum, signal.SIG_IGN)
        self._threads.append(quiet_thread(self._relay, "csdocker-signals"))
        if self.forward is not None:
            for signum in sorted(_ALL - _UNCATCHABLE - NOT_FORWARDED - _FAULTS - set(_TERMINATION)):
                self._install(signum, self._queue_it)
            for signum in _TERMINATION:
                self._install(signum, self._termination)
            self._old_mask = set(signal.pthread_sigmask(signal.SIG_BLOCK, _FAULTS))
            self._threads.append(quiet_thread(self._collect_faults, "csdocker-fault-signals"))
            return self
        if self.on_winch is not None:
            self._install(signal.SIGWINCH, self._queue_it)
        for signum in _TERMINATION:
            self._install(signum, self._termination)
        if self.on_fatal is not None:
            for signum in sorted(_ALL - _UNCATCHABLE - _FAULTS - _HARMLESS - set(_TERMINATION)):
                if signal.getsignal(signum) is signal.SIG_DFL:
                    self._install(signum, self._die)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        for signum, previous in self._previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(signum, previous)
        self._previous.clear()
        if self._old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._old_mask)
            self._old_mask = None

    def _install(self, signum: int, handler: Callable[[int, Any], None] | signal.Handlers) -> None:
        # Some signals are not settable (the C library keeps a few for itself).
        with contextlib.suppress(OSError, ValueError):
            self._previous.setdefault(signum, signal.signal(signum, handler))  # the first one is the one to give back

    def _queue_it(self, signum: int, _frame: Any) -> None:
        self._queue.put(signum)  # SimpleQueue.put is safe in a signal handler

    def _termination(self, signum: int, _frame: Any) -> None:
        if self.on_termination is not None:
            self.on_termination()  # the caller's own way out (an exec's: the first one ends it)
            return
        if self.forward is not None:
            self._queue.put(signum)
        self._terminations += 1
        if self._terminations >= _TERMINATION_LIMIT:
            with contextlib.suppress(OSError):
                os.write(self.stderr_fd, FORCED_EXIT_MESSAGE.encode())
            if self.on_fatal is not None:
                self.on_fatal()
            # Unwinds the run (its cleanup still happens), then csdocker exits 1 as the CLI does.
            raise SystemExit(1)

    def _die(self, signum: int, _frame: Any) -> None:
        if self.on_fatal is not None:
            self.on_fatal()
        signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
        os.kill(os.getpid(), signum)

    def _relay(self) -> None:
        while True:
            signum = self._queue.get()
            if signum is None or self._stopping.is_set():
                return
            if signum == signal.SIGWINCH and self.on_winch is not None:
                with contextlib.suppress(Exception):
                    self.on_winch()
            name = signal_name(signum)
            if self.forward is not None and name is not None:
                with contextlib.suppress(Exception):
                    self.forward(name)

    def _collect_faults(self) -> None:
        while not self._stopping.is_set():
            info = signal.sigtimedwait(_FAULTS, 0.25)
            if info is not None and not self._stopping.is_set():
                self._queue.put(info.si_signo)
