"""Taking over zones written by external-dns (issue 13, SPEC section 13): every registry format,
encrypted values, owner migration. Zones come from tests/external_dns.py (transcribed from
external-dns's source); tests/test_registry_formats_bind.py runs the same against BIND 9.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gatewaydns import (
    ChangeUnit,
    ConfigError,
    Endpoint,
    PlanOptions,
    TXTRegistry,
    plan,
)
from gatewaydns._registry import txt_text
from gatewaydns.testing import InMemoryProvider

from .external_dns import (
    ENCRYPTED,
    ENCRYPTION_KEY,
    LONG_ROUTE,
    Record,
    encrypted_zone,
    new_txt_name,
    old_txt_name,
    value,
    zone_v011,
    zone_v012,
    zone_v022,
)

OWNER = "cluster-a"

AFFIXES: list[Any] = [
    pytest.param({}, id="plain"),
    pytest.param({"prefix": "txt."}, id="prefix"),
    pytest.param({"prefix": "TXT-"}, id="upper-prefix"),
    pytest.param({"suffix": "-own"}, id="suffix"),
    pytest.param({"suffix": ".Own"}, id="dotted-suffix"),
    pytest.param({"prefix": "txt.", "wildcard": "ANY"}, id="wildcard"),
]
TEMPLATED: list[Any] = [
    pytest.param({"prefix": "%{record_type}-own."}, id="templated-prefix"),
    pytest.param({"suffix": "-%{record_type}"}, id="templated-suffix"),
]


def records(affix: dict[str, str]) -> list[Record]:
    out = [
        Record("shop.example.com", "A", ("192.0.2.1", "192.0.2.2"), "httproute/app/shop"),
        Record("deep.sub.example.com", "A", ("192.0.2.3",), "grpcroute/app/deep"),
    ]
    if affix:  # without an affix the old-format TXT would sit at the CNAME's own name
        out.append(Record("api.example.com", "CNAME", ("lb.example.net",), "httproute/app/api"))
    if affix.get("wildcard"):
        out.append(Record("*.apps.example.com", "A", ("192.0.2.4",), "httproute/app/apps"))
    return out


def registry(affix: dict[str, str], owner: str = OWNER, **kwargs: Any) -> TXTRegistry:
    return TXTRegistry(
        owner,
        prefix=affix.get("prefix", ""),
        suffix=affix.get("suffix", ""),
        wildcard_replacement=affix.get("wildcard", ""),
        **kwargs,
    )


def only_units(changes: Any) -> list[ChangeUnit]:
    return [u for u in changes.units if len(u)]


def sync(provider: InMemoryProvider, desired: list[Endpoint], options: PlanOptions) -> Any:
    changes = plan(desired, provider.records(), options, zones=provider.zones)
    provider.apply_changes(changes)
    return changes


# --- the three eras -----------------------------------------------------------------------------
@pytest.mark.parametrize("affix", AFFIXES + TEMPLATED)
@pytest.mark.parametrize("writer", [zone_v012, zone_v022], ids=["v0.12-v0.17", "v0.18-v0.22"])
def test_zone_with_new_format_plans_nothing(writer: Any, affix: dict[str, str]) -> None:
    recs = records(affix)
    zone = writer(recs, OWNER, **affix)
    changes = plan([r.desired() for r in recs], zone, PlanOptions(registry(affix)))
    assert changes.units == ()
    assert changes.diagnostics == ()


@pytest.mark.parametrize("affix", AFFIXES)
def test_pre_v012_zone_plans_only_the_missing_new_format_txts(affix: dict[str, str]) -> None:
    recs = records(affix)
    zone = zone_v011(recs, OWNER, **affix)
    options = PlanOptions(registry(affix))
    provider = InMemoryProvider(zone)
    changes = sync(provider, [r.desired() for r in recs], options)
    assert changes.diagnostics == ()
    by_txt = {u.create[0].dns_name: u for u in changes.units}
    assert set(by_txt) == {new_txt_name(r.name, r.rtype, **affix) for r in recs}
    zone_by_name = {(e.dns_name, e.record_type): e for e in zone}
    for r in recs:
        unit = by_txt[new_txt_name(r.name, r.rtype, **affix)]
        # the new TXT alone, next to the old one (relied on, untouched); the record untouched
        assert unit.delete == unit.update_old == unit.update_new == ()
        [txt] = unit.create
        assert txt.record_type == "TXT"
        assert [txt_text(t) for t in txt.targets] == [txt_text(value(OWNER, r.resource))]
        assert unit.require == (zone_by_name[(old_txt_name(r.name, **affix), "TXT")],)
    # the old-format TXTs and the records are still there, exactly as external-dns left them
    after = {(e.dns_name, e.record_type): e.targets for e in provider.records()}
    for e in zone:
        assert after[(e.dns_name, e.record_type)] == e.targets
    # converged: a second round plans nothing, and gatewaydns now owns the records outright
    assert plan([r.desired() for r in recs], provider.records(), options).units == ()
    gone = plan([], provider.records(), PlanOptions(registry(affix), force=True))
    deleted = {(e.dns_name, e.record_type) for e in gone.delete}
    assert {(r.name, r.rtype) for r in recs} <= deleted
    assert not any((old_txt_name(r.name, **affix), "TXT") in deleted for r in recs)


def test_pre_v012_record_is_updated_next_to_its_new_txt() -> None:
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    zone = zone_v011([shop], OWNER)
    moved = Endpoint(
        dns_name=shop.name,
        targets=("192.0.2.9",),
        record_type="A",
        labels={"resource": shop.resource},
    )
    [unit] = plan([moved], zone, owner_id=OWNER).units
    assert [e.dns_name for e in unit.create] == ["a-shop.example.com"]
    assert unit.update_old == (shop.endpoint(),)
    assert unit.update_new == (moved,)
    assert [e.dns_name for e in unit.require] == ["shop.example.com"]  # its old-format TXT


@pytest.mark.parametrize("policy", ["upsert-only", "create-only"])
def test_adoption_creates_the_txt_under_every_policy(policy: Any) -> None:
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    changes = plan(
        [shop.desired()], zone_v011([shop], OWNER), PlanOptions(TXTRegistry(OWNER), policy=policy)
    )
    assert [e.dns_name for e in changes.create] == ["a-shop.example.com"]


def test_old_format_txt_shared_with_other_text_at_the_host_name() -> None:
    """An old-format TXT sits at the record's own name, where SPF or site verification texts
    live too: those values do not make the record foreign."""
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    zone = zone_v011([shop], OWNER)
    zone = [
        e.model_copy(update={"targets": (*e.targets, '"v=spf1 -all"')})
        if e.record_type == "TXT"
        else e
        for e in zone
    ]
    [unit] = plan([shop.desired()], zone, owner_id=OWNER).units
    assert [e.dns_name for e in unit.create] == ["a-shop.example.com"]
    assert unit.require[0].targets == tuple(sorted([value(OWNER, shop.resource), '"v=spf1 -all"']))


def test_new_format_takes_precedence_over_the_old() -> None:
    """external-dns reads the new format first; the old one only when there is none."""
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    theirs = zone_v022([shop], "someone-else")
    mine_old = [e for e in zone_v011([shop], OWNER) if e.record_type == "TXT"]
    changes = plan([shop.desired()], [*theirs, *mine_old], owner_id=OWNER)
    assert changes.units == ()
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    # and the other way round: our new-format TXT wins over someone else's old one
    mine = zone_v022([shop], OWNER)
    theirs_old = [e for e in zone_v011([shop], "someone-else") if e.record_type == "TXT"]
    assert plan([shop.desired()], [*mine, *theirs_old], owner_id=OWNER).is_empty()
    assert plan([], [*mine, *theirs_old], owner_id=OWNER).delete != ()


def test_aaaa_owned_only_through_an_old_format_txt_is_not_ours() -> None:
    a = Record("dual.example.com", "A", ("192.0.2.1",), "httproute/app/dual")
    aaaa = Record("dual.example.com", "AAAA", ("2001:db8::1",), "httproute/app/dual")
    zone = zone_v011([a, aaaa], OWNER)  # one TXT at the name speaks for both
    changes = plan([a.desired(), aaaa.desired()], zone, owner_id=OWNER)
    assert [e.dns_name for e in changes.create] == ["a-dual.example.com"]  # the A is adopted
    assert [(d.reason, d.hostname) for d in changes.diagnostics] == [
        ("not-owned", "dual.example.com")
    ]
    assert "AAAA dual.example.com is held by nobody" in changes.diagnostics[0].message
    assert not any(e.record_type == "AAAA" for u in changes.units for e in u.endpoints())
    gone = plan([], zone, owner_id=OWNER)
    assert [(e.dns_name, e.record_type) for e in gone.delete] == [("dual.example.com", "A")]


def test_an_old_format_name_read_as_another_records_new_format_name() -> None:
    """external-dns reads ``a-b.example.com`` as the TXT of ``b.example.com``'s A record, never
    as the old-format TXT of ``a-b.example.com``: neither does gatewaydns; and while
    ``a-b.example.com`` exists, that TXT is not swept as ``b``'s orphan."""
    ab = Record("a-b.example.com", "A", ("192.0.2.1",), "httproute/app/ab")
    zone = zone_v011([ab], OWNER)
    assert TXTRegistry(OWNER).legacy_txt_name("a-b.example.com") is None
    changes = plan([ab.desired()], zone, owner_id=OWNER)
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    assert changes.units == ()
    assert plan([], zone, PlanOptions(TXTRegistry(OWNER), force=True)).units == ()


