"""examples/controller.py end to end: a real kube-apiserver, a real BIND 9, checked by AXFR.

The test acts as the Gateway controller: it writes ``status`` through the status subresource,
late or not at all, as a lagging controller would.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.dnsutil import dns_flags, dump

from .apiserver import Cluster
from .conftest import Kube, eventually
from .objects import gw, http_route, parent_status, stamped

pytestmark = pytest.mark.k8s

ROOT = pathlib.Path(__file__).parent.parent.parent
OWNER = "e2e-controller"
EXTERNAL, INTERNAL = "203.0.113.10", "192.0.2.20"


def records_of(named: dict[str, Any], host: str) -> dict[tuple[str, str], list[str]]:
    """The A record of ``host`` and its ownership TXT, as the zone holds them."""
    return {k: list(v) for k, v in dump(named).items() if k[0] in (host, f"a-{host}")}


class Controller:
    """examples/controller.py as a process, configured by the admin kubeconfig."""

    def __init__(self, cluster: Cluster, named: dict[str, Any], tmp: pathlib.Path) -> None:
        self.argv = [
            sys.executable,
            str(ROOT / "examples/controller.py"),
            *dns_flags(named, tmp, OWNER),
            *("--interval", "2"),
        ]
        self.env = {
            **os.environ,
            "KUBECONFIG": str(cluster.path / "kubeconfig"),
            "PYTHONUNBUFFERED": "1",
        }
        self.log = tmp / "controller.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def controller(
    cluster: Cluster, kube: Kube, named: dict[str, Any], tmp_path: pathlib.Path
) -> Iterator[Controller]:
    ctl = Controller(cluster, named, tmp_path)
    try:
        yield ctl
    finally:
        if ctl.proc is not None:
            assert ctl.stop() == 0, ctl.output()


def setup_route(kube: Kube, prefix: str) -> tuple[str, str]:
    """A namespace with Gateways external and internal, and route shop on external."""
    ns = kube.namespace(prefix)
    kube.create(gw("external", ns, EXTERNAL))
    kube.create(gw("internal", ns, INTERNAL))
    host = f"shop.{ns}.example.com"
    kube.create(http_route("shop", ns, [host], "external"))
    return ns, host


def expected(host: str, address: str, ns: str) -> dict[tuple[str, str], list[str]]:
    """Route shop's A record at ``address``, with its ownership TXT."""
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
    """Publish a marker route and wait for it: the controller has seen everything before it."""
    host = f"{marker}.{ns}.example.com"
    kube.create(http_route(marker, ns, [host], "external"))
    eventually(lambda: records_of(named, host).get((host, "A")) == [EXTERNAL])


def move_to_internal_without_status(kube: Kube, ns: str) -> None:
    """spec.parentRefs moves to internal (generation 2); status still says external at 1."""
    moved = kube.patch(
        "HTTPRoute", ns, "shop", {"spec": {"parentRefs": [{"name": "internal", "namespace": ns}]}}
    )
    assert moved["metadata"]["generation"] == 2
    assert moved["status"]["parents"][0]["parentRef"]["name"] == "external"


def test_publish_move_hold_catch_up_and_delete(
    controller: Controller, kube: Kube, named: dict[str, Any]
) -> None:
    ns, host = setup_route(kube, "e2e")
    controller.start()
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
    assert controller.stop() == 0
    assert "Traceback" not in controller.output()


def test_restart_while_the_gateway_controller_lags_deletes_nothing(
    controller: Controller, kube: Kube, named: dict[str, Any]
) -> None:
    ns, host = setup_route(kube, "restart")
    controller.start()
    eventually(lambda: published(named, host, EXTERNAL, ns))
    move_to_internal_without_status(kube, ns)
    round_done(kube, named, ns, "marker1")
    assert records_of(named, host) == expected(host, EXTERNAL, ns)  # held

    assert controller.stop() == 0
    controller.start()  # a new process: hold must come from the zone (SPEC 9, 13.7)
    round_done(kube, named, ns, "marker2")  # the new process has planned the whole cluster
    assert records_of(named, host) == expected(host, EXTERNAL, ns)
