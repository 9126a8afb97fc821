"""plan(): TXT ownership, policies, domain filter, deletion guard, determinism."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gatewaydns import (
    Changes,
    ConfigError,
    DomainFilter,
    Endpoint,
    PlanOptions,
    TXTRegistry,
    plan,
)

OWNER = "cluster-a"
REG = TXTRegistry(OWNER)


def ep(
    name: str,
    *targets: str,
    rtype: str = "A",
    ttl: int = 0,
    resource: str = "httproute/app/r",
    set_id: str = "",
    **ps: str,
) -> Endpoint:
    return Endpoint(
        dns_name=name,
        targets=targets,
        record_type=rtype,
        record_ttl=ttl,
        set_identifier=set_id,
        labels={"resource": resource} if resource else {},
        provider_specific=tuple(
            {"name": k.replace("_", "/"), "value": v} for k, v in sorted(ps.items())
        ),
    )


def owned(record: Endpoint, owner: str = OWNER) -> list[Endpoint]:
    """A zone record with its ownership TXT (as a provider returns them: no labels)."""
    txt = TXTRegistry(owner).txt_record(record)
    return [record.model_copy(update={"labels": {}}), txt]


def keys(endpoints: tuple[Endpoint, ...]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.dns_name, e.record_type, e.targets) for e in endpoints]


@pytest.mark.parametrize(
    ("registry", "name", "rtype", "expected"),
    [
        pytest.param(TXTRegistry(OWNER), "www.example.com", "A", "a-www.example.com", id="a"),
        pytest.param(
            TXTRegistry(OWNER), "www.example.com", "CNAME", "cname-www.example.com", id="cname"
        ),
        pytest.param(
            TXTRegistry(OWNER), "www.example.com", "AAAA", "aaaa-www.example.com", id="aaaa"
        ),
        pytest.param(TXTRegistry(OWNER), "example", "A", "a-example", id="single-label"),
        pytest.param(
            TXTRegistry(OWNER, prefix="_own."),
            "www.example.com",
            "A",
            "_own.a-www.example.com",
            id="prefix",
        ),
        pytest.param(
            TXTRegistry(OWNER, suffix="-own"),
            "www.example.com",
            "A",
            "a-www-own.example.com",
            id="suffix",
        ),
        pytest.param(
            TXTRegistry(OWNER, prefix="%{record_type}-_own."),
            "example.com",
            "CNAME",
            "cname-_own.example.com",
            id="prefix-template",
        ),
        pytest.param(
            TXTRegistry(OWNER, suffix=".%{record_type}"),
            "www.example.com",
            "A",
            "www.a.example.com",
            id="suffix-template",
        ),
        pytest.param(TXTRegistry(OWNER), "*.example.com", "A", "a-*.example.com", id="wildcard"),
        pytest.param(
            TXTRegistry(OWNER, wildcard_replacement="any"),
            "*.example.com",
            "A",
            "a-any.example.com",
            id="wildcard-replacement",
        ),
    ],
)
def test_txt_names(registry: TXTRegistry, name: str, rtype: str, expected: str) -> None:
    assert registry.txt_name(name, rtype) == expected


def test_txt_value_is_external_dns_format() -> None:
    assert (
        REG.txt_value("httproute/app/shop")
        == '"heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=httproute/app/shop"'
    )


def test_create_on_empty_zone_creates_record_and_txt() -> None:
    changes = plan(
        [
            ep("www.example.com", "192.0.2.1"),
            ep("web.example.com", "lb.example.net", rtype="CNAME", resource=""),
        ],
        [],
        owner_id=OWNER,
    )
    assert keys(changes.create) == [
        ("cname-web.example.com", "TXT", ('"heritage=external-dns,external-dns/owner=cluster-a"',)),
        ("web.example.com", "CNAME", ("lb.example.net",)),
        (
            "a-www.example.com",
            "TXT",
            (
                '"heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=httproute/app/r"',
            ),
        ),
        ("www.example.com", "A", ("192.0.2.1",)),
    ]
    # each record and its TXT form one unit
    assert [[e.dns_name for e in u.create] for u in changes.units] == [
        ["cname-web.example.com", "web.example.com"],
        ["a-www.example.com", "www.example.com"],
    ]
    assert changes.update_old == changes.update_new == changes.delete == ()


def test_changes_json_keys() -> None:
    changes = plan([ep("www.example.com", "192.0.2.1")], [], owner_id=OWNER)
    data = changes.to_json()
    assert list(data) == ["create", "updateOld", "updateNew", "delete"]
    assert data["create"][1] == {
        "dnsName": "www.example.com",
        "targets": ["192.0.2.1"],
        "recordType": "A",
        "labels": {"resource": "httproute/app/r"},
    }
    assert Changes.model_validate(data).create == changes.create


WANT = ep("www.example.com", "192.0.2.2", ttl=300)


@pytest.mark.parametrize(
    ("current", "desired", "created", "updated", "deleted", "diag"),
    [
        pytest.param(
            owned(ep("www.example.com", "192.0.2.1", ttl=300)),
            [WANT],
            [],
            [("www.example.com", "A")],
            [],
            None,
            id="owned-target-change-updates",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.2", ttl=60)),
            [WANT],
            [],
            [("www.example.com", "A"), ("a-www.example.com", "TXT")],
            [],
            None,
            id="owned-ttl-change-updates-record-and-txt",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.2", ttl=60)),
            [ep("www.example.com", "192.0.2.2")],
            [],
            [],
            [],
            None,
            id="unset-ttl-never-updates",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.2", ttl=300)),
            [ep("www.example.com", "192.0.2.2", ttl=300, aws_weight="5")],
            [],
            [("www.example.com", "A")],
            [],
            None,
            id="provider-specific-change-updates",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.2", ttl=300)),
            [WANT],
            [],
            [],
            [],
            None,
            id="in-sync-no-change",
        ),
        pytest.param(
            [ep("www.example.com", "192.0.2.1", resource="")],
            [WANT],
            [],
            [],
            [],
            "held by nobody",
            id="unowned-existing-left-alone",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.1"), owner="cluster-b"),
            [WANT],
            [],
            [],
            [],
            "held by cluster-b",
            id="foreign-owner-left-alone",
        ),
        pytest.param(
            owned(ep("www.example.com", "lb.example.net", rtype="CNAME"), owner="cluster-b"),
            [WANT],
            [],
            [],
            [],
            "CNAME by cluster-b",
            id="taken-name-not-created",
        ),
        pytest.param(
            [
                REG.txt_record(WANT).model_copy(
                    update={"targets": ('"heritage=external-dns,external-dns/owner=cluster-b"',)}
                )
            ],
            [WANT],
            [],
            [],
            [],
            "TXT by cluster-b",
            id="foreign-txt-blocks-create",
        ),
        pytest.param(
            [ep("www.example.com", "192.0.2.9", rtype="MX", resource="")],
            [WANT],
            [("a-www.example.com", "TXT"), ("www.example.com", "A")],
            [],
            [],
            None,
            id="unmanaged-type-does-not-block",
        ),
        pytest.param(
            owned(ep("www.example.com", "2001:db8::1", rtype="AAAA")),
            [WANT],
            [("a-www.example.com", "TXT"), ("www.example.com", "A")],
            [],
            [("aaaa-www.example.com", "TXT"), ("www.example.com", "AAAA")],
            None,
            id="every-record-ours-create-and-delete",
        ),
        pytest.param(
            owned(ep("old.example.com", "192.0.2.1")),
            [],
            [],
            [],
            [("a-old.example.com", "TXT"), ("old.example.com", "A")],
            None,
            id="owned-not-desired-deleted-with-txt",
        ),
        pytest.param(
            owned(ep("old.example.com", "192.0.2.1"), owner="cluster-b"),
            [],
            [],
            [],
            [],
            None,
            id="foreign-never-deleted",
        ),
        pytest.param(
            [ep("old.example.com", "192.0.2.1", resource="")],
            [],
            [],
            [],
            [],
            None,
            id="unowned-never-deleted",
        ),
        pytest.param(
            [REG.txt_record(WANT)],
            [WANT],
            [("www.example.com", "A")],
            [],
            [],
            None,
            id="our-orphan-txt-reused",
        ),
        pytest.param(
            owned(ep("www.example.com", "192.0.2.2", ttl=300, resource="httproute/app/old")),
            [WANT],
            [],
            [("a-www.example.com", "TXT")],
            [],
            None,
            id="resource-change-updates-txt",
        ),
    ],
)
def test_ownership_rules(
    current: list[Endpoint],
    desired: list[Endpoint],
    created: list[tuple[str, str]],
    updated: list[tuple[str, str]],
    deleted: list[tuple[str, str]],
    diag: str | None,
) -> None:
    """Each of created, updated and deleted lists the (name, type) of the record sets planned."""
    changes = plan(desired, current, owner_id=OWNER)

    def records(eps: tuple[Endpoint, ...]) -> list[tuple[str, str]]:
        return sorted((e.dns_name, e.record_type) for e in eps)

    assert records(changes.create) == sorted(created)
    assert records(changes.update_new) == records(changes.update_old) == sorted(updated)
    assert records(changes.delete) == sorted(deleted)
    wanted = {(e.dns_name, e.record_type): e for e in desired}
    for new in changes.update_new:  # a record updates to what is desired
        if new.record_type != "TXT":
            want = wanted[(new.dns_name, new.record_type)]
            assert (new.targets, new.provider_specific) == (want.targets, want.provider_specific)
    if diag is None:
        assert changes.diagnostics == ()
    else:
        [d] = changes.diagnostics
        assert d.reason == "not-owned"
        assert diag in d.message


def test_update_pairs_old_and_new() -> None:
    old = ep("www.example.com", "192.0.2.1", ttl=300)
    changes = plan([WANT], owned(old), owner_id=OWNER)
    assert changes.update_old[0].targets == ("192.0.2.1",)
    assert changes.update_new[0].targets == ("192.0.2.2",)


@pytest.mark.parametrize(
    ("policy", "creates", "updates", "deletes"),
    [("sync", 2, 1, 2), ("upsert-only", 2, 1, 0), ("create-only", 2, 0, 0)],
)
def test_policies(policy: Any, creates: int, updates: int, deletes: int) -> None:
    current = [
        *owned(ep("a.example.com", "192.0.2.1", ttl=60)),
        *owned(ep("gone.example.com", "192.0.2.1")),
    ]
    desired = [ep("a.example.com", "192.0.2.9", ttl=60), ep("new.example.com", "192.0.2.1")]
    changes = plan(desired, current, PlanOptions(REG, policy=policy))
    assert (len(changes.create), len(changes.update_new), len(changes.delete)) == (
        creates,
        updates,
        deletes,
    )


def test_domain_filter_include_and_exclude() -> None:
    desired = [
        ep("a.example.com", "192.0.2.1"),
        ep("a.example.org", "192.0.2.1"),
        ep("a.internal.example.com", "192.0.2.1"),
    ]
    current = owned(ep("stale.example.org", "192.0.2.1"))
    flt = DomainFilter(include=("example.com",), exclude=("internal.example.com",))
    changes = plan(desired, current, PlanOptions(REG, domain_filter=flt))
    assert [e.dns_name for e in changes.create if e.record_type == "A"] == ["a.example.com"]
    assert changes.delete == ()
    assert DomainFilter(("example.com",)).matches("EXAMPLE.com.")
    assert not DomainFilter(("example.com",)).matches("badexample.com")
    plain = plan(desired[:1], [], PlanOptions(REG, domain_filter=DomainFilter(("example.org",))))
    assert plain.create == ()


def test_managed_record_types() -> None:
    changes = plan(
        [ep("a.example.com", "lb.example.net", rtype="CNAME")],
        [],
        PlanOptions(REG, managed_record_types=("A",)),
    )
    assert changes.create == ()


def zone(n: int) -> list[Endpoint]:
    return [x for i in range(n) for x in owned(ep(f"r{i}.example.com", "192.0.2.1"))]


@pytest.mark.parametrize(
    ("owned_count", "kept", "refused"),
    [(20, 8, True), (20, 10, False), (10, 0, False), (11, 0, True), (30, 19, False), (30, 0, True)],
)
def test_deletion_guard(owned_count: int, kept: int, refused: bool) -> None:
    desired = [ep(f"r{i}.example.com", "192.0.2.1") for i in range(kept)]
    changes = plan(desired, zone(owned_count), owner_id=OWNER)
    deleted = len([e for e in changes.delete if e.record_type == "A"])
    withheld = len([e for u in changes.withheld for e in u.delete if e.record_type == "A"])
    if refused:
        assert (deleted, withheld) == (0, owned_count - kept)
        [diag] = changes.diagnostics
        assert diag.reason == "deletion-guard"
        assert f"withheld {owned_count - kept} deletions of {owned_count}" in diag.message
        forced = plan(desired, zone(owned_count), PlanOptions(REG, force=True))
        assert len([e for e in forced.delete if e.record_type == "A"]) == owned_count - kept
        assert forced.withheld == ()
    else:
        assert (deleted, withheld) == (owned_count - kept, 0)
        assert changes.diagnostics == ()


def test_deletion_guard_configurable() -> None:
    guarded = plan([], zone(4), PlanOptions(REG, max_delete_count=2, max_delete_fraction=0.5))
    assert guarded.delete == ()
    assert len(guarded.withheld) == 4
    loose = plan([], zone(4), PlanOptions(REG, max_delete_count=2, max_delete_fraction=1.0))
    assert len(loose.delete) == 8


def test_deletion_guard_withholds_only_deletions() -> None:
    """SPEC 13.5: creates and updates of the same plan still apply."""
    current = [*zone(20), *owned(ep("upd.example.com", "192.0.2.1", ttl=60))]
    desired = [ep("new.example.com", "192.0.2.7"), ep("upd.example.com", "192.0.2.2", ttl=60)]
    changes = plan(desired, current, owner_id=OWNER)
    assert changes.delete == ()
    assert len(changes.withheld) == 20
    assert [e.dns_name for e in changes.create] == ["a-new.example.com", "new.example.com"]
    assert [e.targets for e in changes.update_new] == [("192.0.2.2",)]


def test_deletion_guard_counts_orphan_txts() -> None:
    """Deleting our orphaned TXTs is deletion too: 12 of them trip the guard."""
    orphans = [REG.txt_record(ep(f"gone{i}.example.com", "192.0.2.1")) for i in range(12)]
    changes = plan([], orphans, owner_id=OWNER)
    assert changes.delete == ()
    assert len(changes.withheld) == 12
    assert [d.reason for d in changes.diagnostics] == ["deletion-guard"]


def test_deterministic_under_shuffling() -> None:
    desired = [ep(f"n{i}.example.com", f"192.0.2.{i}") for i in range(20)] + [
        ep(f"r{i}.example.com", "198.51.100.1") for i in range(5)
    ]
    current = zone(8)
    expected = plan(desired, current, owner_id=OWNER).to_json()
    rnd = random.Random(7)
    for _ in range(20):
        d, c = list(desired), list(current)
        rnd.shuffle(d)
        rnd.shuffle(c)
        assert plan(d, c, owner_id=OWNER).to_json() == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda: plan([], [], owner_id=""), "owner_id", id="empty-owner"),
        pytest.param(lambda: plan([], []), "owner_id", id="no-owner"),
        pytest.param(lambda: plan([], [], PlanOptions(REG), owner_id=OWNER), "not both", id="both"),
        pytest.param(lambda: PlanOptions(REG, policy="yolo"), "policy", id="policy"),  # type: ignore[arg-type]
        pytest.param(lambda: PlanOptions(REG, max_delete_fraction=2), "between", id="fraction"),
        pytest.param(lambda: PlanOptions(REG, max_delete_count=-1), "negative", id="count"),
        pytest.param(
            lambda: TXTRegistry(OWNER, prefix="p-", suffix="-s"), "exclusive", id="affixes"
        ),
    ],
)
def test_bad_arguments(make: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make()


def test_ownership_first_in_last_out() -> None:
    old = ep("old.example.com", "192.0.2.1")
    changes = plan([ep("new.example.com", "192.0.2.2")], owned(old), owner_id=OWNER)
    assert [e.record_type for e in changes.create] == ["TXT", "A"]
    assert [e.record_type for e in changes.delete] == ["A", "TXT"]


@pytest.mark.parametrize(
    ("txt_owner", "zone_filter", "deleted"),
    [
        pytest.param(OWNER, (), True, id="our-orphan-removed"),
        pytest.param("cluster-b", (), False, id="foreign-orphan-kept"),
        pytest.param(OWNER, ("example.org",), False, id="outside-domain-filter-kept"),
    ],
)
def test_orphaned_ownership_records(
    txt_owner: str, zone_filter: tuple[str, ...], deleted: bool
) -> None:
    orphan = TXTRegistry(txt_owner).txt_record(ep("gone.example.com", "192.0.2.1"))
    changes = plan([], [orphan], PlanOptions(REG, domain_filter=DomainFilter(zone_filter)))
    assert (changes.delete == (orphan,)) is deleted
    # an orphan whose record is about to be created is reused, not deleted
    assert plan([ep("gone.example.com", "192.0.2.1")], [orphan], owner_id=OWNER).delete == ()


def test_cname_at_the_txt_name_of_a_record_that_goes_converges_in_one_round() -> None:
    """A CNAME wanted at the ownership TXT name of a record of ours nobody wants: the record and
    its TXT go in the unit that creates the CNAME (found by the BIND state machine)."""
    from gatewaydns.testing import InMemoryProvider

    old = ep("a.example.com", "lb.example.net", rtype="CNAME", resource="httproute/app/old")
    new = ep("cname-a.example.com", "lb.example.net", rtype="CNAME", resource="httproute/app/new")
    provider = InMemoryProvider(owned(old))
    changes = plan([new], provider.records(), owner_id=OWNER)
    [unit] = changes.units
    assert [(e.dns_name, e.record_type) for e in unit.delete] == [
        ("a.example.com", "CNAME"),
        ("cname-a.example.com", "TXT"),
    ]
    assert [(e.dns_name, e.record_type) for e in unit.create] == [
        ("cname-cname-a.example.com", "TXT"),
        ("cname-a.example.com", "CNAME"),
    ]
    provider.apply_changes(changes)
    assert plan([new], provider.records(), owner_id=OWNER).is_empty()
    # under upsert-only nothing goes, so the name stays taken
    kept = plan([new], owned(old), PlanOptions(REG, policy="upsert-only"))
    assert kept.units == ()
    assert [d.reason for d in kept.diagnostics] == ["name-conflict"]


def test_cname_at_the_txt_name_of_an_old_format_record_that_goes() -> None:
    from gatewaydns.testing import InMemoryProvider

    legacy = [
        Endpoint(dns_name="b.example.com", targets=("192.0.2.1",), record_type="A"),
        Endpoint(dns_name="b.example.com", targets=(REG.txt_value("r"),), record_type="TXT"),
    ]
    new = ep("a-b.example.com", "lb.example.net", rtype="CNAME", resource="httproute/app/new")
    provider = InMemoryProvider(legacy)
    provider.apply_changes(plan([new], provider.records(), owner_id=OWNER))
    assert provider.get("b.example.com", "A") is None
    assert provider.get("a-b.example.com", "CNAME") is not None
    assert provider.get("b.example.com", "TXT") is not None  # the old-format TXT stays
    assert plan([new], provider.records(), owner_id=OWNER).is_empty()


@pytest.mark.parametrize("adopted", [False, True], ids=["new", "adopted-old-format"])
def test_record_whose_txt_name_holds_our_cname_that_goes_converges_in_one_round(
    adopted: bool,
) -> None:
    """``b``'s A is wanted; ``a-b``, its ownership TXT name, holds a CNAME of ours nobody wants:
    the CNAME and its TXT go in the unit that writes ``b``'s TXT (found by the state machine)."""
    from gatewaydns.testing import InMemoryProvider

    cname = ep("a-b.example.com", "lb.example.net", rtype="CNAME", resource="httproute/app/old")
    want = ep("b.example.com", "192.0.2.1", resource="httproute/app/b")
    zone = owned(cname)
    if adopted:  # b's A already there, owned through an old-format TXT (external-dns v0.11)
        zone += [
            Endpoint(dns_name="b.example.com", targets=("192.0.2.1",), record_type="A"),
            Endpoint(dns_name="b.example.com", targets=(REG.txt_value("r"),), record_type="TXT"),
        ]
    provider = InMemoryProvider(zone)
    changes = plan([want], provider.records(), owner_id=OWNER)
    [unit] = changes.units
    assert [(e.dns_name, e.record_type) for e in unit.delete] == [
        ("a-b.example.com", "CNAME"),
        ("cname-a-b.example.com", "TXT"),
    ]
    assert ("a-b.example.com", "TXT") in [(e.dns_name, e.record_type) for e in unit.create]
    provider.apply_changes(changes)
    assert plan([want], provider.records(), owner_id=OWNER).is_empty()
    # someone else's CNAME there is never taken away
    theirs = owned(cname, "someone-else")
    refused = plan([want], theirs, owner_id=OWNER)
    assert refused.units == ()
    assert "holds a CNAME" in refused.diagnostics[0].message


