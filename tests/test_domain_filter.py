"""DomainFilter as external-dns's domain filters (endpoint/domain_filter.go), and in plans.

The tables are external-dns's own (endpoint/domain_filter_test.go, domainFilterTests and
regexDomainFilterTests): every domain of a row matches, or none does.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import ConfigError, DomainFilter, Endpoint, PlanOptions, TXTRegistry, plan

from .external_dns import Record, zone_v022

LISTS: list[Any] = [
    (
        ["google.com.", "exaring.de", "inovex.de"],
        [],
        ["google.com", "exaring.de", "inovex.de"],
        True,
    ),
    (["foo.org.      "], [], ["foo.org"], True),
    (["   foo.org"], [], ["foo.org"], True),
    (["foo.org."], [], ["foo.org"], True),
    (["foo.org."], [], ["baz.org"], False),
    (["baz.foo.org."], [], ["foo.org"], False),
    (["", "foo.org."], [], ["foo.org"], True),
    ([""], [], ["foo.org"], True),
    ([" "], [], ["foo.org"], True),
    (["bar.sub.example.org"], [], ["foo.bar.sub.example.org"], True),
    (["example.org"], [], ["anexample.org", "test.anexample.org"], False),
    ([".example.org"], [], ["anexample.org", "test.anexample.org"], False),
    ([".example.org"], [], ["example.org"], False),
    ([".example.org"], [], ["test.example.org"], True),
    (["anexample.org"], [], ["example.org", "test.example.org"], False),
    ([".org"], [], ["example.org", "test.example.org", "foo.test.example.org"], True),
    (
        ["example.org"],
        ["api.example.org"],
        ["example.org", "test.example.org", "foo.test.example.org"],
        True,
    ),
    (["example.org"], ["api.example.org"], ["foo.api.example.org", "api.example.org"], False),
    (
        ["   example.org. "],
        ["   .api.example.org    "],
        ["foo.api.example.org", "bar.baz.api.example.org."],
        False,
    ),
    (["æøå.org"], ["api.æøå.org"], ["foo.api.æøå.org", "api.æøå.org"], False),
    (["   æøå.org. "], ["   .api.æøå.org    "], ["foo.api.æøå.org", "bar.baz.api.æøå.org."], False),
    (["example.org."], ["api.example.org"], ["dev-api.example.org", "qa-api.example.org"], True),
    (["example.org."], ["api.example.org"], ["dev.api.example.org", "qa.api.example.org"], False),
    (
        ["example.org", "api.example.org"],
        ["internal.api.example.org"],
        ["foo.api.example.org"],
        True,
    ),
    (
        ["example.org", "api.example.org"],
        ["internal.api.example.org"],
        ["foo.internal.api.example.org"],
        False,
    ),
    (["eXaMPle.ORG", "API.example.ORG"], ["Foo-Bar.Example.Org"], ["FoOoo.Api.Example.Org"], True),
    (
        ["sTOnks📈.ORG", "API.xn--StonkS-u354e.ORG"],
        ["Foo-Bar.stoNks📈.Org"],
        ["FoOoo.Api.Stonks📈.Org"],
        True,
    ),
    (["eXaMPle.ORG", "API.example.ORG"], ["api.example.org"], ["foobar.Example.Org"], True),
    (["eXaMPle.ORG", "API.example.ORG"], ["api.example.org"], ["foobar.API.Example.Org"], False),
    # punycode and Unicode are one name (gatewaydns: names from a DNS server are punycode)
    (["bücher.example"], [], ["www.xn--bcher-kva.example", "XN--BCHER-KVA.example."], True),
    (["xn--bcher-kva.example"], [], ["www.bücher.example"], True),
]

REGEXES: list[Any] = [
    (r"\.org$", "", ["foo.org", "bar.org", "foo.bar.org"], True),
    (r"\.bar\.org$", "", ["foo.org", "bar.org", "example.com"], False),
    (
        r"(?:foo|bar)\.org$",
        "",
        [
            "foo.org",
            "bar.org",
            "example.foo.org",
            "example.bar.org",
            "a.example.foo.org",
            "a.example.bar.org",
        ],
        True,
    ),
    (
        "(?:😍|🤩)\\.org$",
        "",
        [
            "😍.org",
            "xn--r28h.org",
            "🤩.org",
            "example.😍.org",
            "example.🤩.org",
            "a.example.xn--r28h.org",
            "a.example.🤩.org",
        ],
        True,
    ),
    (
        "(?:😍|🤩)\\.org$",
        "^example\\.(?:😍|🤩)\\.org$",
        ["example.😍.org", "example.🤩.org"],
        False,
    ),
    (
        r"(?:foo|bar)\.org$",
        r"^example\.(?:foo|bar)\.org$",
        ["foo.org", "bar.org", "a.example.foo.org", "a.example.bar.org"],
        True,
    ),
    (
        r"(?:foo|bar)\.org$",
        r"^example\.(?:foo|bar)\.org$",
        ["example.foo.org", "example.bar.org"],
        False,
    ),
    (r"foo\.org$", r"^temp\.", ["bar.org", "example.com", "test.net"], False),
    (r"\.prod\.example\.com$", r"^temp-", ["api.prod.example.com", "web.prod.example.com"], True),
    (
        r"\.prod\.example\.com$",
        r"^temp-",
        ["temp-api.prod.example.com", "temp-web.prod.example.com"],
        False,
    ),
    (
        r"\.staging\.example\.com$",
        r"^internal-",
        ["api.prod.example.com", "web.dev.example.com", "service.test.org"],
        False,
    ),
    ("", r"^internal\.", ["www.example.com", "api.example.org"], True),  # exclusion alone
    ("", r"^internal\.", ["internal.example.com"], False),
]


@pytest.mark.parametrize(("include", "exclude", "domains", "expected"), LISTS)
def test_domain_lists(
    include: list[str], exclude: list[str], domains: list[str], expected: bool
) -> None:
    flt = DomainFilter(tuple(include), tuple(exclude))
    assert [flt.matches(d) for d in domains] == [expected] * len(domains)


@pytest.mark.parametrize(("regex", "exclusion", "domains", "expected"), REGEXES)
def test_regex_filters(regex: str, exclusion: str, domains: list[str], expected: bool) -> None:
    flt = DomainFilter(regex_include=regex, regex_exclude=exclusion)
    assert [flt.matches(d) for d in domains] == [expected] * len(domains)


def test_lists_and_regexes_are_alternatives() -> None:
    with pytest.raises(ConfigError, match="not both"):
        DomainFilter(("example.com",), regex_include=r"\.com$")
    with pytest.raises(ConfigError, match="not both"):
        DomainFilter(exclude=("example.com",), regex_exclude=r"x")


def test_bad_filters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="regex_include '\\(' is not a regular expression"):
        DomainFilter(regex_include="(")
    with pytest.raises(ConfigError, match=r"not the string 'example\.com'"):
        DomainFilter("example.com")  # type: ignore[arg-type]


def test_filters_are_normalised_and_sorted() -> None:
    assert DomainFilter((" B.com. ", "a.COM", "", "a.com")) == DomainFilter(("a.com", "b.com"))


# --- in plans -----------------------------------------------------------------------------------
OWNER = "cluster-a"
APEX = Record("example.com", "A", ("192.0.2.1",), "httproute/app/apex")
WWW = Record("www.example.com", "A", ("192.0.2.2",), "httproute/app/www")
DEEP = Record("a.b.example.com", "A", ("192.0.2.3",), "httproute/app/deep")


def test_leading_dot_filter_excludes_the_apex() -> None:
    options = PlanOptions(
        TXTRegistry(OWNER, prefix="%{record_type}._own."),  # the apex's TXT is in the zone
        domain_filter=DomainFilter((".example.com",)),
    )
    changes = plan([r.desired() for r in (APEX, WWW, DEEP)], [], options)
    assert {(e.dns_name, e.record_type) for e in changes.create} == {
        ("www.example.com", "A"),
        ("a._own.www.example.com", "TXT"),
        ("a.b.example.com", "A"),
        ("a._own.a.b.example.com", "TXT"),
    }
    # an apex record of ours is outside the filter: neither updated nor deleted
    zone = zone_v022([APEX, WWW], OWNER, prefix="%{record_type}._own.")
    gone = plan(
        [], zone, PlanOptions(options.registry, domain_filter=options.domain_filter, force=True)
    )
    assert {e.dns_name for e in gone.delete} == {"www.example.com", "a._own.www.example.com"}
    # without the dot the apex is in
    whole = PlanOptions(options.registry, domain_filter=DomainFilter(("example.com",)))
    assert ("example.com", "A") in {
        (e.dns_name, e.record_type) for e in plan([APEX.desired()], [], whole).create
    }


def test_exclusions_win_in_plans() -> None:
    flt = DomainFilter(("example.com",), exclude=(".b.example.com",))
    options = PlanOptions(TXTRegistry(OWNER), domain_filter=flt)
    changes = plan([r.desired() for r in (WWW, DEEP)], zone_v022([DEEP], OWNER), options)
    assert {e.dns_name for e in changes.create} == {"www.example.com", "a-www.example.com"}
    assert changes.delete == ()


def test_regex_filter_in_plans_covers_the_txt_name_too() -> None:
    flt = DomainFilter(regex_include=r"^(a-)?www\.example\.com$")
    changes = plan(
        [WWW.desired(), DEEP.desired()], [], PlanOptions(TXTRegistry(OWNER), domain_filter=flt)
    )
    assert {e.dns_name for e in changes.create} == {"www.example.com", "a-www.example.com"}
    narrow = DomainFilter(regex_include=r"^www\.example\.com$")
    refused = plan([WWW.desired()], [], PlanOptions(TXTRegistry(OWNER), domain_filter=narrow))
    assert refused.create == ()
    assert [d.reason for d in refused.diagnostics] == ["unpublishable"]
    assert "a-www.example.com is outside the domain filter" in refused.diagnostics[0].message


def test_exclude_record_types() -> None:
    api = Record("api.example.com", "CNAME", ("lb.example.net",), "httproute/app/api")
    zone = zone_v022([api, WWW], OWNER)
    options = PlanOptions(TXTRegistry(OWNER), exclude_record_types=("cname",), force=True)
    assert options.managed_types == frozenset({"A", "AAAA"})
    changes = plan([], zone, options)
    assert {e.dns_name for e in changes.delete} == {"www.example.com", "a-www.example.com"}
    new = Endpoint(dns_name="new.example.com", targets=("lb.example.net",), record_type="CNAME")
    assert plan([new], [], options).create == ()
    with pytest.raises(ConfigError, match="exclude_record_types must be a sequence"):
        PlanOptions(TXTRegistry(OWNER), exclude_record_types="CNAME")  # type: ignore[arg-type]
