"""Regenerate crd_fields.txt from the Gateway API CRDs (run from the repository root).

    python tests/data/gen_crd_fields.py tests/data/gateway-api-crds > tests/data/crd_fields.txt

Each line is ``Kind apiVersion path``: one field of the served schema, with ``[]`` for list
items. Map values (labels, annotations, options) are not descended into.
"""

import pathlib
import sys
from typing import Any

import yaml


def walk(schema: dict[str, Any], path: str, out: list[str]) -> None:
    for key, sub in schema.get("properties", {}).items():
        here = f"{path}.{key}" if path else key
        out.append(here)
        kind = sub.get("type")
        if kind == "object":
            walk(sub, here, out)
        elif kind == "array":
            item = sub.get("items", {})
            if item.get("type") == "object":
                walk(item, here + "[]", out)


def main(folder: str) -> None:
    for file in sorted(pathlib.Path(folder).glob("*.yaml")):
        crd = yaml.safe_load(file.read_text())
        kind = crd["spec"]["names"]["kind"]
        group = crd["spec"]["group"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            out: list[str] = []
            walk(version["schema"]["openAPIV3Schema"], "", out)
            for path in out:
                if path in ("apiVersion", "kind", "metadata"):
                    continue
                print(kind, f"{group}/{version['name']}", path)


if __name__ == "__main__":
    main(sys.argv[1])