@pytest.mark.parametrize("name", ["b.example.com", "0.example.com"])
def test_record_whose_txt_name_holds_our_cname_that_loses_its_name_converges_in_one_round(
    name: str,
) -> None:
    """Routes now want an A at ``a-<name>``, where a CNAME of ours still is, and an A at
    ``<name>``, whose ownership TXT name is ``a-<name>``. The CNAME is still wanted, but it loses
    its name to the A (a CNAME shares its name with nothing): it goes, so it no longer blocks
    ``<name>``, and the unit taking it away comes first (or is that record's own), whichever way
    the two names sort. Before, ``<name>`` was refused until the next full plan (found by the
    reconciler attack against BIND)."""
    from gatewaydns.testing import InMemoryProvider

    at = f"a-{name}"
    cname = ep(at, "lb.example.net", rtype="CNAME", resource="httproute/app/r1")
    wants = [
        ep(at, "192.0.2.4", resource="httproute/app/r0"),
        ep(name, "192.0.2.4", resource="httproute/app/r0"),
        cname,
    ]
    provider = InMemoryProvider(owned(cname))
    changes = plan(wants, provider.records(), owner_id=OWNER)
    assert [d.reason for d in changes.diagnostics] == ["name-conflict"]  # the CNAME's
    mine = REG.txt_value("httproute/app/r0")
    assert sorted(keys(changes.create)) == sorted(
        [
            (f"a-{at}", "TXT", (mine,)),
            (at, "A", ("192.0.2.4",)),
            (at, "TXT", (mine,)),
            (name, "A", ("192.0.2.4",)),
        ]
    )
    [(gone, rtype, _), (txt, _, _)] = keys(changes.delete)
    assert (gone, rtype, txt) == (at, "CNAME", f"cname-{at}")
    frees = [i for i, u in enumerate(changes.units) if u.delete]
    needs = [i for i, u in enumerate(changes.units) if (at, "TXT") in _named(u.create)]
    assert frees == [min(frees + needs)]  # the same unit, or one before
    provider.apply_changes(changes)  # a unit is refused while the CNAME is at its TXT name
    assert plan(wants, provider.records(), owner_id=OWNER).units == ()
    # under upsert-only our CNAME stays, so neither A can be created
    kept = plan(wants, owned(cname), PlanOptions(REG, policy="upsert-only"))
    assert kept.units == ()


def _named(endpoints: tuple[Endpoint, ...]) -> list[tuple[str, str]]:
    return [(e.dns_name, e.record_type) for e in endpoints]
