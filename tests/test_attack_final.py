"""Adversarial tests after the #17 model-layer sharing and the event-round fixes: the
Reconciler's write path against a real BIND 9 (hostile routes among good ones, a restart while
status lags, a fault mid-apply), and copies of models that share fields-sets and extras.

The zone is read back with an independent AXFR (tests/dnsutil.py).
"""

from __future__ import annotations

import contextlib
import copy
import pickle
from typing import Any, Literal

import pytest
from pydantic import ValidationError

from gatewaydns import Endpoint, ObjectMeta, Reconciler, Snapshot, TXTRegistry
from gatewaydns._diagnostics import make_diagnostic
from gatewaydns.testing import ScriptedWatcher

from .dnsutil import Faulty, Zone, dump, raw_update, send
from .helpers import accepted, gateway, model, route

OWNER = "attack2"
REG = TXTRegistry(OWNER)
LEGACY = "external-dns.alpha.kubernetes.io/"


def faulty_provider(named: dict[str, Any], batch_size: int = 100) -> Faulty:
    return Faulty(
        named["host"],
        [named["zone"]],
        key=named["key"],
        port=named["port"],
        default_ttl=120,
        batch_size=batch_size,
    )


def ours(zone: Zone) -> set[tuple[str, str]]:
    mark = f"external-dns/owner={OWNER}"
    return {
        (name, rtype)
        for name, rtype in zone
        if rtype in ("A", "AAAA", "CNAME")
        and any(mark in t for t in zone.get((REG.txt_name(name, rtype), "TXT"), ()))
    }


#: the only A/AAAA/CNAME records in the zone that are not ours (foreign_setup writes them)
FOREIGN = {("clash.example.com", "A"), ("foreigncname.example.com", "CNAME")}


def published(named: dict[str, Any]) -> Zone:
    """Our A/AAAA/CNAME records; fails if one of them lacks its ownership TXT."""
    zone = dump(named)
    out = {
        k: v
        for k, v in zone.items()
        if k[1] in ("A", "AAAA", "CNAME") and k[0] != "ns.example.com" and k not in FOREIGN
    }
    assert set(out) == ours(zone), "a record of ours without its ownership TXT"
    return out


def web(
    name: str,
    *hosts: str,
    gw: str = "edge",
    gen: int = 1,
    status_gen: int | None = None,
    annotations: dict[str, str] | None = None,
) -> Any:
    return model(
        route(
            name,
            hostnames=list(hosts),
            parents=[{"name": gw, "namespace": "infra"}],
            generation=gen,
            status=[accepted(gw, generation=gen if status_gen is None else status_gen)],
            annotations=annotations,
        )
    )


GOOD = [f"good{i}.example.com" for i in range(20)]
LONG_LABEL = "x" * 63  # a legal name whose ownership TXT name (a-xxx...) is not


def hostile_routes() -> list[Any]:
    return [
        # its ownership TXT name would need a 65-character label
        web("longlabel", f"{LONG_LABEL}.example.com"),
        # a 253-character name: legal, but its TXT name is longer than DNS allows
        web("longname", ".".join(["y" * 60, "y" * 60, "y" * 60, "y" * 58, "example.com"])),
        # a CNAME (target annotation) where someone else keeps an A record
        web("cnameclash", "clash.example.com", annotations={f"{LEGACY}target": "t.example.net"}),
        # an A where someone else keeps a CNAME
        web("aclash", "foreigncname.example.com"),
        # a set identifier: RFC 2136 has no routing policies
        web("setid", "setid.example.com", annotations={f"{LEGACY}set-identifier": "eu"}),
        # a name outside the zone and a wildcard
        web("outside", "outside.example.org", "*.wild.example.com"),
    ]


HOSTILE_REASONS = [
    ("aclash", "not-owned"),
    ("cnameclash", "not-owned"),
    ("longlabel", "unpublishable"),
    ("longname", "unpublishable"),
    ("setid", "unpublishable"),
]


def reasons(rnd: Any) -> list[tuple[str, str]]:
    """(route name, reason) of a round's plan diagnostics, sorted."""
    return sorted((str(d).split(": ")[1].split("/")[-1], d.reason) for d in rnd.changes.diagnostics)


