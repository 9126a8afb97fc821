"""Lazy PyYAML support (the ``yaml`` extra).

Kubernetes manifests are JSON-compatible YAML, so the loader resolves scalars as JSON would:
PyYAML's timestamp resolver is removed (``creationTimestamp`` stays a string instead of becoming
a ``datetime``), which keeps loaded manifests identical to ``kubectl get -o json`` output.
Duplicate keys and integers outside 64 bits are marked for the loader to report (see
:mod:`gatewaydns._hostile`), and aliases may add at most ``max_nodes`` nodes to the whole input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from gatewaydns._hostile import DUPLICATES, INT64_MAX, INT64_MIN, BadInt, Marks
from gatewaydns._optional import require

__all__ = ["YAMLParseError", "load_yaml_documents"]


class YAMLParseError(Exception):
    """The text is not valid YAML; ``index`` is the document that failed."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


_MERGE = "tag:yaml.org,2002:merge"


@cache
def _loader() -> Any:
    yaml = require(
        "yaml", "reading YAML manifests needs PyYAML (or pass JSON text or dicts)", "yaml"
    )
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _KubeLoader(base):  # type: ignore[misc,valid-type]
        """SafeLoader that marks duplicate keys and integers outside 64 bits (see _hostile)."""

        gd_marks: Marks
        gd_own: dict[Any, tuple[list[Any], bool]]

        def flatten_mapping(self, node: Any) -> None:
            # remember the keys written in the mapping before merge keys (<<) are expanded into
            # it: a merged key that the mapping overrides is not a duplicate
            if node not in self.gd_own:
                own = [k for k, _ in node.value if k.tag != _MERGE]
                self.gd_own[node] = (own, len(own) != len(node.value))
            super().flatten_mapping(node)

        def construct_yaml_map(self, node: Any) -> Iterator[dict[Any, Any]]:
            data: dict[Any, Any] = {}
            yield data
            data.update(self.construct_mapping(node))
            own, merged = self.gd_own.get(node, ([], False))
            if len(own) < 2 or (not merged and len(own) == len(data)):
                return  # no key was written twice
            seen: set[Any] = set()
            dups = []
            for key_node in own:
                key = self.construct_object(key_node)  # already built: cached
                if key in seen:
                    mark = key_node.start_mark
                    dups.append((key, f"line {mark.line + 1}, column {mark.column + 1}"))
                seen.add(key)
            if dups:
                self.gd_marks.found = True
                data[DUPLICATES] = dups

        def construct_yaml_int(self, node: Any) -> int | BadInt:
            text = self.construct_scalar(node)
            if len(text.replace("_", "")) > 70:  # no notation of a 64-bit integer is longer
                self.gd_marks.found = True
                return BadInt(text)
            value: int = super().construct_yaml_int(node)
            if not INT64_MIN <= value <= INT64_MAX:
                self.gd_marks.found = True
                return BadInt(text)
            return value

    _KubeLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    _KubeLoader.add_constructor("tag:yaml.org,2002:map", _KubeLoader.construct_yaml_map)
    _KubeLoader.add_constructor("tag:yaml.org,2002:int", _KubeLoader.construct_yaml_int)
    return yaml, _KubeLoader


_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s]", re.MULTILINE)


def _alias_nodes(value: Any, limit: int) -> int:
    """How many nodes the aliases of a document add when it is expanded (up to past ``limit``).

    YAML aliases make the loaded value a DAG: shared sub-values are cheap to hold, but every
    consumer that walks the document (validation builds one object per node) pays for each
    reference. Each time a mapping or list is reached again, its expanded size is added. Sizes
    are memoised by identity, so this is one pass over the distinct nodes; a cycle counts as
    more than ``limit``.
    """
    sizes: dict[int, int] = {}
    added = 0

    def size(node: Any) -> int:
        nonlocal added
        if isinstance(node, dict):
            children: Any = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            return 1
        key = id(node)
        if key in sizes:  # reached again: through an alias (or a cycle, still in progress)
            added += sizes[key]
            return sizes[key]
        sizes[key] = limit + 1
        total = 1
        for child in children:
            total += size(child)
            if added > limit:
                break
        sizes[key] = total
        return total

    size(value)
    return added


def load_yaml_documents(
    text: str, *, max_nodes: int = 100_000, marks: Marks | None = None
) -> Iterator[Any]:
    """Yield the documents of a multi-document YAML text.

    Args:
        text: YAML text, documents separated by ``---``.
        max_nodes: the most nodes that aliases may add to the whole input when expanded,
            summed over every document (an alias to a mapping of 10 nodes used 3 times adds 30).
        marks: set when a document holds a duplicate key or an integer outside 64 bits
            (marked in place, see :mod:`gatewaydns._hostile`).

    Yields:
        Each document, as plain Python values (``None`` for an empty document).

    Raises:
        ImportError: PyYAML is not installed (names the ``yaml`` extra).
        YAMLParseError: the text is not valid YAML (names the failing document), nests too
            deeply, or its aliases expand past ``max_nodes``.
    """
    yaml, loader_class = _loader()
    anchors = _ANCHOR.search(text) is not None  # only then can aliases expand anything
    budget = max_nodes
    index = 0
    loader = loader_class(text)
    loader.gd_marks = marks if marks is not None else Marks()
    loader.gd_own = {}
    try:
        while loader.check_data():
            doc = loader.get_data()
            loader.gd_own = {}
            if anchors:
                budget -= _alias_nodes(doc, budget)
                if budget < 0:
                    msg = (
                        f"YAML aliases expand the input past {max_nodes} added nodes "
                        "(LoadLimits.max_yaml_nodes, counted over all documents); refusing a "
                        "possible alias bomb"
                    )
                    raise YAMLParseError(index, msg)
            yield doc
            index += 1
    except yaml.YAMLError as exc:
        raise YAMLParseError(index, f"invalid YAML: {exc}".replace("\n", " ")) from None
    except RecursionError:
        raise YAMLParseError(index, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
