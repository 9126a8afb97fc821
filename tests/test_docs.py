"""The docs' Python code blocks run, and the reason-code table matches REASONS."""

from __future__ import annotations

import pathlib
import re
import textwrap

import pytest

import gatewaydns

ROOT = pathlib.Path(__file__).parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
RUNNABLE = [
    "docs/index.md",
    "docs/generation-validation.md",
    "docs/diagnostics.md",
    "docs/writing-a-provider.md",
    "docs/reconciler.md",
    "docs/migrating-from-external-dns.md",
    "docs/embedding.md",
]


def blocks() -> list[object]:
    out: list[object] = []
    for page in RUNNABLE:
        for i, code in enumerate(BLOCK.findall((ROOT / page).read_text())):
            if "open(" in code:  # illustrative snippets that read the user's own files
                continue
            out.append(pytest.param(textwrap.dedent(code), id=f"{page}-{i}"))  # in list items
    return out


@pytest.mark.parametrize("code", blocks())
def test_docs_code_block_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "<docs>", "exec"), {})


def test_diagnostics_page_lists_every_reason() -> None:
    text = (ROOT / "docs/diagnostics.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \| (\w+) \|", text, re.MULTILINE)
    assert listed == [(reason, sev) for reason, (sev, _) in gatewaydns.REASONS.items()]


CONSOLE = re.compile(r"```console\n\$ (gatewaydns [^\n]*)\n(.*?)```", re.DOTALL)


def cli_examples() -> list[object]:
    text = (ROOT / "docs/cli.md").read_text()
    return [
        pytest.param(cmd, out, id=cmd[len("gatewaydns endpoints ") :])
        for cmd, out in CONSOLE.findall(text)
        if cmd.startswith("gatewaydns endpoints ") and ">" not in cmd and "--previous" not in cmd
    ]


@pytest.mark.parametrize(("command", "expected"), cli_examples())
def test_cli_doc_examples_match_the_cli(
    command: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import shlex

    from gatewaydns._cli import main

    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    assert main(shlex.split(command)[1:], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue() == expected


def test_adapters_page_shows_the_tested_bind_configuration() -> None:
    from tests.bind_server import NAMED_CONF, ZONE_FILE

    text = (ROOT / "docs/adapters.md").read_text()
    conf = NAMED_CONF.format(
        key="gatewaydns-key",
        secret="<base64 secret from tsig-keygen>",
        dir="/var/lib/gatewaydns-named",
        port=5353,
        zone="example.com",
    )
    assert conf in text
    assert ZONE_FILE.format(zone="example.com") in text
