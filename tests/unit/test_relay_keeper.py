"""The relay's keeper: when it asks the source, what a request gets, how it rides out failures."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from cloudshell_docker.console import print_error
from cloudshell_docker.credentials.container import ContainerEndpointSource
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.relay import keeper as keeper_module
from cloudshell_docker.relay.keeper import (
    HOLD_LIMIT_SECONDS,
    LONG_LIVED_HORIZON,
    MIN_SERVE_SECONDS,
    CredentialKeeper,
    Unavailable,
)
from tests.support.endpoint import CredentialsEndpoint
from tests.support.relay_sources import FakeClock, RotatingSource


def make(lifetime: float | None = 60.0, **source_options) -> tuple[CredentialKeeper, RotatingSource, FakeClock]:
    clock = FakeClock()
    source = RotatingSource(clock, lifetime=lifetime, **source_options)
    keeper = CredentialKeeper(source, clock=clock, sleep=clock.sleep)
    return keeper, source, clock


def test_prime_passes_the_sources_error_on():
    keeper, _source, _ = make(failing="container credentials endpoint at 127.0.0.1:1 unreachable")
    with pytest.raises(CredentialError, match="unreachable"):
        keeper.prime()
    assert keeper.current is None


def test_prime_refuses_credentials_that_have_already_expired():
    keeper, _source, _clock = make(skew=-120)  # the issuer's clock is 2 minutes behind: its 60 s are past
    with pytest.raises(CredentialError, match="already expired"):
        keeper.prime()


def test_every_set_the_keeper_fetches_is_redacted_from_csdockers_stderr(capsys):
    # The keeper is handed a bare source here, as the tests' relay driver hands it one: the first set
    # and the refresher's next one are both registered (the keeper holds it as a RedactedSource).
    keeper, source, clock = make()
    keeper.prime()
    clock.advance(61)
    keeper.refresh_now()
    assert len(source.issued) == 2
    for creds in source.issued:
        print_error(f"refused: {creds.secret_access_key} / {creds.session_token}")
        err = capsys.readouterr().err
        assert err == "csdocker: refused: *** / ***\n"


def test_requests_are_answered_from_the_copy_without_asking_the_source():
    keeper, source, clock = make()
    first = keeper.prime()
    for _ in range(5):
        clock.advance(5)
        handout = keeper.handout()
        assert handout.credentials == first
        assert handout.expiration == first.expiration
    assert source.calls == 1


def test_a_set_about_to_expire_is_not_handed_out_while_its_successor_is_a_short_wait_away():
    keeper, _source, clock = make()
    first = keeper.prime()
    clock.advance(60 - 1.0)  # one second left: less than MIN_SERVE_SECONDS
    handout = keeper.handout()
    assert handout.credentials.access_key_id != first.access_key_id
    assert handout.credentials.seconds_left(clock()) >= MIN_SERVE_SECONDS
    assert sum(clock.slept) <= HOLD_LIMIT_SECONDS
    assert keeper.rotations == 1


def test_a_source_that_already_rotated_is_asked_first_without_waiting():
    keeper, source, clock = make()
    keeper.prime()
    clock.advance(59)
    source.issued.clear()  # the next fetch brings a new set at once (as AssumeRole does)
    handout = keeper.handout()
    assert handout.credentials.seconds_left(clock()) == pytest.approx(60)
    assert clock.slept == []


def test_expired_copy_and_failing_source_answer_unavailable_with_the_sources_words():
    keeper, source, clock = make()
    keeper.prime()
    clock.advance(61)
    source.failing = "container credentials endpoint at 127.0.0.1:9 failed with HTTP 500 (3 attempts)"
    with pytest.raises(Unavailable, match="HTTP 500"):
        keeper.handout()


def test_while_the_source_fails_a_valid_copy_is_still_served():
    keeper, source, clock = make()
    first = keeper.prime()
    source.failing = "failed with HTTP 500"
    clock.advance(40)
    keeper.refresh_now()  # the refresher's attempt fails
    assert keeper.last_error == "failed with HTTP 500"
    assert keeper.handout().credentials == first


def test_once_the_source_is_known_to_fail_requests_do_not_wait_on_it():
    keeper, source, clock = make()
    keeper.prime()
    clock.advance(61)
    source.failing = "failed with HTTP 500"
    keeper.refresh_now()
    calls = source.calls
    for _ in range(3):
        with pytest.raises(Unavailable):
            keeper.handout()
    assert source.calls == calls  # answered at once; the refresher does the asking
    assert clock.slept == []


def test_service_resumes_when_the_source_is_back():
    keeper, source, clock = make()
    keeper.prime()
    clock.advance(61)
    source.failing = "failed with HTTP 500"
    keeper.refresh_now()
    with pytest.raises(Unavailable):
        keeper.handout()
    source.failing = None
    keeper.refresh_now()
    assert keeper.last_error is None
    handout = keeper.handout()
    assert handout.credentials.seconds_left(clock()) == pytest.approx(60)


def test_a_source_that_fails_unexpectedly_is_a_500_whose_message_names_no_detail():
    class Broken:
        description = "broken"

        def fetch(self):
            raise RuntimeError("secret-ish detail from a library")

    clock = FakeClock()
    keeper = CredentialKeeper(Broken(), clock=clock, sleep=clock.sleep)
    keeper.refresh_now()
    with pytest.raises(Unavailable) as caught:
        keeper.handout()
    assert "RuntimeError" in caught.value.message
    assert "detail" not in caught.value.message


def test_long_lived_keys_are_handed_out_with_an_expiry_an_hour_ahead():
    keeper, _source, clock = make(lifetime=None)
    keeper.prime()
    handout = keeper.handout()
    assert handout.expiration == clock() + LONG_LIVED_HORIZON
    assert keeper.next_refresh_delay() is None  # nothing to refresh


@pytest.mark.parametrize(
    ("lifetime", "margin"),
    [(60.0, 30.0), (900.0, 450.0), (3600.0, 900.0), (43200.0, 900.0)],
)
def test_the_source_is_asked_again_at_half_the_lifetime_or_fifteen_minutes_before_expiry(lifetime, margin):
    keeper, _source, _clock = make(lifetime=lifetime)
    keeper.prime()
    assert keeper.refresh_margin() == pytest.approx(margin)
    assert keeper.next_refresh_delay() == pytest.approx(lifetime - margin)


def test_a_due_set_is_polled_more_often_as_it_nears_expiry():
    keeper, _source, clock = make(lifetime=3600)
    keeper.prime()
    clock.advance(3600 - 900)  # due
    assert keeper.next_refresh_delay() == keeper_module.POLL_MAX_SECONDS
    clock.advance(900 - 20)
    assert keeper.next_refresh_delay() == pytest.approx(5.0)
    clock.advance(18)
    assert keeper.next_refresh_delay() == keeper_module.POLL_MIN_SECONDS


def test_failures_back_off_briefly_while_the_container_waits_and_longer_while_the_copy_serves():
    keeper, source, clock = make(lifetime=3600)
    keeper.prime()
    source.failing = "down"
    delays = []
    for _ in range(8):
        keeper.refresh_now()
        delays.append(keeper.next_refresh_delay())
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    clock.advance(3601)
    keeper.refresh_now()
    assert keeper.next_refresh_delay() == keeper_module.RETRY_CAP_EMPTY_SECONDS


def test_skewed_issuer_clock_is_the_sources_business_but_the_keeper_never_hands_out_a_past_expiry():
    # An issuer 30 s ahead of the host: its sets look 30 s longer-lived to the keeper.
    keeper, _source, clock = make(skew=30)
    keeper.prime()
    for _ in range(20):
        clock.advance(7)
        handout = keeper.handout()
        assert handout.expiration > clock()


def test_a_fork_leaves_no_lock_held_in_the_child():
    keeper, _source, _clock = make()
    keeper.prime()
    keeper.start()
    keeper.stop(timeout=5)
    keeper.after_fork()
    keeper.refresh_now()  # would block forever on a lock the parent's threads held
    assert keeper.current is not None


def test_expiry_told_to_the_sdk_is_the_sources():
    keeper, _source, clock = make(lifetime=900)
    first = keeper.prime()
    clock.advance(100)
    assert keeper.handout().expiration == first.expiration
    assert first.expiration - clock() == timedelta(seconds=800)


def test_the_refresher_fetches_new_credentials_before_anyone_asks():
    with CredentialsEndpoint(lifetime=2) as endpoint:
        keeper = CredentialKeeper(ContainerEndpointSource(endpoint.environ()))
        first = keeper.prime()
        keeper.start()
        try:
            deadline = time.monotonic() + 60  # only a hang takes this long (two rotations: about 2 s)
            while keeper.rotations < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            keeper.stop(timeout=5)
        assert keeper.rotations >= 2
        assert keeper.current != first
        assert keeper.current.access_key_id == endpoint.issued[-1].access_key_id  # nobody but the refresher asked