def foreign_setup(named: dict[str, Any]) -> Zone:
    msg = raw_update(named)
    msg.add("clash.example.com.", 300, "A", "198.51.100.1")
    msg.add("foreigncname.example.com.", 300, "CNAME", "somewhere.example.net.")
    msg.add("a-setid.example.com.", 300, "TXT", "hand-written")
    send(named, msg)
    return dump(named)


def check_outcome(named: dict[str, Any], before: Zone) -> Zone:
    zone = dump(named)
    mine = published(named)
    for host in GOOD:
        assert mine.get((host, "A")) == ("192.0.2.10",), host
    # nothing of theirs changed
    for key, value in before.items():
        if key not in ours(before):
            assert zone.get(key) == value, key
    # nothing of ours published for the hostile names except what is legal to publish
    names = {k[0] for k in mine}
    assert not names & {
        f"{LONG_LABEL}.example.com",
        "clash.example.com",
        "foreigncname.example.com",
        "setid.example.com",
        "outside.example.org",
    }, names
    return zone


def test_hostile_routes_next_to_good_ones_full_round(named: dict[str, Any], provider: Any) -> None:
    """Hostile routes in the first (whole-zone) round: the good ones publish, every record of
    ours has its TXT, nothing foreign changes; a second round changes nothing."""
    before = foreign_setup(named)
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    good = [web(f"g{i}", h) for i, h in enumerate(GOOD)]
    watcher = ScriptedWatcher([gw, *hostile_routes(), *good])
    rec = Reconciler(watcher, faulty_provider(named), owner_id=OWNER, resync=None)
    first = rec.step()
    assert first.changes is not None
    assert reasons(first) == HOSTILE_REASONS
    check_outcome(named, before)
    watcher.modify(*good[:3])
    again = rec.step()
    assert again.error is None, again.error
    assert again.changes is not None
    check_outcome(named, before)


def test_hostile_routes_arrive_in_an_event_round(named: dict[str, Any], provider: Any) -> None:
    """The same hostile routes arriving after the good ones are published (an event round
    planned against the zone view): the good ones keep their records, nothing foreign changes,
    and a fresh process planning the whole zone agrees (plans nothing)."""
    before = foreign_setup(named)
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    good = [web(f"g{i}", h) for i, h in enumerate(GOOD)]
    watcher = ScriptedWatcher([gw, *good])
    rec = Reconciler(watcher, faulty_provider(named), owner_id=OWNER, resync=None)
    assert rec.step().applied
    watcher.add(*hostile_routes())
    rnd = rec.step()
    assert rnd.changes is not None
    assert reasons(rnd) == HOSTILE_REASONS
    check_outcome(named, before)
    # a restarted process sees the same world and plans the same zone
    snap = rec.snapshot()
    fresh = Reconciler(
        ScriptedWatcher([*snap.gateways, *snap.routes]),
        faulty_provider(named),
        owner_id=OWNER,
        resync=None,
    )
    first = fresh.step()
    assert first.error is None, first.error
    assert first.changes is not None
    assert first.changes.is_empty(), first.changes
    check_outcome(named, before)


