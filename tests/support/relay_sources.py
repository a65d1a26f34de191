"""Credential sources and a clock for driving the relay's keeper deterministically.

``RotatingSource`` behaves like the container endpoint (a set lives ``lifetime`` seconds on
the issuer's clock and is replaced only once expired), without a network, on a ``FakeClock``
that only moves when something sleeps on it or a test advances it. It can be told to fail, as a
source does. ``FakeClock.monotonic`` is the same clock as seconds, for the relay server's head
deadline; it counts how often it was read (a handler reads it once when it starts, then before
each read of the head), so that a test can wait for the server to have started its deadline.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError

__all__ = ["FakeClock", "RotatingSource"]

_serial = itertools.count(1)


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    slept: list[float] = field(default_factory=list)
    monotonic_reads: int = 0
    _reads_lock: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        """The clock as seconds (since the epoch: any origin does for a deadline)."""
        with self._reads_lock:
            self.monotonic_reads += 1
            self._reads_lock.notify_all()
        return self.now.timestamp()

    def wait_for_monotonic_reads(self, count: int, timeout: float = 60.0) -> bool:
        """Until ``monotonic`` has been read ``count`` times (``timeout``: real seconds, to catch a hang)."""
        with self._reads_lock:
            return self._reads_lock.wait_for(lambda: self.monotonic_reads >= count, timeout)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RotatingSource:
    clock: FakeClock
    lifetime: float | None = 60.0  # None: long-lived keys without an expiry
    skew: float = 0.0  # the issuer's clock minus the host's
    failing: str | None = None  # a CredentialError message to raise instead
    calls: int = 0
    issued: list[AwsCredentials] = field(default_factory=list)
    description: str = "rotating test source"

    def fetch(self) -> AwsCredentials:
        self.calls += 1
        if self.failing is not None:
            raise CredentialError(self.failing)
        issuer_now = self.clock() + timedelta(seconds=self.skew)
        current = self.issued[-1] if self.issued else None
        if current is None or (current.expiration is not None and current.expiration <= issuer_now):
            number = next(_serial)
            current = AwsCredentials(
                access_key_id=f"ASIATEST{number:012d}",
                secret_access_key=f"secret-{number}-" + "x" * 30,
                session_token=f"token-{number}-" + "y" * 60,
                expiration=None if self.lifetime is None else issuer_now + timedelta(seconds=self.lifetime),
            )
            self.issued.append(current)
        return current
