"""examples/kopf_operator.py end to end: a real kube-apiserver, a real BIND 9, checked by AXFR.

As in ``test_controller.py``, the test acts as the Gateway controller: it writes ``status``
through the status subresource, late or not at all, as a lagging controller would.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.dnsutil import dns_flags

from .apiserver import Cluster
from .conftest import Kube, eventually
from .objects import http_route, parent_status, stamped
from .test_controller import (
    EXTERNAL,
    INTERNAL,
    ROOT,
    move_to_internal_without_status,
    records_of,
    setup_route,
)

pytestmark = pytest.mark.k8s

OWNER = "e2e-kopf"


class Operator:
    """examples/kopf_operator.py as a process; kopf logs in with the admin kubeconfig."""

    def __init__(self, cluster: Cluster, named: dict[str, Any], tmp: pathlib.Path) -> None:
        self.argv = [
            sys.executable,
            str(ROOT / "examples/kopf_operator.py"),
            *dns_flags(named, tmp, OWNER),
            *("--interval", "2"),
        ]
        self.env = {
            **os.environ,
            "KUBECONFIG": str(cluster.path / "kubeconfig"),
            "PYTHONUNBUFFERED": "1",
        }
        self.log = tmp / "operator.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )

    def stop(self) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the operator took to exit."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code, time.monotonic() - started

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def kopf_operator(
    cluster: Cluster, kube: Kube, named: dict[str, Any], tmp_path: pathlib.Path
) -> Iterator[Operator]:
    op = Operator(cluster, named, tmp_path)
    try:
        yield op
    finally:
        if op.proc is not None:
            code, _ = op.stop()
            assert code == 0, op.output()


def expected(host: str, address: str, ns: str) -> dict[tuple[str, str], list[str]]:
    """Route shop's A record at ``address``, with this operator's ownership TXT."""
    return {
        (host, "A"): [address],
        (f"a-{host}", "TXT"): [
            f'"heritage=external-dns,external-dns/owner={OWNER},'
            f'external-dns/resource=httproute/{ns}/shop"'
        ],
    }


def published(named: dict[str, Any], host: str, address: str, ns: str) -> bool:
    return records_of(named, host) == expected(host, address, ns)


def round_done(kube: Kube, named: dict[str, Any], ns: str, marker: str) -> None:
    """Publish a marker route and wait for it: the operator has seen everything before it."""
    host = f"{marker}.{ns}.example.com"
    kube.create(http_route(marker, ns, [host], "external"))
    eventually(lambda: records_of(named, host).get((host, "A")) == [EXTERNAL])


def stopped_cleanly(op: Operator) -> None:
    code, took = op.stop()
    assert code == 0, op.output()
    assert took < 5, f"took {took:.1f} s to stop"
    assert "Traceback" not in op.output()


def test_publish_move_hold_catch_up_and_delete(
    kopf_operator: Operator, kube: Kube, named: dict[str, Any]
) -> None:
    ns, host = setup_route(kube, "kopf")
    kopf_operator.start()
    eventually(lambda: published(named, host, EXTERNAL, ns))

    # the route moves; its Gateway controller has not caught up: the old address is held
    move_to_internal_without_status(kube, ns)
    round_done(kube, named, ns, "marker1")
    assert records_of(named, host) == expected(host, EXTERNAL, ns)

    # status catches up, leaving a stale entry for the old Gateway: only the new address
    kube.set_status(
        "HTTPRoute",
        ns,
        "shop",
        stamped({"parents": [parent_status("internal", ns, 2), parent_status("external", ns, 1)]}),
    )
    eventually(lambda: published(named, host, INTERNAL, ns))

    # the route is deleted: its record and its ownership TXT go
    kube.delete("HTTPRoute", ns, "shop")
    eventually(lambda: records_of(named, host) == {})
    stopped_cleanly(kopf_operator)

    # kopf wrote nothing to the objects it watched
    marker = kube.get("HTTPRoute", ns, "marker1")
    assert "finalizers" not in marker["metadata"]
    assert not [k for k in marker["metadata"].get("annotations", {}) if "kopf" in k]


def test_restart_while_the_gateway_controller_lags_deletes_nothing(
    kopf_operator: Operator, kube: Kube, named: dict[str, Any]
) -> None:
    ns, host = setup_route(kube, "kopf-restart")
    kopf_operator.start()
    eventually(lambda: published(named, host, EXTERNAL, ns))
    move_to_internal_without_status(kube, ns)
    round_done(kube, named, ns, "marker1")
    assert records_of(named, host) == expected(host, EXTERNAL, ns)  # held
    stopped_cleanly(kopf_operator)

    kopf_operator.start()  # a new process: hold must come from the zone (SPEC 9, 13.7)
    round_done(kube, named, ns, "marker2")  # the new process has planned the whole cluster
    assert records_of(named, host) == expected(host, EXTERNAL, ns)
