"""What PyPI receives: metadata, README links, dependency floors, the licence."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import tomllib

ROOT = pathlib.Path(__file__).parent.parent
HOME = "https://github.com/gatewaydns/gatewaydns/blob/main/"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_readme_links_are_absolute_and_resolve() -> None:
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert links
    for link in links:
        assert link.startswith("https://"), f"relative link {link!r} breaks on PyPI"
        if link.startswith(HOME):
            path, _, anchor = link[len(HOME) :].partition("#")
            target = ROOT / path
            assert target.exists(), link
            if anchor:
                headings = re.findall(r"^#+ (.+)$", target.read_text(), re.MULTILINE)
                slugs = {
                    re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings
                }
                assert anchor in slugs, link


def test_readme_says_what_it_is_before_the_set_up_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    first_code = lines.index("```sh")
    assert first_code < 20
    assert any("Gateway API" in line for line in lines[:first_code])
    block = lines[first_code : lines.index("```", first_code + 1)]
    assert any(".venv/bin/gatewaydns endpoints examples/" in line for line in block)
    assert any(".venv/bin/python -m pytest" in line for line in block)


def test_every_dependency_has_a_floor_ci_installs() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci/lowest_versions.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    pins = dict(line.split("==") for line in out if "==" in line)
    assert set(pins) == {
        "pydantic",
        "typing-extensions",
        "PyYAML",
        "dnspython",
        "kubernetes",
        "kopf",
    }
    # the test-only client libraries follow unpinned, as the test extra has them
    test_extra = PROJECT["optional-dependencies"]["test"]
    assert [line for line in out if "==" not in line] == [
        r
        for r in test_extra
        if r.split(">=")[0] in ("kr8s", "lightkube", "cloudcoil", "cloudcoil.models.kubernetes")
    ]
    major, minor = map(int, pins["pydantic"].split(".")[:2])
    assert (major, minor) >= (2, 12)  # 2.11's model_validate has no `extra` argument


def test_licence_and_classifiers() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]
    assert PROJECT["requires-python"] == ">=3.10"
    versions = [
        c.rsplit(" ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions == ["3.10", "3.11", "3.12", "3.13", "3.14"]
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(
        PROJECT["urls"]
    )
