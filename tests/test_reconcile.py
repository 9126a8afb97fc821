"""Reconciler with the in-memory provider: the problem this library exists for, end to end."""

from __future__ import annotations

from typing import Any

import pytest

import gatewaydns
from gatewaydns import Endpoint, PlanOptions, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.testing import Faults, InMemoryProvider, ScriptedWatcher

from .helpers import (
    EXTERNAL,
    INTERNAL,
    MOVED_CAUGHT_UP,
    MOVED_LAGGING,
    accepted,
    gateway,
    model,
    namespace,
    route,
)

OWNER = "gatewaydns-test"


ON_EXTERNAL = model(
    route(
        "shop",
        hostnames=["shop.example.com"],
        parents=[{"name": "external", "namespace": "infra"}],
        generation=1,
    )
)

API = Endpoint(dns_name="api.example.com", targets=("198.51.100.2",), record_type="A")
FOREIGN = [
    Endpoint(dns_name="shop.example.com", targets=("10 mail.example.com",), record_type="MX"),
    Endpoint(dns_name="blog.example.com", targets=("198.51.100.1",), record_type="A"),
    API,
    TXTRegistry("someone-else").txt_record(API),
]


def a_records(provider: InMemoryProvider) -> dict[str, tuple[str, ...]]:
    return {k[0]: v for k, v in provider.snapshot().items() if k[1] == "A"}


def test_parent_ref_move_end_to_end() -> None:
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, ON_EXTERNAL])
    provider = InMemoryProvider(FOREIGN)
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    history: list[dict[str, tuple[str, ...]]] = []

    def step() -> gatewaydns.Round:
        rnd = rec.step()
        history.append(a_records(provider))
        return rnd

    assert step().applied
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)

    watcher.modify(MOVED_LAGGING)  # the controller lags: the old record is held
    rnd = step()
    assert rnd.changes is not None
    assert rnd.changes.is_empty()
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)
    assert "held" in [d.reason for d in rec.result.diagnostics]  # type: ignore[union-attr]

    watcher.modify(MOVED_CAUGHT_UP)  # caught up: old record replaced, exactly once
    rnd = step()
    assert rnd.changes is not None
    assert [(e.dns_name, e.targets) for e in rnd.changes.update_new if e.record_type == "A"] == [
        ("shop.example.com", ("192.0.2.20",))
    ]
    assert a_records(provider)["shop.example.com"] == ("192.0.2.20",)

    for _ in range(3):  # nothing more happens
        assert not step().planned

    # at no moment were both gateways published for the name
    assert all(len(h.get("shop.example.com", ())) <= 1 for h in history)
    # records of other owners were never touched
    snap = provider.snapshot()
    for foreign in FOREIGN:
        assert snap[(foreign.dns_name, foreign.record_type, "")] == tuple(sorted(foreign.targets))
    assert (
        sum(len(c.create) + len(c.update_new) + len(c.delete) for c in provider.applied) == 3
    )  # A + TXT, then one update


def test_never_plans_before_initial_listing() -> None:
    watcher = ScriptedWatcher([EXTERNAL], synced=False)
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    assert not rec.step().planned
    watcher.add(ON_EXTERNAL)
    assert not rec.step().planned
    assert provider.records_calls == 0
    watcher.mark_synced()
    assert rec.step().applied
    assert a_records(provider) == {"shop.example.com": ("203.0.113.10",)}


def test_round_without_events_plans_nothing() -> None:
    provider = InMemoryProvider()
    rec = Reconciler(ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER)
    rec.step()
    calls = provider.records_calls
    rnd = rec.step()
    assert (rnd.events, rnd.planned) == (0, False)
    assert provider.records_calls == calls


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(Faults(fail_apply={1}), id="apply-fails"),
        pytest.param(Faults(partial_apply={1: 1}), id="partial-apply"),
        pytest.param(Faults(fail_records={1}), id="records-fails"),
        pytest.param(Faults(partial_apply={2: 1}), id="partial-second-apply"),
    ],
)
def test_faults_converge_and_lose_nothing(faults: Faults) -> None:
    watcher = ScriptedWatcher(
        [
            EXTERNAL,
            INTERNAL,
            ON_EXTERNAL,
            model(
                route(
                    "blog",
                    hostnames=["www.example.com"],
                    parents=[{"name": "internal", "namespace": "infra"}],
                )
            ),
        ]
    )
    provider = InMemoryProvider(FOREIGN, faults=faults)
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    rec.step()
    watcher.modify(MOVED_CAUGHT_UP)
    for _ in range(6):
        rec.step()
    assert a_records(provider) == {
        "api.example.com": ("198.51.100.2",),
        "blog.example.com": ("198.51.100.1",),
        "shop.example.com": ("192.0.2.20",),
        "www.example.com": ("192.0.2.20",),
    }
    reg = TXTRegistry(OWNER)
    assert provider.get(reg.txt_name("shop.example.com", "A"), "TXT") is not None
    assert provider.get("shop.example.com", "MX") is not None
    # converged: a further round changes nothing
    assert not rec.step().planned


