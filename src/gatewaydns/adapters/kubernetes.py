"""A Kubernetes watcher: lists, then watches, the objects gatewaydns reads.

Needs the ``kubernetes`` extra (the official client), imported when a watcher is created.

One background thread per kind lists the kind, then watches it from the list's
``resourceVersion`` with bookmarks. For each kind it uses the first served apiVersion of
``v1``, ``v1beta1``, ``v1alpha3``, ``v1alpha2`` (whichever the cluster's CRD serves); a kind whose
CRD is not installed is reported in :attr:`KubernetesWatcher.missing_kinds` and counts as listed,
so a cluster without, say, UDPRoute still syncs. A ``410 Gone`` (as an HTTP status or an ERROR
event) or a broken connection makes the kind relist; the relist is diffed against what the
watcher has delivered, so consumers see ``ADDED``/``MODIFIED``/``DELETED`` events and never a
special "replace" event. An object that does not validate is skipped and reported in
:attr:`KubernetesWatcher.errors`; the others keep flowing.

RBAC: ``get``, ``list`` and ``watch`` on ``gateways``, ``listenersets``, ``httproutes``,
``grpcroutes``, ``tlsroutes``, ``tcproutes``, ``udproutes`` (group
``gateway.networking.k8s.io``) and ``namespaces`` (core group); see ``docs/adapters.md``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gatewaydns._base import GATEWAY_GROUP
from gatewaydns._snapshot import KINDS, format_loc
from gatewaydns.protocols import EventType, WatchedObject, WatchEvent

__all__ = ["DEFAULT_KINDS", "KindSpec", "KubernetesWatcher"]

_log = logging.getLogger("gatewaydns.adapters.kubernetes")


@dataclass(frozen=True)
class KindSpec:
    """A kind to watch: its API group (``""`` for core), plural and versions in preference order."""

    kind: str
    group: str
    plural: str
    versions: tuple[str, ...]


_ROUTE_VERSIONS = ("v1", "v1beta1", "v1alpha3", "v1alpha2")

#: Everything gatewaydns reads.
DEFAULT_KINDS: tuple[KindSpec, ...] = (
    KindSpec("Gateway", GATEWAY_GROUP, "gateways", ("v1", "v1beta1", "v1alpha2")),
    KindSpec("ListenerSet", GATEWAY_GROUP, "listenersets", ("v1",)),
    KindSpec("HTTPRoute", GATEWAY_GROUP, "httproutes", ("v1", "v1beta1", "v1alpha2")),
    KindSpec("GRPCRoute", GATEWAY_GROUP, "grpcroutes", ("v1", "v1alpha2")),
    KindSpec("TLSRoute", GATEWAY_GROUP, "tlsroutes", ("v1", "v1alpha3", "v1alpha2")),
    KindSpec("TCPRoute", GATEWAY_GROUP, "tcproutes", ("v1", "v1alpha2")),
    KindSpec("UDPRoute", GATEWAY_GROUP, "udproutes", ("v1", "v1alpha2")),
    KindSpec("Namespace", "", "namespaces", ("v1",)),
)


def _client() -> Any:
    try:
        import kubernetes.client  # noqa: PLC0415 - optional dependency, imported on use
        import kubernetes.watch.watch  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        msg = "the Kubernetes watcher needs the client: pip install 'gatewaydns[kubernetes]'"
        raise ImportError(msg) from exc
    return kubernetes


class _GoneError(Exception):
    """The watch's resourceVersion expired (410): relist."""


