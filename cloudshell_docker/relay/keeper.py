"""The relay's copy of the upstream credentials, fetched again from the source before they expire.

Three rules shape it:

* The SDKs in the container refresh when about 15 minutes are left (botocore's advisory
  window), so the keeper asks the source again once a set has ``min(15 min, half its
  lifetime)`` left, and keeps asking (ever more often) until the source hands out a new set.
* A request is answered from the copy in hand whenever that copy is good for at least
  ``MIN_SERVE`` more seconds; the source is never called on a request's path then, so a slow
  or failing source costs the container nothing while the copy lasts.
* A set that is about to expire is not handed out while a short wait may bring its successor:
  an endpoint that rotates only at expiry would otherwise give out credentials that expire
  between the SDK's fetch and AWS's check. The wait is bounded below the SDKs' 2 s timeout.

When the source fails and nothing valid is left, a request gets ``Unavailable`` (the relay
answers 500, the SDKs retry) and the background refresher keeps trying every few seconds, so
service resumes shortly after the source is back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cloudshell_docker.credentials.clock import Clock, utc_now
from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource
from cloudshell_docker.credentials.session import redacted
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.redact import redact

__all__ = [
    "HOLD_LIMIT_SECONDS",
    "LONG_LIVED_HORIZON",
    "MIN_SERVE_SECONDS",
    "RECOVERED",
    "REFRESH_AHEAD",
    "CredentialKeeper",
    "Handout",
    "Unavailable",
]

# Below this much validity a set is not handed out while its successor may be a short wait away.
MIN_SERVE_SECONDS = 1.5
# The longest a request waits for the source to rotate (botocore gives the endpoint 2 s).
HOLD_LIMIT_SECONDS = 1.8
# Ask the source again this long before expiry at the latest (SDKs refresh 15 minutes ahead).
REFRESH_AHEAD = timedelta(minutes=15)
# Credentials without an expiry (a profile's long-lived keys) are handed out as valid this long,
# because the SDKs require an Expiration; they come back for the same keys after that.
LONG_LIVED_HORIZON = timedelta(hours=1)
# How often a refresher that is waiting for the source to rotate asks again (bounds).
POLL_MIN_SECONDS = 1.0
POLL_MAX_SECONDS = 60.0
# The end of the line reported when the source hands out credentials again after failing.
RECOVERED = "credentials fetched again"
# Back-off after a failed fetch: capped low while nothing valid is held (the container is
# waiting), higher while the copy in hand still serves.
RETRY_CAP_EMPTY_SECONDS = 4.0
RETRY_CAP_HELD_SECONDS = 30.0


class Unavailable(Exception):
    """No valid credentials to hand out; ``message`` is one safe line for the 500 answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Handout:
    """What one request gets: the credentials, and the expiry to tell the SDK (host clock)."""

    credentials: AwsCredentials
    expiration: datetime


def _error_line(err: BaseException) -> str:
    if isinstance(err, CsDockerError):
        return redact(err.message)
    # A bug or an unexpected library error in a source: its type only, its text may hold anything.
    return f"the credential source failed unexpectedly ({type(err).__name__})"


