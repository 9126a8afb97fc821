"""A controller that survives restarts, outages and quiet nights (#12), and rounds that cost what
changed (#21): hold rebuilt from the zone, resync with an injected clock, the deletion guard
withholding only deletions, counters and change logs, incremental plans."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewaydns import (
    Endpoint,
    PlanOptions,
    Reconciler,
    TXTRegistry,
    plan,
)
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher

from .helpers import (
    EXTERNAL,
    INTERNAL,
    MOVED_CAUGHT_UP,
    MOVED_LAGGING,
    accepted,
    gateway,
    model,
    route,
)

OWNER = "resilience"
REG = TXTRegistry(OWNER)

ON_EXTERNAL = model(
    route(
        "shop",
        hostnames=["shop.example.com"],
        parents=[{"name": "external", "namespace": "infra"}],
        status=[accepted("external", generation=1)],
        generation=1,
    )
)
FOREIGN = Endpoint(dns_name="blog.example.com", targets=("198.51.100.1",), record_type="A")
THEIRS = Endpoint(
    dns_name="a.example.com",
    targets=("2001:db8::99",),
    record_type="AAAA",
    labels={"resource": "httproute/x/y"},
)


class Clock:
    """An injected monotonic clock: tests move time, nobody sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_records(provider: InMemoryProvider) -> dict[str, tuple[str, ...]]:
    return {k[0]: v for k, v in provider.snapshot().items() if k[1] == "A"}


def r(name: str, gw: str, host: str | None = None, generation: int = 1) -> Any:
    return model(
        route(
            name,
            hostnames=[host or f"{name}.example.com"],
            parents=[{"name": gw, "namespace": "infra"}],
            status=[accepted(gw, generation=generation)],
            generation=generation,
        )
    )


# --- 1. a restart while the Gateway controller lags --------------------------------------------
def test_restart_while_the_controller_lags_holds_from_the_zone() -> None:
    provider = InMemoryProvider([FOREIGN])
    first = Reconciler(ScriptedWatcher([EXTERNAL, INTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER)
    assert first.step().applied
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)
    # the process dies; meanwhile the route moves and its Gateway controller lags
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, MOVED_LAGGING])
    restarted = Reconciler(watcher, provider, owner_id=OWNER)
    rnd = restarted.step()
    assert rnd.applied
    assert rnd.changes is not None
    assert rnd.changes.is_empty()  # nothing deleted, nothing published for the new Gateway yet
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)
    assert restarted.result is not None
    assert "held" in [d.reason for d in restarted.result.for_route("httproute/app/shop")]
    assert restarted.stats.held == 1
    watcher.modify(MOVED_CAUGHT_UP)  # the controller catches up: the record moves, once
    assert restarted.step().applied
    assert a_records(provider)["shop.example.com"] == ("192.0.2.20",)
    assert a_records(provider)["blog.example.com"] == ("198.51.100.1",)


def test_restart_holds_through_an_address_loss() -> None:
    provider = InMemoryProvider()
    Reconciler(ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER).step()
    reprovisioning = model(gateway("external", addresses=[]))
    restarted = Reconciler(ScriptedWatcher([reprovisioning, ON_EXTERNAL]), provider, owner_id=OWNER)
    assert restarted.step().applied
    assert a_records(provider)["shop.example.com"] == ("203.0.113.10",)


def test_restart_holds_only_what_this_owner_published() -> None:
    other = TXTRegistry("another-cluster")
    theirs = Endpoint(
        dns_name="shop.example.com",
        targets=("198.51.100.9",),
        record_type="A",
        labels={"resource": "httproute/app/shop"},
    )
    provider = InMemoryProvider(
        [theirs.model_copy(update={"labels": {}}), other.txt_record(theirs)]
    )
    rec = Reconciler(ScriptedWatcher([EXTERNAL, INTERNAL, MOVED_LAGGING]), provider, owner_id=OWNER)
    rnd = rec.step()
    assert rnd.changes is not None
    assert rnd.changes.is_empty()
    assert rec.result is not None
    assert "held" not in [d.reason for d in rec.result.diagnostics]  # nothing of ours to hold
    assert a_records(provider)["shop.example.com"] == ("198.51.100.9",)


