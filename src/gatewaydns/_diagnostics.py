"""Diagnostics: why a route, parent, listener or hostname produced nothing (SPEC section 10).

A diagnostic is data, not a log line. ``REASONS`` is the table of every reason code, its
severity and a one-line explanation; the docs page ``docs/diagnostics.md`` is checked against it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple, TypeAlias

from pydantic import ConfigDict

from gatewaydns._base import SharedFieldsSetModel, shared_fields_set
from gatewaydns._types import Severity

__all__ = [
    "REASONS",
    "Diagnostic",
    "ReasonCode",
    "Rejection",
    "diagnostics_logged",
    "flat_rejections",
    "make_diagnostic",
    "rejections_of",
]

_log = logging.getLogger("gatewaydns")

#: Every stable reason code.
ReasonCode: TypeAlias = Literal[
    "route-filtered",
    "controller-mismatch",
    "no-parent-refs",
    "no-hostname",
    "invalid-hostname-source",
    "parent-not-in-spec",
    "unsupported-parent",
    "parent-not-found",
    "gateway-filtered",
    "not-accepted",
    "stale-generation",
    "missing-observed-generation",
    "held",
    "listenerset-not-attached",
    "listener-not-accepted",
    "section-not-found",
    "protocol-mismatch",
    "port-mismatch",
    "namespace-not-allowed",
    "namespace-not-found",
    "invalid-selector",
    "kind-not-allowed",
    "no-hostname-match",
    "invalid-hostname",
    "invalid-ttl",
    "invalid-target",
    "invalid-annotation",
    "no-targets",
    "target-filtered",
    "dns-conflict",
    "not-owned",
    "contested-ownership",
    "unpublishable",
    "name-conflict",
    "deletion-guard",
]

#: reason code -> (severity, what it means).
REASONS: dict[ReasonCode, tuple[Severity, str]] = {
    "route-filtered": ("info", "the route is outside the namespace, label or annotation filter"),
    "controller-mismatch": ("info", "the controller annotation names another controller"),
    "no-parent-refs": ("info", "the route has no spec.parentRefs"),
    "no-hostname": ("info", "the route has no hostname from any source"),
    "invalid-hostname-source": (
        "warning",
        "the gateway-hostname-source annotation has an unknown value; the default is used",
    ),
    "parent-not-in-spec": (
        "info",
        "a status.parents entry matches no spec.parentRefs entry (a parent, listener or port "
        "the route has left)",
    ),
    "unsupported-parent": ("info", "the parent is not a Gateway (or a ListenerSet when enabled)"),
    "parent-not-found": ("warning", "the referenced Gateway or ListenerSet is not in the snapshot"),
    "gateway-filtered": ("info", "the parent Gateway is hidden by a gateway filter"),
    "not-accepted": ("warning", "the parent's Accepted condition is missing or not True"),
    "stale-generation": (
        "warning",
        "the Accepted condition was written for an older generation of the route",
    ),
    "missing-observed-generation": (
        "info",
        "the Accepted condition has no observedGeneration",
    ),
    "held": (
        "warning",
        "the route's status lags its spec, or a Gateway it is accepted by has no address; its "
        "previous endpoints are kept",
    ),
    "listenerset-not-attached": ("warning", "the ListenerSet is not attached to its Gateway"),
    "listener-not-accepted": ("info", "a ListenerSet listener is not Accepted"),
    "section-not-found": ("warning", "the parentRef's sectionName names no listener"),
    "protocol-mismatch": ("info", "the listener's protocol cannot serve this route kind"),
    "port-mismatch": ("info", "the parentRef's port differs from the listener's"),
    "namespace-not-allowed": (
        "warning",
        "the listener's allowedRoutes.namespaces excludes the route's namespace",
    ),
    "namespace-not-found": (
        "warning",
        "a namespace selector applies but the route's Namespace object is not in the snapshot",
    ),
    "invalid-selector": ("warning", "a label selector in a Gateway or ListenerSet is invalid"),
    "kind-not-allowed": ("warning", "the listener's allowedRoutes.kinds excludes the route kind"),
    "no-hostname-match": ("info", "the route's and the listener's hostnames do not intersect"),
    "invalid-hostname": ("warning", "a hostname is not a valid DNS name"),
    "invalid-ttl": ("warning", "the ttl annotation is not a valid TTL; the TTL is left unset"),
    "invalid-target": ("warning", "a target is neither an IP address nor a valid DNS name"),
    "invalid-annotation": (
        "warning",
        "a set-identifier or provider-specific annotation value is not printable ASCII",
    ),
    "no-targets": ("warning", "the Gateway has no target annotation and no status.addresses"),
    "target-filtered": (
        "info",
        "every target of an endpoint is outside target_net_filter or inside exclude_target_net; "
        "the endpoint is dropped",
    ),
    "dns-conflict": ("warning", "routes would publish inconsistent records for one DNS name"),
    "not-owned": (
        "warning",
        "the planner left a DNS record alone: another owner (or nobody) holds the name",
    ),
    "contested-ownership": (
        "warning",
        "the ownership TXT holds claims of several owners: the record is nobody's, left alone",
    ),
    "unpublishable": (
        "warning",
        "the provider cannot store the record or its ownership TXT (name too long, outside the "
        "zone or domain filter, unsupported set identifier, unsafe label); not published",
    ),
    "name-conflict": (
        "warning",
        "DNS cannot hold the record next to the others wanted at its name (a CNAME shares its "
        "name with nothing); not published",
    ),
    "deletion-guard": (
        "error",
        "the plan would delete too many owned records: the deletions are withheld, creates and "
        "updates still apply",
    ),
}


class Diagnostic(SharedFieldsSetModel):
    """Why something produced no DNS (or less than expected).

    Attributes:
        reason: the stable reason code (see ``REASONS``).
        severity: ``info``, ``warning`` or ``error``.
        kind: the kind of the object concerned (usually the route's).
        namespace: its namespace (``""`` for cluster-scoped objects).
        name: its name.
        message: a human-readable explanation.
        parent: the parent involved (``Gateway ns/name`` or ``ListenerSet ns/name``), if any.
        listener: the listener involved, if any.
        hostname: the hostname involved, if any.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: ReasonCode
    severity: Severity
    kind: str
    namespace: str
    name: str
    message: str
    parent: str | None = None
    listener: str | None = None
    hostname: str | None = None

    @property
    def object(self) -> str:
        """``Kind namespace/name`` of the object concerned."""
        return (
            f"{self.kind} {self.namespace}/{self.name}"
            if self.namespace
            else (f"{self.kind} {self.name}")
        )

    def __str__(self) -> str:
        return f"{self.severity}: {self.object}: [{self.reason}] {self.message}"


def diagnostics_logged() -> bool:
    """Whether :func:`make_diagnostic` logs what it makes (the ``gatewaydns`` logger at DEBUG)."""
    return _log.isEnabledFor(logging.DEBUG)


def make_diagnostic(
    reason: ReasonCode,
    kind: str,
    namespace: str,
    name: str,
    message: str,
    *,
    parent: str | None = None,
    listener: str | None = None,
    hostname: str | None = None,
) -> Diagnostic:
    """Build a diagnostic with the severity of its reason, mirrored to ``logging`` at DEBUG."""
    # what model_construct does, without its generic overhead (the computation makes one per
    # rejection): the values are trusted, built here from typed inputs; the fields-set is one
    # read-only set shared by every diagnostic built here (a copy gets its own: __copy__)
    diag = Diagnostic.__new__(Diagnostic)
    _set = object.__setattr__
    _set(
        diag,
        "__dict__",
        {
            "reason": reason,
            "severity": REASONS[reason][0],
            "kind": kind,
            "namespace": namespace,
            "name": name,
            "message": message,
            "parent": parent,
            "listener": listener,
            "hostname": hostname,
        },
    )
    _set(diag, "__pydantic_fields_set__", _DIAGNOSTIC_FIELDS)
    _set(diag, "__pydantic_extra__", None)
    _set(diag, "__pydantic_private__", None)
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug("%s", diag)
    return diag


_DIAGNOSTIC_FIELDS = shared_fields_set(Diagnostic.model_fields)


class Rejection(NamedTuple):
    """What a rule found about one route, before it is stamped with the route (a Diagnostic).

    The rules of the computation return these values instead of appending to shared state;
    ``compute_route`` stamps them, in order, into the route's diagnostics. Most reject
    something (a parent, a listener, a hostname); a few info codes only note a caveat
    (``missing-observed-generation`` under ``trust``).

    Attributes:
        reason: the reason code.
        message: the human-readable explanation.
        parent: where: the parent involved (``Gateway ns/name ...``), if any.
        listener: where: the listener involved, if any.
        hostname: where: the hostname involved, if any.

    A named tuple (#17): cheap to build, and a tuple of strings is one the garbage collector
    stops tracking at its first pass, so the rejections a computation keeps cost it nothing.
    """

    reason: ReasonCode
    message: str
    parent: str | None = None
    listener: str | None = None
    hostname: str | None = None

    def stamp(self, kind: str, namespace: str, name: str) -> Diagnostic:
        """The diagnostic about object ``kind namespace/name``."""
        return make_diagnostic(
            self.reason,
            kind,
            namespace,
            name,
            self.message,
            parent=self.parent,
            listener=self.listener,
            hostname=self.hostname,
        )


def flat_rejections(rejections: Iterable[Rejection]) -> list[str | None]:
    """``rejections`` as their fields, one after another.

    What is kept for a while (a route's outcome, the namespace rule's refusals) keeps this:
    strings, which the garbage collector stops tracking, where a ``Rejection`` (a named tuple)
    stays tracked for good (#17). :func:`rejections_of` makes them again.
    """
    return [field for rejection in rejections for field in rejection]


def rejections_of(fields: Sequence[str | None]) -> list[Rejection]:
    """The rejections :func:`flat_rejections` kept as ``fields`` (the same values)."""
    size = len(Rejection._fields)
    return [Rejection._make(fields[i : i + size]) for i in range(0, len(fields), size)]
