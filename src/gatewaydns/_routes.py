"""Route models: HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute (v1.6.1 CRDs).

All five share ``spec.parentRefs`` and ``status.parents``; HTTPRoute, GRPCRoute and TLSRoute
have ``spec.hostnames``. Rules are typed as the CRDs have them (matches, filters, weighted
backendRefs, timeouts) so that tooling can read them; the endpoint computation never looks at
rules. Experimental-channel fields (``retry``, ``sessionPersistence``, ...) are preserved as
extras.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, NamedTuple, TypeAlias

from pydantic import StrictBool, StrictInt, StrictStr
from typing_extensions import Self

from gatewaydns._base import _NEW, _SET_DATA, _SLOT, Field, KubeModel, _data_of
from gatewaydns._endpoint import route_labels
from gatewaydns._meta import GatewayAPIResource, ParentReference, RouteParentStatus

__all__ = [
    "ROUTE_KINDS",
    "BackendObjectReference",
    "BackendRef",
    "Fraction",
    "GRPCBackendRef",
    "GRPCHeaderMatch",
    "GRPCMethodMatch",
    "GRPCRoute",
    "GRPCRouteFilter",
    "GRPCRouteMatch",
    "GRPCRouteRule",
    "GRPCRouteSpec",
    "HTTPBackendRef",
    "HTTPCORSFilter",
    "HTTPHeader",
    "HTTPHeaderFilter",
    "HTTPHeaderMatch",
    "HTTPPathMatch",
    "HTTPPathModifier",
    "HTTPQueryParamMatch",
    "HTTPRequestMirrorFilter",
    "HTTPRequestRedirectFilter",
    "HTTPRoute",
    "HTTPRouteFilter",
    "HTTPRouteMatch",
    "HTTPRouteRule",
    "HTTPRouteSpec",
    "HTTPRouteTimeouts",
    "HTTPURLRewriteFilter",
    "LocalObjectReference",
    "Route",
    "RouteBase",
    "RouteKey",
    "RouteSpec",
    "RouteStatus",
    "StreamRouteRule",
    "TCPRoute",
    "TCPRouteSpec",
    "TLSRoute",
    "TLSRouteSpec",
    "UDPRoute",
    "UDPRouteSpec",
]

# --- shared pieces -------------------------------------------------------------------------


class BackendObjectReference(KubeModel):
    """A backend: ``group`` ``""`` and ``kind`` ``Service`` by default."""

    group: StrictStr | None = ""
    kind: StrictStr | None = "Service"
    name: StrictStr
    namespace: StrictStr | None = None
    port: StrictInt | None = None


class BackendRef(BackendObjectReference):
    """A weighted backend reference (``weight`` defaults to 1)."""

    weight: StrictInt | None = 1


class LocalObjectReference(KubeModel):
    """``extensionRef``: an implementation-specific filter object in the route's namespace."""

    group: StrictStr
    kind: StrictStr
    name: StrictStr


class HTTPHeader(KubeModel):
    """A header name and value."""

    name: StrictStr
    value: StrictStr


class HTTPHeaderFilter(KubeModel):
    """``requestHeaderModifier`` / ``responseHeaderModifier``."""

    set: tuple[HTTPHeader, ...] | None = None
    add: tuple[HTTPHeader, ...] | None = None
    remove: tuple[StrictStr, ...] | None = None


class Fraction(KubeModel):
    """A fraction of requests (``denominator`` defaults to 100)."""

    numerator: StrictInt
    denominator: StrictInt | None = 100


class HTTPRequestMirrorFilter(KubeModel):
    """``requestMirror``: send a copy of requests to another backend."""

    backend_ref: BackendObjectReference = Field(key="backendRef")
    percent: StrictInt | None = None
    fraction: Fraction | None = None


class HTTPPathModifier(KubeModel):
    """A path rewrite: ``ReplaceFullPath`` or ``ReplacePrefixMatch``."""

    type: StrictStr
    replace_full_path: StrictStr | None = Field(default=None, key="replaceFullPath")
    replace_prefix_match: StrictStr | None = Field(default=None, key="replacePrefixMatch")