def test_restart_mid_lag_after_the_old_gateway_is_gone(
    named: dict[str, Any], provider: Any
) -> None:
    """A route moves (and renames) from g1 to g2 while its status lags; g1 is then deleted; the
    process restarts with fresh state (a new Reconciler over the objects as the API lists
    them). Nothing is deleted while the route lags; once status catches up, the zone converges
    and a further restart plans nothing."""
    edge = model(gateway("edge", addresses=["192.0.2.10"]))
    g1 = model(gateway("g1", addresses=["192.0.2.1"]))
    g2 = model(gateway("g2", addresses=["192.0.2.2"]))
    good = [web(f"g{i}", h) for i, h in enumerate(GOOD)]
    moved = web("mover", "mover.example.com", gw="g1")
    watcher = ScriptedWatcher([edge, g1, g2, *good, moved])
    rec = Reconciler(watcher, faulty_provider(named), owner_id=OWNER, resync=None)
    assert rec.step().applied
    want = {(h, "A"): ("192.0.2.10",) for h in GOOD} | {("mover.example.com", "A"): ("192.0.2.1",)}
    assert published(named) == want
    lagging = model(
        route(
            "mover",
            hostnames=["moved.example.com"],
            parents=[{"name": "g2", "namespace": "infra"}],
            generation=2,
            status=[accepted("g1", generation=1)],
        )
    )
    watcher.modify(lagging)
    assert rec.step().error is None
    assert published(named) == want
    watcher.delete(g1)
    rnd = rec.step()
    assert rnd.error is None, rnd.error
    assert published(named) == want
    # restart: fresh process state, the cluster as listed now
    watcher = ScriptedWatcher([edge, g2, *good, lagging])
    rec = Reconciler(watcher, faulty_provider(named), owner_id=OWNER, resync=None)
    first = rec.step()
    assert first.error is None, first.error
    assert first.changes is not None
    assert first.changes.is_empty(), first.changes
    assert published(named) == want
    # the Gateway controller catches up
    caught_up = model(
        route(
            "mover",
            hostnames=["moved.example.com"],
            parents=[{"name": "g2", "namespace": "infra"}],
            generation=2,
            status=[accepted("g2", generation=2)],
        )
    )
    watcher.modify(caught_up)
    rnd = rec.step()
    assert rnd.error is None, rnd.error
    final = {(h, "A"): ("192.0.2.10",) for h in GOOD} | {("moved.example.com", "A"): ("192.0.2.2",)}
    assert published(named) == final
    zone = dump(named)
    assert (REG.txt_name("mover.example.com", "A"), "TXT") not in zone
    again = Reconciler(
        ScriptedWatcher([edge, g2, *good, caught_up]),
        faulty_provider(named),
        owner_id=OWNER,
        resync=None,
    ).step()
    assert again.changes is not None
    assert again.changes.is_empty(), again.changes


@pytest.mark.parametrize("kind", ["drop", "lose"])
@pytest.mark.parametrize("at", [1, 3, 6])
def test_fault_mid_apply_then_more_rounds_converge(
    named: dict[str, Any], provider: Any, kind: str, at: int
) -> None:
    """The connection fails at the ``at``-th UPDATE message of a round that moves every record
    (before the message reaches the server, or after it applied); later rounds (events, then a
    resync) converge, and no record of ours is ever without its ownership TXT."""
    faulty = faulty_provider(named, batch_size=4)  # a round is many messages
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    good = [web(f"g{i}", h) for i, h in enumerate(GOOD)]
    extra = [web(f"n{i}", f"new{i}.example.com") for i in range(5)]
    watcher = ScriptedWatcher([gw, *good])
    rec = Reconciler(watcher, faulty, owner_id=OWNER, resync=None)
    assert rec.step().applied
    # one round: a new address for every record, 5 new routes, 5 routes deleted
    watcher.push("MODIFIED", model(gateway("edge", addresses=["192.0.2.11"])))
    watcher.add(*extra)
    watcher.delete(*good[:5])
    target = len(faulty.messages) + at
    (faulty.drop if kind == "drop" else faulty.lose_response).add(target)
    rnd = rec.step()
    published(named)  # never a record of ours without its TXT, even half-applied
    assert len(faulty.messages) == target  # the round stopped at the fault
    assert rnd.error is not None
    assert rnd.retryable, rnd.error
    for _ in range(3):
        rnd = rec.step()
        published(named)
        if rnd.error is None:
            break
    want = {(f"good{i}.example.com", "A"): ("192.0.2.11",) for i in range(5, 20)} | {
        (f"new{i}.example.com", "A"): ("192.0.2.11",) for i in range(5)
    }
    # an event round after the failure re-reads the zone; one more round settles it
    watcher.modify(gw_now := model(gateway("edge", addresses=["192.0.2.11"])))
    rnd = rec.step()
    assert rnd.error is None, rnd.error
    assert published(named) == want
    zone = dump(named)
    txts = {k for k, v in zone.items() if k[1] == "TXT" and any(OWNER in t for t in v)}
    assert txts == {(REG.txt_name(n, "A"), "TXT") for n, _ in want}, "orphan ownership TXT"
    fresh = Reconciler(
        ScriptedWatcher([gw_now, *good[5:], *extra]),
        faulty_provider(named),
        owner_id=OWNER,
        resync=None,
    ).step()
    assert fresh.changes is not None
    assert fresh.changes.is_empty(), fresh.changes