def test_foreign_old_format_txt_does_not_block_a_new_record() -> None:
    """A stale old-format TXT of another owner (external-dns v0.18+ leaves them when it deletes
    a record) does not stop a record external-dns itself would create."""
    zone = zone_v011([Record("x.example.com", "A", ("192.0.2.1",))], "other")
    stale = [e for e in zone if e.record_type == "TXT"]
    want = Record("x.example.com", "A", ("192.0.2.5",), "httproute/app/x").desired()
    changes = plan([want], stale, owner_id=OWNER)
    assert [e.dns_name for e in changes.create] == ["a-x.example.com", "x.example.com"]


def test_contested_old_format_txt_is_nobodys() -> None:
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    zone = zone_v011([shop], OWNER)
    zone = [
        e.model_copy(update={"targets": (*e.targets, value("someone-else", "r"))})
        if e.record_type == "TXT"
        else e
        for e in zone
    ]
    changes = plan([shop.desired()], zone, owner_id=OWNER)
    assert changes.units == ()
    assert [d.reason for d in changes.diagnostics] == ["contested-ownership"]


# --- migrate_from_owner_id ----------------------------------------------------------------------
def test_migrate_from_owner_id_rewrites_only_txts() -> None:
    recs = records({"prefix": "txt."})
    other = Record("theirs.example.com", "A", ("198.51.100.1",), "httproute/t/t")
    zone = [
        *zone_v022(recs, "old-cluster", prefix="txt."),
        *zone_v022([other], "someone-else", prefix="txt."),
    ]
    reg = TXTRegistry(OWNER, prefix="txt.", migrate_from_owner_id="old-cluster")
    provider = InMemoryProvider(zone)
    changes = sync(provider, [r.desired() for r in [*recs, other]], PlanOptions(reg))
    assert changes.create == changes.delete == ()
    assert {e.record_type for u in changes.units for e in u.endpoints()} == {"TXT"}
    assert sorted(e.dns_name for e in changes.update_new) == sorted(
        new_txt_name(r.name, r.rtype, prefix="txt.") for r in recs
    )
    for new in changes.update_new:
        assert "external-dns/owner=cluster-a" in txt_text(new.targets[0])
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]  # someone-else's stays
    assert plan([r.desired() for r in recs], provider.records(), PlanOptions(reg)).units == ()
    # the records were never touched
    for r in recs:
        assert provider.get(r.name, r.rtype) == r.endpoint()