class HTTPRequestRedirectFilter(KubeModel):
    """``requestRedirect`` (``statusCode`` defaults to 302)."""

    scheme: StrictStr | None = None
    hostname: StrictStr | None = None
    path: HTTPPathModifier | None = None
    port: StrictInt | None = None
    status_code: StrictInt | None = Field(default=302, key="statusCode")


class HTTPURLRewriteFilter(KubeModel):
    """``urlRewrite``: rewrite the hostname and/or path before forwarding."""

    hostname: StrictStr | None = None
    path: HTTPPathModifier | None = None


class HTTPCORSFilter(KubeModel):
    """``cors``: cross-origin resource sharing (``maxAge`` defaults to 5)."""

    allow_origins: tuple[StrictStr, ...] | None = Field(default=None, key="allowOrigins")
    allow_credentials: StrictBool | None = Field(default=None, key="allowCredentials")
    allow_methods: tuple[StrictStr, ...] | None = Field(default=None, key="allowMethods")
    allow_headers: tuple[StrictStr, ...] | None = Field(default=None, key="allowHeaders")
    expose_headers: tuple[StrictStr, ...] | None = Field(default=None, key="exposeHeaders")
    max_age: StrictInt | None = Field(default=5, key="maxAge")


class HTTPRouteFilter(KubeModel):
    """An HTTPRoute filter; ``type`` names which of the other fields applies."""

    type: StrictStr
    request_header_modifier: HTTPHeaderFilter | None = Field(
        default=None, key="requestHeaderModifier"
    )
    response_header_modifier: HTTPHeaderFilter | None = Field(
        default=None, key="responseHeaderModifier"
    )
    request_mirror: HTTPRequestMirrorFilter | None = Field(default=None, key="requestMirror")
    request_redirect: HTTPRequestRedirectFilter | None = Field(default=None, key="requestRedirect")
    url_rewrite: HTTPURLRewriteFilter | None = Field(default=None, key="urlRewrite")
    extension_ref: LocalObjectReference | None = Field(default=None, key="extensionRef")
    cors: HTTPCORSFilter | None = None


class HTTPPathMatch(KubeModel):
    """A path match: ``Exact``, ``PathPrefix`` (default, ``/``) or ``RegularExpression``."""

    type: StrictStr | None = "PathPrefix"
    value: StrictStr | None = "/"


class HTTPHeaderMatch(KubeModel):
    """A header match: ``Exact`` (default) or ``RegularExpression``."""

    type: StrictStr | None = "Exact"
    name: StrictStr
    value: StrictStr


class HTTPQueryParamMatch(KubeModel):
    """A query-parameter match: ``Exact`` (default) or ``RegularExpression``."""

    type: StrictStr | None = "Exact"
    name: StrictStr
    value: StrictStr


class HTTPRouteMatch(KubeModel):
    """One HTTPRoute match: path, headers, query parameters and method, ANDed."""

    path: HTTPPathMatch | None = None
    headers: tuple[HTTPHeaderMatch, ...] | None = None
    query_params: tuple[HTTPQueryParamMatch, ...] | None = Field(default=None, key="queryParams")
    method: StrictStr | None = None


class HTTPBackendRef(BackendRef):
    """An HTTPRoute backend, with its own filters."""

    filters: tuple[HTTPRouteFilter, ...] | None = None


class HTTPRouteTimeouts(KubeModel):
    """``timeouts``: Gateway API durations such as ``10s``."""

    request: StrictStr | None = None
    backend_request: StrictStr | None = Field(default=None, key="backendRequest")


class HTTPRouteRule(KubeModel):
    """One HTTPRoute rule."""

    name: StrictStr | None = None
    matches: tuple[HTTPRouteMatch, ...] | None = None
    filters: tuple[HTTPRouteFilter, ...] | None = None
    backend_refs: tuple[HTTPBackendRef, ...] | None = Field(default=None, key="backendRefs")
    timeouts: HTTPRouteTimeouts | None = None


class GRPCMethodMatch(KubeModel):
    """A gRPC service/method match: ``Exact`` (default) or ``RegularExpression``."""

    type: StrictStr | None = "Exact"
    service: StrictStr | None = None
    method: StrictStr | None = None


class GRPCHeaderMatch(KubeModel):
    """A gRPC header match: ``Exact`` (default) or ``RegularExpression``."""

    type: StrictStr | None = "Exact"
    name: StrictStr
    value: StrictStr


