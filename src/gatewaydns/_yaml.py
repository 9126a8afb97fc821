"""Lazy PyYAML support (the ``yaml`` extra).

Kubernetes manifests are JSON-compatible YAML, so the loader resolves scalars as JSON would:
PyYAML's timestamp resolver is removed (``creationTimestamp`` stays a string instead of becoming
a ``datetime``), which keeps loaded manifests identical to ``kubectl get -o json`` output.
Duplicate keys and integers outside 64 bits are marked for the loader to report (see
:mod:`gatewaydns._hostile`), and aliases may add at most ``max_nodes`` nodes to the whole input.

Nesting is bounded before PyYAML builds anything (:data:`MAX_YAML_DEPTH`): PyYAML composes nodes
recursively, in C with libyaml, and some releases crash the interpreter (SIGSEGV) on deep enough
input instead of raising. A cheap upper bound from the text (:func:`_depth_bound`) clears
ordinary input; only input it cannot clear is read once more as a stream of parser events
(iterative, so safe at any depth) to measure the real depth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from gatewaydns._hostile import DUPLICATES, INT64_MAX, INT64_MIN, BadInt, Marks
from gatewaydns._optional import require

__all__ = ["MAX_YAML_DEPTH", "YAMLParseError", "load_yaml_documents"]

#: The deepest nesting of YAML collections accepted; Kubernetes objects nest a few dozen levels.
#: Below libyaml's own limit (1000 in recent releases) and what PyYAML's pure-Python composer
#: reaches within Python's default recursion limit, so the refusal is the same everywhere.
MAX_YAML_DEPTH = 256


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


# What may stand before a node's content on a line: indentation and block indicators ("- ", "? ",
# ": "). Block collections nest by indentation, so a line's prefix bounds the depth it reaches.
_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)
# A document start: libyaml refuses one inside a flow collection, so flow nesting never carries
# across it.
_DOCUMENT_START = re.compile(r"^---", re.MULTILINE)


def _depth_bound(text: str) -> int:
    """An upper bound on how deep the collections of ``text`` nest (cheap: no parsing).

    Each block level past the first two needs a further column of prefix on its line (a block
    sequence may share its mapping's indentation, its items may not), and each flow level an
    opening bracket in the same document.
    """
    block = max(map(len, _PREFIX.findall(text)), default=0)
    flow = max(part.count("[") + part.count("{") for part in _DOCUMENT_START.split(text))
    return 2 * block + 4 + flow


def _too_deep(loader_class: Any, yaml: Any, text: str, limit: int) -> int | None:
    """The index of the first document nested deeper than ``limit``, or ``None``.

    Reads parser events only (libyaml's parser keeps its own stack: no recursion). libyaml's
    own nesting limit (its scanner reads ahead through brackets) counts as too deep; other
    invalid YAML gives ``None``: the real load reports it.
    """
    opens = {yaml.MappingStartEvent, yaml.SequenceStartEvent}
    closes = {yaml.MappingEndEvent, yaml.SequenceEndEvent}
    parser = loader_class(text)
    get_event = parser.get_event
    depth = index = 0
    try:
        while (event := get_event()) is not None:
            kind = type(event)
            if kind in opens:
                depth += 1
                if depth > limit:
                    return index
            elif kind in closes:
                depth -= 1
            elif kind is yaml.DocumentEndEvent:
                index += 1
    except yaml.YAMLError as exc:
        return index if "nesting depth" in str(exc) else None
    finally:
        parser.dispose()
    return None


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
        YAMLParseError: the text is not valid YAML (names the failing document), nests deeper
            than :data:`MAX_YAML_DEPTH`, or its aliases expand past ``max_nodes``.
    """
    yaml, loader_class = _loader()
    if _depth_bound(text) > MAX_YAML_DEPTH:
        deep = _too_deep(loader_class, yaml, text, MAX_YAML_DEPTH)
        if deep is not None:
            msg = f"invalid YAML: nested too deeply (more than {MAX_YAML_DEPTH} levels)"
            raise YAMLParseError(deep, msg)
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