def test_migrate_from_owner_id_on_a_pre_v012_zone() -> None:
    shop = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    reg = TXTRegistry(OWNER, migrate_from_owner_id="old-cluster")
    [unit] = plan([shop.desired()], zone_v011([shop], "old-cluster"), PlanOptions(reg)).units
    [txt] = unit.create
    assert (txt.dns_name, txt_text(txt.targets[0])) == (
        "a-shop.example.com",
        txt_text(value(OWNER, shop.resource)),
    )
    assert unit.require[0].targets == (value("old-cluster", shop.resource),)  # left as it was


def test_migrate_from_owner_id_is_checked() -> None:
    with pytest.raises(ConfigError, match="migrate_from_owner_id"):
        TXTRegistry(OWNER, migrate_from_owner_id=OWNER)
    with pytest.raises(ConfigError, match="migrate_from_owner_id"):
        TXTRegistry(OWNER, migrate_from_owner_id="a,b")


# --- encrypted values ---------------------------------------------------------------------------
def encrypted_desired() -> list[Endpoint]:
    def want(name: str, rtype: str, target: str, route: str) -> Endpoint:
        return Endpoint(
            dns_name=name,
            targets=(target,),
            record_type=rtype,
            labels={"resource": f"httproute/app/{route}"},
        )

    return [
        want("shop.example.com", "A", "192.0.2.10", "shop"),
        want("api.example.com", "CNAME", "lb.example.net", "api"),
        want("long.example.com", "A", "192.0.2.13", LONG_ROUTE),
    ]


