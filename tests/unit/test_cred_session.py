"""credentials.session: the one pipeline from a command's own options to its credentials.

The container endpoint (tests/support/endpoint, on 127.0.0.1) is the network edge; nothing else is faked.
"""

from __future__ import annotations

import io

import pytest

from cloudshell_docker.credentials.session import command_options, credential_session
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import OWN_FLAGS, SOURCE_FLAGS
from cloudshell_docker.redact import redact
from tests.support.endpoint import CredentialsEndpoint

ROLE = "arn:aws:iam::123456789012:role/from-variable"


def test_whatever_fetches_from_the_sessions_source_registers_the_secrets(endpoint: CredentialsEndpoint):
    # The relay's refresher and a registry token fetch from ``session.source`` itself, not session.fetch.
    session = credential_session({}, endpoint.environ())
    assert endpoint.requests == []  # opening fetches nothing
    creds = session.source.fetch()
    assert redact(f"key {creds.secret_access_key} token {creds.session_token}") == "key *** token ***"
    assert session.source.description == f"container endpoint ({endpoint.netloc})"


def test_a_csdocker_variable_sets_the_default_for_every_command():
    for flags in (OWN_FLAGS, SOURCE_FLAGS):
        options = command_options({}, {"CSDOCKER_ROLE_ARN": ROLE, "CSDOCKER_NO_CACHE": "1"}, flags)
        assert (options.own.source.role_arn, options.own.source.no_cache) == (ROLE, True)
        assert options.origins == {"role_arn": "CSDOCKER_ROLE_ARN", "no_cache": "CSDOCKER_NO_CACHE"}
    typed = command_options({"role_arn": "arn:aws:iam::123456789012:role/typed"}, {"CSDOCKER_ROLE_ARN": ROLE},
                            SOURCE_FLAGS)
    assert typed.own.source.role_arn == "arn:aws:iam::123456789012:role/typed"


def test_a_command_that_starts_nothing_reads_no_run_only_variable():
    environ = {"CSDOCKER_INJECT": "magic", "CSDOCKER_DRY_RUN": "true"}
    options = command_options({}, environ, SOURCE_FLAGS)  # build, pull, push, env, whoami
    assert (options.own.inject, options.own.dry_run) == ("env", False)
    with pytest.raises(UsageError, match="CSDOCKER_INJECT"):
        command_options({}, environ)  # run, exec


def test_a_bad_region_from_a_variable_names_it():
    options = command_options({}, {"CSDOCKER_REGION": "not a region"}, SOURCE_FLAGS)
    with pytest.raises(UsageError) as caught:
        options.open_session()
    assert str(caught.value) == ("invalid --region 'not a region': expected a region name such as eu-west-1 "
                                 "(from CSDOCKER_REGION)")


def test_the_region_comes_from_the_options_over_the_environment(endpoint: CredentialsEndpoint):
    environ = {**endpoint.environ(), "AWS_REGION": "eu-west-1", "CSDOCKER_REGION": "ap-south-1"}
    assert credential_session({}, environ, SOURCE_FLAGS).region == "ap-south-1"
    assert credential_session({"region": "us-west-2"}, environ, SOURCE_FLAGS).region == "us-west-2"


@pytest.mark.parametrize(("region", "said"), [(None, True), ("eu-west-1", False)])
def test_one_warning_for_a_missing_region(endpoint: CredentialsEndpoint, tmp_path, region, said):
    environ = {**endpoint.environ(), "AWS_CONFIG_FILE": str(tmp_path / "none"), "HOME": str(tmp_path),
               **({"AWS_REGION": region} if region else {})}
    stream = io.StringIO()
    credential_session({}, environ, SOURCE_FLAGS).warn_if_no_region("the build gets nothing", stream=stream)
    assert stream.getvalue() == ("csdocker: warning: no AWS region configured (--region, AWS_REGION, "
                                 "AWS_DEFAULT_REGION or the profile); the build gets nothing\n" if said else "")
