"""Label selectors: the kubectl string syntax and LabelSelector objects."""

from __future__ import annotations

from typing import Any

import pytest

from gatewaydns import LabelSelector, SelectorSyntaxError, parse_selector
from gatewaydns._selectors import compile_label_selector

LABELS = {"app": "web", "tier": "front", "env": "prod"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app = web", True),
        ("app!=web", False),
        ("app!=db", True),
        ("missing!=x", True),
        ("tier in (front, back)", True),
        ("tier in (back)", False),
        ("tier notin (back)", True),
        ("missing notin (x)", True),
        ("env", True),
        ("missing", False),
        ("!missing", True),
        ("!env", False),
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
        ("example.com/team", False),
        ("app in (web),!legacy, env", True),
        ("app=", False),
    ],
)
def test_parse_and_match(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("app=web,", 8, "expected key"),
        ("=web", 0, "expected key"),
        ("app in web", 7, "expected '('"),
        ("app in (web", 11, "expected ',' or ')'"),
        ("app foo (x)", 4, "expected an operator"),
        ("app=web tier=x", 8, "expected ',' or end of input"),
        ("app=we b", 7, "expected ',' or end of input"),
        ("!", 1, "expected key"),
        ("a=$", 2, "expected ',' or end of input"),
    ],
)
def test_syntax_errors_point_at_the_character(text: str, position: int, reason: str) -> None:
    with pytest.raises(SelectorSyntaxError) as info:
        parse_selector(text)
    assert info.value.position == position
    assert reason in info.value.reason
    lines = str(info.value).splitlines()
    assert lines[1] == f"  {text}"
    assert lines[2] == "  " + " " * position + "^"


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ({}, {}, True),
        ({"matchLabels": {"a": "b"}}, {"a": "b"}, True),
        ({"matchLabels": {"a": "b"}}, {"a": "c"}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "y"]}]},
            {"a": "y"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
        (
            {"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]},
            {"a": "b"},
            False,
        ),
    ],
)
def test_label_selector_objects(
    selector: dict[str, Any], labels: dict[str, str], matches: bool
) -> None:
    assert compile_label_selector(LabelSelector.model_validate(selector))(labels) is matches


@pytest.mark.parametrize(
    "expr",
    [
        {"key": "a", "operator": "Near"},
        {"key": "a", "operator": "In"},
        {"key": "a", "operator": "Exists", "values": ["x"]},
    ],
)
def test_invalid_label_selector_objects_raise_value_error(expr: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="matchExpressions"):
        compile_label_selector(LabelSelector.model_validate({"matchExpressions": [expr]}))