def open_value(target: str, key: bytes) -> tuple[bytes, str]:
    """Decrypt as external-dns's DecryptText does, independently of gatewaydns: (nonce, text)."""
    data = base64.b64decode(txt_text(target), validate=True)
    nonce, sealed = data[:12], data[12:]
    return nonce, gzip.decompress(AESGCM(key).decrypt(nonce, sealed, None)).decode()


def test_encrypted_zone_round_trips_with_the_key() -> None:
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    zone = encrypted_zone()
    assert plan(encrypted_desired(), zone, PlanOptions(reg)).units == ()
    for _key, (text, _nonce, sealed) in sorted(ENCRYPTED.items()):
        assert reg.text_of(f'"{sealed}"') == text
    # a changed record: the record alone is updated; its TXT is relied on, byte for byte
    moved = [e.model_copy(update={"targets": ("192.0.2.99",)}) for e in encrypted_desired()[:1]]
    [unit] = plan([*moved, *encrypted_desired()[1:]], zone, PlanOptions(reg)).units
    assert unit.update_new == tuple(moved)
    assert unit.require[0].targets == (f'"{ENCRYPTED["shop"][2]}"',)
    # unwanted: deleted with its TXT
    gone = plan(encrypted_desired()[1:], zone, PlanOptions(reg))
    assert [(e.dns_name, e.record_type) for e in gone.delete] == [
        ("shop.example.com", "A"),
        ("a-shop.example.com", "TXT"),
    ]


@pytest.mark.parametrize(
    "reg",
    [
        pytest.param(TXTRegistry(OWNER), id="no-key"),
        pytest.param(
            TXTRegistry(OWNER, encrypt_aes_key="another-key-of-thirty-two-bytes!"), id="wrong-key"
        ),
    ],
)
def test_encrypted_zone_is_left_alone_without_the_key(reg: TXTRegistry) -> None:
    zone = encrypted_zone()
    changes = plan(encrypted_desired(), zone, PlanOptions(reg))
    assert changes.units == ()
    assert {d.reason for d in changes.diagnostics} == {"not-owned"}
    assert len(changes.diagnostics) == 3
    gone = plan([], zone, PlanOptions(reg, force=True))
    assert gone.units == ()


def test_new_values_are_encrypted_as_external_dns_reads_them() -> None:
    key = ENCRYPTION_KEY.encode()
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    want = Record("new.example.com", "A", ("192.0.2.20",), "httproute/app/new").desired()
    first = plan([want], encrypted_zone(), PlanOptions(reg))
    [txt] = [e for e in first.create if e.record_type == "TXT"]
    nonce, text = open_value(txt.targets[0], key)
    assert len(nonce) == 12
    assert text == txt_text(value(OWNER, "httproute/app/new"))
    # the same plan again: the same value (a plan is a pure function)
    again = plan([want], encrypted_zone(), PlanOptions(reg))
    assert [e for e in again.create if e.record_type == "TXT"] == [txt]
    # another text never gets the same nonce
    other = reg.txt_record(
        Record("new.example.com", "A", ("192.0.2.20",), "httproute/app/x").desired()
    )
    assert open_value(other.targets[0], key)[0] != nonce


def test_migration_of_an_encrypted_zone_rewrites_the_value() -> None:
    key = ENCRYPTION_KEY.encode()
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY, migrate_from_owner_id="old-cluster")
    legacy = Record("legacy.example.com", "A", ("192.0.2.11",), "httproute/app/legacy").desired()
    [unit] = plan([*encrypted_desired(), legacy], encrypted_zone(), PlanOptions(reg)).units
    [(old, new)] = zip(unit.update_old, unit.update_new, strict=True)
    assert old.targets == (f'"{ENCRYPTED["legacy"][2]}"',)
    nonce, text = open_value(new.targets[0], key)
    assert text == txt_text(value(OWNER, "httproute/app/legacy"))
    assert base64.b64encode(nonce).decode() != ENCRYPTED["legacy"][1]  # never a nonce reused


