"""The webhook round trip against a real BIND 9: client -> serve() -> RFC2136Provider -> named.

The zone is read back by AXFR (tests/dnsutil.py), never through the providers under test.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gatewaydns import (
    Changes,
    Endpoint,
    PlanOptions,
    ProviderError,
    Reconciler,
    TXTRegistry,
    plan,
)
from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey
from gatewaydns.adapters.webhook import MEDIA_TYPE, WebhookProvider, make_server
from gatewaydns.testing import ScriptedWatcher

from .dnsutil import Faulty, dump, raw_update, send
from .helpers import accepted, gateway, model, route

OWNER = "hook"
REG = TXTRegistry(OWNER)


def ep(name: str, *targets: str, rtype: str = "A", resource: str = "httproute/app/r") -> Endpoint:
    return Endpoint(
        dns_name=name, targets=targets, record_type=rtype, labels={"resource": resource}
    )


def ours(zone: dict[tuple[str, str], tuple[str, ...]]) -> set[str]:
    mark = f"external-dns/owner={OWNER}"
    return {
        name
        for name, rtype in zone
        if rtype in ("A", "AAAA", "CNAME")
        and any(mark in t for t in zone.get((REG.txt_name(name, rtype), "TXT"), ()))
    }


@contextmanager
def served(backend: Any, **kwargs: Any) -> Iterator[WebhookProvider]:
    server = make_server(backend, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield WebhookProvider(server.url, capabilities=backend.capabilities)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def faulty(named: dict[str, Any], provider: RFC2136Provider) -> Faulty:
    return Faulty(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
    )


def sync(hook: WebhookProvider, desired: list[Endpoint]) -> Changes:
    changes = plan(
        hook.adjust_endpoints(desired),
        hook.records(),
        PlanOptions(REG),
        zones=hook.zones,
        capabilities=hook.capabilities,
    )
    hook.apply_changes(changes)
    return changes


def test_round_trip_creates_updates_deletes(named: dict[str, Any], provider: Any) -> None:
    with served(provider, registry=REG) as hook:
        assert hook.zones == (named["zone"],)
        desired = [
            ep("www.example.com", "192.0.2.1"),
            ep("www.example.com", "2001:db8::1", rtype="AAAA"),
            ep("shop.example.com", "lb.example.net", rtype="CNAME"),
        ]
        sync(hook, desired)
        zone = dump(named)
        assert ours(zone) == {"www.example.com", "shop.example.com"}
        assert zone[("www.example.com", "A")] == ("192.0.2.1",)
        assert zone[("www.example.com", "AAAA")] == ("2001:db8::1",)
        assert zone[("shop.example.com", "CNAME")] == ("lb.example.net",)
        assert sync(hook, desired).is_empty()
        sync(hook, [ep("www.example.com", "192.0.2.2")])
        zone = dump(named)
        assert zone[("www.example.com", "A")] == ("192.0.2.2",)
        assert ours(zone) == {"www.example.com"}
        sync(hook, [])
        assert dump(named) == {("ns.example.com", "A"): ("127.0.0.1",)}


def test_each_unit_reaches_bind_in_one_message(named: dict[str, Any], faulty: Faulty) -> None:
    faulty.batch_size = 1
    with served(faulty, registry=REG) as hook:
        sync(hook, [ep(f"u{i}.example.com", "192.0.2.1") for i in range(4)])
        assert len(faulty.messages) == 4
        for message in faulty.messages:
            names = {
                r.name.to_text(omit_final_dot=True)
                for r in [*message.prerequisite, *message.update]
            }
            [record] = [n for n in names if not n.startswith("a-")]
            assert names == {record, REG.txt_name(record, "A")}
    assert ours(dump(named)) == {f"u{i}.example.com" for i in range(4)}


def test_without_a_registry_a_request_is_one_unit(named: dict[str, Any], faulty: Faulty) -> None:
    faulty.batch_size = 1
    with served(faulty) as hook:
        sync(hook, [ep(f"u{i}.example.com", "192.0.2.1") for i in range(4)])
    assert len(faulty.messages) == 1
    assert ours(dump(named)) == {f"u{i}.example.com" for i in range(4)}


def test_external_dns_flat_changes_keep_record_and_txt_together(
    named: dict[str, Any], faulty: Faulty
) -> None:
    """What external-dns's TXT registry posts, with a concurrent writer taking one name."""

    def rec(name: str, target: str) -> dict[str, Any]:
        return {"dnsName": name, "targets": [target], "recordType": "A", "recordTTL": 300}

    def txt(name: str) -> dict[str, Any]:
        return {
            "dnsName": REG.txt_name(name, "A"),
            "targets": [REG.txt_value("r")],
            "recordType": "TXT",
        }

    names = [f"x{i}.example.com" for i in range(4)]
    body = {"create": [rec(n, "192.0.2.1") for n in names] + [txt(n) for n in names]}

    def writer(_message: Any) -> None:
        msg = raw_update(named)
        msg.add("x2.example.com.", 300, "A", "198.51.100.2")
        send(named, msg)

    faulty.before[1] = writer
    with served(faulty, registry=REG) as hook:
        conn = http.client.HTTPConnection(hook._target.host, hook._target.port, timeout=10)
        conn.request("POST", "/records", json.dumps(body), {"Content-Type": MEDIA_TYPE})
        status = conn.getresponse().status
        conn.close()
    assert status == 500  # retryable: external-dns tries again next round
    zone = dump(named)
    assert ours(zone) == {"x0.example.com", "x1.example.com", "x3.example.com"}
    assert zone[("x2.example.com", "A")] == ("198.51.100.2",)
    assert ("a-x2.example.com", "TXT") not in zone


