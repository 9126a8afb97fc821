"""external-dns's webhook provider protocol (v0.22), both ways, on the standard library.

:class:`WebhookProvider` is a client: it lets gatewaydns write through any external-dns webhook
provider (a sidecar speaking HTTP on ``localhost:8888``), and through external-dns itself run
with ``--webhook-server --provider=aws|google|azure|cloudflare|…``. :func:`serve` is the other
direction: any gatewaydns :class:`~gatewaydns.protocols.Provider` (``RFC2136Provider``,
``PowerDNSProvider``) served over the same protocol, so external-dns can use it.

The protocol
    Media type ``application/external.dns.webhook+json;version=1`` in ``Accept`` and
    ``Content-Type``. ``GET /`` negotiates: the answer carries exactly that ``Content-Type`` and
    the provider's domain filter (``{"include": [...], "exclude": [...]}`` or
    ``{"regexInclude": "...", "regexExclude": "..."}``). ``GET /records`` answers 200 and a JSON
    array of endpoints; ``POST /records`` takes ``{"create", "updateOld", "updateNew",
    "delete"}`` and answers 204; ``POST /adjustendpoints`` takes and answers an array of
    endpoints (200). Bodies are capped at 32 MiB.

Errors (client)
    Every failure is a :class:`~gatewaydns.ProviderError`. Negotiation retries connection
    failures and 5xx answers (``retries`` attempts in all, with exponential back-off); 3xx and
    4xx, a wrong ``Content-Type`` or a filter that does not parse are permanent. For the other
    calls, 500-510 and connection failures are retryable (external-dns's *soft* errors);
    everything else, and a body over the cap, is not.

Atomic units over a protocol of flat lists
    The client sends the units of a plan in ``POST /records`` requests of up to ``batch_size``
    units each, so a unit (a record and its ownership TXT) is never split across requests. When
    a request with several units is refused permanently (a 4xx), each of its units is sent again
    on its own, so that one unit the provider cannot take does not block the others; after a
    retryable failure (5xx, timeout) nothing more is sent and the next round re-reads.

    The server receives external-dns's flat lists, which do not say which TXT belongs to which
    record. With a ``registry`` (the same ``--txt-prefix``/``--txt-suffix``/wildcard replacement
    as the external-dns in front of it; the owner ID is not used), each ownership TXT joins the
    unit of the record it names; an ``updateOld[i]``/``updateNew[i]`` pair stays together. Without
    one, the whole request is one unit (all or nothing, which an RFC 2136 server can only take
    while it fits in one 64 KiB message).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gatewaydns._dnsname import normalize_name
from gatewaydns._endpoint import Endpoint, ProviderSpecificProperty, endpoint_sort_key
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._plan import Changes, ChangeUnit, ProviderCapabilities
from gatewaydns._registry import TXTRegistry
from gatewaydns.adapters._http import DEFAULT_MAX_BODY, HTTPError, Response, Target, request
from gatewaydns.protocols import AdjustsEndpoints, Provider

__all__ = [
    "MEDIA_TYPE",
    "WebhookDomainFilter",
    "WebhookHTTPServer",
    "WebhookProvider",
    "WebhookServer",
    "changes_from_json",
    "endpoint_from_json",
    "make_server",
    "serve",
]

_log = logging.getLogger("gatewaydns.adapters.webhook")

#: The protocol's media type, in ``Accept`` and ``Content-Type``.
MEDIA_TYPE = "application/external.dns.webhook+json;version=1"


# --- the JSON shapes ------------------------------------------------------------------------------
def _field(obj: dict[str, Any], name: str) -> Any:
    """A JSON object's field matched case-insensitively, as Go's encoding/json does."""
    if name in obj:
        return obj[name]
    lower = name.lower()
    for key, value in obj.items():
        if key.lower() == lower:
            return value
    return None


def endpoint_from_json(obj: Any, where: str = "endpoint") -> Endpoint:
    """An :class:`~gatewaydns.Endpoint` from external-dns's Endpoint JSON.

    Read as external-dns reads it: keys in any case, unknown keys ignored, absent or ``null``
    fields empty.

    Args:
        obj: the decoded JSON object.
        where: where it is, for error messages (``records[3]``).

    Raises:
        ValueError: a field has the wrong type (the message names it).
    """
    if not isinstance(obj, dict):
        msg = f"{where}: expected an object, got {type(obj).__name__}"
        raise ValueError(msg)

    def text(name: str) -> str:
        value = _field(obj, name)
        if value is None:
            return ""
        if not isinstance(value, str):
            msg = f"{where}.{name}: expected a string, got {type(value).__name__}"
            raise ValueError(msg)
        return value

    targets = _field(obj, "targets") or []
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        msg = f"{where}.targets: expected an array of strings"
        raise ValueError(msg)
    ttl = _field(obj, "recordTTL") or 0
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl < 2**63:
        msg = f"{where}.recordTTL: expected a non-negative integer, got {ttl!r}"
        raise ValueError(msg)
    labels = _field(obj, "labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        msg = f"{where}.labels: expected an object of strings"
        raise ValueError(msg)
    props = _field(obj, "providerSpecific") or []
    if not isinstance(props, list):
        msg = f"{where}.providerSpecific: expected an array"
        raise ValueError(msg)
    specific = []
    for i, prop in enumerate(props):
        if not isinstance(prop, dict):
            msg = f"{where}.providerSpecific[{i}]: expected an object"
            raise ValueError(msg)
        name, value = _field(prop, "name") or "", _field(prop, "value") or ""
        if not isinstance(name, str) or not isinstance(value, str):
            msg = f"{where}.providerSpecific[{i}]: name and value must be strings"
            raise ValueError(msg)
        specific.append(ProviderSpecificProperty(name=name, value=value))
    return Endpoint(
        dns_name=text("dnsName"),
        targets=tuple(targets),
        record_type=text("recordType"),
        set_identifier=text("setIdentifier"),
        record_ttl=ttl,
        labels=dict(labels),
        provider_specific=tuple(specific),
    )


def _endpoints_from_json(data: Any, where: str) -> list[Endpoint]:
    if data is None:
        return []
    if not isinstance(data, list):
        msg = f"{where}: expected an array of endpoints"
        raise ValueError(msg)
    return [endpoint_from_json(item, f"{where}[{i}]") for i, item in enumerate(data)]


def changes_from_json(data: Any, *, registry: TXTRegistry | None = None) -> Changes:
    """External-dns's flat ``{"create", "updateOld", "updateNew", "delete"}`` as atomic units.

    Args:
        data: the decoded request body (keys in any case, as external-dns accepts them).
        registry: the TXT registry naming of the external-dns that sent it; each ownership TXT
            joins the unit of the record it names. ``None``: everything is one unit.

    Raises:
        ValueError: the body is not that object, an endpoint is malformed, or ``updateOld`` and
            ``updateNew`` differ in length.
    """
    if not isinstance(data, dict):
        msg = "expected an object with create, updateOld, updateNew and delete"
        raise ValueError(msg)
    create = _endpoints_from_json(_field(data, "create"), "create")
    old = _endpoints_from_json(_field(data, "updateOld"), "updateOld")
    new = _endpoints_from_json(_field(data, "updateNew"), "updateNew")
    delete = _endpoints_from_json(_field(data, "delete"), "delete")
    if len(old) != len(new):
        msg = f"updateOld has {len(old)} endpoints and updateNew {len(new)}: they are pairs"
        raise ValueError(msg)
    if registry is None:
        return Changes(create=create, update_old=old, update_new=new, delete=delete)
    records = {e.key for e in (*create, *old, *new, *delete) if e.record_type.upper() != "TXT"}
    types = sorted({k[1] for k in records})

    def group(ep: Endpoint) -> tuple[str, str, str]:
        key = ep.key
        if key[1] == "TXT":
            owner = registry.record_of(key[0], types)
            if owner is not None and (owner[0], owner[1], key[2]) in records:
                return (owner[0], owner[1], key[2])
        return key

    units: dict[tuple[str, str, str], dict[str, list[Endpoint]]] = {}

    def add(kind: str, key: tuple[str, str, str], ep: Endpoint) -> None:
        lists = units.setdefault(key, {"create": [], "old": [], "new": [], "delete": []})
        lists[kind].append(ep)

    for ep in create:
        add("create", group(ep), ep)
    for ep in delete:
        add("delete", group(ep), ep)
    for before, after in zip(old, new, strict=True):
        key = group(after)
        add("old", key, before)
        add("new", key, after)
    out = [
        ChangeUnit(
            create=tuple(sorted(u["create"], key=lambda e: e.record_type.upper() != "TXT")),
            update_old=tuple(u["old"]),
            update_new=tuple(u["new"]),
            delete=tuple(sorted(u["delete"], key=lambda e: e.record_type.upper() == "TXT")),
        )
        for _, u in sorted(units.items())
    ]
    phase = {True: 0, False: 1}
    out.sort(key=lambda u: 2 if u.create else phase[not u.update_new])
    return Changes(units=out)


@dataclass(frozen=True)
class WebhookDomainFilter:
    """The domain filter a webhook server announces, matched as external-dns matches it.

    ``include``/``exclude``: ``example.com`` covers the name and the names below it,
    ``.example.com`` only the names below it; ``exclude`` wins; no ``include`` matches every
    name. When either regular expression is set, they are used instead.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex_include: str = ""
    regex_exclude: str = ""

    @classmethod
    def from_json(cls, data: Any) -> WebhookDomainFilter:
        """Read the negotiation answer.

        Raises:
            ValueError: not an object, wrong field types, both lists and regular expressions,
                or a regular expression that does not compile.
        """
        if not isinstance(data, dict):
            msg = "expected a JSON object"
            raise ValueError(msg)
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("include", "exclude"):
            value = _field(data, name) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                msg = f"{name}: expected an array of strings"
                raise ValueError(msg)
            lists[name] = tuple(
                sorted({d for v in value if (d := _normal_domain(v.strip()))}, key=str)
            )
        regexes: dict[str, str] = {}
        for name in ("regexInclude", "regexExclude"):
            value = _field(data, name) or ""
            if not isinstance(value, str):
                msg = f"{name}: expected a string"
                raise ValueError(msg)
            try:
                re.compile(value)
            except re.error as exc:
                msg = f"{name}: {exc}"
                raise ValueError(msg) from exc
            regexes[name] = value
        if any(regexes.values()) and any(lists.values()):
            msg = "cannot have both domain lists and regular expressions"
            raise ValueError(msg)
        return cls(lists["include"], lists["exclude"], *regexes.values())

    def to_json(self) -> dict[str, Any]:
        """The negotiation answer (empty fields left out, as external-dns writes it)."""
        out: dict[str, Any] = {}
        if self.regex_include or self.regex_exclude:
            if self.regex_include:
                out["regexInclude"] = self.regex_include
            if self.regex_exclude:
                out["regexExclude"] = self.regex_exclude
            return out
        if self.include:
            out["include"] = list(self.include)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out

    def matches(self, name: str) -> bool:
        """Whether ``name`` is inside the filter."""
        name = normalize_name(name)
        if self.regex_include or self.regex_exclude:
            if self.regex_exclude and re.search(self.regex_exclude, name):
                return False
            return not self.regex_include or re.search(self.regex_include, name) is not None
        if self.include and not any(_covers(d, name) for d in self.include):
            return False
        return not any(_covers(d, name) for d in self.exclude)


