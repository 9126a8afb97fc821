"""One ownership TXT name, two record names: the wildcard replacement, against a real BIND 9.

With ``wildcard_replacement="any"``, ``*.w.example.com`` and ``any.w.example.com`` read one
ownership TXT per record type (``a-any.w.example.com``), and one old-format TXT
(``any.w.example.com``). gatewaydns never writes a record at the second name of a pair while the
first holds one (``name-conflict``), but someone else may: a person, another controller, a
concurrent writer between our read and our update, or external-dns (which has no such rule). A
TXT that two records read cannot say which of them it guards, so neither is ours: the plan
leaves both alone with a ``contested-ownership`` diagnostic, and takes the one that stays back
once the other is gone (SPEC section 13: never touch a record that is not ours; a unit that
fails does not fail every round).

The zone is read back with an independent AXFR (tests/dnsutil.py), never through the provider
under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import (
    Changes,
    Endpoint,
    PlanOptions,
    ProviderError,
    Reconciler,
    TXTRegistry,
)
from gatewaydns.adapters.rfc2136 import RFC2136Provider
from gatewaydns.testing import ScriptedWatcher

from .dnsutil import Faulty, dump, plan_and_apply, raw_update, send
from .external_dns import Record, zone_v011
from .helpers import accepted, gateway, model, route

OWNER = "wild"
REG = TXTRegistry(OWNER, wildcard_replacement="any")
OPTIONS = PlanOptions(REG)
STAR, ANY = "*.w.example.com", "any.w.example.com"


def ep(name: str, target: str, rtype: str = "A", resource: str = "httproute/app/r") -> Endpoint:
    return Endpoint(
        dns_name=name, targets=(target,), record_type=rtype, labels={"resource": resource}
    )


def sync(provider: RFC2136Provider, desired: list[Endpoint]) -> Changes:
    """One controller round: plan against the zone and apply (a ProviderError propagates)."""
    return plan_and_apply(provider, desired, OPTIONS)


def sync_while_a_person_writes(
    named: dict[str, Any], faulty: Faulty, desired: list[Endpoint], record: tuple[str, str, str]
) -> None:
    """A round during which a person writes ``record`` (name, type, text) between our read and
    our second unit: that unit fails its prerequisite, the round raises."""

    def creator(_message: Any) -> None:
        person_writes(named, *record)

    faulty.before[1] = creator
    with pytest.raises(ProviderError, match="changed since it was read"):
        sync(faulty, desired)


def person_writes(named: dict[str, Any], name: str, rtype: str, text: str) -> None:
    msg = raw_update(named)
    msg.add(name + ".", 300, rtype, text)
    send(named, msg)


def reasons(changes: Changes) -> list[tuple[str, str | None]]:
    return sorted((d.reason, d.hostname) for d in changes.diagnostics)


@pytest.fixture
def faulty(named: dict[str, Any], provider: RFC2136Provider) -> Faulty:
    return Faulty(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
    )


@pytest.mark.parametrize(("ours", "theirs"), [(STAR, ANY), (ANY, STAR)], ids=["star", "any"])
def test_a_persons_record_at_the_other_name_is_never_deleted(
    named: dict[str, Any], provider: RFC2136Provider, ours: str, theirs: str
) -> None:
    """Our A at one name of the pair, a person's A at the other: the person's record read our
    TXT as its own, so a plan that did not want it deleted it (with our TXT) in a round without
    any fault. Now both are left alone while both are there; ours is deleted once theirs goes."""
    mine = ep(ours, "192.0.2.1")
    sync(provider, [mine])
    person_writes(named, theirs, "A", "198.51.100.7")
    before = dump(named)
    changes = sync(provider, [mine])
    assert changes.is_empty()
    # the TXT says ours, so both are reported: ours is not updated, theirs not deleted
    assert reasons(changes) == sorted(
        [("contested-ownership", ours), ("contested-ownership", theirs)]
    )
    message = {d.hostname: d.message for d in changes.diagnostics}[theirs]
    assert message == (
        f"A {theirs} is held by nobody (its ownership TXT a-any.w.example.com also speaks for "
        f"the record at {ours}, and cannot say which of them it guards); not deleted"
    )
    assert dump(named) == before
    # our route goes: we cannot tell which record the TXT guards, so neither is deleted
    gone = sync(provider, [])
    assert gone.is_empty()
    assert reasons(gone) == reasons(changes)
    assert dump(named) == before
    # the person's record goes: ours is ours again, and goes with its TXT
    msg = raw_update(named)
    msg.delete(theirs + ".", "A")
    send(named, msg)
    sync(provider, [])
    zone = dump(named)
    assert (ours, "A") not in zone
    assert (REG.txt_name(ours, "A"), "TXT") not in zone
    assert sync(provider, []).is_empty()


def test_a_shared_record_is_not_updated(named: dict[str, Any], provider: RFC2136Provider) -> None:
    """A route moves its address while the other name of the pair holds a person's record: the
    TXT may be the person's record's as much as ours, so nothing is changed (a diagnostic)."""
    sync(provider, [ep(STAR, "192.0.2.1")])
    person_writes(named, ANY, "A", "198.51.100.7")
    before = dump(named)
    moved = sync(provider, [ep(STAR, "192.0.2.2")])
    assert moved.is_empty()
    assert reasons(moved) == [("contested-ownership", STAR), ("contested-ownership", ANY)]
    assert {d.hostname: d.message for d in moved.diagnostics}[STAR].endswith("; left alone")
    assert dump(named) == before


def test_creator_beside_the_wildcard_never_fails_every_round(
    named: dict[str, Any], faulty: Faulty
) -> None:
    """The state machine's failing example (wildcard variant), reduced: routes want ``*.w`` as
    a CNAME and ``any.w`` as an A; someone creates a CNAME at ``any.w`` between our read and our
    update. Their CNAME read our ``*.w`` CNAME's TXT as its own, so every later round planned
    our A next to it without removing it, and BIND refused the unit (prerequisite: no CNAME
    there) every round, for ever. Now their CNAME, and ours at ``*.w``, are nobody's: the A is
    refused with a diagnostic, and the rounds converge."""
    desired = [
        ep(STAR, "lb.example.net", rtype="CNAME", resource="httproute/app/star"),
        ep(ANY, "lb.example.net", rtype="CNAME", resource="httproute/app/star"),
        ep(ANY, "192.0.2.1", resource="httproute/app/any"),
    ]

    sync_while_a_person_writes(named, faulty, desired, (ANY, "CNAME", "people.example.net."))
    zone = dump(named)
    assert zone[(STAR, "CNAME")] == ("lb.example.net",)  # the unit nobody disturbed applied
    assert zone[(ANY, "CNAME")] == ("people.example.net",)
    assert (ANY, "A") not in zone
    assert (REG.txt_name(ANY, "A"), "TXT") not in zone
    before = dump(named)
    again = sync(faulty, desired)  # no fault: no failure
    assert again.is_empty()
    # *.w CNAME left alone; any.w A not created next to their CNAME, which is not deleted
    # (our TXT might be its); any.w CNAME not wanted next to the A
    assert reasons(again) == [
        ("contested-ownership", STAR),
        ("contested-ownership", ANY),
        ("contested-ownership", ANY),
        ("name-conflict", ANY),
    ]
    assert dump(named) == before
    assert sync(faulty, desired).is_empty()
    # the person takes their CNAME away: the A is created, and *.w is ours again
    msg = raw_update(named)
    msg.delete(ANY + ".", "CNAME")
    send(named, msg)
    sync(faulty, desired)
    zone = dump(named)
    assert zone[(ANY, "A")] == ("192.0.2.1",)
    assert (REG.txt_name(ANY, "A"), "TXT") in zone
    assert zone[(STAR, "CNAME")] == ("lb.example.net",)
    assert reasons(sync(faulty, desired)) == [("name-conflict", ANY)]  # A wins over the CNAME


def test_creator_at_the_wildcard_leaves_its_record_alone(
    named: dict[str, Any], faulty: Faulty
) -> None:
    """The state machine's second failing example: we create ``any.w`` A and ``*.w`` CNAME;
    someone creates an A at ``*.w`` meanwhile (our CNAME unit fails, the A unit applies). Their
    A read our ``any.w`` A's TXT as its own, and the next round, which wants no A at ``*.w``,
    deleted it. Now both A records are left alone until theirs goes."""
    desired = [
        ep(STAR, "lb.example.net", rtype="CNAME", resource="httproute/app/star"),
        ep(ANY, "192.0.2.1", resource="httproute/app/any"),
    ]

    sync_while_a_person_writes(named, faulty, desired, (STAR, "A", "198.51.100.77"))
    before = dump(named)
    assert before[(STAR, "A")] == ("198.51.100.77",)
    assert before[(ANY, "A")] == ("192.0.2.1",)
    again = sync(faulty, desired)
    assert again.is_empty()
    # no CNAME next to their A, which is not deleted; our A at any.w is not updated either
    assert reasons(again) == [
        ("contested-ownership", STAR),
        ("contested-ownership", STAR),
        ("contested-ownership", ANY),
    ]
    assert dump(named) == before
    gone = sync(faulty, [])  # nothing wanted: still nothing deleted
    assert gone.is_empty()
    assert reasons(gone) == [("contested-ownership", STAR), ("contested-ownership", ANY)]
    assert dump(named) == before


def test_an_old_format_txt_read_by_both_names_adopts_neither(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """external-dns before v0.12 with ``--txt-wildcard-replacement=any`` wrote one TXT at
    ``any.w.example.com`` for records at both names: it cannot say which it guards, so neither
    is adopted (nor deleted); with one of the two names alone the record is adopted."""
    star = Record(STAR, "A", ("192.0.2.1",), "httproute/app/star")
    other = Record(ANY, "A", ("192.0.2.2",), "httproute/app/any")
    msg = raw_update(named)
    for e in zone_v011([star, other], OWNER, wildcard="any"):
        for target in e.targets:
            msg.add(e.dns_name + ".", 120, e.record_type, target)
    send(named, msg)
    before = dump(named)
    assert (ANY, "TXT") in before  # one old-format TXT for both
    changes = sync(provider, [star.desired()])
    assert changes.is_empty()
    assert reasons(changes) == [("contested-ownership", STAR), ("contested-ownership", ANY)]
    assert "its old-format ownership TXT any.w.example.com also speaks" in str(changes.diagnostics)
    assert dump(named) == before
    # the record at any.w goes (its owner removed it): *.w is adopted, its new TXT created
    msg = raw_update(named)
    msg.delete(ANY + ".", "A")
    send(named, msg)
    sync(provider, [star.desired()])
    zone = dump(named)
    assert zone[(STAR, "A")] == ("192.0.2.1",)
    assert (REG.txt_name(STAR, "A"), "TXT") in zone
    assert zone[(ANY, "TXT")] == before[(ANY, "TXT")]


def test_a_reconciler_event_round_sees_the_other_name(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """A round about one route reads only the names it concerns (``ZoneView.scope``); the other
    name of the pair is among them, so a route that goes does not take a record there."""
    sync(provider, [ep(STAR, "192.0.2.1", resource="httproute/app/wild")])  # a previous process
    person_writes(named, ANY, "A", "198.51.100.7")
    before = dump(named)
    gw = model(gateway("edge", addresses=["192.0.2.1"]))
    edge = [{"name": "edge", "namespace": "infra"}]
    wild = model(route("wild", hostnames=[STAR], parents=edge, status=[accepted("edge")]))
    watcher = ScriptedWatcher([gw, wild])
    # no resync: every round after the first reads only the names its events touched
    rec = Reconciler(watcher, provider, options=PlanOptions(REG, force=True), resync=None)
    first = rec.step()  # reads the whole zone
    assert first.changes is not None
    assert first.changes.is_empty()
    assert reasons(first.changes) == [
        ("contested-ownership", STAR),
        ("contested-ownership", ANY),
    ]
    watcher.delete(wild)
    gone = rec.step()
    assert gone.applied
    assert gone.changes is not None
    assert gone.changes.is_empty()
    assert reasons(gone.changes) == [("contested-ownership", STAR), ("contested-ownership", ANY)]
    assert dump(named) == before
