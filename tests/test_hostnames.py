"""Hostname normalisation and intersection (SPEC section 6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewaydns._hostnames import (
    _NAME,
    _is_dns_name,
    intersect_hostnames,
    normalize_hostname,
    normalize_target,
)
from gatewaydns._types import Hostname


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.example.com", "www.example.com"),
        ("WWW.Example.COM.", "www.example.com"),
        ("*.example.com", "*.example.com"),
        ("a-b.c1.example", "a-b.c1.example"),
        ("localhost", "localhost"),
        ("-a.example.com", None),
        ("a-.example.com", None),
        ("a..example.com", None),
        ("a_b.example.com", None),
        ("*.*.example.com", None),
        ("a.*.example.com", None),
        ("*", None),
        ("", None),
        ("192.0.2.1", None),
        ("2001:db8::1", None),
        ("bücher.example", None),
        ("a b.example.com", None),
        ("x" * 64 + ".com", None),
        ("x" * 63 + ".com", "x" * 63 + ".com"),
        (".".join(["abcdefg"] * 32) + ".com", None),
        ("example.com..", None),
    ],
)
def test_normalize(raw: str, expected: str | None) -> None:
    assert normalize_hostname(raw) == expected


def name_of(length: int, wildcard: bool = False) -> str:
    """A valid-looking DNS name of exactly ``length`` characters (labels of at most 63)."""
    head = "*." if wildcard else ""
    labels, left = [], length - len(head) - len(".com")
    while left > 0:
        size = min(63, left)
        if left - size == 1:  # never leave a one-character remainder for a ".": shorten
            size -= 2
        labels.append("a" * size)
        left -= size + 1 if left > size else size
    name = head + ".".join(labels) + ".com"
    assert len(name) == length, (len(name), length)
    return name


@pytest.mark.parametrize(
    ("length", "wildcard", "valid"),
    [
        (253, False, True),
        (254, False, False),
        (255, False, False),
        (253, True, True),
        (254, True, False),
    ],
)
def test_dns_names_are_at_most_253_characters(length: int, wildcard: bool, valid: bool) -> None:
    name = name_of(length, wildcard)
    assert (normalize_hostname(name) == name) is valid
    assert (normalize_hostname(name.upper() + ".") == name) is valid  # trailing dot not counted
    assert (normalize_hostname(name) is None) is not valid
    if not wildcard:
        assert (normalize_target(name) == name) is valid


def test_normalize_is_idempotent() -> None:
    for raw in ("A.EXAMPLE.com.", "*.Example.org"):
        once = normalize_hostname(raw)
        assert once is not None
        assert normalize_hostname(once) == once


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, "a.example.com", "a.example.com"),
        ("a.example.com", None, "a.example.com"),
        (None, None, None),
        ("a.example.com", "a.example.com", "a.example.com"),
        ("*.example.com", "a.example.com", "a.example.com"),
        ("*.example.com", "a.b.example.com", "a.b.example.com"),
        ("*.example.com", "example.com", None),
        ("*.example.com", "*.a.example.com", "*.a.example.com"),
        ("*.a.example.com", "*.b.example.com", None),
        ("*.example.com", "aexample.com", None),
        ("a.example.com", "b.example.com", None),
    ],
)
def test_intersect_table(a: str | None, b: str | None, expected: str | None) -> None:
    ha = None if a is None else Hostname(a)
    hb = None if b is None else Hostname(b)
    assert intersect_hostnames(ha, hb) == expected
    assert intersect_hostnames(hb, ha) == expected


LABEL = st.sampled_from(["a", "b", "c", "ex", "example", "com", "x-1"])
NAME = st.builds(
    lambda wild, labels: ("*." if wild else "") + ".".join(labels),
    st.booleans(),
    st.lists(LABEL, min_size=1, max_size=4),
)


@given(st.none() | NAME, st.none() | NAME)
def test_intersection_is_symmetric(a: str | None, b: str | None) -> None:
    ha = None if a is None else normalize_hostname(a)
    hb = None if b is None else normalize_hostname(b)
    assert intersect_hostnames(ha, hb) == intersect_hostnames(hb, ha)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("LB.Example.net.", "lb.example.net"),
        ("*.example.net", None),
        ("not valid", None),
        ("", None),
    ],
)
def test_normalize_target(raw: str, expected: str | None) -> None:
    assert normalize_target(raw) == expected


# names made of the characters that matter to the rule, so that every edge (empty labels, "-"
# at either end, long labels, upper case, non-ASCII letters and digits) comes up often
_NAME_PIECES = st.lists(
    st.one_of(
        st.sampled_from([".", "-", "a", "z", "0", "9", "A", "_", "*", "é", "²", "\n", " "]),
        st.text(alphabet="abc-", min_size=60, max_size=66),
    ),
    max_size=12,
).map("".join)


@given(_NAME_PIECES)
def test_the_name_check_is_the_names_regular_expression(name: str) -> None:
    """``_is_dns_name`` (string methods, #17) accepts exactly what ``_NAME`` matches."""
    assert _is_dns_name(name) == (_NAME.match(name) is not None)


@pytest.mark.parametrize(
    "name",
    ["a", "a-b", "a.b", "0", "x" * 63, "x" * 63 + "." + "y" * 63, "1.2.3.4"],
)
def test_the_name_check_accepts(name: str) -> None:
    assert _is_dns_name(name)
    assert _NAME.match(name)


@pytest.mark.parametrize(
    "name",
    ["", ".", "-", "a-", "-a", "a.", ".a", "a..b", "a.-b", "a-.b", "x" * 64, "A", "é", "²", "a_b"],
)
def test_the_name_check_refuses(name: str) -> None:
    assert not _is_dns_name(name)
    assert not _NAME.match(name)
