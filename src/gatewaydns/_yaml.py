"""Lazy PyYAML support (the ``yaml`` extra).

Kubernetes manifests are JSON-compatible YAML, so the loader resolves scalars as JSON would:
PyYAML's timestamp resolver is removed (``creationTimestamp`` stays a string instead of becoming
a ``datetime``), which keeps loaded manifests identical to ``kubectl get -o json`` output.
"""

from __future__ import annotations

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


def load_yaml_documents(text: str) -> Iterator[Any]:
    """Yield the documents of a multi-document YAML text.

    Args:
        text: YAML text, documents separated by ``---``.

    Yields:
        Each document, as plain Python values (``None`` for an empty document).

    Raises:
        ImportError: PyYAML is not installed (names the ``yaml`` extra).
        YAMLParseError: the text is not valid YAML (names the failing document).
    """
    yaml, loader = _loader()
    index = 0
    try:
        for doc in yaml.load_all(text, Loader=loader):
            yield doc
            index += 1
    except yaml.YAMLError as exc:
        raise YAMLParseError(index, f"invalid YAML: {exc}".replace("\n", " ")) from None
