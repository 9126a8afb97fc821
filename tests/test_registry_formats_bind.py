"""Taking over zones written by external-dns, against a real BIND 9 (issue 13).

The zones are written straight into BIND (tests/dnsutil.py, not through the provider under test)
from tests/external_dns.py, and read back by AXFR.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from gatewaydns import (
    Changes,
    DomainFilter,
    Endpoint,
    PlanOptions,
    ProviderError,
    TXTRegistry,
    plan,
)
from gatewaydns._registry import txt_text
from gatewaydns.adapters.rfc2136 import RFC2136Provider

from .dnsutil import Faulty, dump, plan_and_apply, query, raw_update, send
from .external_dns import (
    ENCRYPTION_KEY,
    LONG_ROUTE,
    Record,
    encrypted_zone,
    new_txt_name,
    value,
    zone_v011,
    zone_v022,
)

OWNER = "cluster-a"


def rdata(ep: Endpoint, target: str) -> str:
    if ep.record_type == "TXT":  # strings of at most 255 octets, as a server stores them
        text = txt_text(target)
        return " ".join(f'"{text[i : i + 255]}"' for i in range(0, len(text), 255))
    return target + "." if ep.record_type == "CNAME" else target


def write(named: dict[str, Any], endpoints: Iterable[Endpoint]) -> None:
    """Put records into the zone directly, as external-dns (or a person) did.

    The TTL is the provider's default TTL (the ``provider`` fixture's), as after a migration
    configured as docs/migrating-from-external-dns.md says.
    """
    msg = raw_update(named)
    for ep in endpoints:
        for target in ep.targets:
            msg.add(ep.dns_name + ".", 120, ep.record_type, rdata(ep, target))
    send(named, msg)


def sync(provider: RFC2136Provider, desired: list[Endpoint], options: PlanOptions) -> Changes:
    return plan_and_apply(provider, desired, options)


def texts(zone: dict[tuple[str, str], tuple[str, ...]], name: str) -> list[str]:
    return [txt_text(t) for t in zone.get((name, "TXT"), ())]


RECORDS = [
    Record("shop.example.com", "A", ("192.0.2.1", "192.0.2.2"), "httproute/app/shop"),
    Record("api.example.com", "CNAME", ("lb.example.net",), "httproute/app/api"),
    Record("*.apps.example.com", "A", ("192.0.2.4",), "httproute/app/apps"),
]
AFFIX = {"prefix": "txt.", "wildcard": "any"}
REG = TXTRegistry(OWNER, prefix="txt.", wildcard_replacement="any")


def test_v022_zone_plans_nothing(named: dict[str, Any], provider: RFC2136Provider) -> None:
    write(named, zone_v022(RECORDS, OWNER, **AFFIX))
    before = dump(named)
    changes = sync(provider, [r.desired() for r in RECORDS], PlanOptions(REG))
    assert changes.units == ()
    assert changes.diagnostics == ()
    assert dump(named) == before


def test_pre_v012_zone_gets_only_the_new_txts(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    write(named, zone_v011(RECORDS, OWNER, **AFFIX))
    before = dump(named)
    changes = sync(provider, [r.desired() for r in RECORDS], PlanOptions(REG))
    assert changes.diagnostics == ()
    after = dump(named)
    created = set(after) - set(before)
    assert created == {(new_txt_name(r.name, r.rtype, **AFFIX), "TXT") for r in RECORDS}
    assert {k: after[k] for k in before} == before  # records and old-format TXTs untouched
    for r in RECORDS:
        assert texts(after, new_txt_name(r.name, r.rtype, **AFFIX)) == [
            txt_text(value(OWNER, r.resource))
        ]
    assert sync(provider, [r.desired() for r in RECORDS], PlanOptions(REG)).units == ()
    # gatewaydns owns them now: a route that goes takes its record and new TXT, and leaves the
    # old-format TXT where external-dns left it
    sync(provider, [r.desired() for r in RECORDS[1:]], PlanOptions(REG))
    final = dump(named)
    assert ("shop.example.com", "A") not in final
    assert ("txt.a-shop.example.com", "TXT") not in final
    assert final[("txt.shop.example.com", "TXT")] == before[("txt.shop.example.com", "TXT")]


def test_aaaa_owned_only_through_the_old_format_is_left_alone(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    a = Record("dual.example.com", "A", ("192.0.2.1",), "httproute/app/dual")
    aaaa = Record("dual.example.com", "AAAA", ("2001:db8::1",), "httproute/app/dual")
    write(named, zone_v011([a, aaaa], OWNER))
    moved = aaaa.desired().model_copy(update={"targets": ("2001:db8::9",)})
    changes = sync(provider, [a.desired(), moved], PlanOptions(TXTRegistry(OWNER)))
    assert [(d.reason, d.hostname) for d in changes.diagnostics] == [
        ("not-owned", "dual.example.com")
    ]
    zone = dump(named)
    assert zone[("dual.example.com", "AAAA")] == ("2001:db8::1",)
    assert ("aaaa-dual.example.com", "TXT") not in zone
    assert ("a-dual.example.com", "TXT") in zone
    sync(provider, [], PlanOptions(TXTRegistry(OWNER)))
    assert dump(named)[("dual.example.com", "AAAA")] == ("2001:db8::1",)


def test_old_format_txt_with_other_texts_and_a_concurrent_change(
    named: dict[str, Any], faulty: Faulty
) -> None:
    """The old-format TXT at a host name shares it with an SPF text; the unit relies on the
    whole record set as read, so a change to it in between refuses the unit."""
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    write(named, zone_v011([shop], OWNER))
    write(
        named,
        [Endpoint(dns_name="shop.example.com", targets=('"v=spf1 -all"',), record_type="TXT")],
    )

    def thief(_message: Any) -> None:  # another controller adds its claim to the old TXT
        write(
            named,
            [
                Endpoint(
                    dns_name="shop.example.com", targets=(value("thief", "r"),), record_type="TXT"
                )
            ],
        )

    faulty.before[1] = thief
    with pytest.raises(ProviderError, match="changed since it was read") as info:
        sync(faulty, [shop.desired()], PlanOptions(TXTRegistry(OWNER)))
    assert info.value.retryable
    assert ("a-shop.example.com", "TXT") not in dump(named)
    again = sync(faulty, [shop.desired()], PlanOptions(TXTRegistry(OWNER)))
    assert [d.reason for d in again.diagnostics] == ["contested-ownership"]
    assert ("a-shop.example.com", "TXT") not in dump(named)


def test_same_with_the_spf_text_and_no_change(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    write(named, zone_v011([shop], OWNER))
    write(
        named,
        [Endpoint(dns_name="shop.example.com", targets=('"v=spf1 -all"',), record_type="TXT")],
    )
    sync(provider, [shop.desired()], PlanOptions(TXTRegistry(OWNER)))
    assert texts(dump(named), "a-shop.example.com") == [txt_text(value(OWNER, shop.resource))]


@pytest.fixture
def faulty(named: dict[str, Any], provider: RFC2136Provider) -> Faulty:
    return Faulty(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
    )


def encrypted_desired() -> list[Endpoint]:
    return [
        Record("shop.example.com", "A", ("192.0.2.10",), "httproute/app/shop").desired(),
        Record("api.example.com", "CNAME", ("lb.example.net",), "httproute/app/api").desired(),
        Record("long.example.com", "A", ("192.0.2.13",), f"httproute/app/{LONG_ROUTE}").desired(),
    ]


def test_encrypted_zone(named: dict[str, Any], provider: RFC2136Provider) -> None:
    write(named, encrypted_zone())
    before = dump(named)
    keyed = PlanOptions(TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY))
    assert sync(provider, encrypted_desired(), keyed).units == ()
    # without the key: nothing is ours, nothing is touched
    for options in (PlanOptions(TXTRegistry(OWNER)), PlanOptions(TXTRegistry(OWNER), force=True)):
        blind = sync(provider, encrypted_desired()[:2], options)
        assert blind.units == ()
    assert dump(named) == before
    # with it: a new record gets an encrypted TXT external-dns reads; a removed one goes
    new = Record("new.example.com", "A", ("192.0.2.20",), "httproute/app/new").desired()
    sync(provider, [*encrypted_desired()[1:], new], keyed)
    after = dump(named)
    assert ("shop.example.com", "A") not in after
    _ttl, [sealed] = query(named, "a-new.example.com", "TXT")  # (dump lower-cases values)
    assert keyed.registry.text_of(sealed) == txt_text(value(OWNER, "httproute/app/new"))
    assert "heritage" not in sealed
    assert after[("a-long.example.com", "TXT")] == before[("a-long.example.com", "TXT")]


def test_migrate_from_owner_id_rewrites_only_txts(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    write(named, zone_v022(RECORDS, "old-cluster", **AFFIX))
    # and a record of the old owner ID, with an encrypted TXT, that no route wants any more
    [txt, record] = [e for e in encrypted_zone() if "legacy" in e.dns_name]
    assert (txt.record_type, record.record_type) == ("TXT", "A")
    write(named, [record, txt.model_copy(update={"dns_name": "txt." + txt.dns_name})])
    assert ("legacy.example.com", "A") in dump(named)
    before = dump(named)
    reg = TXTRegistry(
        OWNER,
        prefix="txt.",
        wildcard_replacement="any",
        migrate_from_owner_id="old-cluster",
        encrypt_aes_key=ENCRYPTION_KEY,
    )
    desired = [r.desired() for r in RECORDS]
    changes = sync(provider, desired, PlanOptions(reg))
    assert [d.reason for d in changes.diagnostics] == []
    after = dump(named)
    gone = {("legacy.example.com", "A"), ("txt.a-legacy.example.com", "TXT")}
    assert set(after) == set(before) - gone  # the old owner's record is ours: deleted
    for key, targets in before.items():
        if key[1] != "TXT" and key not in gone:
            assert after[key] == targets, key  # records untouched
    for r in RECORDS:
        _ttl, raw = query(named, new_txt_name(r.name, r.rtype, **AFFIX), "TXT")
        [text] = [reg.text_of(t) for t in raw]
        assert text == txt_text(value(OWNER, r.resource))  # our owner ID (and encrypted now)
        assert (
            after[(new_txt_name(r.name, r.rtype, **AFFIX), "TXT")]
            != before[(new_txt_name(r.name, r.rtype, **AFFIX), "TXT")]
        )
    assert sync(provider, desired, PlanOptions(reg)).units == ()


def test_leading_dot_domain_filter_leaves_the_apex(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    reg = TXTRegistry(OWNER, prefix="%{record_type}._own.")
    apex = Record("example.com", "A", ("192.0.2.1",), "httproute/app/apex")
    www = Record("www.example.com", "A", ("192.0.2.2",), "httproute/app/www")
    write(named, zone_v022([apex], OWNER, prefix="%{record_type}._own."))
    before = dump(named)
    options = PlanOptions(reg, domain_filter=DomainFilter((".example.com",)), force=True)
    moved = apex.desired().model_copy(update={"targets": ("192.0.2.9",)})
    changes = sync(provider, [moved, www.desired()], options)
    assert changes.diagnostics == ()
    after = dump(named)
    assert after[("example.com", "A")] == before[("example.com", "A")]
    assert after[("a._own.example.com", "TXT")] == before[("a._own.example.com", "TXT")]
    assert after[("www.example.com", "A")] == ("192.0.2.2",)
    sync(provider, [], options)
    assert after[("example.com", "A")] == dump(named)[("example.com", "A")]
    assert ("www.example.com", "A") not in dump(named)


# --- the old-format TXT still speaks for a record whose new-format TXT is gone -------------------
# Reduced from a failing example of tests/property/test_bind_state_machine.py: a record adopted
# from an old-format TXT (which stays), whose new-format TXT someone deleted, is still ours —
# external-dns reads the old format whenever a record has no new-format TXT, and so does
# gatewaydns (docs/migrating-from-external-dns.md). Only taking both TXTs makes it nobody's.
PLAIN_A = Record("a.example.com", "A", ("198.51.100.50",), "httproute/app/old")
P_REG = TXTRegistry(OWNER, prefix="p-")


def adopted(named: dict[str, Any], provider: RFC2136Provider) -> dict[tuple[str, str], Any]:
    """a.example.com A as external-dns v0.11 left it, adopted and moved by a route: the record
    has its new-format TXT (p-a-a) next to the old-format one (p-a)."""
    write(named, zone_v011([PLAIN_A], OWNER, prefix="p-"))
    moved = PLAIN_A.desired().model_copy(update={"targets": ("192.0.2.1",)})
    assert sync(provider, [moved], PlanOptions(P_REG)).diagnostics == ()
    zone = dump(named)
    assert zone[("a.example.com", "A")] == ("192.0.2.1",)
    assert texts(zone, "p-a-a.example.com") == [txt_text(value(OWNER, PLAIN_A.resource))]
    assert texts(zone, "p-a.example.com") == [txt_text(value(OWNER, PLAIN_A.resource))]
    return zone


def delete_txts(named: dict[str, Any], *names: str) -> None:
    msg = raw_update(named)
    for name in names:
        msg.delete(name + ".", "TXT")
    send(named, msg)


def test_new_format_txt_deleted_the_old_format_one_still_claims(
    named: dict[str, Any], faulty: Faulty
) -> None:
    before = adopted(named, faulty)
    delete_txts(named, "p-a-a.example.com")  # someone takes the new-format TXT only
    wanted = PLAIN_A.desired().model_copy(update={"targets": ("192.0.2.1", "192.0.2.4")})
    changes = plan(
        faulty.adjust_endpoints([wanted]),
        faulty.records(),
        PlanOptions(P_REG),
        zones=faulty.zones,
        capabilities=faulty.capabilities,
    )
    # still ours through the old-format TXT: one unit updates the record and gives it its
    # new-format TXT again, relying on the old one (which it leaves in place)
    assert changes.diagnostics == ()
    [unit] = changes.units
    assert [(e.dns_name, e.targets) for e in unit.update_new] == [
        ("a.example.com", ("192.0.2.1", "192.0.2.4"))
    ]
    assert [e.dns_name for e in unit.create] == ["p-a-a.example.com"]
    assert [e.dns_name for e in unit.require] == ["p-a.example.com"]
    assert unit.delete == ()

    def changer(_message: Any) -> None:  # a concurrent writer adds an address meanwhile
        msg = raw_update(named)
        msg.add("a.example.com.", 300, "A", "198.51.100.77")
        send(named, msg)

    faulty.before[len(faulty.messages) + 1] = changer
    with pytest.raises(ProviderError, match="changed since it was read"):
        faulty.apply_changes(changes)
    faulty.before.clear()
    zone = dump(named)
    # the unit was refused whole: the extra address is the writer's, nothing is ours
    assert zone[("a.example.com", "A")] == ("192.0.2.1", "198.51.100.77")
    assert ("p-a-a.example.com", "TXT") not in zone
    assert zone[("p-a.example.com", "TXT")] == before[("p-a.example.com", "TXT")]
    # the next round repairs the record of ours (SPEC 13.6) and restores its TXT
    assert sync(faulty, [wanted], PlanOptions(P_REG)).diagnostics == ()
    zone = dump(named)
    assert zone[("a.example.com", "A")] == ("192.0.2.1", "192.0.2.4")
    assert texts(zone, "p-a-a.example.com") == [txt_text(value(OWNER, PLAIN_A.resource))]
    assert zone[("p-a.example.com", "TXT")] == before[("p-a.example.com", "TXT")]
    assert sync(faulty, [wanted], PlanOptions(P_REG)).units == ()
    sync(faulty, [], PlanOptions(P_REG))  # its route gone: deleted, the old-format TXT stays
    zone = dump(named)
    assert ("a.example.com", "A") not in zone
    assert ("p-a-a.example.com", "TXT") not in zone
    assert zone[("p-a.example.com", "TXT")] == before[("p-a.example.com", "TXT")]


def test_both_txts_deleted_the_record_is_nobodys(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    adopted(named, provider)
    delete_txts(named, "p-a-a.example.com", "p-a.example.com")
    taken = dump(named)
    wanted = PLAIN_A.desired().model_copy(update={"targets": ("192.0.2.1", "192.0.2.4")})
    changes = sync(provider, [wanted], PlanOptions(P_REG))
    assert [(d.reason, d.hostname) for d in changes.diagnostics] == [("not-owned", "a.example.com")]
    assert changes.units == ()
    sync(provider, [], PlanOptions(P_REG))
    assert dump(named) == taken


def test_a_persons_txt_at_the_new_format_name_wins_over_the_old_format(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    """The new format takes precedence: a person's text at the record's new-format TXT name,
    there before external-dns v0.11 wrote the record, makes it foreign despite the old TXT."""
    write(
        named,
        [Endpoint(dns_name="p-a-a.example.com", targets=('"meanwhile"',), record_type="TXT")],
    )
    write(named, zone_v011([PLAIN_A], OWNER, prefix="p-"))
    before = dump(named)
    moved = PLAIN_A.desired().model_copy(update={"targets": ("192.0.2.1",)})
    changes = sync(provider, [moved], PlanOptions(P_REG))
    assert [(d.reason, d.hostname) for d in changes.diagnostics] == [("not-owned", "a.example.com")]
    assert changes.units == ()
    assert sync(provider, [], PlanOptions(P_REG)).units == ()  # no route: not deleted either
    assert dump(named) == before
