"""Shared ``Literal`` aliases and ``NewType`` definitions."""

from __future__ import annotations

from typing import Literal, NewType, TypeAlias

__all__ = [
    "ConflictPolicy",
    "GenerationPolicy",
    "Hostname",
    "MissingObservedGeneration",
    "Severity",
]

#: How ``status.parents`` entries are checked against ``metadata.generation`` (SPEC section 9).
GenerationPolicy: TypeAlias = Literal["strict", "latest", "off"]

#: What to do with an ``Accepted`` condition that has no ``observedGeneration``.
MissingObservedGeneration: TypeAlias = Literal["trust", "reject"]

#: What to do when two routes claim the same DNS name inconsistently (SPEC section 11).
ConflictPolicy: TypeAlias = Literal["report", "oldest-wins"]

#: How serious a diagnostic is.
Severity: TypeAlias = Literal["info", "warning", "error"]

#: A hostname that passed validation and normalisation: lower-case ASCII, no trailing dot,
#: RFC 1123 labels, optionally a leading ``*.``. Only ``gatewaydns._hostnames.normalize_hostname``
#: makes one; the matching functions accept nothing else.
Hostname = NewType("Hostname", str)
