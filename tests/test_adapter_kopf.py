"""KopfWatcher, driven the way kopf's handlers drive it, with kopf's own Body objects.

kopf itself, against a real API server, is in ``tests/k8s/test_kopf.py``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, cast

import kopf
import pytest

from gatewaydns import Reconciler, TXTRegistry
from gatewaydns.adapters.kopf import KopfWatcher
from gatewaydns.protocols import WaitsForEvents, Watcher
from gatewaydns.testing import InMemoryProvider

from .helpers import gateway, namespace, route


def body(doc: dict[str, Any], uid: str, rv: str = "1", created: str = "") -> kopf.Body:
    out = copy.deepcopy(doc)
    out["metadata"]["uid"] = uid
    out["metadata"]["resourceVersion"] = rv
    if created:
        out["metadata"]["creationTimestamp"] = created
    return kopf.Body(cast(kopf.RawBody, out))


def shop(hostname: str = "shop.example.com", **kwargs: Any) -> dict[str, Any]:
    return route("shop", "app", hostnames=[hostname], **kwargs)


def summary(watcher: KopfWatcher) -> list[tuple[str, str, str]]:
    return [
        (e.type, e.object.kind, next(iter(getattr(e.object.spec, "hostnames", None) or ("",))))
        for e in watcher.poll()
    ]


def test_it_is_a_watcher_that_waits() -> None:
    watcher = KopfWatcher()
    assert isinstance(watcher, Watcher)
    assert isinstance(watcher, WaitsForEvents)


def test_index_calls_deliver_added_then_modified_only_on_change() -> None:
    w = KopfWatcher()
    w.index(body(shop(), "u1"))
    w.index(body(shop(), "u1"))  # kopf indexes again (a retry, a patch elsewhere): no event
    assert summary(w) == [("ADDED", "HTTPRoute", "shop.example.com")]
    w.index(body(shop("new.example.com"), "u1", rv="2"))
    w.index(body(shop("new.example.com"), "u1", rv="3"))  # another resourceVersion
    assert summary(w) == [
        ("MODIFIED", "HTTPRoute", "new.example.com"),
        ("MODIFIED", "HTTPRoute", "new.example.com"),
    ]


def test_synced_at_the_first_event_call_with_the_whole_listing_queued() -> None:
    w = KopfWatcher()
    w.index(body(namespace("app"), "n1"))
    w.index(body(shop(), "u1"))
    assert not w.synced
    assert w.wait(0) is True  # events queued
    assert len(w.poll()) == 2
    assert not w.synced  # kopf has not yet opened its handlers: the listing may go on
    assert w.wait(0) is False
    w.index(body(gateway("gw", "infra", addresses=["203.0.113.1"]), "g1"))
    w.event(None, body(namespace("app"), "n1"))  # the first event handler call
    # synced is read before polling (the Watcher contract): the poll that follows a true
    # synced delivers every object listed before the call, here the Gateway
    assert bool(w.synced)  # bool(): mypy would keep `not w.synced` from above
    assert w.wait(0) is True
    assert [e.object.kind for e in w.poll()] == ["Gateway"]
    assert w.synced


def test_synced_with_an_empty_queue() -> None:
    w = KopfWatcher()
    w.event(None, body(namespace("default"), "n0"))
    assert w.wait(0) is True  # became synced: a round has something to do
    assert w.synced
    assert w.poll() == []
    assert w.wait(0) is False


def test_deleted_removes_the_object_of_its_uid() -> None:
    w = KopfWatcher()
    w.index(body(shop(), "u1"))
    w.event("DELETED", body(shop(), "u1"))
    assert [e.type for e in w.poll()] == ["ADDED", "DELETED"]
    w.event("DELETED", body(shop(), "u1"))  # again: nothing left to delete
    w.index(body(shop(), "u1", rv="9"))  # a late event of the deleted object
    assert w.poll() == []


def test_a_late_deleted_of_a_predecessor_does_not_delete_its_successor() -> None:
    # kopf handles each uid in its own worker: the re-created route's first event may come
    # before the deletion of the old one
    w = KopfWatcher()
    w.index(body(shop("old.example.com"), "old", created="2025-01-01T00:00:00Z"))
    w.index(body(shop("new.example.com"), "new", created="2025-01-01T00:00:05Z"))
    w.event("DELETED", body(shop("old.example.com"), "old"))
    w.index(body(shop("old.example.com"), "old", rv="7"))  # and a late change of the old one
    assert summary(w) == [
        ("ADDED", "HTTPRoute", "old.example.com"),
        ("MODIFIED", "HTTPRoute", "new.example.com"),
    ]
    w.event("DELETED", body(shop("new.example.com"), "new"))
    assert summary(w) == [("DELETED", "HTTPRoute", "new.example.com")]


def test_an_older_object_seen_after_its_successor_is_ignored() -> None:
    w = KopfWatcher()
    w.index(body(shop("new.example.com"), "new", created="2025-01-01T00:00:05Z"))
    w.index(body(shop("old.example.com"), "old", created="2025-01-01T00:00:00Z"))
    w.event("DELETED", body(shop("old.example.com"), "old"))
    assert summary(w) == [("ADDED", "HTTPRoute", "new.example.com")]


def test_invalid_objects_keep_their_last_valid_state() -> None:
    w = KopfWatcher()
    w.index(body(shop(), "u1"))
    bad = shop()
    bad["spec"]["hostnames"] = [80]
    w.index(body(bad, "u1", rv="2"))
    assert summary(w) == [("ADDED", "HTTPRoute", "shop.example.com")]
    problem = "spec.hostnames[0]: Input should be a valid string"
    assert w.invalid_objects == {("HTTPRoute", "app", "shop"): problem}
    assert w.errors == [f"HTTPRoute app/shop: {problem}; its last valid version stays in effect"]
    w.index(body(shop("fixed.example.com"), "u1", rv="3"))
    assert summary(w) == [("MODIFIED", "HTTPRoute", "fixed.example.com")]
    assert w.invalid_objects == {}


def test_an_object_invalid_from_the_start_is_skipped_and_forgotten_when_deleted() -> None:
    w = KopfWatcher()
    bad = shop()
    del bad["spec"]["parentRefs"][0]["name"]
    w.index(body(bad, "u1"))
    assert w.poll() == []
    assert w.errors == [
        "HTTPRoute app/shop: spec.parentRefs[0].name: Field required; object skipped"
    ]
    w.event("DELETED", body(bad, "u1"))
    assert w.invalid_objects == {}
    assert w.poll() == []


def test_relists_are_detected_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    w = KopfWatcher()
    w.index(body(shop(), "u1"))
    w.event(None, body(shop(), "u1"))  # the initial listing
    w.event("MODIFIED", body(shop(), "u1", rv="2"))
    assert w.relisted_objects == {}
    with caplog.at_level(logging.WARNING, logger="gatewaydns.adapters.kopf"):
        w.event(None, body(shop(), "u1", rv="2"))  # listed again: kopf's watch expired
        w.event(None, body(shop(), "u1", rv="2"))
    assert w.relisted_objects == {"HTTPRoute": 2}
    assert [r.getMessage() for r in caplog.records] == [
        "kopf listed HTTPRoute again (its watch expired): objects deleted while it was down "
        "are not reported by kopf and keep their DNS records until a restart"
    ]


def test_namespaces_are_keyed_without_namespace() -> None:
    w = KopfWatcher()
    w.index(body(namespace("app", {"a": "b"}), "n1"))
    w.event("DELETED", body(namespace("app"), "n1"))
    assert [(e.type, e.object.kind, e.object.name) for e in w.poll()] == [
        ("ADDED", "Namespace", "app"),
        ("DELETED", "Namespace", "app"),
    ]


def test_close_wakes_waiters() -> None:
    w = KopfWatcher()
    w.close()
    assert w.wait(5) is False  # at once


def test_the_reconciler_never_plans_before_kopf_completes_the_listing() -> None:
    provider = InMemoryProvider(zones=("example.com",))
    w = KopfWatcher()
    reconciler = Reconciler(w, provider, owner_id="kopf-test")
    w.index(body(gateway("gw", "infra", addresses=["203.0.113.1"]), "g1"))
    w.index(body(shop(), "u1"))
    rnd = reconciler.step()
    assert (rnd.events, rnd.planned, provider.records_calls) == (2, False, 0)
    w.event(None, body(shop(), "u1"))
    rnd = reconciler.step()
    assert (rnd.planned, rnd.applied) == (True, True)
    owner_txt = TXTRegistry("kopf-test").txt_name("shop.example.com", "A")
    assert provider.snapshot() == {
        ("shop.example.com", "A", ""): ("203.0.113.1",),
        (owner_txt, "TXT", ""): (
            '"heritage=external-dns,external-dns/owner=kopf-test,'
            'external-dns/resource=httproute/app/shop"',
        ),
    }


def test_the_deletion_guard_withholds_a_mass_deletion_from_kopf_events() -> None:
    provider = InMemoryProvider(zones=("example.com",))
    w = KopfWatcher()
    reconciler = Reconciler(w, provider, owner_id="kopf-test")
    gw = body(gateway("gw", "infra", addresses=["203.0.113.1"]), "g1")
    routes = [
        body(route(f"r{i:02d}", "app", hostnames=[f"r{i:02d}.example.com"]), f"u{i}")
        for i in range(12)
    ]
    w.index(gw)
    for r in routes:
        w.index(r)
    w.event(None, gw)
    assert reconciler.step().applied
    published = {k for k in provider.snapshot() if k[1] == "A"}
    assert len(published) == 12
    for r in routes:  # every route goes at once (say, a namespace deleted by mistake)
        w.event("DELETED", r)
    rnd = reconciler.step()
    assert (rnd.events, rnd.withheld) == (12, 12)
    assert {k for k in provider.snapshot() if k[1] == "A"} == published
