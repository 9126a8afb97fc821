"""Annotations: prefixes, lists, TTLs, provider-specific table."""

from __future__ import annotations

import pytest

from gatewaydns._annotations import (
    DEFAULT_PREFIX,
    LEGACY_PREFIX,
    Annotations,
    parse_ttl,
    split_list,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("300", 300),
        ("1", 1),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("0", None),
        ("90s", 90),
        ("10m", 600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("1500ms", 1),
        ("999ms", None),
        ("2h45m10s", 9910),
        (".5m", 30),
        ("-1", None),
        ("-5s", None),
        ("1d", None),
        ("10 m", None),
        ("", None),
        ("s", None),
        (" 60 ", 60),
    ],
)
def test_parse_ttl(value: str, expected: int | None) -> None:
    assert parse_ttl(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.com", ["a.com"]),
        ("a.com, b.com", ["a.com", "b.com"]),
        ("a.com,", ["a.com"]),
        (" , ", []),
        ("a .com", ["a.com"]),
    ],
)
def test_split_list(value: str, expected: list[str]) -> None:
    assert split_list(value) == expected


def test_legacy_prefix_read_and_current_wins() -> None:
    ann = Annotations(
        {
            LEGACY_PREFIX + "ttl": "10",
            LEGACY_PREFIX + "hostname": "a",
            DEFAULT_PREFIX + "ttl": "20",
        },
        DEFAULT_PREFIX,
    )
    assert ann.get("ttl") == "20"
    assert ann.get("hostname") == "a"


def test_custom_prefix_ignores_legacy() -> None:
    ann = Annotations({LEGACY_PREFIX + "ttl": "10", "my/ttl": "5"}, "my/")
    assert ann.get("ttl") == "5"
    assert Annotations({LEGACY_PREFIX + "ttl": "10"}, "my/").get("ttl") is None
