"""Exceptions raised by gatewaydns.

One root, and every error caused by bad input is also a ``ValueError``::

    GatewayDNSError
    ├── ManifestError(ValueError)       a document could not be loaded (every bad one listed)
    ├── SelectorSyntaxError(ValueError) a label-selector string does not parse
    ├── ConfigError(ValueError)         a configuration value is wrong
    └── ProviderError                   raised by provider adapters, never by the pure core

    UnrecognizedObjectError(TypeError)  ``to_manifest`` was given an object of no client it knows
                                        (a programming error, so not under the root)

Every exception class of the package is defined here; adapters define only private ones that
they convert before a caller sees them.

A route that produces no DNS is *not* an exception: it yields a
:class:`gatewaydns.Diagnostic`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "GatewayDNSError",
    "ManifestError",
    "ManifestProblem",
    "ProviderError",
    "SelectorSyntaxError",
    "UnrecognizedObjectError",
]


class GatewayDNSError(Exception):
    """The root of every exception gatewaydns raises on purpose."""


@dataclass(frozen=True)
class ManifestProblem:
    """One thing wrong with one input document.

    Attributes:
        index: position of the document in the input (0-based, in input order).
        item: for a document inside a ``kind: List``, the path of the item
            (``items[3]``, or ``items[0].items[2]`` for nested lists), else ``""``.
        kind: the document's ``kind`` if it could be read, else ``""``.
        namespace: the object's namespace if it could be read, else ``""``.
        name: the object's name if it could be read, else ``""``.
        path: dotted field path inside the object (``spec.parentRefs[0].name``), or ``""``.
        message: what is wrong.
    """

    index: int
    item: str
    kind: str
    namespace: str
    name: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"document {self.index}"
        if self.item:
            where += f", {self.item}"
        if self.kind:
            name = self.name or "<no name>"
            obj = f"{self.namespace}/{name}" if self.namespace else name
            where += f", {self.kind} {obj}"
        field = f"{self.path}: " if self.path else ""
        return f"{where}: {field}{self.message}"


class ManifestError(GatewayDNSError, ValueError):
    """Raised when one or more input documents are invalid.

    Every invalid document of the input is listed, not just the first. The
    ``problems`` attribute holds them as :class:`ManifestProblem` values; ``str()``
    prints one per line, e.g.
    ``document 3, HTTPRoute app/shop: spec.parentRefs[0].name: field required``.
    """

    def __init__(self, problems: list[ManifestProblem] | tuple[ManifestProblem, ...]) -> None:
        self.problems: tuple[ManifestProblem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} invalid document{'s' if count != 1 else ''}"
        if len({p.index for p in self.problems}) != count:
            head = f"{count} problem{'s' if count != 1 else ''} in the input"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class SelectorSyntaxError(GatewayDNSError, ValueError):
    """A label-selector string does not parse.

    The message shows the selector with a caret under the offending position.

    Attributes:
        selector: the selector text.
        position: 0-based index of the offending character.
        reason: what is wrong there.
    """

    def __init__(self, selector: str, position: int, reason: str) -> None:
        self.selector = selector
        self.position = position
        self.reason = reason
        caret = " " * position + "^"
        super().__init__(
            f"invalid label selector at position {position}: {reason}\n  {selector}\n  {caret}"
        )


class ConfigError(GatewayDNSError, ValueError):
    """A configuration value is wrong (an unknown policy, a failing FQDN template, ...)."""


class ProviderError(GatewayDNSError):
    """A DNS provider adapter failed. Raised by adapters only, never by the pure core.

    Attributes:
        retryable: ``True`` when the same call may succeed later (timeouts, refused
            connections, server failures); ``False`` when configuration must change.
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnrecognizedObjectError(TypeError):
    """The object is neither a mapping nor an object of a Kubernetes client gatewaydns knows."""