def _normal_domain(domain: str) -> str:
    lead = "." if domain.startswith(".") else ""
    return lead + normalize_name(domain.lstrip(".")) if domain.strip(".") else ""


def _covers(domain: str, name: str) -> bool:
    if domain.startswith("."):
        return name.endswith(domain)
    return name == domain or name.endswith("." + domain)


# --- the client -----------------------------------------------------------------------------------
class WebhookProvider:
    """A :class:`~gatewaydns.protocols.Provider` that talks to an external-dns webhook provider.

    Creating it negotiates with the server (``GET /``), as external-dns does at start-up.

    Args:
        url: the webhook server (``http://localhost:8888``).
        timeout: seconds for each request (the whole exchange).
        max_body_size: the largest response body accepted (``<= 0``: no limit).
        retries: negotiation attempts when the server is down or answers 5xx.
        backoff: seconds before the second negotiation attempt; doubled each time.
        batch_size: the most units in one ``POST /records``.
        capabilities: what the provider behind the server can store (set identifiers, long TXT
            values); the planner leaves out the rest.
        ssl_context: for ``https`` URLs.

    Raises:
        ConfigError: an invalid URL or sizes out of range.
        ProviderError: negotiation failed (``retryable`` when the server was unreachable or
            kept answering 5xx).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        max_body_size: int = DEFAULT_MAX_BODY,
        retries: int = 5,
        backoff: float = 0.5,
        batch_size: int = 100,
        capabilities: ProviderCapabilities | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        try:
            self._target = Target.parse(url)
        except ValueError as exc:
            msg = f"webhook URL: {exc}"
            raise ConfigError(msg) from exc
        if retries < 1:
            msg = f"retries must be at least 1, got {retries}"
            raise ConfigError(msg)
        if batch_size < 1:
            msg = f"batch_size must be at least 1, got {batch_size}"
            raise ConfigError(msg)
        self.url = url
        self.timeout = timeout
        self.max_body_size = max_body_size
        self.batch_size = batch_size
        self.capabilities = capabilities or ProviderCapabilities()
        self._ssl = ssl_context
        self.domain_filter = self._negotiate(retries, backoff)

    def __repr__(self) -> str:
        return f"WebhookProvider({self._target}, domain_filter={self.domain_filter})"

    @property
    def zones(self) -> Sequence[str]:
        """The domains the server includes (``()`` for a regex or an empty filter: any name)."""
        if self.domain_filter.regex_include or self.domain_filter.regex_exclude:
            return ()
        return tuple(d.lstrip(".") for d in self.domain_filter.include)

    def _call(self, method: str, path: str, body: Any = None, *, accept: bool = True) -> Response:
        headers = {"Accept": MEDIA_TYPE} if accept else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = MEDIA_TYPE
        try:
            return request(
                self._target,
                method,
                path,
                headers=headers,
                body=data,
                timeout=self.timeout,
                max_body=self.max_body_size,
                ssl_context=self._ssl,
            )
        except HTTPError as exc:
            raise ProviderError(f"webhook: {exc}", retryable=exc.retryable) from exc

    def _negotiate(self, retries: int, backoff: float) -> WebhookDomainFilter:
        delay = backoff
        for attempt in range(1, retries + 1):
            try:
                resp = self._call("GET", "/")
            except ProviderError as exc:
                if not exc.retryable or attempt == retries:
                    msg = f"cannot negotiate with the webhook server: {exc}"
                    raise ProviderError(msg, retryable=exc.retryable) from exc
            else:
                if resp.status < 500 or attempt == retries:
                    break
            time.sleep(delay)
            delay *= 2
        if resp.status >= 300:
            retryable = resp.status >= 500
            msg = f"webhook negotiation: {self._target} answered HTTP {resp.status}{_body(resp)}"
            raise ProviderError(msg, retryable=retryable)
        content_type = resp.header("Content-Type")
        if content_type != MEDIA_TYPE:
            msg = (
                f"webhook negotiation: wrong content type {content_type!r} from {self._target} "
                f"(expected {MEDIA_TYPE}): is it an external-dns webhook provider?"
            )
            raise ProviderError(msg, retryable=False)
        try:
            return WebhookDomainFilter.from_json(json.loads(resp.body))
        except ValueError as exc:
            msg = f"webhook negotiation: the domain filter does not parse: {exc}"
            raise ProviderError(msg, retryable=False) from exc

    def _failed(self, what: str, resp: Response) -> ProviderError:
        retryable = 500 <= resp.status <= 510
        return ProviderError(
            f"webhook {what}: HTTP {resp.status}{_body(resp)}", retryable=retryable
        )

    def records(self) -> Sequence[Endpoint]:
        """``GET /records``: the records inside the negotiated domain filter, names normalised.

        Raises:
            ProviderError: the request failed or the answer is not an array of endpoints.
        """
        resp = self._call("GET", "/records")
        if resp.status != 200:
            raise self._failed("GET /records", resp)
        try:
            eps = _endpoints_from_json(json.loads(resp.body), "records")
        except ValueError as exc:
            msg = f"webhook GET /records: the answer does not parse: {exc}"
            raise ProviderError(msg, retryable=False) from exc
        out = [
            ep.model_copy(update={"dns_name": normalize_name(ep.dns_name)})
            for ep in eps
            if ep.dns_name and self.domain_filter.matches(ep.dns_name)
        ]
        return tuple(sorted(out, key=endpoint_sort_key))

    def adjust_endpoints(self, endpoints: Sequence[Endpoint]) -> Sequence[Endpoint]:
        """``POST /adjustendpoints``: the endpoints as the provider will store them.

        Endpoints outside the negotiated domain filter are dropped first.

        Raises:
            ProviderError: the request failed or the answer does not parse.
        """
        inside = [ep for ep in endpoints if self.domain_filter.matches(ep.dns_name)]
        resp = self._call("POST", "/adjustendpoints", [ep.to_json() for ep in inside])
        if resp.status != 200:
            raise self._failed("POST /adjustendpoints", resp)
        try:
            return _endpoints_from_json(json.loads(resp.body), "adjustendpoints")
        except ValueError as exc:
            msg = f"webhook POST /adjustendpoints: the answer does not parse: {exc}"
            raise ProviderError(msg, retryable=False) from exc

    def apply_changes(self, changes: Changes) -> None:
        """``POST /records`` with the units, ``batch_size`` units a request, never split.

        Raises:
            ProviderError: a request failed retryably (nothing more is sent), or some units were
                refused permanently (the others were applied).
        """
        units = [u for u in changes.units if len(u)]
        refused: list[str] = []
        for i in range(0, len(units), self.batch_size):
            batch = units[i : i + self.batch_size]
            resp = self._post(batch)
            if resp.status == 204:
                continue
            error = self._failed("POST /records", resp)
            if error.retryable or len(batch) == 1:
                if error.retryable:
                    raise error
                refused.append(f"{_describe(batch[0])}: {error}")
                continue
            for unit in batch:  # permanently refused: find the units it cannot take
                alone = self._post([unit])
                if alone.status != 204:
                    error = self._failed("POST /records", alone)
                    if error.retryable:
                        raise error
                    refused.append(f"{_describe(unit)}: {error}")
        if refused:
            detail = "; ".join(refused[:5])
            more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
            applied = len(units) - len(refused)
            msg = f"{len(refused)} change(s) refused, {applied} applied: {detail}{more}"
            raise ProviderError(msg, retryable=False)

    def _post(self, units: Iterable[ChangeUnit]) -> Response:
        return self._call("POST", "/records", Changes(units=tuple(units)).to_json(), accept=False)


def _describe(unit: ChangeUnit) -> str:
    eps = [e for e in unit.endpoints() if e.record_type != "TXT"]
    ep = min(eps or unit.endpoints(), key=endpoint_sort_key)
    return f"{ep.record_type} {normalize_name(ep.dns_name)}"


def _body(resp: Response) -> str:
    text = resp.body[:300].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


# --- the server -----------------------------------------------------------------------------------
class WebhookServer:
    """The protocol's request handling for one provider, without sockets (see :func:`serve`).

    Args:
        provider: the provider to serve.
        registry: the TXT registry naming of the external-dns in front (groups each ownership
            TXT with its record); ``None``: each request is one all-or-nothing unit.
        domain_filter: what ``GET /`` announces (default: ``include`` the provider's zones).
        max_body_size: the largest request body accepted (413 beyond).
    """

    def __init__(
        self,
        provider: Provider,
        *,
        registry: TXTRegistry | None = None,
        domain_filter: WebhookDomainFilter | None = None,
        max_body_size: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.domain_filter = domain_filter or WebhookDomainFilter(
            include=tuple(sorted(normalize_name(z) for z in provider.zones))
        )
        self.max_body_size = max_body_size
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """Answer one request: ``(status, body)``; a body is always JSON of MEDIA_TYPE.

        ``ProviderError`` answers 500 when retryable (external-dns retries) and 422 when not
        (external-dns stops: configuration must change); a body that does not parse answers 400.
        """
        route = path.split("?", 1)[0]
        if route == "/" and method == "GET":
            return 200, _dumps(self.domain_filter.to_json())
        if route == "/healthz" and method == "GET":
            return 200, _dumps({"status": "ok"})
        if route == "/records" and method == "GET":
            return self._guard(lambda: [ep.to_json() for ep in self.provider.records()], 200)
        if route == "/records" and method == "POST":
            try:
                changes = changes_from_json(json.loads(body), registry=self.registry)
            except (ValueError, RecursionError) as exc:
                return 400, _dumps({"error": f"changes: {exc}"})
            return self._guard(lambda: self.provider.apply_changes(changes), 204)
        if route == "/adjustendpoints" and method == "POST":
            try:
                eps = _endpoints_from_json(json.loads(body), "endpoints")
            except (ValueError, RecursionError) as exc:
                return 400, _dumps({"error": str(exc)})
            if not isinstance(self.provider, AdjustsEndpoints):
                return 200, _dumps([ep.to_json() for ep in eps])
            adjust = self.provider.adjust_endpoints
            return self._guard(lambda: [ep.to_json() for ep in adjust(eps)], 200)
        if route in ("/", "/healthz", "/records", "/adjustendpoints"):
            return 405, _dumps({"error": f"{method} is not allowed on {route}"})
        return 404, _dumps({"error": f"no such path {route}"})

    def _guard(self, call: Callable[[], Any], status: int) -> tuple[int, bytes]:
        with self._lock:
            try:
                result = call()
            except ProviderError as exc:
                _log.warning("webhook server: %s", exc)
                code = 500 if exc.retryable else 422
                return code, _dumps({"error": str(exc)[:2000]})
        return status, b"" if status == 204 else _dumps(result)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


class _Handler(BaseHTTPRequestHandler):
    server: WebhookHTTPServer
    protocol_version = "HTTP/1.1"

    def _respond(self) -> None:
        length = self.headers.get("Content-Length")
        body = b""
        if length:
            try:
                size = int(length)
            except ValueError:
                self._send(400, _dumps({"error": "invalid Content-Length"}))
                return
            if size > self.server.app.max_body_size > 0:
                self.close_connection = True
                self._send(413, _dumps({"error": "request body too large"}))
                return
            body = self.rfile.read(size)
        elif self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(411, _dumps({"error": "Content-Length required"}))
            return
        status, payload = self.server.app.handle(self.command, self.path, body)
        self._send(status, payload)

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", MEDIA_TYPE)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _respond  # noqa: N815 - http.server names

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s %s", self.address_string(), format % args)


class WebhookHTTPServer(ThreadingHTTPServer):
    """An HTTP server answering the webhook protocol (:func:`make_server`)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: WebhookServer) -> None:
        self.app = app
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The server's base URL (``http://127.0.0.1:8888``)."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def make_server(
    provider: Provider,
    host: str = "127.0.0.1",
    port: int = 8888,
    *,
    registry: TXTRegistry | None = None,
    domain_filter: WebhookDomainFilter | None = None,
    max_body_size: int = DEFAULT_MAX_BODY,
) -> WebhookHTTPServer:
    """A bound webhook server for ``provider``; call ``serve_forever()`` (and ``shutdown()``).

    ``port=0`` picks a free port (see ``server.url``). See :class:`WebhookServer` for the rest.
    """
    app = WebhookServer(
        provider, registry=registry, domain_filter=domain_filter, max_body_size=max_body_size
    )
    return WebhookHTTPServer((host, port), app)


def serve(
    provider: Provider,
    host: str = "127.0.0.1",
    port: int = 8888,
    *,
    registry: TXTRegistry | None = None,
    domain_filter: WebhookDomainFilter | None = None,
    max_body_size: int = DEFAULT_MAX_BODY,
) -> None:
    """Serve ``provider`` over the webhook protocol until interrupted.

    Listen on ``localhost`` only (external-dns's recommendation: a sidecar in the same pod).
    """
    server = make_server(
        provider,
        host,
        port,
        registry=registry,
        domain_filter=domain_filter,
        max_body_size=max_body_size,
    )
    _log.info("serving %r over the webhook protocol on %s", provider, server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