class GRPCRouteMatch(KubeModel):
    """One GRPCRoute match."""

    method: GRPCMethodMatch | None = None
    headers: tuple[GRPCHeaderMatch, ...] | None = None


class GRPCRouteFilter(KubeModel):
    """A GRPCRoute filter; ``type`` names which of the other fields applies."""

    type: StrictStr
    request_header_modifier: HTTPHeaderFilter | None = Field(
        default=None, key="requestHeaderModifier"
    )
    response_header_modifier: HTTPHeaderFilter | None = Field(
        default=None, key="responseHeaderModifier"
    )
    request_mirror: HTTPRequestMirrorFilter | None = Field(default=None, key="requestMirror")
    extension_ref: LocalObjectReference | None = Field(default=None, key="extensionRef")


class GRPCBackendRef(BackendRef):
    """A GRPCRoute backend, with its own filters."""

    filters: tuple[GRPCRouteFilter, ...] | None = None


class GRPCRouteRule(KubeModel):
    """One GRPCRoute rule."""

    name: StrictStr | None = None
    matches: tuple[GRPCRouteMatch, ...] | None = None
    filters: tuple[GRPCRouteFilter, ...] | None = None
    backend_refs: tuple[GRPCBackendRef, ...] | None = Field(default=None, key="backendRefs")


class StreamRouteRule(KubeModel):
    """A TLSRoute, TCPRoute or UDPRoute rule: weighted backends only."""

    name: StrictStr | None = None
    backend_refs: tuple[BackendRef, ...] | None = Field(default=None, key="backendRefs")


# --- specs ---------------------------------------------------------------------------------


class RouteSpec(KubeModel):
    """What every route spec has: ``parentRefs``."""

    parent_refs: tuple[ParentReference, ...] | None = Field(default=None, key="parentRefs")

    def route_hostnames(self) -> tuple[str, ...]:
        """``spec.hostnames`` for the kinds that have them, else ``()``."""
        return ()


class _HostnamesSpec(RouteSpec):
    hostnames: tuple[StrictStr, ...] | None = None

    def route_hostnames(self) -> tuple[str, ...]:
        """``spec.hostnames`` (``()`` when absent)."""
        return self.hostnames or ()


class HTTPRouteSpec(_HostnamesSpec):
    """``HTTPRoute.spec``."""

    rules: tuple[HTTPRouteRule, ...] | None = None


class GRPCRouteSpec(_HostnamesSpec):
    """``GRPCRoute.spec``."""

    rules: tuple[GRPCRouteRule, ...] | None = None


class TLSRouteSpec(_HostnamesSpec):
    """``TLSRoute.spec``."""

    rules: tuple[StreamRouteRule, ...] | None = None


class TCPRouteSpec(RouteSpec):
    """``TCPRoute.spec`` (no hostnames: name it with the ``hostname`` annotation)."""

    rules: tuple[StreamRouteRule, ...] | None = None


class UDPRouteSpec(RouteSpec):
    """``UDPRoute.spec`` (no hostnames: name it with the ``hostname`` annotation)."""

    rules: tuple[StreamRouteRule, ...] | None = None


class RouteStatus(KubeModel):
    """``status`` of every route: one entry per parent, written by Gateway controllers."""

    parents: tuple[RouteParentStatus, ...] | None = None


# --- the kinds -----------------------------------------------------------------------------


class RouteKey(NamedTuple):
    """A route's identity. ``str()`` gives its key, ``httproute/ns/name``.

    The key is the ``resource`` label of the route's endpoints, the key of
    ``Result.by_route`` and what ownership TXTs name (``external-dns/resource=``).
    """

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return self.format(*self)

    @staticmethod
    def format(kind: str, namespace: str, name: str) -> str:
        """``str(RouteKey(kind, namespace, name))`` without making the key."""
        return f"{kind.lower()}/{namespace}/{name}"

    @classmethod
    def parse(cls, key: str) -> RouteKey | None:
        """Read a key ``kind/namespace/name`` (any case of kind); ``None`` when it is not one.

        A route kind is given its proper case (``httproute`` -> ``HTTPRoute``); another kind is
        kept as written. The name is everything after the second ``/``.

        Example:
            >>> RouteKey.parse("httproute/app/shop")
            RouteKey(kind='HTTPRoute', namespace='app', name='shop')
        """
        kind, _, rest = key.partition("/")
        namespace, _, name = rest.partition("/")
        if not name:
            return None
        return cls(_KINDS_BY_LOWER.get(kind.lower(), kind), namespace, name)