class CredentialKeeper:
    """Holds the current credentials of ``source`` and refreshes them.

    ``prime`` does the first fetch (its CredentialError fails the run before anything is
    created); ``handout`` answers one request; ``start``/``stop`` run the background refresher.
    ``clock`` and ``sleep`` are there for tests. ``source`` is held as ``credentials.session``'s
    ``RedactedSource`` (a session's source already is one; any other is wrapped), so that every set
    it fetches, the refresher's too, is registered for redaction there, as for every command.
    """

    def __init__(
        self,
        source: CredentialSource,
        *,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source: CredentialSource = redacted(source)
        self._clock = clock
        self._sleep = sleep
        self._state = threading.Lock()
        self._fetching = threading.Lock()
        self._current: AwsCredentials | None = None
        self._lifetime = 0.0  # seconds from first sight to expiry of the current set
        self._fetches = 0  # completed fetches, to let a waiting request skip a duplicate one
        self._failures = 0  # consecutive failed fetches
        self._last_error: str | None = None
        self.rotations = 0  # how many times the source handed out a new set after the first
        # Told each change of the source's health (its error line, or recovery): the relay's
        # owner's diagnostics. Requests get only a generic 500; this is where the reason goes.
        self.report: Callable[[str], None] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state -------------------------------------------------------------------------------

    @property
    def current(self) -> AwsCredentials | None:
        with self._state:
            return self._current

    @property
    def last_error(self) -> str | None:
        with self._state:
            return self._last_error

    def _remaining(self, creds: AwsCredentials | None, now: datetime) -> float:
        if creds is None:
            return -1.0
        left = creds.seconds_left(now)
        return float("inf") if left is None else left

    def _accept(self, creds: AwsCredentials, now: datetime) -> None:
        with self._state:
            recovered = self._last_error is not None
            previous = self._current
            if previous is None or previous.access_key_id != creds.access_key_id:
                if previous is not None:
                    self.rotations += 1
                left = creds.seconds_left(now)
                self._lifetime = max(0.0, left) if left is not None else 0.0
            self._current = creds
            self._failures = 0
            self._last_error = None
            self._fetches += 1
        if recovered:
            self._report(f"{self.source.description}: {RECOVERED}")

    def _fail(self, err: BaseException) -> None:
        line = _error_line(err)
        with self._state:
            changed = line != self._last_error
            self._failures += 1
            self._last_error = line
            self._fetches += 1
        if changed:
            self._report(line)

    def _report(self, line: str) -> None:
        report = self.report
        if report is not None:
            with contextlib.suppress(Exception):  # diagnostics must never stop the refreshing
                report(line)

    def refresh_now(self) -> None:
        """Ask the source once, now (what the refresher does when a refresh is due)."""
        self._fetch()

    def _fetch(self, seen: int | None = None) -> None:
        """Ask the source once. ``seen``: skip if a fetch completed since that count was read."""
        with self._fetching:
            if seen is not None and self._fetches != seen:
                return
            try:
                creds = self.source.fetch()
            except Exception as err:  # any failure of the source is a 500, never a dead relay
                self._fail(err)
                return
            self._accept(creds, self._clock())

    def prime(self) -> AwsCredentials:
        """The first fetch; the source's error propagates (the run fails before anything exists)."""
        creds = self.source.fetch()
        now = self._clock()
        if creds.is_expired(now):
            from cloudshell_docker.errors import CredentialError

            raise CredentialError(f"{self.source.description} gave credentials that have already expired")
        self._accept(creds, now)
        return creds

    # -- the request path ----------------------------------------------------------------------

    def _handout(self, creds: AwsCredentials, now: datetime) -> Handout:
        expiration = creds.expiration if creds.expiration is not None else now + LONG_LIVED_HORIZON
        return Handout(creds, expiration)

    def handout(self) -> Handout:
        """The credentials for one request, or Unavailable."""
        deadline = self._clock() + timedelta(seconds=HOLD_LIMIT_SECONDS)
        asked = False
        while True:
            now = self._clock()
            with self._state:
                creds, seen, error = self._current, self._fetches, self._last_error
            left = self._remaining(creds, now)
            if creds is not None and left >= MIN_SERVE_SECONDS:
                return self._handout(creds, now)
            if error is not None:
                # The source is failing: answer now (the SDK retries) and let the refresher try again.
                self._wake.set()
                if creds is not None and left > 0:
                    return self._handout(creds, now)
                raise Unavailable(f"no valid credentials: {error}")
            budget = (deadline - now).total_seconds()
            if budget <= 0:
                break
            if asked:
                if creds is not None and left > 0:
                    # The source gave the same set again: its successor may not exist before
                    # it expires (an endpoint that rotates at expiry), so wait for that moment.
                    self._sleep(min(left + 0.05, budget))
                else:
                    # It handed out what the host's clock calls expired: do not hammer it.
                    self._sleep(min(0.25, budget))
            asked = True
            self._fetch(seen)
        now = self._clock()
        creds = self.current
        if creds is not None and self._remaining(creds, now) > 0:
            return self._handout(creds, now)
        raise Unavailable(f"no valid credentials: {self.source.description} has not handed out new ones yet")

    # -- the background refresher --------------------------------------------------------------

    def refresh_margin(self) -> float:
        """Seconds before expiry at which the source is asked again."""
        with self._state:
            lifetime = self._lifetime
        return min(REFRESH_AHEAD.total_seconds(), lifetime / 2)

    def next_refresh_delay(self, now: datetime | None = None) -> float | None:
        """Seconds until the refresher should ask the source; None: only when woken."""
        now = now or self._clock()
        with self._state:
            creds, failures = self._current, self._failures
        left = self._remaining(creds, now)
        if failures:
            cap = RETRY_CAP_EMPTY_SECONDS if left <= MIN_SERVE_SECONDS else min(
                RETRY_CAP_HELD_SECONDS, max(POLL_MIN_SECONDS, left / 4)
            )
            return float(min(cap, 2 ** (failures - 1)))
        if creds is None:
            return 0.0
        if left == float("inf"):
            return None
        until_due = left - self.refresh_margin()
        if until_due > 0:
            return until_due
        # Due, and the source gave the same set again: ask more often as expiry nears.
        return min(POLL_MAX_SECONDS, max(POLL_MIN_SECONDS, left / 4))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.next_refresh_delay()
                if delay is None or delay > 0:
                    self._wake.wait(delay)
                    self._wake.clear()
                    if self._stop.is_set():
                        return
                self.refresh_now()
            except Exception:
                # A bug must not end the refreshing, nor print a traceback into the container's stderr.
                self._stop.wait(POLL_MIN_SECONDS)

    def start(self) -> None:
        """Run the refresher in a daemon thread (it dies with the process)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="csdocker-relay-refresh", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the refresher; waits for a fetch in flight (so that a fork finds no lock held)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        # A request thread may be fetching too: taking the lock waits for it.
        if self._fetching.acquire(timeout=timeout):
            self._fetching.release()

    def after_fork(self) -> None:
        """In a forked child: fresh locks and events (the parent's threads do not exist here)."""
        self._state = threading.Lock()
        self._fetching = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = None