# --- resource models are read-only views over their manifests (#17) ---------------------------


def test_copies_of_loaded_models_leave_the_originals_and_their_sharers_alone() -> None:
    """Models loaded from manifests are views over the validated manifests; copies
    (``model_copy`` with an update, ``copy``, ``deepcopy``, a pickle round trip) change only
    themselves, and changing what ``model_fields_set`` / ``model_extra`` return changes no
    model."""
    snap = Snapshot.from_manifests(
        [route(f"r{i}", hostnames=[f"r{i}.example.com"]) for i in range(3)]
    )
    r0, r1, r2 = snap.routes
    meta0, meta1 = r0.metadata, r1.metadata
    dumps = [r.model_dump(mode="json", exclude_unset=True) for r in (r0, r1, r2)]
    sets = [set(r.metadata.model_fields_set) for r in (r0, r1, r2)]

    changed = meta0.model_copy(update={"generation": 9, "resourceVersion": "42"})
    assert changed.generation == 9
    assert changed.model_fields_set == {*sets[0], "resource_version"}
    assert changed.model_dump(exclude_unset=True)["resourceVersion"] == "42"
    renamed = r1.model_copy(update={"metadata": changed})
    assert renamed.metadata.generation == 9
    for obj in (copy.copy(meta1), copy.deepcopy(meta1), pickle.loads(pickle.dumps(meta1))):
        assert obj == meta1
        obj.model_fields_set.add("labels")
        obj.model_extra["mine"] = 1
        assert "labels" not in obj.model_fields_set
        assert obj.model_extra == {}
    for target in (meta0.model_fields_set, r2.metadata.model_fields_set):
        target.add("labels")
        target |= {"uid"}
    meta1.model_extra["mine"] = 1
    meta1.model_extra.update(mine=1)
    with pytest.raises(ValidationError):
        meta0.generation = 3  # type: ignore[misc]

    # the originals are as loaded
    assert [r.model_dump(mode="json", exclude_unset=True) for r in (r0, r1, r2)] == dumps
    assert [set(r.metadata.model_fields_set) for r in (r0, r1, r2)] == sets
    assert meta0.generation == 1
    assert r0.metadata.model_extra == {}


def test_model_construct_does_not_keep_the_callers_set() -> None:
    """``model_construct(_fields_set=...)`` never keeps the caller's own set: changing that set
    later changes no model."""
    mine = {"name"}
    meta = ObjectMeta.model_construct(_fields_set=mine, name="a")
    other = ObjectMeta.model_construct(_fields_set={"name"}, name="b")
    mine.add("namespace")
    assert meta.model_fields_set == {"name"}
    assert other.model_fields_set == {"name"}
    assert meta.model_dump(exclude_unset=True) == {"name": "a"}


def test_trusted_endpoints_share_a_set_no_copy_or_caller_can_change() -> None:
    """Endpoints the computation builds share one fields-set: copies get their own, and the
    shared one refuses changes instead of changing
    what ``exclude_unset`` dumps for every endpoint."""
    a = Endpoint.trusted("a.example.com", ("192.0.2.1",), "A", "", 0, {"resource": "x/y/a"}, ())
    b = Endpoint.trusted("b.example.com", ("192.0.2.2",), "A", "", 0, {}, ())
    assert a.model_fields_set is b.model_fields_set
    before = b.model_dump(exclude_unset=True)
    c = a.model_copy(update={"targets": ("192.0.2.9",), "labels": {"resource": "x/y/c"}})
    c.model_fields_set.discard("record_ttl")  # a copy's own set
    assert a.targets == ("192.0.2.1",)
    assert a.labels["resource"] == "x/y/a"
    assert c.labels["resource"] == "x/y/c"
    d = copy.deepcopy(a)
    d.model_fields_set.discard("labels")
    d.__pydantic_fields_set__.add("x")
    with contextlib.suppress(TypeError):  # refused, or it would change b's dump below
        a.model_fields_set.discard("targets")
    with contextlib.suppress(TypeError):
        a.model_fields_set.clear()
    assert b.model_dump(exclude_unset=True) == before
    assert "targets" in b.model_dump(exclude_unset=True)
    assert pickle.loads(pickle.dumps(b)).model_dump(exclude_unset=True) == before


