"""The docs' Python code blocks run, and the reason-code table matches REASONS."""

from __future__ import annotations

import pathlib
import re

import pytest

import gatewaydns

ROOT = pathlib.Path(__file__).parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
RUNNABLE = ["docs/index.md", "docs/generation-validation.md", "docs/diagnostics.md"]


def blocks() -> list[object]:
    out = []
    for page in RUNNABLE:
        for i, code in enumerate(BLOCK.findall((ROOT / page).read_text())):
            if "open(" in code:  # illustrative snippets that read the user's own files
                continue
            out.append(pytest.param(code, id=f"{page}-{i}"))
    return out


@pytest.mark.parametrize("code", blocks())
def test_docs_code_block_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "<docs>", "exec"), {})


def test_diagnostics_page_lists_every_reason() -> None:
    text = (ROOT / "docs/diagnostics.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \| (\w+) \|", text, re.MULTILINE)
    assert listed == [(reason, sev) for reason, (sev, _) in gatewaydns.REASONS.items()]