# --- 2. drift repair -----------------------------------------------------------------------------
def test_drift_is_repaired_at_the_resync_interval() -> None:
    clock = Clock()
    other = r("news", "external")
    provider = InMemoryProvider()
    rec = Reconciler(
        ScriptedWatcher([EXTERNAL, ON_EXTERNAL, other]),
        provider,
        owner_id=OWNER,
        resync=60,
        clock=clock,
    )
    assert rec.step().applied
    provider.remove("shop.example.com", "A")  # a person deletes one record of ours ...
    provider.put(Endpoint(dns_name="news.example.com", targets=("10.0.0.1",), record_type="A"))
    reads = provider.records_calls
    for _ in range(10):  # ... and quiet rounds before the interval do nothing
        clock.now += 5
        assert not rec.step().planned
    assert provider.records_calls == reads
    clock.now += 11
    rnd = rec.step()
    assert rnd.resynced
    assert rnd.applied
    assert a_records(provider) == {
        "shop.example.com": ("203.0.113.10",),
        "news.example.com": ("203.0.113.10",),
    }
    assert rec.stats.last_success == clock.now


def test_resync_none_never_rereads_a_quiet_cluster() -> None:
    clock = Clock()
    provider = InMemoryProvider()
    rec = Reconciler(
        ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER, resync=None, clock=clock
    )
    rec.step()
    clock.now += 10_000
    assert not rec.step().planned
    assert provider.records_calls == 1


# --- 3. the deletion guard withholds deletions only ----------------------------------------------
def test_guard_withholds_deletions_while_a_new_route_is_published() -> None:
    clock = Clock()
    routes = [r(f"r{i}", "external") for i in range(12)]
    watcher = ScriptedWatcher([EXTERNAL, *routes])
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER, resync=60, clock=clock)
    rec.step()
    watcher.delete(*routes)
    watcher.add(r("new", "external"))
    rnd = rec.step()
    assert rnd.applied
    assert rnd.withheld == 12
    assert rec.stats.withheld == 12
    assert "new.example.com" in a_records(provider)
    assert len(a_records(provider)) == 13
    clock.now += 61  # the resync plans the withheld deletions again, and withholds them again
    again = rec.step()
    assert again.resynced
    assert again.withheld == 12
    assert len(a_records(provider)) == 13


# --- counters and change logs --------------------------------------------------------------------
def test_counters_and_structured_change_logs(caplog: pytest.LogCaptureFixture) -> None:
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, ON_EXTERNAL])
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    with caplog.at_level(logging.INFO, logger="gatewaydns.reconciler"):
        rec.step()
        watcher.modify(MOVED_CAUGHT_UP)
        rec.step()
    details = [rec_.dns_change for rec_ in caplog.records if hasattr(rec_, "dns_change")]
    assert details == [
        {
            "action": "create",
            "name": "shop.example.com",
            "type": "A",
            "old": [],
            "new": ["203.0.113.10"],
            "route": "httproute/app/shop",
        },
        {
            "action": "update",
            "name": "shop.example.com",
            "type": "A",
            "old": ["203.0.113.10"],
            "new": ["192.0.2.20"],
            "route": "httproute/app/shop",
        },
    ]
    assert "update A shop.example.com: 203.0.113.10 -> 192.0.2.20" in caplog.text
    assert (rec.stats.rounds, rec.stats.changes_applied, rec.stats.errors) == (2, 2, {})


def test_error_counters() -> None:
    from gatewaydns.testing import Faults

    provider = InMemoryProvider(faults=Faults(fail_records={1}, fail_apply={1}))
    rec = Reconciler(ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER)
    assert rec.step().error is not None
    assert rec.step().error is not None
    assert rec.step().applied
    assert rec.stats.errors == {"records": 1, "apply": 1}


# --- #21: an event round costs what changed --------------------------------------------------
def test_event_round_reads_nothing_and_plans_only_what_changed() -> None:
    routes = [r(f"r{i}", "external") for i in range(30)]
    watcher = ScriptedWatcher([EXTERNAL, INTERNAL, *routes])
    provider = InMemoryProvider()
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    rec.step()
    assert provider.records_calls == 1
    watcher.modify(r("r7", "internal", generation=2))
    rnd = rec.step()
    assert provider.records_calls == 1  # no zone transfer for an event round
    assert rnd.changes is not None
    assert {e.dns_name for e in rnd.changes.update_new} == {"r7.example.com"}
    watcher.modify(r("r8", "external"))  # nothing DNS-visible changed: nothing to plan
    quiet = rec.step()
    assert quiet.changes is not None
    assert quiet.changes.is_empty()
    assert provider.apply_calls == 2


HOSTS = [
    "a.example.com",
    "b.example.com",
    "a-b.example.com",
    "c.example.com",
    "cname-a.example.com",
]
GATEWAYS = {"g1": ["192.0.2.1"], "g2": ["2001:db8::2"], "g3": ["lb.example.net"], "g4": []}
ZONE_EXTRAS = [
    Endpoint(dns_name="c.example.com", targets=("198.51.100.3",), record_type="A"),
    Endpoint(dns_name="b.example.com", targets=('"people"',), record_type="TXT"),
    Endpoint(dns_name="a-c.example.com", targets=("x.example.net",), record_type="CNAME"),
    THEIRS.model_copy(update={"labels": {}}),
    TXTRegistry("other").txt_record(THEIRS),
]