def test_plain_values_are_read_with_a_key_and_kept() -> None:
    """A value that does not decrypt is read as plain text (a zone that predates encryption)."""
    recs = records({})
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    assert plan([r.desired() for r in recs], zone_v022(recs, OWNER), PlanOptions(reg)).units == ()


def test_ttl_change_keeps_an_encrypted_value() -> None:
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    zone = [e.model_copy(update={"record_ttl": 300}) for e in encrypted_zone()]
    desired = [e.model_copy(update={"record_ttl": 60}) for e in encrypted_desired()]
    changes = plan(desired, zone, PlanOptions(reg))
    txts = [
        (o, n)
        for o, n in zip(changes.update_old, changes.update_new, strict=True)
        if n.record_type == "TXT"
    ]
    assert len(txts) == 3
    for old, new in txts:
        assert (new.targets, new.record_ttl) == (old.targets, 60)


def test_key_without_encrypt_enabled_reads_but_writes_plain() -> None:
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY, encrypt_enabled=False)
    assert plan(encrypted_desired(), encrypted_zone(), PlanOptions(reg)).units == ()
    want = Record("new.example.com", "A", ("192.0.2.20",), "httproute/app/new").desired()
    [txt, _] = plan([want], [], PlanOptions(reg)).create
    assert txt.targets == (value(OWNER, "httproute/app/new"),)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param(ENCRYPTION_KEY, ENCRYPTION_KEY.encode(), id="text"),
        pytest.param(ENCRYPTION_KEY.encode(), ENCRYPTION_KEY.encode(), id="bytes"),
        pytest.param(base64.b64encode(b"k" * 32).decode(), b"k" * 32, id="base64"),
        pytest.param("", None, id="empty"),
    ],
)
def test_keys_are_taken_as_external_dns_takes_them(key: Any, expected: bytes | None) -> None:
    assert TXTRegistry(OWNER, encrypt_aes_key=key).encrypt_aes_key == expected


@pytest.mark.parametrize("key", ["short", "a" * 31, base64.b64encode(b"k" * 16).decode()])
def test_bad_keys_are_config_errors_that_do_not_show_the_key(key: str) -> None:
    with pytest.raises(ConfigError, match="32 bytes") as info:
        TXTRegistry(OWNER, encrypt_aes_key=key)
    assert key not in str(info.value)


def test_encrypt_enabled_needs_a_key_and_the_key_is_never_shown() -> None:
    with pytest.raises(ConfigError, match="encrypt_aes_key"):
        TXTRegistry(OWNER, encrypt_enabled=True)
    assert ENCRYPTION_KEY not in repr(TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY))


def test_missing_cryptography_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.ciphers.aead", None)
    with pytest.raises(ImportError, match=r"pip install 'gatewaydns\[encryption\]'"):
        TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    TXTRegistry(OWNER)  # without a key the package is never needed


@pytest.mark.parametrize(
    "garbage",
    [
        "not base64 at all",
        base64.b64encode(b"short").decode(),
        base64.b64encode(b"x" * 40).decode(),  # base64, long enough, but not sealed with the key
    ],
)
def test_values_that_do_not_decrypt_are_plain_text(garbage: str) -> None:
    reg = TXTRegistry(OWNER, encrypt_aes_key=ENCRYPTION_KEY)
    assert reg.text_of(f'"{garbage}"') == garbage
    assert reg.read_labels(f'"{garbage}"') is None