def test_built_diagnostics_share_a_set_no_caller_can_change() -> None:
    """Diagnostics the computation builds share one fields-set: changing it through one of them
    must not change what ``exclude_unset`` dumps for the others; a copy gets its own."""
    one = make_diagnostic("unpublishable", "HTTPRoute", "app", "a", "no")
    two = make_diagnostic("unpublishable", "HTTPRoute", "app", "b", "no")
    assert one.model_fields_set is two.model_fields_set
    before = two.model_dump(exclude_unset=True)
    mine = one.model_copy(update={"hostname": "a.example.com"})
    mine.model_fields_set.discard("listener")
    assert one.hostname is None
    with contextlib.suppress(TypeError):
        one.model_fields_set.discard("message")
    assert two.model_dump(exclude_unset=True) == before
    assert "message" in two.model_dump(exclude_unset=True)


def test_results_of_earlier_rounds_read_late_keep_their_own_state(
    named: dict[str, Any], provider: Any
) -> None:
    """A round's result builds its diagnostics, attachments and per-route view when first read;
    read only after later event rounds (a parent appears, a route goes, an address moves), each
    still tells what was true in its own round."""
    gw = model(gateway("edge", addresses=["192.0.2.10"]))
    a, b, c = (
        web("a", "a.example.com", gw="missing"),
        web("b", "b.example.com"),
        web("c", "c.example.com"),
    )
    watcher = ScriptedWatcher([gw, a, b, c])
    rec = Reconciler(watcher, faulty_provider(named), owner_id=OWNER, resync=None)
    results = []
    rounds: list[list[tuple[Literal["MODIFIED", "DELETED"], Any]]] = [
        [],
        [("MODIFIED", model(gateway("missing", addresses=["192.0.2.20"])))],
        [
            ("DELETED", b),
            ("MODIFIED", web("c", "c.example.com", gen=2)),
            ("MODIFIED", model(gateway("edge", addresses=["192.0.2.11"]))),
        ],
        [("DELETED", c)],
    ]
    for events in rounds:
        for kind, obj in events:
            watcher.push(kind, obj)
        rnd = rec.step()
        assert rnd.error is None, rnd.error
        assert rec.result is not None
        results.append(rec.result)
    assert len({id(r) for r in results}) == len(results)
    seen = [
        (
            sorted(r.by_route),
            [(d.name, d.reason) for d in r.diagnostics],
            sorted((x.route, x.parent) for x in r.attachments),
            sorted((e.dns_name, e.targets) for e in r.endpoints),
        )
        for r in results
    ]
    a_, b_, c_ = "httproute/app/a", "httproute/app/b", "httproute/app/c"
    edge, missing = "Gateway infra/edge", "Gateway infra/missing"
    assert seen == [
        (
            [b_, c_],
            [("a", "parent-not-found")],
            [(b_, edge), (c_, edge)],
            [("b.example.com", ("192.0.2.10",)), ("c.example.com", ("192.0.2.10",))],
        ),
        (
            [a_, b_, c_],
            [],
            [(a_, missing), (b_, edge), (c_, edge)],
            [
                ("a.example.com", ("192.0.2.20",)),
                ("b.example.com", ("192.0.2.10",)),
                ("c.example.com", ("192.0.2.10",)),
            ],
        ),
        (
            [a_, c_],
            [],
            [(a_, missing), (c_, edge)],
            [("a.example.com", ("192.0.2.20",)), ("c.example.com", ("192.0.2.11",))],
        ),
        ([a_], [], [(a_, missing)], [("a.example.com", ("192.0.2.20",))]),
    ]
    assert published(named) == {("a.example.com", "A"): ("192.0.2.20",)}