def test_concurrent_writer_through_the_client(named: dict[str, Any], faulty: Faulty) -> None:
    def writer(_message: Any) -> None:
        msg = raw_update(named)
        msg.add("h2.example.com.", 300, "A", "198.51.100.2")
        send(named, msg)

    faulty.before[1] = writer
    desired = [ep(f"h{i}.example.com", "192.0.2.1") for i in range(4)]
    with served(faulty, registry=REG) as hook:
        with pytest.raises(ProviderError, match="HTTP 500") as info:
            sync(hook, desired)
        assert info.value.retryable
        assert ours(dump(named)) == {"h0.example.com", "h1.example.com", "h3.example.com"}
        again = sync(hook, desired)
        assert [d.reason for d in again.diagnostics] == ["not-owned"]
        assert again.is_empty()


def test_reconciler_through_the_webhook(named: dict[str, Any], provider: Any) -> None:
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    parents = [{"name": "edge", "namespace": "infra"}]
    routes = [
        model(
            route(
                f"r{i}", hostnames=[f"r{i}.example.com"], parents=parents, status=[accepted("edge")]
            )
        )
        for i in range(3)
    ] + [
        model(
            route(
                "weighted",
                hostnames=["w.example.com"],
                parents=parents,
                status=[accepted("edge")],
                annotations={"external-dns.kubernetes.io/set-identifier": "eu"},
            )
        )
    ]
    watcher = ScriptedWatcher([gw, *routes])
    with served(provider, registry=REG) as hook:
        rec = Reconciler(watcher, hook, owner_id=OWNER)
        first = rec.step()
        assert first.applied, first.error
        assert first.changes is not None
        assert [d.name for d in first.changes.diagnostics] == ["weighted"]
        assert ours(dump(named)) == {f"r{i}.example.com" for i in range(3)}
        watcher.delete(routes[0])
        assert rec.step().applied
    assert ours(dump(named)) == {"r1.example.com", "r2.example.com"}


def test_backend_errors_keep_their_retryability(named: dict[str, Any], provider: Any) -> None:
    wrong = RFC2136Provider(
        named["host"],
        [named["zone"]],
        key=TSIGKey(named["key"].name, "c2VjcmV0"),
        port=named["port"],
    )
    with served(wrong) as hook:
        with pytest.raises(ProviderError, match="HTTP 422") as info:
            hook.records()
        assert not info.value.retryable
        assert "TSIG" in str(info.value)
    down = RFC2136Provider("127.0.0.1", [named["zone"]], port=1, timeout=1)
    with served(down) as hook:
        with pytest.raises(ProviderError, match="HTTP 500") as info:
            hook.records()
        assert info.value.retryable
