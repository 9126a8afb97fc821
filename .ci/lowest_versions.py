"""Print the lowest versions pyproject.toml allows, one ``name==version`` a line.

Used by .ci/run: the runtime dependencies and the extras that bring in libraries
(``yaml``, ``rfc2136``, ``kubernetes``, ``kopf``) are installed at their floors, so that a floor
that does not work fails CI instead of a user's install. Every requirement must have a ``>=``
floor. The test-only client libraries follow, unpinned.
"""

from __future__ import annotations

import pathlib
import re
import sys

import tomllib

EXTRAS = ("yaml", "rfc2136", "kubernetes", "kopf")
#: Test-only libraries (the Python Kubernetes clients whose objects the loader accepts): not
#: dependencies of gatewaydns, so not pinned to a floor; printed as the test extra has them, for
#: pip to resolve against the floors.
TEST_ONLY = ("kr8s", "lightkube", "cloudcoil", "cloudcoil.models.kubernetes")
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*([^;]*)")


def floor(requirement: str) -> str:
    """``name==X`` for a requirement ``name>=X``."""
    match = REQUIREMENT.match(requirement)
    if match is None:
        raise SystemExit(f"cannot read requirement {requirement!r}")
    name, spec = match.group(1), match.group(2)
    found = re.search(r">=\s*([0-9][^,\s]*)", spec)
    if found is None:
        raise SystemExit(f"requirement {requirement!r} has no >= floor")
    return f"{name}=={found.group(1)}"


def main() -> int:
    """Print the pins."""
    root = pathlib.Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    for requirement in requirements:
        print(floor(requirement))
    for requirement in project["optional-dependencies"]["test"]:
        match = REQUIREMENT.match(requirement)
        if match is not None and match.group(1) in TEST_ONLY:
            print(requirement)
    return 0


if __name__ == "__main__":
    sys.exit(main())