#: ``ParentReference.fields()``: (group, kind, namespace, name, sectionName, port)
RefFields: TypeAlias = tuple[str | None, str | None, str | None, str, str | None, int | None]
#: what the computation reads of an ``Accepted`` condition: (status, observedGeneration, reason)
AcceptedFields: TypeAlias = tuple[str, int | None, str | None]
#: a ``status.parents[]`` entry as the computation reads it: its parentRef's fields, its
#: ``controllerName`` and its ``Accepted`` condition's fields (``None`` when it has none)
StatusEntry: TypeAlias = tuple[RefFields, str | None, AcceptedFields | None]
#: where a compact route holds each value (see ``RouteBase._compact``)
(
    _TEXT,
    _KIND,
    _NAME,
    _NAMESPACE,
    _GENERATION,
    _ANNOTATIONS,
    _LABELS,
    _CREATED,
    _HOSTNAMES,
    _REFS,
    _STATUS,
    _ROW_LABELS,
) = range(12)


def _accepted(entry: Mapping[str, Any]) -> AcceptedFields | None:
    """A validated ``status.parents[]`` entry's ``Accepted`` condition (found by type), or None.

    What the computation reads of ``RouteParentStatus.condition("Accepted")``: its ``status``,
    ``observedGeneration`` and ``reason``, read from the manifest.
    """
    cond: Mapping[str, Any]
    for cond in entry.get("conditions") or ():
        if cond["type"] == "Accepted":
            return cond["status"], cond.get("observedGeneration"), cond.get("reason")
    return None


# A compact route's labels, annotations, references and status entries are kept flat, each a
# tuple of strings and integers: the collector stops tracking such a tuple in the first
# collection that sees it, and the route's tuple holding them in the next one, before either
# is counted as long-lived, so a loaded route is one tracked object (the model). A tuple nested
# deeper, or holding a dict, would stay tracked longer or for good, be counted long-lived and
# make full collections (which walk every tracked object) come sooner.


