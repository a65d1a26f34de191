"""Every command's errors through one funnel: ``guarded`` runs a command's entry and turns each failure
into one line on stderr and the exit status the command's ``ExitPolicy`` (data, in the command table)
gives it. The only place that prints errors and picks exit statuses."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from cloudshell_docker.console import print_docker_error, print_error, print_traceback
from cloudshell_docker.errors import CredentialError, CsDockerError, DockerUsageError, EngineError, ExitCode, UsageError

__all__ = ["EXEC_EXITS", "PASSTHROUGH_EXITS", "QUERY_EXITS", "RUN_EXITS", "TRANSFER_EXITS", "ExitPolicy", "Status",
           "guarded"]


@dataclass(frozen=True)
class ExitPolicy:
    """How a command's failures are printed and which status each gets.

    ``own_status``: an error keeps its own ``CsDockerError.exit_code`` (run's codes: 125, or docker's 1);
    otherwise the first of ``by_error`` it is an instance of, else ``default``. ``engine_words``: an
    EngineError is printed bare, as the docker command csdocker stands in for prints the engine's
    refusals (``docker exec``, ``docker pull``); otherwise every error is ``csdocker: ...``. ``bug``:
    the status of an internal error.
    """

    bug: ExitCode
    own_status: bool = False
    by_error: tuple[tuple[type[CsDockerError], ExitCode], ...] = ()
    default: ExitCode = ExitCode.ERROR
    engine_words: bool = False

    def status(self, err: CsDockerError) -> int:
        if self.own_status:
            return int(err.exit_code)
        for kind, code in self.by_error:
            if isinstance(err, kind):
                return int(code)
        return int(self.default)


# docker run's: the error's own status (125; 1 for some usage errors), a bug is 125.
RUN_EXITS = ExitPolicy(bug=ExitCode.DOCKER, own_status=True)
# docker exec's: run's, with the engine's refusals in its own words (their status is 1).
EXEC_EXITS = ExitPolicy(bug=ExitCode.DOCKER, own_status=True, engine_words=True)
# env and whoami: 1 when the credentials cannot be had (or a bug), 2 for bad usage.
QUERY_EXITS = ExitPolicy(bug=ExitCode.ERROR, by_error=((CredentialError, ExitCode.ERROR),), default=ExitCode.USAGE)
# docker pull / push: 1 for any failure, 125 for a bad flag value; the engine's refusals bare.
TRANSFER_EXITS = ExitPolicy(bug=ExitCode.ERROR, by_error=((EngineError, ExitCode.ERROR), (UsageError, ExitCode.DOCKER)),
                            default=ExitCode.ERROR, engine_words=True)
# The hand-over to the docker CLI (no docker CLI to hand it to): the error's own status.
PASSTHROUGH_EXITS = RUN_EXITS


Status = int | None


def guarded(action: Callable[[], Status], policy: ExitPolicy, *, debug: bool = False) -> Status:
    """Run ``action``; turn every failure into one line on stderr and the status ``policy`` gives it.

    A CsDockerError is printed in csdocker's name (the engine's words bare where the policy says so);
    Ctrl-C is 130; a bug is one line (its traceback, redacted, only with docker's ``-D``) and the
    policy's ``bug`` status. None (not csdocker's command after all) passes through.
    """
    try:
        return action()
    except CsDockerError as err:
        if (policy.engine_words and isinstance(err, EngineError)) or isinstance(err, DockerUsageError):
            print_docker_error(err.message)
        else:
            print_error(err.message)
        return policy.status(err)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as err:
        if debug:
            print_traceback(err)
        print_error(f"internal error: {type(err).__name__}: {err}")
        return int(policy.bug)
