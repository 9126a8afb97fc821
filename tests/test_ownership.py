"""Ownership integrity of plan() and the TXT registry (SPEC section 13), without a server.

Each test names the defect of issue #11 it pins down; tests/test_integrity_bind.py runs the same
cases against a real BIND 9.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from gatewaydns import (
    ChangeUnit,
    ConfigError,
    DomainFilter,
    Endpoint,
    PlanOptions,
    ProviderCapabilities,
    Reconciler,
    TXTRegistry,
    plan,
    publish_problem,
)
from gatewaydns._registry import parse_txt_labels, txt_text
from gatewaydns.testing import InMemoryProvider, ScriptedWatcher

OWNER = "cluster-a"
REG = TXTRegistry(OWNER)
ZONES = ("example.com",)
PLAIN_DNS = ProviderCapabilities(set_identifiers=False)


def ep(
    name: str,
    *targets: str,
    rtype: str = "A",
    resource: str = "httproute/app/r",
    set_id: str = "",
    ttl: int = 0,
) -> Endpoint:
    return Endpoint(
        dns_name=name,
        targets=targets,
        record_type=rtype,
        set_identifier=set_id,
        record_ttl=ttl,
        labels={"resource": resource} if resource else {},
    )


def owned(
    record: Endpoint, owner: str = OWNER, registry: TXTRegistry | None = None
) -> list[Endpoint]:
    reg = registry or TXTRegistry(owner)
    return [record.model_copy(update={"labels": {}}), reg.txt_record(record)]


def reasons(changes: Any) -> list[str]:
    return [d.reason for d in changes.diagnostics]


def unit_names(unit: ChangeUnit) -> set[str]:
    return {e.dns_name for e in unit.endpoints()}


# --- 1. a CNAME at another record's TXT name ---------------------------------------------------
def test_cname_at_a_records_txt_name_is_refused_and_the_record_keeps_its_txt() -> None:
    www = ep("www.example.com", "192.0.2.1", resource="httproute/app/www")
    tenant = ep("a-www.example.com", "lb.example.net", rtype="CNAME", resource="httproute/t/t")
    for desired in ([www, tenant], [tenant, www]):
        changes = plan(desired, [], owner_id=OWNER)
        assert reasons(changes) == ["name-conflict"]
        assert changes.diagnostics[0].name == "t"
        assert [(e.dns_name, e.record_type) for e in changes.create] == [
            ("a-www.example.com", "TXT"),
            ("www.example.com", "A"),
        ]


def test_record_whose_txt_name_holds_a_cname_is_not_created() -> None:
    tenant_cname = ep("a-www.example.com", "lb.example.net", rtype="CNAME")
    changes = plan(
        [ep("www.example.com", "192.0.2.1")], [*owned(tenant_cname, "tenant")], owner_id=OWNER
    )
    assert changes.create == ()
    assert reasons(changes) == ["not-owned"]
    assert "holds a CNAME" in changes.diagnostics[0].message


# --- 2. a unit is never split ------------------------------------------------------------------
def test_every_change_is_one_unit_with_its_txt() -> None:
    current = [
        *owned(ep("upd.example.com", "192.0.2.1", ttl=60)),
        *owned(ep("gone.example.com", "192.0.2.1")),
        *owned(ep("sw.example.com", "192.0.2.1")),
    ]
    desired = [
        ep("upd.example.com", "192.0.2.2", ttl=60),
        ep("new.example.com", "192.0.2.3"),
        ep("sw.example.com", "lb.example.net", rtype="CNAME"),
    ]
    changes = plan(desired, current, owner_id=OWNER)
    by_record = {
        next(e.dns_name for e in u.endpoints() if e.record_type != "TXT"): u for u in changes.units
    }
    assert set(by_record) == {
        "upd.example.com",
        "new.example.com",
        "gone.example.com",
        "sw.example.com",
    }
    assert unit_names(by_record["gone.example.com"]) == {"gone.example.com", "a-gone.example.com"}
    assert unit_names(by_record["new.example.com"]) == {"new.example.com", "a-new.example.com"}
    # an A replaced by a CNAME: the A and its TXT go in the unit that creates the CNAME
    switch = by_record["sw.example.com"]
    assert [(e.dns_name, e.record_type) for e in switch.delete] == [
        ("sw.example.com", "A"),
        ("a-sw.example.com", "TXT"),
    ]
    assert [(e.dns_name, e.record_type) for e in switch.create] == [
        ("cname-sw.example.com", "TXT"),
        ("sw.example.com", "CNAME"),
    ]
    # deletions first, then updates, then creations
    assert not changes.units[0].create


# --- 3. mixed-case affixes ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"prefix": "Own-"}, "own-a-www.example.com"),
        ({"suffix": "-OWN"}, "a-www-own.example.com"),
        ({"prefix": "%{record_type}-X."}, "a-x.www.example.com"),
        ({"wildcard_replacement": "ANY"}, "a-www.example.com"),
    ],
)
def test_affixes_are_lower_case(kwargs: dict[str, Any], name: str) -> None:
    reg = TXTRegistry(OWNER, **kwargs)
    assert reg.txt_name("www.example.com", "A") == name
    record = ep("www.example.com", "192.0.2.1")
    # what a server returns (lower case) is recognised: nothing to do, nothing deleted
    zone = [record.model_copy(update={"labels": {}}), reg.txt_record(record)]
    assert plan([record], zone, PlanOptions(reg)).is_empty()
    assert plan([], zone, PlanOptions(reg)).delete != ()


# --- 4. the orphan sweep touches only TXTs this registry writes -------------------------------
def test_orphan_sweep_spares_other_formats_of_the_same_owner() -> None:
    old_format = TXTRegistry(OWNER)
    records = [ep(f"h{i}.example.com", "192.0.2.1") for i in range(30)]
    zone: list[Endpoint] = []
    for r in records:
        zone += owned(r)
        # external-dns before v0.12: the TXT at the record's own name, no type
        zone.append(
            Endpoint(
                dns_name=r.dns_name,
                targets=(old_format.txt_value("httproute/app/r"),),
                record_type="TXT",
            )
        )
        zone.append(TXTRegistry(OWNER, prefix="txt.").txt_record(r))  # another prefix
    changes = plan(records, zone, owner_id=OWNER)
    assert changes.is_empty()
    assert changes.withheld == ()


@pytest.mark.parametrize(
    ("registry", "orphan", "deleted"),
    [
        pytest.param(REG, "a-gone.example.com", True, id="ours"),
        pytest.param(REG, "aaaa-gone.example.com", True, id="ours-aaaa"),
        pytest.param(REG, "gone.example.com", False, id="old-format"),
        pytest.param(REG, "txt.a-gone.example.com", False, id="other-prefix"),
        pytest.param(REG, "mx-gone.example.com", False, id="unmanaged-type"),
        pytest.param(TXTRegistry(OWNER, prefix="p."), "p.a-gone.example.com", True, id="prefix"),
        pytest.param(TXTRegistry(OWNER, suffix=".s"), "a-gone.s.example.com", True, id="suffix"),
        pytest.param(TXTRegistry(OWNER, suffix=".s"), "a-gone.example.com", False, id="no-suffix"),
        pytest.param(
            TXTRegistry(OWNER, wildcard_replacement="any"), "a-any.example.com", True, id="wild"
        ),
    ],
)
def test_orphaned_txt_in_our_format_only(registry: TXTRegistry, orphan: str, deleted: bool) -> None:
    txt = Endpoint(dns_name=orphan, targets=(REG.txt_value("httproute/a/b"),), record_type="TXT")
    changes = plan([], [txt], PlanOptions(registry))
    assert (changes.delete == (txt,)) is deleted


@pytest.mark.parametrize(
    ("name", "rtype", "registry"),
    [
        ("www.example.com", "A", REG),
        ("*.example.com", "AAAA", REG),
        ("*.example.com", "A", TXTRegistry(OWNER, wildcard_replacement="any")),
        ("example.com", "CNAME", TXTRegistry(OWNER, prefix="%{record_type}-_dns.")),
        ("a.b.example.com", "A", TXTRegistry(OWNER, suffix="._own")),
        ("a.b.example.com", "A", TXTRegistry(OWNER, suffix="-%{record_type}")),
    ],
)
def test_record_of_inverts_txt_name(name: str, rtype: str, registry: TXTRegistry) -> None:
    txt_name = registry.txt_name(name, rtype)
    found = registry.record_of(txt_name, ["A", "AAAA", "CNAME"])
    assert found is not None
    # "*.example.com" and "any.example.com" share a TXT name under replacement "any"
    assert registry.txt_name(*found) == txt_name
    assert found[1] == rtype
    replacement = registry.wildcard_replacement
    assert found[0] == (name.replace("*", replacement) if replacement else name)


# --- 5, 6. what a provider would refuse is left out, the rest goes ahead ----------------------
@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        pytest.param(ep("x" * 63 + ".example.com", "192.0.2.1"), "label of 65", id="label-63"),
        pytest.param(
            ep(".".join(["y" * 60] * 4) + ".example.com", "192.0.2.1"),
            "name of 255",
            id="name-255",
        ),
        pytest.param(
            ep(("z" * 61 + ".") * 3 + "z" * 54 + ".example.com", "192.0.2.1"),
            "TXT name a-zzz",
            id="txt-name-254",
        ),
        pytest.param(ep("example.com", "192.0.2.1"), "not in its zone", id="apex"),
        pytest.param(ep("www.example.org", "192.0.2.1"), "none of the zones", id="other-zone"),
        pytest.param(
            ep("www.example.com", "192.0.2.1", set_id="eu"), "set identifier", id="set-id"
        ),
        pytest.param(
            ep("www.example.com", "192.0.2.1", resource="httproute/a/x,external-dns/owner=v"),
            "resource label",
            id="forged-owner",
        ),
        pytest.param(
            ep("www.example.com", "192.0.2.1", resource='httproute/a/"x;y'),
            "resource label",
            id="quote-semicolon",
        ),
        pytest.param(ep("www.example.com", "not-an-ip"), "not an IP", id="bad-a"),
        pytest.param(ep("www.example.com", "2001:db8::1"), "IPv4", id="v6-in-a"),
        pytest.param(ep("www.exam ple.com", "192.0.2.1"), "not a valid DNS name", id="space"),
    ],
)
def test_unpublishable_endpoints(endpoint: Endpoint, message: str) -> None:
    problem = publish_problem(endpoint, REG, zones=ZONES, capabilities=PLAIN_DNS)
    assert problem is not None
    assert message in problem
    good = ep("ok.example.com", "192.0.2.9")
    changes = plan([endpoint, good], [], owner_id=OWNER, zones=ZONES, capabilities=PLAIN_DNS)
    assert reasons(changes) == ["unpublishable"]
    assert {e.dns_name for e in changes.create} == {"ok.example.com", "a-ok.example.com"}


def test_long_txt_values_need_a_provider_that_splits_them() -> None:
    record = ep("www.example.com", "192.0.2.1", resource="httproute/app/" + "n" * 200)
    assert len(txt_text(REG.txt_value("httproute/app/" + "n" * 200))) > 255
    assert publish_problem(record, REG, zones=ZONES) is None
    no_split = ProviderCapabilities(split_long_txt=False)
    assert "octets" in str(publish_problem(record, REG, capabilities=no_split))


def test_unpublishable_existing_record_is_kept_not_deleted() -> None:
    """A record of ours whose new version cannot be published stays as it is."""
    old = ep("www.example.com", "192.0.2.1")
    bad = ep("www.example.com", "192.0.2.2", resource="httproute/app/x,y")
    changes = plan([bad], owned(old), owner_id=OWNER)
    assert changes.is_empty()
    assert reasons(changes) == ["unpublishable"]


# --- 7. a CNAME next to foreign data -----------------------------------------------------------
@pytest.mark.parametrize(
    "foreign",
    [
        Endpoint(dns_name="www.example.com", targets=('"v=spf1 -all"',), record_type="TXT"),
        Endpoint(dns_name="www.example.com", targets=("10 mail.example.com",), record_type="MX"),
        Endpoint(dns_name="www.example.com", targets=("192.0.2.1",), record_type="A"),
    ],
    ids=["txt", "mx", "a"],
)
def test_cname_is_not_planned_next_to_foreign_data(foreign: Endpoint) -> None:
    desired = [ep("www.example.com", "lb.example.net", rtype="CNAME")]
    changes = plan(desired, [foreign], owner_id=OWNER)
    assert changes.is_empty()
    assert reasons(changes) == ["not-owned"]


def test_cname_and_a_wanted_at_one_name_keeps_the_a() -> None:
    desired = [
        ep("www.example.com", "lb.example.net", rtype="CNAME", resource="httproute/a/c"),
        ep("www.example.com", "192.0.2.1", resource="httproute/a/x"),
    ]
    changes = plan(desired, [], owner_id=OWNER)
    assert [(e.dns_name, e.record_type) for e in changes.create] == [
        ("a-www.example.com", "TXT"),
        ("www.example.com", "A"),
    ]
    assert reasons(changes) == ["name-conflict"]


# --- 8. names from a provider are normalised ---------------------------------------------------
def test_foreign_names_in_any_case_or_with_a_dot_are_seen() -> None:
    for name in ("Shop.Example.com", "shop.example.com.", "SHOP.EXAMPLE.COM."):
        foreign = Endpoint(dns_name=name, targets=("198.51.100.1",), record_type="A")
        changes = plan([ep("shop.example.com", "192.0.2.1")], [foreign], owner_id=OWNER)
        assert changes.is_empty(), name
        assert reasons(changes) == ["not-owned"]


def test_own_records_returned_upper_case_are_left_alone() -> None:
    record = ep("www.example.com", "192.0.2.1")
    txt = REG.txt_record(record)
    zone = [
        record.model_copy(update={"dns_name": "WWW.Example.COM.", "labels": {}}),
        txt.model_copy(update={"dns_name": "A-WWW.EXAMPLE.COM"}),
    ]
    assert plan([record], zone, owner_id=OWNER).is_empty()
    deleted = plan([], zone, owner_id=OWNER).delete
    assert [e.dns_name for e in deleted] == ["www.example.com", "a-www.example.com"]


def test_provider_cname_targets_are_normalised() -> None:
    record = ep("www.example.com", "lb.example.net", rtype="CNAME")
    zone = owned(record)
    zone[0] = zone[0].model_copy(update={"targets": ("LB.Example.NET.",)})
    assert plan([record], zone, owner_id=OWNER).is_empty()


# --- 9. label values that could forge ownership are never written -----------------------------
def test_forged_resource_cannot_claim_another_owner() -> None:
    with pytest.raises(ValueError, match="resource label"):
        REG.txt_value("httproute/app/x,external-dns/owner=victim")
    # what external-dns would read from such a value: the second owner wins
    forged = '"heritage=external-dns,external-dns/owner=a,external-dns/resource=x,external-dns/owner=victim"'
    assert parse_txt_labels(forged) == {"owner": "victim", "resource": "x"}


def test_multi_string_txt_values_are_read_joined() -> None:
    value = '"heritage=external-dns,external-dns/own" "er=cluster-a,external-dns/resource=r"'
    assert parse_txt_labels(value) == {"owner": OWNER, "resource": "r"}
    record = ep("www.example.com", "192.0.2.1", resource="r")
    split_txt = REG.txt_record(record).model_copy(update={"targets": (value,)})
    # the same text split differently is the same value: no rewrite
    assert plan(
        [record], [record.model_copy(update={"labels": {}}), split_txt], owner_id=OWNER
    ).is_empty()


# --- 10. the TXT name must be inside the domain filter ----------------------------------------
def test_txt_name_outside_the_domain_filter() -> None:
    flt = DomainFilter(("sub.example.com",))
    desired = [ep("sub.example.com", "192.0.2.1"), ep("www.sub.example.com", "192.0.2.1")]
    changes = plan(desired, [], PlanOptions(REG, domain_filter=flt))
    assert reasons(changes) == ["unpublishable"]
    assert "a-sub.example.com is outside the domain filter" in changes.diagnostics[0].message
    assert {e.dns_name for e in changes.create} == {"www.sub.example.com", "a-www.sub.example.com"}


# --- 11. two owners' claims: nobody's ----------------------------------------------------------
@pytest.mark.parametrize("me", ["aaa", "zzz"])
def test_txt_with_two_owners_is_nobodys(me: str) -> None:
    record = ep("www.example.com", "192.0.2.1")
    txt = Endpoint(
        dns_name="a-www.example.com",
        targets=(TXTRegistry("aaa").txt_value("r"), TXTRegistry("zzz").txt_value("r")),
        record_type="TXT",
    )
    zone = [record.model_copy(update={"labels": {}}), txt]
    gone = plan([], zone, owner_id=me)
    assert gone.delete == ()
    assert reasons(gone) == ["contested-ownership"]
    moved = plan([ep("www.example.com", "192.0.2.2")], zone, owner_id=me)
    assert moved.is_empty()
    assert reasons(moved) == ["contested-ownership"]
    assert "aaa, zzz" in moved.diagnostics[0].message


def test_foreign_text_mixed_into_our_txt_is_not_ours() -> None:
    record = ep("www.example.com", "192.0.2.1")
    txt = REG.txt_record(record)
    mixed = txt.model_copy(update={"targets": (*txt.targets, '"google-site-verification=x"')})
    changes = plan([], [record.model_copy(update={"labels": {}}), mixed], owner_id=OWNER)
    assert changes.delete == ()


# --- 12. owner IDs that would break the TXT apart ----------------------------------------------
@pytest.mark.parametrize(
    "owner", ["team,eu", "a=b", 'x"y', "two words", "tab\t", "back\\slash", ""]
)
def test_unsafe_owner_ids_are_config_errors(owner: str) -> None:
    with pytest.raises(ConfigError, match="owner_id"):
        TXTRegistry(owner)
    with pytest.raises(ConfigError, match="owner_id"):
        plan([], [], owner_id=owner)
    with pytest.raises(ConfigError, match="owner_id"):
        Reconciler(ScriptedWatcher(), InMemoryProvider(), owner_id=owner)


# --- determinism -------------------------------------------------------------------------------
def test_units_are_independent_of_input_order() -> None:
    current = [x for i in range(8) for x in owned(ep(f"r{i}.example.com", "192.0.2.1"))]
    current.append(Endpoint(dns_name="Shop.example.com", targets=("1.2.3.4",), record_type="A"))
    desired = [ep(f"n{i}.example.com", f"192.0.2.{i}") for i in range(10)]
    desired += [ep(f"r{i}.example.com", "198.51.100.1") for i in range(4)]
    desired.append(ep("a-n1.example.com", "lb.example.net", rtype="CNAME"))
    expected = plan(desired, current, owner_id=OWNER)
    rnd = random.Random(3)
    for _ in range(20):
        d, c = list(desired), list(current)
        rnd.shuffle(d)
        rnd.shuffle(c)
        got = plan(d, c, owner_id=OWNER)
        assert got.units == expected.units
        assert got.diagnostics == expected.diagnostics