def _flat_map(mapping: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    """A dict (labels, annotations) as one flat tuple: key, value, key, value, ..."""
    return None if mapping is None else tuple([item for pair in mapping.items() for item in pair])


def _map_of(flat: Sequence[Any] | None) -> dict[Any, Any] | None:
    """The dict of :func:`_flat_map` (a new one on each call)."""
    return None if flat is None else dict(zip(flat[::2], flat[1::2], strict=True))


def _flat_refs(refs: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """``spec.parentRefs`` as one flat tuple: each reference's six fields, one after another."""
    return tuple([value for ref in refs for value in ParentReference.fields_of(ref)])


def _refs_of(flat: tuple[Any, ...]) -> tuple[RefFields, ...]:
    """The references of :func:`_flat_refs`, each as ``ParentReference.fields()`` gives it."""
    return tuple([flat[i : i + 6] for i in range(0, len(flat), 6)])


def _flat_entries(entries: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """``status.parents`` as one flat tuple.

    Each entry, :data:`_ENTRY` values: its parentRef's six fields, its ``controllerName`` and
    its ``Accepted`` condition's three fields (:data:`AcceptedFields`; three ``None`` when it
    has none: a condition always has a ``status``).
    """
    flat: list[Any] = []
    for entry in entries:
        flat += ParentReference.fields_of(entry["parentRef"])
        flat.append(entry.get("controllerName"))
        flat += _accepted(entry) or _NO_CONDITION
    return tuple(flat)


_ENTRY = 10  # values per status entry in the flat form
_NO_CONDITION = (None, None, None)


def _entries_of(flat: tuple[Any, ...]) -> tuple[StatusEntry, ...]:
    """The entries of :func:`_flat_entries`, as ``RouteBase._status_entries`` gives them."""
    return tuple(
        [
            (flat[i : i + 6], flat[i + 6], None if flat[i + 7] is None else flat[i + 7 : i + 10])
            for i in range(0, len(flat), _ENTRY)
        ]
    )


class RouteBase(GatewayAPIResource):
    """What the five route kinds share."""

    kind: str
    spec: RouteSpec = RouteSpec()
    status: RouteStatus | None = None

    @property
    def parent_refs(self) -> tuple[ParentReference, ...]:
        """``spec.parentRefs`` (``()`` when absent)."""
        return self.spec.parent_refs or ()

    @property
    def parent_statuses(self) -> tuple[RouteParentStatus, ...]:
        """``status.parents`` (``()`` when absent)."""
        if self.status is None:
            return ()
        return self.status.parents or ()

    @property
    def spec_hostnames(self) -> tuple[str, ...]:
        """``spec.hostnames`` (``()`` for TCPRoute and UDPRoute)."""
        return self.spec.route_hostnames()

    # what the computation reads of every route, read from the validated manifest: the same
    # values as the attributes above, without a view per spec, metadata and parentRef (#17)

    #: whether the kind's spec has ``hostnames`` (set below from each kind's spec model)
    _has_hostnames: ClassVar[bool] = False

    # A route may also hold its manifest compact (``KubeModel._thaw``): a fast load keeps its
    # document's text and the values below, as flat tuples of strings and numbers, which the
    # collector does not walk. The readers below give the same values from either form; reading
    # anything else makes the manifest whole.

    #: ``kind`` is read from a compact manifest without making it whole
    _compact_keys: ClassVar[dict[str, int]] = {"kind": _KIND}

    @classmethod
    def _compact(cls, text: str, data: dict[str, Any]) -> Self:
        """A route holding ``data``, validated from the JSON ``text``, as a compact manifest."""
        metadata = data["metadata"]
        spec = data.get("spec") or {}
        status = data.get("status")
        namespace = metadata.get("namespace") or "default"
        compact = (
            text,
            data["kind"],
            metadata["name"],
            namespace,
            metadata.get("generation"),
            _flat_map(metadata.get("annotations")),
            _flat_map(metadata.get("labels")),
            metadata.get("creationTimestamp"),
            (spec.get("hostnames") or ()) if cls._has_hostnames else (),
            _flat_refs(spec.get("parentRefs") or ()),
            _flat_entries((status.get("parents") if status else None) or ()),
            # the labels of its endpoints' rows, made once: a row whose items were all made
            # before the computation that makes it is untracked at the collector's first look
            # at it, and the tuple of its route's rows at the second (so never long-lived)
            route_labels(RouteKey.format(data["kind"], namespace, metadata["name"])),
        )
        obj: Self = _NEW(cls)
        _SET_DATA(obj, compact)
        return obj

    @property
    def _data(self) -> dict[str, Any]:
        """The validated manifest (a compact one made whole, see ``KubeModel._thaw``)."""
        return _data_of(self)

    @property
    def name(self) -> str:
        """``metadata.name``."""
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_NAME]  # type: ignore[no-any-return]
        return data["metadata"]["name"]  # type: ignore[no-any-return]

    @property
    def namespace(self) -> str:
        """``metadata.namespace``, or ``default`` when absent."""
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_NAMESPACE]  # type: ignore[no-any-return]
        return data["metadata"].get("namespace") or "default"

    def _generation(self) -> int | None:
        """``metadata.generation``, read from the manifest."""
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_GENERATION]  # type: ignore[no-any-return]
        return data["metadata"].get("generation")  # type: ignore[no-any-return]

    def _annotation_data(self) -> Mapping[str, str] | None:
        """``metadata.annotations``, read from the manifest."""
        data = _SLOT(self)
        if type(data) is tuple:
            return _map_of(data[_ANNOTATIONS])
        return data["metadata"].get("annotations")  # type: ignore[no-any-return]

    def _label_data(self) -> Mapping[str, str] | None:
        """``metadata.labels``, read from the manifest."""
        data = _SLOT(self)
        if type(data) is tuple:
            return _map_of(data[_LABELS])
        return data["metadata"].get("labels")  # type: ignore[no-any-return]

    def _created(self) -> str | None:
        """``metadata.creationTimestamp``, read from the manifest."""
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_CREATED]  # type: ignore[no-any-return]
        return data["metadata"].get("creationTimestamp")  # type: ignore[no-any-return]

    def _hostname_data(self) -> Sequence[str]:
        """:attr:`spec_hostnames`, read from the manifest."""
        if not self._has_hostnames:
            return ()
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_HOSTNAMES]  # type: ignore[no-any-return]
        spec = data.get("spec")
        return (spec.get("hostnames") if spec else None) or ()

    def _parent_ref_data(self) -> Sequence[dict[str, Any]]:
        """``spec.parentRefs`` as the validated manifest holds them (``()`` when absent)."""
        spec = self._data.get("spec")
        return (spec.get("parentRefs") if spec else None) or ()

    def _parent_ref_fields(self) -> tuple[RefFields, ...]:
        """``spec.parentRefs``, each as ``ParentReference.fields()`` gives it."""
        data = _SLOT(self)
        if type(data) is tuple:
            return _refs_of(data[_REFS])
        return tuple(map(ParentReference.fields_of, self._parent_ref_data()))

    def _row_labels(self) -> tuple[str, ...]:
        """The labels of the route's endpoints as a row holds them (``route_labels``)."""
        data = _SLOT(self)
        if type(data) is tuple:
            return data[_ROW_LABELS]  # type: ignore[no-any-return]
        return route_labels(self.resource)

    def _observed(self) -> list[int | None]:
        """Each ``status.parents`` entry's ``Accepted.observedGeneration`` (``None``: none)."""
        data = _SLOT(self)
        if type(data) is tuple:
            flat = data[_STATUS]
            return [flat[i] for i in range(8, len(flat), _ENTRY)]
        return [None if cond is None else cond[1] for *_, cond in self._status_entries()]

    def _status_entries(self) -> tuple[StatusEntry, ...]:
        """``status.parents``: each entry's parentRef fields, controller and Accepted condition."""
        data = _SLOT(self)
        if type(data) is tuple:
            return _entries_of(data[_STATUS])
        status = data.get("status")
        return tuple(
            (
                ParentReference.fields_of(entry["parentRef"]),
                entry.get("controllerName"),
                _accepted(entry),
            )
            for entry in ((status.get("parents") if status else None) or ())
        )

    @property
    def key(self) -> RouteKey:
        """The route's identity (kind, namespace, name)."""
        return RouteKey(self.kind, self.namespace, self.name)

    @property
    def resource(self) -> str:
        """``<kind lower-case>/<namespace>/<name>``: the ``resource`` label and route key."""
        return str(self.key)


