"""Fuzz target: parse_selector may raise only SelectorSyntaxError, with a caret in range."""

import sys

import atheris

with atheris.instrument_imports(include=["gatewaydns"]):
    from gatewaydns import SelectorSyntaxError, parse_selector


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(256)
    try:
        selector = parse_selector(text)
    except SelectorSyntaxError as exc:
        if not 0 <= exc.position <= len(text):
            raise AssertionError(f"caret out of range: {exc.position} for {text!r}") from exc
        return
    selector.matches({})
    selector.matches({r.key: "x" for r in selector.requirements})


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
