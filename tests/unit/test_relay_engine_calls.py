"""The relay's engine calls through the Engine facade, against a stand-in engine on a unix socket.

The stand-in answers what a test tells it to (an answer, an error, a dropped connection), so the
paths the real engine will not take on demand are covered: a lost race, a foreign network, an
engine that stops answering. The real engine's side is in tests/e2e/test_relay_network.py.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import docker
import pytest

from cloudshell_docker.engine.api import DaemonError, Engine, NoAnswer
from cloudshell_docker.errors import EngineError, ExitCode
from cloudshell_docker.relay import network as network_module
from cloudshell_docker.relay.follower import container_state, follow_container
from cloudshell_docker.relay.network import ManagedNetwork, connect_container, ensure_network

NETWORK = ManagedNetwork(name="csdt-relaynet-unit", subnet="169.254.150.0/24", gateway="169.254.150.2")
OURS = {
    "Name": NETWORK.name, "Id": "ours-id",
    "Labels": {"csdocker.managed": "relay-network"},
    "IPAM": {"Config": [{"Subnet": NETWORK.subnet, "Gateway": NETWORK.gateway}]},
}
DROP = object()  # close the connection without an answer
Answer = tuple[int, Any]  # status and a JSON body (bytes: sent as they are)


@dataclass
class StandInEngine:
    """Answers ``(method, path)`` from ``routes`` (a list is answered in turn, its last item for ever)."""

    socket_path: str
    routes: dict[tuple[str, str], Any] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    connections: int = 0
    raw_paths: list[str] = field(default_factory=list)  # with their query strings

    def answer(self, method: str, path: str, body: Any) -> Answer | object:
        self.requests.append((method, path, body))
        route = self.routes.get((method, path), (404, {"message": f"page not found: {path}"}))
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route

    def paths(self, method: str) -> list[str]:
        return [path for m, path, _ in self.requests if m == method]


def _handler(engine: StandInEngine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            engine.connections += 1
            super().setup()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            engine.raw_paths.append(self.path.removeprefix("/v1.41"))
            path = self.path.split("?")[0].removeprefix("/v1.41")
            answer = engine.answer(self.command, path, json.loads(raw) if raw else None)
            if answer is DROP:
                self.close_connection = True
                return
            status, body = answer  # type: ignore[misc]
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[StandInEngine]:
    engine = StandInEngine(str(tmp_path / "engine.sock"))
    server = socketserver.ThreadingUnixStreamServer(engine.socket_path, _handler(engine))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield engine
    server.shutdown()
    server.server_close()


def engine_at(socket_path: str) -> Engine:
    return Engine(docker.APIClient(base_url=f"unix://{socket_path}", version="1.41", timeout=10))


def no_sleep(_: float) -> None:
    pass


# -- the facade ------------------------------------------------------------------------------------------


def test_inspections_of_what_the_engine_does_not_have_are_none(stand_in):
    engine = engine_at(stand_in.socket_path)
    stand_in.routes[("GET", "/containers/abc/json")] = (404, {"message": "No such container: abc"})
    assert engine.inspect_container("abc") is None
    assert engine.inspect_network(NETWORK.name) is None  # unrouted: 404
    stand_in.routes[("GET", f"/networks/{NETWORK.name}")] = (200, OURS)
    assert engine.inspect_network(NETWORK.name) == OURS
    assert engine.inspect_image("sha256:abc") is None  # unrouted: 404
    image = {"Id": "sha256:abc", "Config": {"Labels": {"csdocker.managed": "relay-container"}}}
    stand_in.routes[("GET", "/images/sha256:abc/json")] = (200, image)
    assert engine.inspect_image("sha256:abc") == image


def test_a_refusal_is_a_daemon_error_with_the_daemon_s_words_and_status(stand_in):
    engine = engine_at(stand_in.socket_path)
    taken = f"network with name {NETWORK.name} already exists"
    stand_in.routes[("POST", "/networks/create")] = (409, {"message": taken})
    stand_in.routes[("GET", "/containers/abc/json")] = (500, {"message": "  the store is locked\n"})
    stand_in.routes[("GET", "/networks")] = (503, b"")
    with pytest.raises(DaemonError) as caught:
        engine.create_network(NETWORK.name)
    assert caught.value.message == f"Error response from daemon: {taken}"
    assert caught.value.status_code == 409
    assert caught.value.exit_code == ExitCode.DOCKER
    with pytest.raises(DaemonError) as caught:
        engine.inspect_container("abc")
    assert (caught.value.message, caught.value.status_code) == ("Error response from daemon: the store is locked", 500)
    with pytest.raises(DaemonError) as caught:
        engine.networks()
    assert caught.value.message == (
        "Error response from daemon: API returned a 503 (Service Unavailable) but provided no error-message"
    )


@pytest.mark.parametrize(("answer", "cause"), [
    (DROP, "ConnectionError"),
    ((201, b"{not json"), "JSONDecodeError"),
    ((201, {"Warning": ""}), "KeyError"),  # an answer without the new network's ID is no answer
])
def test_no_answer_names_its_cause(stand_in, answer, cause):
    stand_in.routes[("POST", "/networks/create")] = answer
    with pytest.raises(NoAnswer) as caught:
        engine_at(stand_in.socket_path).create_network(NETWORK.name)
    assert caught.value.cause == cause
    assert isinstance(caught.value, EngineError)


def test_an_engine_that_is_not_there_is_no_answer_in_the_cli_s_words(tmp_path):
    path = str(tmp_path / "nothing.sock")
    with pytest.raises(NoAnswer) as caught:
        engine_at(path).inspect_container("abc")
    assert caught.value.cause == "ConnectionError"
    assert caught.value.message == (
        f"Cannot connect to the Docker daemon at unix://{path}. Is the docker daemon running?"
    )


def test_create_network_sends_what_it_is_given_and_returns_the_id(stand_in):
    stand_in.routes[("POST", "/networks/create")] = (201, {"Id": "new-id", "Warning": ""})
    created = engine_at(stand_in.socket_path).create_network(
        "csdt-n", internal=True, check_duplicate=True,
        ipam={"Driver": "default", "Config": ({"Subnet": "10.9.0.0/24"},)},
        options={"o": "v"}, labels={"l": "v"},
    )
    assert created == "new-id"
    body = stand_in.requests[-1][2]
    assert body == {
        "Name": "csdt-n", "Driver": "bridge", "Internal": True, "CheckDuplicate": True, "Options": {"o": "v"},
        "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.9.0.0/24"}]}, "Labels": {"l": "v"},
    }


def test_connect_network_names_the_container_and_the_network(stand_in):
    stand_in.routes[("POST", "/networks/net-id/connect")] = (200, b"")
    engine_at(stand_in.socket_path).connect_network("abc", "net-id")
    method, path, body = stand_in.requests[-1]
    assert (method, path, body["Container"]) == ("POST", "/networks/net-id/connect", "abc")


def test_after_close_the_next_call_opens_a_new_connection(stand_in):
    stand_in.routes[("GET", "/containers/abc/json")] = (200, {"State": {"Running": True}})
    engine = engine_at(stand_in.socket_path)
    engine.inspect_container("abc")
    engine.inspect_container("abc")
    assert stand_in.connections == 1  # kept alive
    engine.close()
    engine.close()  # twice is fine
    assert engine.inspect_container("abc") == {"State": {"Running": True}}
    assert stand_in.connections == 2


# -- the relay through it (the same words as before the facade had these calls) ----------------------------


def test_an_existing_managed_network_is_used_as_it_is(stand_in):
    stand_in.routes[("GET", f"/networks/{NETWORK.name}")] = (200, OURS)
    assert ensure_network(engine_at(stand_in.socket_path), NETWORK) == "ours-id"
    assert stand_in.paths("POST") == []


def test_a_missing_network_is_created_internal_isolated_and_labelled(stand_in):
    stand_in.routes[("POST", "/networks/create")] = (201, {"Id": "made-id"})
    assert ensure_network(engine_at(stand_in.socket_path), NETWORK) == "made-id"
    body = stand_in.requests[-1][2]
    assert body["Name"] == NETWORK.name
    assert body["Internal"] is True
    assert body["Options"] == {"com.docker.network.bridge.enable_icc": "false"}
    assert body["IPAM"]["Config"] == [{"Subnet": NETWORK.subnet, "Gateway": NETWORK.gateway}]
    assert body["Labels"] == {"csdocker.managed": "relay-network"}


def test_a_run_that_lost_the_race_uses_the_winner_s_network(stand_in):
    stand_in.routes[("GET", f"/networks/{NETWORK.name}")] = [(404, {"message": "not found"})] * 3 + [(200, OURS)]
    stand_in.routes[("POST", "/networks/create")] = (409, {"message": "network name taken"})
    stand_in.routes[("GET", "/networks")] = (200, [])
    assert ensure_network(engine_at(stand_in.socket_path), NETWORK, sleep=no_sleep) == "ours-id"
    assert len(stand_in.paths("POST")) == 3


def test_a_race_that_never_settles_ends_with_the_daemon_s_words(stand_in, monkeypatch):
    monkeypatch.setattr(network_module, "RACE_PATIENCE_SECONDS", 0.0)
    stand_in.routes[("POST", "/networks/create")] = (409, {"message": "network name taken"})
    stand_in.routes[("GET", "/networks")] = (200, [])
    with pytest.raises(EngineError) as caught:
        ensure_network(engine_at(stand_in.socket_path), NETWORK, sleep=no_sleep)
    assert caught.value.message == "Error response from daemon: network name taken"
    assert caught.value.exit_code == ExitCode.DOCKER


def test_a_foreign_network_on_the_subnet_is_named(stand_in):
    overlaps = "Pool overlaps with other one on this address space"
    stand_in.routes[("POST", "/networks/create")] = (403, {"message": overlaps})
    theirs = {"Name": "csdt-theirs", "IPAM": {"Config": [{"Subnet": "169.254.150.0/25"}]}}
    stand_in.routes[("GET", "/networks")] = (200, [theirs])
    with pytest.raises(EngineError) as caught:
        ensure_network(engine_at(stand_in.socket_path), NETWORK, sleep=no_sleep)
    assert caught.value.message == (
        f"credential relay: Docker network csdt-theirs already uses {NETWORK.subnet}, which csdocker's "
        f"{NETWORK.name} network needs (for {NETWORK.gateway}): remove it, or use --inject env"
    )


def test_a_network_of_the_name_that_is_not_ours_is_refused(stand_in):
    stand_in.routes[("GET", f"/networks/{NETWORK.name}")] = (200, {**OURS, "Labels": {}})
    with pytest.raises(EngineError, match=f"csdocker did not create for its relay .gateway {NETWORK.gateway}"):
        ensure_network(engine_at(stand_in.socket_path), NETWORK)
    assert stand_in.paths("POST") == []


def test_a_refused_inspection_is_the_daemon_s_words(stand_in):
    stand_in.routes[("GET", f"/networks/{NETWORK.name}")] = (500, {"message": "store unavailable"})
    with pytest.raises(EngineError) as caught:
        ensure_network(engine_at(stand_in.socket_path), NETWORK)
    assert caught.value.message == "Error response from daemon: store unavailable"


@pytest.mark.parametrize(("routes", "message"), [
    ({("GET", f"/networks/{NETWORK.name}"): DROP},
     "credential relay: cannot ask the engine about its networks (ConnectionError)"),
    ({("POST", "/networks/create"): DROP},
     f"credential relay: cannot create network {NETWORK.name} (ConnectionError)"),
    ({("POST", "/networks/create"): (201, b"<html>")},
     f"credential relay: cannot create network {NETWORK.name} (JSONDecodeError)"),
    ({("POST", "/networks/create"): (201, {})},
     f"credential relay: cannot create network {NETWORK.name} (KeyError)"),
])
def test_an_engine_that_does_not_answer_is_said_so(stand_in, routes, message):
    stand_in.routes.update(routes)
    with pytest.raises(EngineError) as caught:
        ensure_network(engine_at(stand_in.socket_path), NETWORK)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.DOCKER


def test_no_engine_at_all_is_said_so(tmp_path):
    engine = engine_at(str(tmp_path / "nothing.sock"))
    with pytest.raises(EngineError) as caught:
        ensure_network(engine, NETWORK)
    assert caught.value.message == "credential relay: cannot ask the engine about its networks (ConnectionError)"
    with pytest.raises(EngineError) as caught:
        connect_container(engine, "abc", "net-id")
    assert caught.value.message == "credential relay: cannot connect the container to its network (ConnectionError)"


def test_connecting_a_container_the_engine_refuses_is_the_daemon_s_words(stand_in):
    stand_in.routes[("POST", "/networks/net-id/connect")] = (404, {"message": "No such container: abc"})
    with pytest.raises(EngineError) as caught:
        connect_container(engine_at(stand_in.socket_path), "abc", "net-id")
    assert caught.value.message == "Error response from daemon: No such container: abc"
    stand_in.routes[("POST", "/networks/net-id/connect")] = DROP
    with pytest.raises(EngineError) as caught:
        connect_container(engine_at(stand_in.socket_path), "abc", "net-id")
    assert caught.value.message == "credential relay: cannot connect the container to its network (ConnectionError)"


@pytest.mark.parametrize(("answer", "state"), [
    ((200, {"State": {"Running": True, "Restarting": False}}), "running"),
    ((200, {"State": {"Running": False, "Restarting": True}}), "running"),  # it will need credentials again
    ((200, {"State": {"Running": False, "Restarting": False, "Status": "exited"}}), "stopped"),
    ((404, {"message": "No such container: abc"}), "gone"),
    ((500, {"message": "busy"}), "unknown"),
    (DROP, "unknown"),
    ((200, b"not json"), "unknown"),
])
def test_the_follower_s_view_of_the_container(stand_in, answer, state):
    stand_in.routes[("GET", "/containers/abc/json")] = answer
    assert container_state(engine_at(stand_in.socket_path), "abc") == state


def test_the_follower_s_view_of_an_engine_that_is_not_there(tmp_path):
    assert container_state(engine_at(str(tmp_path / "nothing.sock")), "abc") == "unknown"


def test_the_follower_waits_for_removal_not_for_a_stop(stand_in):
    # Running, then stopped (a wait for "removed" answers only when it is gone), then removed.
    stand_in.routes[("GET", "/containers/abc/json")] = [
        (200, {"State": {"Running": True, "Restarting": False}}),
        (200, {"State": {"Running": False, "Restarting": False, "Status": "exited"}}),
        (404, {"message": "No such container: abc"}),
    ]
    stand_in.routes[("POST", "/containers/abc/wait")] = (200, {"StatusCode": 0})
    follow_container(engine_at(stand_in.socket_path), "abc", sleep=no_sleep)
    waits = [path for path in stand_in.raw_paths if path.startswith("/containers/abc/wait")]
    assert waits == ["/containers/abc/wait?condition=removed"] * 2  # stopped is waited on again: it may start
    assert [path for method, path, _ in stand_in.requests if method == "GET"] == ["/containers/abc/json"] * 3