class KubernetesWatcher:
    """A :class:`gatewaydns.protocols.Watcher` over the Kubernetes API.

    Args:
        api_client: a ``kubernetes.client.ApiClient`` (default: one from the default
            configuration, e.g. after ``kubernetes.config.load_incluster_config()``).
        kinds: the kinds to watch (default :data:`DEFAULT_KINDS`).
        watch_timeout: seconds the server may hold one watch request open before it is renewed.
        retry_delay: seconds to wait after a connection error before relisting.
        start: start the background threads now (else call :meth:`start`).
    """

    def __init__(
        self,
        api_client: Any = None,
        *,
        kinds: Sequence[KindSpec] = DEFAULT_KINDS,
        watch_timeout: int = 300,
        retry_delay: float = 1.0,
        start: bool = True,
    ) -> None:
        k8s = _client()
        self._k8s = k8s
        self._api = api_client or k8s.client.ApiClient()
        self._custom = k8s.client.CustomObjectsApi(self._api)
        self._core = k8s.client.CoreV1Api(self._api)
        self.kinds = tuple(kinds)
        self.watch_timeout = watch_timeout
        self.retry_delay = retry_delay
        self._lock = threading.Lock()
        self._queue: list[WatchEvent] = []
        self._known: dict[str, dict[tuple[str, str], WatchedObject]] = {k.kind: {} for k in kinds}
        self._listed: set[str] = set()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        #: kind -> the apiVersion in use
        self.versions: dict[str, str] = {}
        #: kinds whose CRD the cluster does not serve
        self.missing_kinds: set[str] = set()
        #: kind -> the last resourceVersion seen (list, event or bookmark)
        self.resource_versions: dict[str, str] = {}
        #: problems with single objects or requests, newest last (bounded)
        self.errors: list[str] = []
        #: how many times each kind was listed (1 + relists)
        self.list_count: dict[str, int] = {k.kind: 0 for k in kinds}
        if start:
            self.start()

    # --- Watcher protocol ----------------------------------------------------------------------
    @property
    def synced(self) -> bool:
        """Whether every kind has been listed once (or found missing)."""
        with self._lock:
            return all(k.kind in self._listed for k in self.kinds)

    def poll(self) -> Sequence[WatchEvent]:
        """The events delivered since the last call."""
        with self._lock:
            events, self._queue = self._queue, []
        return events

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start one list-and-watch thread per kind."""
        for spec in self.kinds:
            thread = threading.Thread(
                target=self._run, args=(spec,), name=f"gatewaydns-watch-{spec.kind}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the threads (each stops at its next event or watch renewal)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait_synced(self, timeout: float) -> bool:
        """Block until :attr:`synced` or ``timeout`` seconds; returns :attr:`synced`."""
        deadline = time.monotonic() + timeout
        while not self.synced and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.synced

    # --- internals -----------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        _log.warning("%s", message)
        with self._lock:
            self.errors.append(message)
            del self.errors[:-100]

    def _call(self, spec: KindSpec, version: str, **kwargs: Any) -> Any:
        if spec.group:
            return self._custom.list_cluster_custom_object(
                spec.group, version, spec.plural, _preload_content=False, **kwargs
            )
        return self._core.list_namespace(_preload_content=False, **kwargs)

    def _discover(self, spec: KindSpec) -> tuple[str, dict[str, Any]] | None:
        """List with the first served version; ``None`` when the kind is not served."""
        api_exc = self._k8s.client.exceptions.ApiException
        for version in spec.versions:
            try:
                resp = self._call(spec, version)
            except api_exc as exc:
                if exc.status == 404:
                    continue
                raise
            return version, json.loads(resp.data)
        return None

    def _run(self, spec: KindSpec) -> None:
        while not self._stop.is_set():
            try:
                listed = self._discover(spec)
                if listed is None:
                    _log.info("%s is not served by this cluster (CRD not installed)", spec.kind)
                    with self._lock:
                        self.missing_kinds.add(spec.kind)
                        self._listed.add(spec.kind)
                    return
                version, body = listed
                self._relist(spec, version, body)
                self._watch(spec, version)
            except _GoneError:
                _log.info("%s: resourceVersion expired (410); relisting", spec.kind)
            except Exception as exc:
                self._error(f"{spec.kind}: {type(exc).__name__}: {exc}; relisting")
                self._stop.wait(self.retry_delay)

    def _model(self, spec: KindSpec, version: str, raw: Any) -> WatchedObject | None:
        if not isinstance(raw, dict):
            self._error(f"{spec.kind}: event object is not a JSON object")
            return None
        doc = dict(raw)
        doc.setdefault("apiVersion", f"{spec.group}/{version}" if spec.group else version)
        doc.setdefault("kind", spec.kind)
        model = KINDS[(spec.group, spec.kind)]
        try:
            return model.model_validate(doc)  # type: ignore[return-value]
        except ValidationError as exc:
            meta: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
            who = f"{meta.get('namespace', '')}/{meta.get('name', '?')}".lstrip("/")
            first = exc.errors(include_url=False)[0]
            self._error(
                f"{spec.kind} {who}: {format_loc(first['loc'])}: {first['msg']}; object skipped"
            )
            return None

    @staticmethod
    def _key(obj: WatchedObject) -> tuple[str, str]:
        if obj.kind == "Namespace":
            return ("", obj.name)
        return (obj.namespace, obj.name)

    def _emit(self, type_: EventType, obj: WatchedObject) -> None:
        with self._lock:
            known = self._known[obj.kind]
            if type_ == "DELETED":
                known.pop(self._key(obj), None)
            else:
                known[self._key(obj)] = obj
            self._queue.append(WatchEvent(type_, obj))

    def _relist(self, spec: KindSpec, version: str, body: dict[str, Any]) -> None:
        seen: dict[tuple[str, str], WatchedObject] = {}
        for raw in body.get("items") or []:
            obj = self._model(spec, version, raw)
            if obj is not None:
                seen[self._key(obj)] = obj
        with self._lock:
            before = dict(self._known[spec.kind])
        for key, obj in sorted(seen.items()):
            old = before.get(key)
            if old is None:
                self._emit("ADDED", obj)
            elif old.metadata.resource_version != obj.metadata.resource_version or old != obj:
                self._emit("MODIFIED", obj)
        for key, old in sorted(before.items()):
            if key not in seen:
                self._emit("DELETED", old)
        rv = (body.get("metadata") or {}).get("resourceVersion", "")
        with self._lock:
            self.versions[spec.kind] = version
            self.resource_versions[spec.kind] = rv
            self.list_count[spec.kind] += 1
            self._listed.add(spec.kind)

    def _watch(self, spec: KindSpec, version: str) -> None:
        iter_lines = self._k8s.watch.watch.iter_resp_lines
        api_exc = self._k8s.client.exceptions.ApiException
        while not self._stop.is_set():
            try:
                resp = self._call(
                    spec,
                    version,
                    watch=True,
                    resource_version=self.resource_versions.get(spec.kind, ""),
                    allow_watch_bookmarks=True,
                    timeout_seconds=self.watch_timeout,
                )
            except api_exc as exc:
                if exc.status == 410:
                    raise _GoneError from exc
                raise
            try:
                for line in iter_lines(resp):
                    if self._stop.is_set():
                        return
                    self._handle_line(spec, version, line)
            finally:
                resp.release_conn()

    def _handle_line(self, spec: KindSpec, version: str, line: str) -> None:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            self._error(f"{spec.kind}: undecodable watch event {line[:80]!r}")
            return
        type_ = event.get("type")
        raw = event.get("object") or {}
        if type_ == "ERROR":
            if raw.get("code") == 410:
                raise _GoneError
            msg = f"watch error {raw.get('code')}: {raw.get('message')}"
            raise RuntimeError(msg)
        rv = (raw.get("metadata") or {}).get("resourceVersion")
        if type_ == "BOOKMARK":
            if rv:
                with self._lock:
                    self.resource_versions[spec.kind] = rv
            return
        if type_ not in ("ADDED", "MODIFIED", "DELETED"):
            self._error(f"{spec.kind}: unknown watch event type {type_!r}")
            return
        obj = self._model(spec, version, raw)
        if rv:
            with self._lock:
                self.resource_versions[spec.kind] = rv
        if obj is not None:
            self._emit(type_, obj)
