"""select_source: which source the options and the environment call for, and what it refuses up front."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cloudshell_docker.credentials import choose_source, select_source
from cloudshell_docker.credentials.cache import CachedSource
from cloudshell_docker.credentials.chain import DefaultChainSource
from cloudshell_docker.credentials.container import ContainerEndpointSource
from cloudshell_docker.credentials.sts import StsAssumeRoleSource
from cloudshell_docker.errors import CredentialError, UsageError
from cloudshell_docker.options.own import SourceOptions
from tests.support.awsenv import isolate_aws
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO
from tests.support.proc import clean_env

ROLE = "arn:aws:iam::123456789012:role/csdt"
FULL = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t"}
RELATIVE = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"}


@pytest.mark.parametrize(
    ("options", "environ", "kind"),
    [
        ({}, {}, "chain"),
        ({}, FULL, "endpoint"),
        ({}, RELATIVE, "endpoint"),
        ({}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": ""}, "chain"),  # set but empty: not configured
        ({"role_arn": ROLE}, {}, "sts"),
        ({"role_arn": ROLE}, FULL, "sts"),  # the endpoint then supplies STS's own credentials
        ({"role_arn": ROLE, "profile": "p"}, FULL, "sts"),
        ({"profile": "p"}, FULL, "chain"),  # --profile without --role-arn means the chain
        ({"source": "chain"}, FULL, "chain"),
        ({"source": "endpoint"}, FULL, "endpoint"),
        ({"source": "sts", "role_arn": ROLE}, {}, "sts"),
        ({"source": "auto", "role_arn": ROLE}, FULL, "sts"),
        ({"region": "eu-west-1"}, FULL, "endpoint"),
        ({"no_cache": True}, {}, "chain"),
    ],
)
def test_choice(options, environ, kind):
    assert choose_source(SourceOptions(**options), environ) == kind
    source = select_source(SourceOptions(**options), environ)
    expected = {"chain": DefaultChainSource, "endpoint": ContainerEndpointSource, "sts": StsAssumeRoleSource}[kind]
    if kind == "sts" and not options.get("no_cache"):
        # Assumed-role sessions come through the cache; the endpoint's and the chain's never do.
        assert isinstance(source, CachedSource)
        source = source.inner
    assert isinstance(source, expected)


def test_no_cache_means_a_bare_sts_source():
    source = select_source(SourceOptions(role_arn=ROLE, no_cache=True), {})
    assert isinstance(source, StsAssumeRoleSource)


@pytest.mark.parametrize(
    ("options", "environ", "error", "message"),
    [
        ({"source": "sts"}, FULL, UsageError, "--source sts needs --role-arn"),
        ({"source": "endpoint", "role_arn": ROLE}, FULL, UsageError,
         "--role-arn cannot be used with --source endpoint"),
        ({"source": "chain", "role_arn": ROLE}, {}, UsageError, "--role-arn cannot be used with --source chain"),
        ({"source": "endpoint", "profile": "p"}, FULL, UsageError, "--profile cannot be used with --source endpoint"),
        ({"source": "endpoint"}, {}, CredentialError,
         "--source endpoint: neither AWS_CONTAINER_CREDENTIALS_FULL_URI nor AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
         "is set"),
        ({"duration": "900"}, FULL, UsageError, "--duration needs --role-arn"),
        ({"session_name": "s1"}, {}, UsageError, "--session-name needs --role-arn"),
        ({"external_id": "e1"}, {}, UsageError, "--external-id needs --role-arn"),
        ({"mfa_serial": "arn:aws:iam::123456789012:mfa/u"}, {}, UsageError, "--mfa-serial needs --role-arn"),
        ({"mfa_token": "123456"}, {}, UsageError, "--mfa-token needs --role-arn"),
        ({"policy_arns": ("arn:aws:iam::aws:policy/X",)}, {}, UsageError, "--policy-arn needs --role-arn"),
        ({"policy_file": "p.json"}, {}, UsageError, "--policy needs --role-arn"),
        ({"source_identity": "who"}, {}, UsageError, "--source-identity needs --role-arn"),
        ({"tags": ("a=b",), "source": "chain"}, {}, UsageError, "--tag needs --role-arn"),
        ({"role_arn": "not-an-arn"}, {}, UsageError,
         "invalid --role-arn 'not-an-arn': expected arn:aws:iam::ACCOUNT_ID:role/NAME"),
        ({"role_arn": ROLE, "duration": "60"}, {}, UsageError,
         "invalid --duration 60: must be between 900 and 43200 seconds"),
        ({}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/creds"}, CredentialError,
         "refusing the container credentials endpoint at 192.0.2.1: plain http is allowed only to a loopback "
         "address or to 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost (use https)"),
    ],
)
def test_refused_before_any_call(options, environ, error, message):
    with pytest.raises(error) as caught:
        select_source(SourceOptions(**options), environ)
    assert type(caught.value) is error
    assert str(caught.value) == message


def test_selection_fetches_nothing(endpoint: CredentialsEndpoint):
    source = select_source(SourceOptions(), endpoint.environ())
    assert endpoint.requests == []
    assert source.description == f"container endpoint ({endpoint.netloc})"
    assert source.fetch().access_key_id == endpoint.issued[-1].access_key_id
    assert len(endpoint.requests) == 1


def test_selection_never_prompts(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTSELECT01", AWS_SECRET_ACCESS_KEY="s" * 20)
    asked: list[str] = []
    source = select_source(SourceOptions(role_arn=ROLE, mfa_serial="arn:aws:iam::123456789012:mfa/u"), os.environ,
                           prompt=lambda text: asked.append(text) or "123456")
    assert asked == []
    assert source.description == f"sts assume-role {ROLE}"


def test_prompt_reaches_the_sts_source(monkeypatch, tmp_path, moto):
    from tests.support.awsenv import moto_role

    role = moto_role(moto, "csdt-cred-select-role")
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTSELECT02", AWS_SECRET_ACCESS_KEY="s" * 20,
                AWS_ENDPOINT_URL=moto.url, AWS_DEFAULT_REGION="us-east-1")
    asked: list[str] = []
    source = select_source(SourceOptions(role_arn=role, mfa_serial="arn:aws:iam::123456789012:mfa/u"), os.environ,
                           prompt=lambda text: asked.append(text) or "123456")
    assert source.fetch().access_key_id.startswith("ASIA")
    assert asked == ["MFA code for arn:aws:iam::123456789012:mfa/u: "]


PROBE = textwrap.dedent("""
    import json, os, sys
    from cloudshell_docker.credentials import select_source
    from cloudshell_docker.options.own import SourceOptions
    from cloudshell_docker.credentials.region import resolve_region

    environ = dict(os.environ)
    options = SourceOptions(source=sys.argv[1])
    source = select_source(options, environ)
    creds = source.fetch()
    region = resolve_region(None, environ, None)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("boto3", "botocore"))
    print(json.dumps({"key": creds.access_key_id, "region": region, "loaded": loaded}))
""")


@pytest.mark.parametrize(("forced", "imports_boto"), [("auto", False), ("endpoint", False), ("chain", True)])
def test_endpoint_path_never_imports_boto(endpoint: CredentialsEndpoint, tmp_path, forced, imports_boto):
    env = clean_env({**endpoint.environ(), "AWS_REGION": "eu-west-1", "HOME": str(tmp_path),
                     "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(REPO)})
    done = subprocess.run([sys.executable, "-c", PROBE, forced], env=env, capture_output=True, text=True,
                          timeout=60, cwd=str(REPO))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["key"] == endpoint.issued[-1].access_key_id
    assert result["region"] == "eu-west-1"
    # The chain reads the same endpoint through botocore: the probe can see boto when it is there.
    assert bool(result["loaded"]) == imports_boto, result["loaded"]