# --- the name mapper, as external-dns reads TXT names (registry/mapper/mapper_test.go) --------
@pytest.mark.parametrize(
    ("affix", "txt_name", "expected"),
    [
        ({"prefix": "%{record_type}-"}, "a-foo.example.com", ("foo.example.com", "A")),
        ({"prefix": "%{record_type}-"}, "aaaa-foo.example.com", ("foo.example.com", "AAAA")),
        ({"prefix": "%{record_type}-"}, "cname-foo.example.com", ("foo.example.com", "CNAME")),
        ({"prefix": "%{record_type}-"}, "ns-foo.example.com", ("foo.example.com", "NS")),
        ({"prefix": "%{record_type}-"}, "mx-foo.example.com", ("foo.example.com", "MX")),
        ({"prefix": "%{record_type}-"}, "srv-foo.example.com", ("foo.example.com", "SRV")),
        (
            {"prefix": "%{record_type}-"},
            "ptr-2.49.168.192.in-addr.arpa",
            ("2.49.168.192.in-addr.arpa", "PTR"),
        ),
        ({"prefix": "%{record_type}-"}, "naptr-foo.example.com", ("foo.example.com", "NAPTR")),
        ({"prefix": "%{record_type}-"}, "dname-foo.example.com", ("foo.example.com", "DNAME")),
        ({"suffix": "-%{record_type}"}, "foo-a.example.com", ("foo.example.com", "A")),
        ({"suffix": "-%{record_type}"}, "foo-cname.example.com", ("foo.example.com", "CNAME")),
        ({"suffix": ".foo.bar"}, "a-example.foo.bar.com", ("example.com", "A")),
        ({"suffix": ".foo.bar"}, "a-example.foo.bar", ("example", "A")),
        ({"suffix": ".foo.bar"}, "a-example.foo", ("", "")),
        ({}, "a-foo.example.com", ("foo.example.com", "A")),
        ({}, "aaaa-foo.example.com", ("foo.example.com", "AAAA")),
        ({}, "cname-foo.example.com", ("foo.example.com", "CNAME")),
        ({}, "ns-foo.example.com", ("foo.example.com", "NS")),
        ({}, "mx-foo.example.com", ("foo.example.com", "MX")),
        ({}, "srv-foo.example.com", ("foo.example.com", "SRV")),
        ({}, "ptr-2.49.168.192.in-addr.arpa", ("2.49.168.192.in-addr.arpa", "PTR")),
        ({}, "naptr-foo.example.com", ("foo.example.com", "NAPTR")),
        ({}, "txt-foo.example.com", ("foo.example.com", "TXT")),
        # old format (no type): external-dns reads the record name with type ""
        ({}, "oldformat.example.com", ("oldformat.example.com", "")),
        ({"prefix": "txt."}, "txt.oldformat.example.com", ("oldformat.example.com", "")),
        ({"prefix": "txt."}, "other.oldformat.example.com", ("", "")),
    ],
)
def test_endpoint_name_reads_as_external_dns(
    affix: dict[str, str], txt_name: str, expected: tuple[str, str]
) -> None:
    assert registry(affix).endpoint_name(txt_name) == expected


@pytest.mark.parametrize("affix", AFFIXES + TEMPLATED)
def test_names_agree_with_external_dns(affix: dict[str, str]) -> None:
    reg = registry(affix)
    for name in ("www.example.com", "*.apps.example.com", "example"):
        for rtype in ("A", "AAAA", "CNAME"):
            assert reg.txt_name(name, rtype) == new_txt_name(name, rtype, **affix)
        assert reg.legacy_txt_name(name) == old_txt_name(name, **affix)


def test_handover_while_external_dns_keeps_other_sources() -> None:
    """docs/migrating-from-external-dns.md: another owner ID, migrate_from_owner_id and
    upsert-only rewrite the TXTs of the records the routes want, and touch nothing else."""
    route_record = Record("shop.example.com", "A", ("192.0.2.1",), "httproute/app/shop")
    service = Record("svc.example.com", "A", ("192.0.2.7",), "service/app/svc")
    ingress = Record("shop.example.com", "AAAA", ("2001:db8::7",), "ingress/app/web")
    zone = zone_v022([route_record, service, ingress], "external-dns")
    reg = TXTRegistry("gatewaydns", migrate_from_owner_id="external-dns")
    provider = InMemoryProvider(zone)
    changes = sync(provider, [route_record.desired()], PlanOptions(reg, policy="upsert-only"))
    assert [
        (o.dns_name, n.dns_name)
        for o, n in zip(changes.update_old, changes.update_new, strict=True)
    ] == [("a-shop.example.com", "a-shop.example.com")]
    assert changes.create == changes.delete == ()
    # then, without migration: the route's record is gatewaydns's, the others external-dns's
    after = PlanOptions(TXTRegistry("gatewaydns"), force=True)
    gone = plan([], provider.records(), after)
    assert {(e.dns_name, e.record_type) for e in gone.delete} == {
        ("shop.example.com", "A"),
        ("a-shop.example.com", "TXT"),
    }