def test_failed_round_reports_error_and_retries() -> None:
    provider = InMemoryProvider(faults=Faults(fail_apply={1}))
    rec = Reconciler(ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER)
    first = rec.step()
    assert (first.applied, first.retryable) == (False, True)
    assert "injected failure" in (first.error or "")
    second = rec.step()
    assert second.applied
    assert a_records(provider) == {"shop.example.com": ("203.0.113.10",)}


def test_deletion_guard_protects_the_zone() -> None:
    routes = [
        model(
            route(
                f"r{i}",
                hostnames=[f"r{i}.example.com"],
                parents=[{"name": "external", "namespace": "infra"}],
            )
        )
        for i in range(12)
    ]
    watcher = ScriptedWatcher([EXTERNAL, *routes])
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    rec.step()
    assert len(a_records(provider)) == 12
    watcher.delete(*routes)
    rnd = rec.step()
    assert rnd.error is None
    assert rnd.withheld == 12
    assert rnd.changes is not None
    assert "withheld 12 deletions of 12" in rnd.changes.diagnostics[0].message
    assert len(a_records(provider)) == 12
    forced = Reconciler(
        ScriptedWatcher([EXTERNAL]), provider, options=PlanOptions(TXTRegistry(OWNER), force=True)
    )
    assert forced.step().applied
    assert a_records(provider) == {}


def test_events_recompute_only_what_they_affect() -> None:
    other = model(gateway("other", addresses=["198.51.100.9"]))
    routes = [
        model(
            route(
                f"r{i}",
                hostnames=[f"r{i}.example.com"],
                parents=[{"name": "external", "namespace": "infra"}],
            )
        )
        for i in range(5)
    ]
    on_other = model(
        route("o", hostnames=["o.example.com"], parents=[{"name": "other", "namespace": "infra"}])
    )
    watcher = ScriptedWatcher([EXTERNAL, other, *routes, on_other])
    rec = Reconciler(watcher, InMemoryProvider(), owner_id=OWNER)
    assert rec.step().recomputed == 6
    watcher.modify(routes[0])
    assert rec.step().recomputed == 1
    watcher.modify(model(gateway("other", addresses=["198.51.100.10"])))
    assert rec.step().recomputed == 1
    watcher.modify(model(gateway("external", addresses=["203.0.113.11"])))
    assert rec.step().recomputed == 5


def test_config_and_adjust_endpoints_hook() -> None:
    class Adjusting(InMemoryProvider):
        def adjust_endpoints(self, endpoints: Any) -> Any:
            return [e.model_copy(update={"record_ttl": e.record_ttl or 300}) for e in endpoints]

    provider = Adjusting()
    rec = Reconciler(
        ScriptedWatcher([EXTERNAL, ON_EXTERNAL]),
        provider,
        SourceConfig(generation_policy="off"),
        owner_id=OWNER,
    )
    rec.step()
    record = provider.get("shop.example.com", "A")
    assert record is not None
    assert record.record_ttl == 300
    assert not rec.step().planned


def test_listener_set_events_recompute_their_routes() -> None:
    from .helpers import listener_set

    gw = model(gateway(allowed_listeners={"namespaces": {"from": "All"}}))
    ls = model(listener_set())
    via_ls = model(
        route(
            "web",
            namespace="team",
            parents=[{"name": "ls", "namespace": "team", "kind": "ListenerSet"}],
            status=[accepted("ls", "team", kind="ListenerSet")],
        )
    )
    direct = model(
        route("direct", hostnames=["d.example.com"], parents=[{"name": "gw", "namespace": "infra"}])
    )
    watcher = ScriptedWatcher([gw, ls, via_ls, direct])
    provider = InMemoryProvider()
    config = SourceConfig(listener_sets=True)
    rec = Reconciler(watcher, provider, config, owner_id=OWNER)
    rec.step()
    assert set(a_records(provider)) == {"web.example.com", "d.example.com"}
    watcher.delete(ls)
    rnd = rec.step()
    assert rnd.recomputed == 1
    assert set(a_records(provider)) == {"d.example.com"}
    assert rec.result == gatewaydns.compute_endpoints(rec.snapshot(), config)
    watcher.add(ls)
    assert rec.step().recomputed == 1
    assert set(a_records(provider)) == {"web.example.com", "d.example.com"}


# --- address-loss hold (SPEC 9) -----------------------------------------------------------------
def _lost(name: str) -> Any:
    doc = gateway(name, addresses=[])
    doc["status"]["conditions"] = [
        {"type": "Programmed", "status": "False", "reason": "AddressNotAssigned"}
    ]
    return model(doc)