event_steps = st.lists(
    st.tuples(
        st.integers(0, 5),  # route
        st.sampled_from(sorted(GATEWAYS)),
        st.lists(st.sampled_from(HOSTS), min_size=0, max_size=2, unique=True),  # [] deletes
        st.integers(1, 3),  # generation seen by the controller (lag when below the route's)
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    event_steps,
    st.lists(st.sampled_from(range(len(ZONE_EXTRAS))), unique=True),
    st.booleans(),
)
def test_incremental_plan_equals_the_full_plan(
    steps: list[tuple[int, str, list[str], int]], extras: list[int], guard: bool
) -> None:
    gateways = [model(gateway(g, addresses=a)) for g, a in GATEWAYS.items()]
    provider = InMemoryProvider([ZONE_EXTRAS[i] for i in extras])
    watcher = ScriptedWatcher(gateways)
    options = PlanOptions(REG, force=not guard, max_delete_count=1, max_delete_fraction=0.3)
    rec = Reconciler(watcher, provider, options=options, resync=None)
    rec.step()
    generations: dict[int, int] = {}
    withheld: tuple[Any, ...] = ()
    for i, gw, hosts, seen in steps:
        name = f"r{i}"
        if not hosts:
            if i in generations:
                watcher.delete(r(name, gw))
                del generations[i]
        else:
            generations[i] = generations.get(i, 0) + 1
            gen = generations[i]
            doc = route(
                name,
                hostnames=hosts,
                parents=[{"name": gw, "namespace": "infra"}],
                status=[accepted(gw, generation=min(seen, gen))],
                generation=gen,
            )
            watcher.push("MODIFIED" if gen > 1 else "ADDED", model(doc))
        before = provider.records()
        rnd = rec.step()
        assert rnd.error is None
        assert rec.result is not None
        desired = (
            provider.adjust_endpoints(rec.result.endpoints)
            if hasattr(provider, "adjust_endpoints")
            else rec.result.endpoints
        )
        full = plan(desired, before, rec.options, zones=provider.zones)
        if rnd.changes is None:  # no event, no round: nothing may be left to apply but
            # deletions the guard withheld before (re-planned with the next event or resync)
            assert all(unit in withheld for unit in full.units)
            continue
        assert rnd.changes.units == full.units
        assert rnd.changes.withheld == full.withheld
        withheld = rnd.changes.withheld


def test_a_failing_adjust_endpoints_fails_the_round_not_the_loop() -> None:
    from gatewaydns import ProviderError

    class Sidecar(InMemoryProvider):
        calls = 0

        def adjust_endpoints(self, endpoints: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                raise ProviderError("webhook sidecar restarting")
            return list(endpoints)

    provider = Sidecar()
    rec = Reconciler(ScriptedWatcher([EXTERNAL, ON_EXTERNAL]), provider, owner_id=OWNER)
    first = rec.step()
    assert first.error == "webhook sidecar restarting"
    assert first.retryable
    assert rec.step().applied
    assert rec.stats.errors == {"adjust": 1}
    assert a_records(provider) == {"shop.example.com": ("203.0.113.10",)}


def test_an_adjust_endpoints_that_renames_makes_the_event_round_plan_the_whole_zone() -> None:
    # a webhook provider may rename endpoints (here: every name gets a "www." in front); an
    # event round reads only the names it plans, so it would not see what stands at the new
    # name. It must plan the whole zone instead, and never overwrite another owner's record.
    class Renaming(InMemoryProvider):
        def adjust_endpoints(self, endpoints: Any) -> Any:
            return [ep.model_copy(update={"dns_name": "www." + ep.dns_name}) for ep in endpoints]

    foreign = Endpoint(dns_name="www.blog.example.com", targets=("198.51.100.1",), record_type="A")
    provider = Renaming(zones=("example.com",))
    provider.put(foreign, TXTRegistry("someone-else").txt_record(foreign))
    watcher = ScriptedWatcher([EXTERNAL, ON_EXTERNAL])
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    assert rec.step().applied
    assert provider.get("www.shop.example.com", "A") is not None
    blog = model(
        route(
            "blog",
            hostnames=["blog.example.com"],
            parents=[{"name": "external", "namespace": "infra"}],
        )
    )
    watcher.add(blog)
    rnd = rec.step()  # an event round: blog.example.com is planned, www.blog.example.com not
    assert rnd.error is None
    assert provider.get("www.blog.example.com", "A") == foreign  # not taken over
    assert rnd.changes is not None
    assert "www.blog.example.com" in {d.hostname for d in rnd.changes.diagnostics}
