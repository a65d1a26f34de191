"""-p and --expose values, spec by spec (found by scripts/mutation.sh).

Every expectation is what the docker CLI 28.2.2 sent to the recording engine
(tests/support/recorder.py) for ``docker run -p SPEC`` / ``--expose SPEC`` (ExposedPorts and
PortBindings), or the error it printed after ``docker: ``.
"""

from __future__ import annotations

import pytest

from cloudshell_docker.options.values.gocompat import GoValueError
from cloudshell_docker.options.values.ports import expose_ports, publish_ports

Bindings = dict[str, list[tuple[str, str]]]  # port/proto -> [(HostIp, HostPort)]

PUBLISH: list[tuple[str, Bindings | str]] = [
    ('[::1]:1:8080:80', 'invalid IP address [::1]:1: address [::1]:1:: too many colons in address'),
    ('80-65536', 'invalid containerPort: 80-65536'),
    ('65536-65537', 'invalid containerPort: 65536-65537'),
    ('published=8080,target=80,protocol=tcp=x', 'invalid proto: tcp=x'),
    ('published=8080=1,target=80', 'invalid hostPort: 8080=1'),
    ('80/', {'80/tcp': [('', '')]}),
    ('80-80', {'80/tcp': [('', '')]}),
    ('65536', 'invalid containerPort: 65536'),
    ('8080:65536', 'invalid containerPort: 65536'),
    ('65535:65535', {'65535/tcp': [('', '65535')]}),
    ('0', {'0/tcp': [('', '')]}),
    ('published=8080,target=80', {'80/tcp': [('', '8080')]}),
    ('target=80', {'80/tcp': [('', '')]}),
    ('published=8080', 'no port specified: 8080:/tcp<empty>'),
    ('published=8080,target=80,protocol=sctp', {'80/sctp': [('', '8080')]}),
    ('published=8080,=80', "invalid publish opts format (should be name=value but got '=80')"),
    ('[::1]:8080-8081:80-81/udp', {'80/udp': [('::1', '8080')], '81/udp': [('::1', '8081')]}),
    ('8080-8081:80', {'80/tcp': [('', '8080-8081')]}),
    ('8080:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8080'),
    ('8080-8082:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8080-8082'),
    ('127.0.0.1::80', {'80/tcp': [('127.0.0.1', '')]}),
    ('127.0.0.1:8080:80/Udp', {'80/udp': [('127.0.0.1', '8080')]}),
    (':80', {'80/tcp': [('', '')]}),
    ('::80', {'80/tcp': [('', '')]}),
    ('::1:8080:80', {'80/tcp': [('::1', '8080')]}),
    ('[::1:8080:80', "invalid IP address [::1: address [::1:: missing ']' in address"),
    ('[::1]]:8080:80', 'invalid IP address [::1]]: address [::1]]:: missing port in address'),
    ('[[::1]:8080:80', "invalid IP address [[::1]: address [[::1]:: unexpected '[' in address"),
    ('[::1]x:8080:80', 'invalid IP address [::1]x: address [::1]x:: missing port in address'),
    ('[::1]:80', "invalid IP address [:: address [::: missing ']' in address"),
    ('80-', 'invalid containerPort: 80-'),
    ('-80', 'invalid containerPort: -80'),
    ('81-80', 'invalid containerPort: 81-80'),
    ('8081-8080:80', 'invalid hostPort: 8081-8080'),
    ('80/tcp/x', {'80/tcp': [('', '')]}),
    ('/udp', 'no port specified: /udp<empty>'),
    ('8080:/udp', 'no port specified: 8080:/udp<empty>'),
    ('a:80', 'invalid hostPort: a'),
    ('80-81-82', {'80/tcp': [('', '')], '81/tcp': [('', '')]}),
]


def published(specs: list[str]) -> Bindings | str:
    try:
        exposed, bindings = publish_ports(specs)
    except GoValueError as err:
        return str(err)
    assert exposed == {port: {} for port in bindings}  # every published port is exposed, and only those
    return {port: [(b["HostIp"], b["HostPort"]) for b in found] for port, found in bindings.items()}


@pytest.mark.parametrize(("spec", "expected"), PUBLISH, ids=[spec for spec, _ in PUBLISH])
def test_publish(spec, expected):
    assert published([spec]) == expected


def test_publish_twice_the_same_port_binds_it_twice():
    assert published(["8080:80", "127.0.0.1:8081:80"]) == {"80/tcp": [("", "8080"), ("127.0.0.1", "8081")]}


EXPOSE: list[tuple[str, list[str] | str]] = [
    ("80", ["80/tcp"]),
    ("80/udp", ["80/udp"]),
    ("80-82/sctp", ["80/sctp", "81/sctp", "82/sctp"]),
    ("80/", ["80/tcp"]),
    ("80-80", ["80/tcp"]),
    ("", "invalid range format for --expose: , error: empty string specified for ports"),
    ("65536",
     'invalid range format for --expose: 65536, error: strconv.ParseUint: parsing "65536": value out of range'),
    ("x", 'invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid syntax'),
    ("90-80", "invalid range format for --expose: 90-80, error: invalid range specified for port: 90-80"),
    ("80:80", "invalid port format for --expose: 80:80"),
    ("/udp", "invalid range format for --expose: /udp, error: empty string specified for ports"),
    ("80-65536",
     'invalid range format for --expose: 80-65536, error: strconv.ParseUint: parsing "65536": value out of range'),
    ("65536-65535",  # the first port is refused before the range is compared
     'invalid range format for --expose: 65536-65535, error: strconv.ParseUint: parsing "65536": value out of range'),
]


@pytest.mark.parametrize(("spec", "expected"), EXPOSE, ids=[spec or "empty" for spec, _ in EXPOSE])
def test_expose(spec, expected):
    exposed: dict[str, dict[str, object]] = {}
    try:
        expose_ports([spec], exposed)
        seen: list[str] | str = list(exposed)
    except GoValueError as err:
        seen = str(err)
    assert seen == expected
    assert all(value == {} for value in exposed.values())


def test_expose_adds_to_what_is_already_exposed():
    exposed: dict[str, dict[str, object]] = {"8080/tcp": {}}
    expose_ports(["80", "81/udp"], exposed)
    assert exposed == {"8080/tcp": {}, "80/tcp": {}, "81/udp": {}}
