"""examples/controller.py as a process: SIGTERM/SIGINT stop it cleanly, changes arrive at once.

The controller runs against the fake API server and a real BIND 9 (the ``named`` fixture of
the RFC 2136 tests); ``tests/k8s/test_controller.py`` runs it against a real kube-apiserver.
"""

from __future__ import annotations

import os
import pathlib
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .dnsutil import dns_flags, query
from .fake_apiserver import FakeAPIServer, Resource
from .helpers import gateway, route

ROOT = pathlib.Path(__file__).parent.parent
G = "gateway.networking.k8s.io"


def strip(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}


@pytest.fixture
def api() -> Iterator[FakeAPIServer]:
    resources = [
        Resource("Gateway", G, "gateways", ["v1"]),
        Resource("HTTPRoute", G, "httproutes", ["v1"]),
        Resource("Namespace", "", "namespaces", ["v1"]),
    ]
    with FakeAPIServer(resources) as srv:
        srv.put("Gateway", strip(gateway("edge", addresses=["192.0.2.61"])), event=None)
        yield srv


def start_controller(
    named: dict[str, Any],
    kube_host: str,
    tmp_path: pathlib.Path,
    *extra: str,
    dns: tuple[str, int] | None = None,
) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        str(ROOT / "examples/controller.py"),
        *dns_flags(named, tmp_path, "signal-test", dns),
        "--kube-host",
        kube_host,
        *extra,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def stop_with(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[float, str]:
    """Send ``sig``; (seconds until the process ended, its output)."""
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        output, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return time.monotonic() - started, output


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_controller_within_two_seconds_with_exit_code_0(
    sig: signal.Signals, named: dict[str, Any], api: FakeAPIServer, tmp_path: pathlib.Path
) -> None:
    name = f"{sig.name.lower()}.example.com"
    api.put(
        "HTTPRoute",
        strip(route("r", hostnames=[name], parents=[{"name": "edge", "namespace": "infra"}])),
        event=None,
    )
    # a long --interval: the controller sleeps in watcher.wait() when the signal comes
    proc = start_controller(named, api.url, tmp_path, "--interval", "300")
    try:
        eventually(lambda: query(named, name, "A")[1] == ["192.0.2.61"])
        time.sleep(0.3)  # idle now
    finally:
        elapsed, output = stop_with(proc, sig)
    assert proc.returncode == 0, output
    assert elapsed < 2.0, (elapsed, output)
    assert "Traceback" not in output
    assert f"{sig.name} received: stopping" in output


def test_sigterm_abandons_a_round_stuck_on_a_silent_dns_server(
    named: dict[str, Any], api: FakeAPIServer, tmp_path: pathlib.Path
) -> None:
    api.put("HTTPRoute", strip(route("r", hostnames=["stuck.example.com"])), event=None)
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        proc = start_controller(
            named, api.url, tmp_path, dns=("127.0.0.1", silent.getsockname()[1])
        )
        try:
            # the first round reads the zone by AXFR over TCP, and waits (5 s provider timeout)
            eventually(lambda: bool(select_readable(silent)), timeout=20)
            time.sleep(0.3)
        finally:
            elapsed, output = stop_with(proc, signal.SIGTERM)
    assert proc.returncode == 0, output
    assert elapsed < 2.0, (elapsed, output)
    assert "Traceback" not in output
    assert "abandoning the round in progress" in output


def select_readable(sock: socket.socket) -> list[socket.socket]:
    readable, _, _ = select.select([sock], [], [], 0)
    return readable


def test_a_change_is_published_at_once_not_at_the_next_interval(
    named: dict[str, Any], api: FakeAPIServer, tmp_path: pathlib.Path
) -> None:
    api.put(
        "HTTPRoute",
        strip(
            route(
                "first",
                hostnames=["first.example.com"],
                parents=[{"name": "edge", "namespace": "infra"}],
            )
        ),
        event=None,
    )
    proc = start_controller(named, api.url, tmp_path, "--interval", "300")
    try:
        eventually(lambda: query(named, "first.example.com", "A")[1] == ["192.0.2.61"])
        api.put(
            "HTTPRoute",
            strip(
                route(
                    "second",
                    hostnames=["second.example.com"],
                    parents=[{"name": "edge", "namespace": "infra"}],
                )
            ),
        )
        # with --interval 300, only wait() waking on the event can publish this in time
        eventually(lambda: query(named, "second.example.com", "A")[1] == ["192.0.2.61"], timeout=30)
    finally:
        _, output = stop_with(proc, signal.SIGTERM)
    assert proc.returncode == 0, output