class HTTPRoute(RouteBase):
    """An HTTPRoute (v1, v1beta1, v1alpha2)."""

    kind: Literal["HTTPRoute"] = "HTTPRoute"
    spec: HTTPRouteSpec = HTTPRouteSpec()


class GRPCRoute(RouteBase):
    """A GRPCRoute (v1, v1alpha2)."""

    kind: Literal["GRPCRoute"] = "GRPCRoute"
    spec: GRPCRouteSpec = GRPCRouteSpec()


class TLSRoute(RouteBase):
    """A TLSRoute (v1, v1alpha3, v1alpha2)."""

    kind: Literal["TLSRoute"] = "TLSRoute"
    spec: TLSRouteSpec = TLSRouteSpec()


class TCPRoute(RouteBase):
    """A TCPRoute (v1, v1alpha2)."""

    kind: Literal["TCPRoute"] = "TCPRoute"
    spec: TCPRouteSpec = TCPRouteSpec()


class UDPRoute(RouteBase):
    """A UDPRoute (v1, v1alpha2)."""

    kind: Literal["UDPRoute"] = "UDPRoute"
    spec: UDPRouteSpec = UDPRouteSpec()


#: Any of the five route kinds.
Route: TypeAlias = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute

#: Route kind name -> model class.
ROUTE_KINDS: dict[str, type[Route]] = {
    cls.model_fields["kind"].default: cls
    for cls in (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute)
}
_KINDS_BY_LOWER = {kind.lower(): kind for kind in ROUTE_KINDS}
for _cls in ROUTE_KINDS.values():  # what RouteBase._hostname_data reads: one source, the spec
    type.__setattr__(
        _cls, "_has_hostnames", isinstance(_cls.model_fields["spec"].default, _HostnamesSpec)
    )