def test_gateway_losing_its_address_keeps_the_records_until_deleted() -> None:
    watcher = ScriptedWatcher([EXTERNAL, ON_EXTERNAL])
    provider = InMemoryProvider(FOREIGN)
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    assert rec.step().applied
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)

    watcher.modify(_lost("external"))  # the load balancer is being re-provisioned
    rnd = rec.step()
    assert rnd.recomputed == 1
    assert rnd.changes is not None
    assert rnd.changes.is_empty()
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)
    assert rec.result is not None
    [held] = [d for d in rec.result.diagnostics if d.reason == "held"]
    assert "Gateway infra/external has no usable address" in held.message
    assert not rec.step().planned  # quiet rounds change nothing

    watcher.modify(ON_EXTERNAL)  # the route changes (same spec): still held
    rnd = rec.step()
    assert rnd.changes is not None
    assert rnd.changes.is_empty()

    watcher.delete(_lost("external"))  # the Gateway is deleted: the records go
    rnd = rec.step()
    assert rnd.applied
    assert "shop.example.com" not in a_records(provider)
    assert a_records(provider)["api.example.com"] == ("198.51.100.2",)  # not ours, untouched


def test_route_leaving_an_address_less_gateway_releases_the_hold() -> None:
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, ON_EXTERNAL])
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    rec.step()
    watcher.modify(_lost("external"))
    rec.step()
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)
    watcher.modify(MOVED_CAUGHT_UP)  # now on internal, which has an address
    assert rec.step().applied
    assert a_records(provider)["shop.example.com"] == ("192.0.2.20",)
    assert rec.result is not None
    assert "held" not in [d.reason for d in rec.result.diagnostics]


def test_address_loss_incremental_equals_full() -> None:
    # a route served by two Gateways, one without an address from the start: its outcome depends
    # on the previous result, so it must be recomputed every round like a lagging route
    both = model(
        route(
            "shop",
            hostnames=["shop.example.com"],
            parents=[
                {"name": "external", "namespace": "infra"},
                {"name": "internal", "namespace": "infra"},
            ],
        )
    )
    watcher = ScriptedWatcher([EXTERNAL, _lost("internal"), both])
    config = SourceConfig()
    rec = Reconciler(watcher, InMemoryProvider(), config, owner_id=OWNER)
    rec.step()
    for _ in range(2):
        previous = rec.result
        watcher.add(model(route("other", hostnames=["other.example.com"])))  # unrelated event
        rec.step()
        assert rec.result == gatewaydns.compute_endpoints(rec.snapshot(), config, previous)
        assert "held" in [d.reason for d in rec.result.diagnostics]


def test_the_index_kept_between_rounds_follows_gateway_and_namespace_events() -> None:
    # the Reconciler keeps its index of Gateways, ListenerSets and Namespaces between rounds:
    # an event of one of them (and only that) must make the next round read the new object
    selective = model(
        gateway(
            "sel",
            addresses=["198.51.100.7"],
            listeners=[
                {
                    "name": "http",
                    "port": 80,
                    "protocol": "HTTP",
                    "allowedRoutes": {
                        "namespaces": {
                            "from": "Selector",
                            "selector": {"matchLabels": {"dns": "on"}},
                        }
                    },
                }
            ],
        )
    )
    on_sel = model(
        route("s", hostnames=["s.example.com"], parents=[{"name": "sel", "namespace": "infra"}])
    )
    ns_on = model(namespace("app", {"dns": "on"}))
    watcher = ScriptedWatcher([EXTERNAL, selective, ns_on, ON_EXTERNAL, on_sel])
    provider = InMemoryProvider(zones=("example.com",))
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    rec.step()
    assert a_records(provider) == {
        "shop.example.com": ("203.0.113.10",),
        "s.example.com": ("198.51.100.7",),
    }
    watcher.modify(model(gateway("external", addresses=["203.0.113.99"])))
    rec.step()
    assert a_records(provider)["shop.example.com"] == ("203.0.113.99",)
    watcher.modify(model(namespace("app", {"dns": "off"})))  # the listener no longer admits it
    rec.step()
    assert a_records(provider) == {"shop.example.com": ("203.0.113.99",)}
    assert rec.result == gatewaydns.compute_endpoints(rec.snapshot(), SourceConfig())


def test_the_result_is_built_when_read_and_matches_each_round() -> None:
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, ON_EXTERNAL])
    rec = Reconciler(watcher, InMemoryProvider(zones=("example.com",)), owner_id=OWNER)
    before = rec.result
    assert before is None  # nothing computed yet
    rec.step()
    first = rec.result
    assert first is not None
    assert [e.targets for e in first.endpoints] == [("203.0.113.10",)]
    watcher.modify(MOVED_CAUGHT_UP)
    rec.step()
    second = rec.result
    # a result once read is a snapshot: the next round does not change it
    assert [e.targets for e in first.endpoints] == [("203.0.113.10",)]
    assert second is not None
    assert [e.targets for e in second.endpoints] == [("192.0.2.20",)]
    assert rec.result is second  # no round in between: the same object
    assert dict(second.by_route) == dict(
        gatewaydns.compute_endpoints(rec.snapshot(), SourceConfig()).by_route
    )
