"""Lazy PyYAML support (the ``yaml`` extra).

Kubernetes manifests are JSON-compatible YAML, so the loader resolves scalars as JSON would:
PyYAML's timestamp resolver is removed (``creationTimestamp`` stays a string instead of becoming
a ``datetime``), which keeps loaded manifests identical to ``kubectl get -o json`` output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

__all__ = ["YAMLParseError", "load_yaml_documents"]


class YAMLParseError(Exception):
    """The text is not valid YAML; ``index`` is the document that failed."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


@cache
def _loader() -> Any:
    try:
        import yaml  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as exc:  # pragma: no cover - exercised by the no-extras CI run
        msg = (
            "reading YAML manifests needs PyYAML: install the 'yaml' extra "
            "(pip install 'gatewaydns[yaml]'), or pass JSON text or dicts"
        )
        raise ImportError(msg) from exc

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _KubeLoader(base):  # type: ignore[misc,valid-type]
        pass

    _KubeLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return yaml, _KubeLoader


_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s]", re.MULTILINE)


def _expanded_size(value: Any, limit: int) -> int:
    """How many nodes ``value`` has when aliases are expanded (stops counting past ``limit``).

    YAML aliases make the loaded value a DAG: shared sub-values are cheap to hold but every
    consumer that walks the document pays for each reference. Sizes are memoised by identity,
    so this costs one pass over the distinct nodes.
    """
    memo: dict[int, int] = {}

    def size(node: Any) -> int:
        if isinstance(node, dict):
            children: Any = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            return 1
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = limit + 1  # a cycle counts as unbounded
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                break
        memo[key] = total
        return total

    return size(value)


def load_yaml_documents(text: str, *, max_nodes: int = 1_000_000) -> Iterator[Any]:
    """Yield the documents of a multi-document YAML text.

    Args:
        text: YAML text, documents separated by ``---``.
        max_nodes: the most nodes a document may expand to through anchors and aliases.

    Yields:
        Each document, as plain Python values (``None`` for an empty document).

    Raises:
        ImportError: PyYAML is not installed (names the ``yaml`` extra).
        YAMLParseError: the text is not valid YAML (names the failing document), nests too
            deeply, or expands past ``max_nodes`` through aliases.
    """
    yaml, loader = _loader()
    anchors = _ANCHOR.search(text) is not None  # only then can aliases expand anything
    index = 0
    try:
        for doc in yaml.load_all(text, Loader=loader):
            if anchors and _expanded_size(doc, max_nodes) > max_nodes:
                msg = (
                    f"YAML aliases expand this document past {max_nodes} nodes "
                    "(LoadLimits.max_yaml_nodes); refusing a possible alias bomb"
                )
                raise YAMLParseError(index, msg)
            yield doc
            index += 1
    except yaml.YAMLError as exc:
        raise YAMLParseError(index, f"invalid YAML: {exc}".replace("\n", " ")) from None
    except RecursionError:
        raise YAMLParseError(index, "invalid YAML: nested too deeply") from None
