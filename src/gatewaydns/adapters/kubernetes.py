"""A Kubernetes watcher: lists, then watches, the objects gatewaydns reads.

Needs the ``kubernetes`` extra (the official client), imported when a watcher is created.

Theory of operation
-------------------

One background thread per kind runs this loop until :meth:`KubernetesWatcher.close`:

1. **Discovery** decides whether the cluster serves the kind, and at which apiVersion: the
   group's served versions (``/apis``), then the resources of each version the watcher reads
   (``/apis/<group>/<version>``), in the kind's order of preference. A kind discovery leaves
   out is *not installed* only if its CustomResourceDefinition is absent too (a 404; an API
   server that has just started serves discovery before it lists every CRD) or, when this
   client may not read CRDs, once discovery has left it out for ``missing_after`` seconds.
   Then it is listed in ``missing_kinds`` and counts as listed (a cluster without, say,
   UDPRoute still syncs); objects delivered earlier are ``DELETED`` only when the CRD is known
   to be gone; discovery is asked again every ``discovery_interval`` seconds (a CRD installed
   later is picked up). A kind served only at versions the watcher does not read is an error,
   not "missing".
2. **List**, diffed against what the watcher has delivered, so consumers see
   ``ADDED``/``MODIFIED``/``DELETED`` and never a special "replace" event.
3. **Watch** from the list's ``resourceVersion`` with bookmarks, renewed every
   ``watch_timeout`` seconds. ``410 Gone`` (HTTP status or ERROR event) relists at once.

Any other failure (a 404 from a list, 403, 5xx, a refused or broken connection) is reported in
``errors`` and in ``kind_errors``, and the loop starts again at discovery after a backoff
(``retry_delay`` doubling up to ``max_retry_delay``). :attr:`KubernetesWatcher.synced` is true
only once every kind has listed successfully or been found not installed: a kind that fails to
list (RBAC denies it, the server is down) never counts as "synced with zero objects".

Invalid objects: an object that fails validation keeps its last valid state (no event) and is
reported in ``errors`` and ``invalid_objects`` with its kind, namespace/name and field path,
whether it came from a list or a watch event. A ``DELETED`` event deletes by key (namespace and
name) whatever its body.

RBAC: ``get``, ``list`` and ``watch`` on ``gateways``, ``listenersets``, ``httproutes``,
``grpcroutes``, ``tlsroutes``, ``tcproutes``, ``udproutes`` (group
``gateway.networking.k8s.io``) and ``namespaces`` (core group), and ``get`` on their
``customresourcedefinitions`` (optional: it makes "not installed" certain); see
``docs/adapters.md``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gatewaydns._base import KINDS_READ
from gatewaydns._optional import require
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


#: Everything gatewaydns reads.
DEFAULT_KINDS: tuple[KindSpec, ...] = tuple(
    KindSpec(kind, info.group, info.plural, info.versions) for kind, info in KINDS_READ.items()
)

_Key = tuple[str, str]  # (namespace, name); namespace "" for Namespaces


def _client() -> Any:
    return require(
        "kubernetes",
        "the Kubernetes watcher needs the client",
        "kubernetes.client",
        "kubernetes.watch.watch",
    )


class _GoneError(Exception):
    """The watch's resourceVersion expired (410): relist."""


class _StoppedError(Exception):
    """close() was called: the thread ends."""


class _UnservedVersionError(Exception):
    """The kind is served, but only at versions this watcher does not read."""


class _DiscoveryLagError(Exception):
    """Discovery leaves the kind out, but its CustomResourceDefinition exists."""

    def __init__(self, spec: KindSpec) -> None:
        super().__init__(
            f"discovery does not list {spec.plural}.{spec.group} although its "
            "CustomResourceDefinition exists (an API server still starting?)"
        )


def _changed(old: WatchedObject, new: WatchedObject) -> bool:
    """Whether a relisted object differs from what was delivered.

    The server's ``resourceVersion`` says so (as Kubernetes informers decide): the same version
    is the same object even when the relist read it at another apiVersion, e.g. while a
    restarting API server's discovery is still incomplete. Without versions, compare the objects.
    """
    before, after = old.metadata.resource_version, new.metadata.resource_version
    if before and after:
        return before != after
    return old != new


def _shutdown(resp: Any) -> None:
    """Unblock a thread reading ``resp`` (a urllib3 response) by shutting its socket down.

    Closing a socket from another thread does not wake a blocked ``recv``; shutting it down does.
    """
    try:
        resp.shutdown()  # urllib3 >= 2.3
        return
    except (AttributeError, ValueError, RuntimeError, OSError):
        pass
    fp = getattr(getattr(resp, "_fp", None), "fp", None)  # urllib3 1.26: http.client's file
    for sock in (
        getattr(getattr(resp, "connection", None), "sock", None),
        getattr(getattr(fp, "raw", None), "_sock", None),
    ):
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            return


class KubernetesWatcher:
    """A :class:`gatewaydns.protocols.Watcher` over the Kubernetes API.

    Also implements :class:`gatewaydns.protocols.WaitsForEvents`.

    Args:
        api_client: a ``kubernetes.client.ApiClient`` (default: one from the default
            configuration, e.g. after ``kubernetes.config.load_incluster_config()``).
        kinds: the kinds to watch (default :data:`DEFAULT_KINDS`).
        watch_timeout: seconds the server may hold one watch request open before it is renewed.
        retry_delay: seconds to wait after the first failure of a kind; doubles with each
            further failure in a row.
        max_retry_delay: the longest wait between retries.
        request_timeout: connect and read timeout, in seconds, of discovery and list requests
            (a watch's read timeout is ``watch_timeout`` plus this).
        discovery_interval: seconds between discovery checks of a kind the cluster does not
            serve.
        missing_after: when this client may not read CustomResourceDefinitions, how long
            discovery must leave a kind out before it is taken as not installed.
        start: start the background threads now (else call :meth:`start`).

    Attributes:
        versions: kind -> the apiVersion in use.
        missing_kinds: kinds the cluster does not serve (from discovery).
        resource_versions: kind -> the last resourceVersion seen (list, event or bookmark).
        errors: problems with single objects or requests, newest last (the last 100).
        kind_errors: kind -> why its last list or watch failed, until it lists again.
        invalid_objects: ``(kind, namespace, name)`` -> why the object's newest version failed
            validation; its last valid version (if any) stays in effect.
        list_count: how many times each kind was listed (1 + relists).
    """

    def __init__(
        self,
        api_client: Any = None,
        *,
        kinds: Sequence[KindSpec] = DEFAULT_KINDS,
        watch_timeout: int = 300,
        retry_delay: float = 1.0,
        max_retry_delay: float = 30.0,
        request_timeout: float = 30.0,
        discovery_interval: float = 30.0,
        missing_after: float = 10.0,
        start: bool = True,
    ) -> None:
        k8s = _client()
        self._k8s = k8s
        self._api = api_client or k8s.client.ApiClient()
        self._apis = k8s.client.ApisApi(self._api)
        self._custom = k8s.client.CustomObjectsApi(self._api)
        self._core = k8s.client.CoreV1Api(self._api)
        self._extensions = k8s.client.ApiextensionsV1Api(self._api)
        self._own_client = api_client is None
        self.kinds = tuple(kinds)
        self.watch_timeout = watch_timeout
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.request_timeout = request_timeout
        self.discovery_interval = discovery_interval
        self.missing_after = missing_after
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: list[WatchEvent] = []
        self._woken = False  # something new for wait(): events, or the watcher became synced
        self._known: dict[str, dict[_Key, WatchedObject]] = {k.kind: {} for k in kinds}
        self._listed: set[str] = set()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._responses: dict[str, Any] = {}  # kind -> the response its thread is reading
        self._failures: dict[str, int] = {}  # kind -> failures in a row (its thread's own)
        self._absent_since: dict[str, float] = {}  # kind -> since when discovery leaves it out
        self.versions: dict[str, str] = {}
        self.missing_kinds: set[str] = set()
        self.resource_versions: dict[str, str] = {}
        self.errors: list[str] = []
        self.kind_errors: dict[str, str] = {}
        self.invalid_objects: dict[tuple[str, str, str], str] = {}
        self.list_count: dict[str, int] = {k.kind: 0 for k in kinds}
        if start:
            self.start()

    # --- Watcher protocol ----------------------------------------------------------------------
    @property
    def synced(self) -> bool:
        """Whether every kind has listed successfully once, or was found not installed."""
        with self._lock:
            return self._synced_locked()

    def _synced_locked(self) -> bool:
        return all(k.kind in self._listed for k in self.kinds)

    def poll(self) -> Sequence[WatchEvent]:
        """The events delivered since the last call."""
        with self._lock:
            events, self._queue = self._queue, []
            self._woken = False
        return events

    def wait(self, timeout: float) -> bool:
        """Block until there are events to poll, the watcher became synced, or it is closed.

        Args:
            timeout: the longest wait in seconds.

        Returns:
            Whether a round has something new to do (events queued, or the watcher has become
            synced since the last :meth:`poll`); ``False`` when ``timeout`` passed quietly.
        """
        with self._changed:
            self._changed.wait_for(lambda: self._woken or self._stop.is_set(), timeout)
            return self._woken

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start one discover-list-watch thread per kind."""
        for spec in self.kinds:
            thread = threading.Thread(
                target=self._run, args=(spec,), name=f"gatewaydns-watch-{spec.kind}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def close(self, timeout: float = 2.0) -> bool:
        """Stop every thread: shut down their open connections and wait for them to end.

        Threads blocked in a watch or a list body wake at once; a request still connecting or
        waiting for response headers ends within ``request_timeout``.

        Args:
            timeout: the longest wait, in seconds, for the threads to end.

        Returns:
            Whether every thread has ended.
        """
        with self._changed:
            self._stop.set()
            responses = list(self._responses.values())
            self._changed.notify_all()
        for resp in responses:
            _shutdown(resp)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        ended = not any(thread.is_alive() for thread in self._threads)
        if ended and self._own_client:
            self._api.close()
        return ended

    def wait_synced(self, timeout: float) -> bool:
        """Block until :attr:`synced` or ``timeout`` seconds; returns :attr:`synced`."""
        with self._changed:
            self._changed.wait_for(lambda: self._synced_locked() or self._stop.is_set(), timeout)
            return self._synced_locked()

    # --- reporting -----------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        _log.warning("%s", message)
        with self._lock:
            self.errors.append(message)
            del self.errors[:-100]

    def _failure(self, spec: KindSpec, step: str, exc: Exception, delay: float) -> None:
        reason = f"{step} failed: {self._describe(spec, step, exc)}"
        with self._lock:
            self.kind_errors[spec.kind] = reason
            listed = spec.kind in self._listed
        state = "retrying" if listed else "not synced; retrying"
        self._error(f"{spec.kind}: {reason}; {state} in {delay:g} s")

    def _describe(self, spec: KindSpec, step: str, exc: Exception) -> str:
        what = f"{spec.plural}.{spec.group}" if spec.group else spec.plural
        if isinstance(exc, self._k8s.client.exceptions.ApiException):
            message = ""
            try:
                message = str(json.loads(exc.body).get("message", ""))
            except (TypeError, ValueError, AttributeError):
                message = str(exc.reason or "")
            if exc.status == 403:
                verb = "read API discovery for" if step == "discovery" else step
                return (
                    f"forbidden (403): this client may not {verb} {what}; grant get, list and "
                    f"watch on it (see the RBAC section of docs/adapters.md): {message}"
                )
            if exc.status == 401:
                return f"unauthorized (401): the API server rejects the credentials: {message}"
            if exc.status == 404 and step != "discovery":
                return f"not found (404) although discovery lists {what}: {message}"
            return f"the API server answered {exc.status}: {message}"
        if isinstance(exc, (_UnservedVersionError, _DiscoveryLagError)):
            return str(exc)
        return f"cannot reach the API server: {type(exc).__name__}: {exc}"

    # --- requests ------------------------------------------------------------------------------
    def _open(self, spec: KindSpec, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Make a request and register its response so that :meth:`close` can interrupt it."""
        resp = call(*args, _preload_content=False, **kwargs)
        with self._lock:
            if self._stop.is_set():
                resp.close()
                raise _StoppedError
            self._responses[spec.kind] = resp
        return resp

    def _release(self, spec: KindSpec, resp: Any) -> None:
        with self._lock:
            self._responses.pop(spec.kind, None)
        if self._stop.is_set():
            resp.close()  # its socket may be shut down: do not pool the connection
        resp.release_conn()

    def _get_json(self, spec: KindSpec, call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        resp = self._open(spec, call, *args, _request_timeout=(self.request_timeout,) * 2, **kwargs)
        try:
            body = json.loads(resp.data)
        finally:
            self._release(spec, resp)
        return body if isinstance(body, dict) else {}

    def _list_call(self, spec: KindSpec, version: str) -> Any:
        if spec.group:
            return self._custom.list_cluster_custom_object, (spec.group, version, spec.plural)
        return self._core.list_namespace, ()

    def _discover(self, spec: KindSpec) -> str | None:
        """The apiVersion to read ``spec`` at; ``None`` when the cluster does not serve it."""

        def serves(body: dict[str, Any]) -> bool:
            return any(r.get("name") == spec.plural for r in body.get("resources") or [])

        if not spec.group:
            return (
                spec.versions[0]
                if serves(self._get_json(spec, self._core.get_api_resources))
                else None
            )
        groups = self._get_json(spec, self._apis.get_api_versions).get("groups") or []
        group = next((g for g in groups if g.get("name") == spec.group), None)
        if group is None:
            return None
        served = [v.get("version") for v in group.get("versions") or []]
        for version in spec.versions:
            if version in served and serves(
                self._get_json(spec, self._custom.get_api_resources, spec.group, version)
            ):
                return version
        unknown = sorted(
            str(v)
            for v in served
            if v not in spec.versions
            and serves(self._get_json(spec, self._custom.get_api_resources, spec.group, v))
        )
        if unknown:
            msg = (
                f"the cluster serves {spec.plural}.{spec.group} only at {', '.join(unknown)}, "
                f"which this watcher does not read (it reads {', '.join(spec.versions)})"
            )
            raise _UnservedVersionError(msg)
        return None

    # --- the loop ------------------------------------------------------------------------------
    def _run(self, spec: KindSpec) -> None:
        self._failures[spec.kind] = 0  # failures in a row; a watch the server accepts resets it
        while not self._stop.is_set():
            step = "discovery"
            try:
                version = self._discover(spec)
                if version is None:
                    installed = self._crd_exists(spec)
                    if installed:
                        raise _DiscoveryLagError(spec)
                    if installed is None and not self._absence_confirmed(spec):
                        continue
                    self._not_served(spec, forget=installed is False)
                    self._failures[spec.kind] = 0
                    self._stop.wait(self.discovery_interval)
                    continue
                self._absent_since.pop(spec.kind, None)
                step = "list"
                self._list(spec, version)
                step = "watch"
                while True:  # renewed until it fails
                    self._watch(spec, version)
            except _GoneError:
                _log.info("%s: resourceVersion expired (410); relisting", spec.kind)
            except _StoppedError:
                return
            except Exception as exc:  # any failure: report, back off, start again
                if self._stop.is_set():
                    return
                failures = self._failures[spec.kind]
                delay = min(self.max_retry_delay, self.retry_delay * 2**failures)
                self._failures[spec.kind] = failures + 1
                self._failure(spec, step, exc, delay)
                self._stop.wait(delay)

    def _crd_exists(self, spec: KindSpec) -> bool | None:
        """Whether the kind's CustomResourceDefinition exists; ``None`` if it cannot be read.

        Discovery alone cannot tell "not installed" from "not yet in discovery" (an API server
        that has just started): the CRD object, read from etcd, can.
        """
        if not spec.group:
            return False  # core discovery is static: it is right at once
        try:
            self._get_json(
                spec,
                self._extensions.read_custom_resource_definition,
                f"{spec.plural}.{spec.group}",
            )
        except self._k8s.client.exceptions.ApiException as exc:
            if exc.status == 404:
                return False
            if exc.status in (401, 403):
                return None
            raise
        return True

    def _absence_confirmed(self, spec: KindSpec) -> bool:
        """Without read access to CRDs: has discovery left the kind out for ``missing_after`` s?

        Waits (a little) when not yet; the kind does not count as listed meanwhile.
        """
        now = time.monotonic()
        since = self._absent_since.setdefault(spec.kind, now)
        if now - since >= self.missing_after:
            return True
        with self._lock:
            self.kind_errors[spec.kind] = (
                f"discovery does not list {spec.plural}.{spec.group}, and this client may not "
                "read customresourcedefinitions to confirm that it is not installed; taken as "
                f"not installed once discovery has said so for {self.missing_after:g} s"
            )
        self._stop.wait(min(self.retry_delay, self.missing_after - (now - since)))
        return False

    def _not_served(self, spec: KindSpec, *, forget: bool) -> None:
        with self._lock:
            newly = spec.kind not in self.missing_kinds
            self.missing_kinds.add(spec.kind)
            self.versions.pop(spec.kind, None)
            self.kind_errors.pop(spec.kind, None)
            known = sorted(self._known[spec.kind].items())
        if newly:
            _log.info("%s is not served by this cluster (CRD not installed)", spec.kind)
        if forget:  # the CRD is gone, and with it every object of the kind
            for key, old in known:
                self._emit("DELETED", key, old)
        elif known:
            _log.warning(
                "%s: no longer in discovery; keeping its %d objects as last seen",
                spec.kind,
                len(known),
            )
        self._mark_listed(spec)

    def _mark_listed(self, spec: KindSpec) -> None:
        with self._changed:
            if spec.kind in self._listed:
                return
            self._listed.add(spec.kind)
            if self._synced_locked():
                self._woken = True
                self._changed.notify_all()

    def _list(self, spec: KindSpec, version: str) -> None:
        call, args = self._list_call(spec, version)
        body = self._get_json(spec, call, *args)
        with self._lock:
            before = dict(self._known[spec.kind])
        seen: dict[_Key, WatchedObject] = {}
        present: set[_Key] = set()
        for raw in body.get("items") or []:
            key = self._raw_key(spec, raw)
            if key is None:
                continue
            present.add(key)
            obj = self._model(spec, version, key, raw)
            if obj is not None:
                seen[key] = obj
            elif key in before:  # invalid now: keep its last valid state
                seen[key] = before[key]
        for key, obj in sorted(seen.items()):
            old = before.get(key)
            if old is None:
                self._emit("ADDED", key, obj)
            elif old is not obj and _changed(old, obj):
                self._emit("MODIFIED", key, obj)
        for key, old in sorted(before.items()):
            if key not in seen:
                self._emit("DELETED", key, old)
        rv = (body.get("metadata") or {}).get("resourceVersion", "")
        with self._lock:
            for invalid in [k for k in self.invalid_objects if k[0] == spec.kind]:
                if (invalid[1], invalid[2]) not in present:
                    del self.invalid_objects[invalid]  # gone from the cluster
            self.missing_kinds.discard(spec.kind)
            self.kind_errors.pop(spec.kind, None)
            self.versions[spec.kind] = version
            self.resource_versions[spec.kind] = rv
            self.list_count[spec.kind] += 1
        self._mark_listed(spec)

    def _watch(self, spec: KindSpec, version: str) -> None:
        """One watch request, read to its end (the server's ``timeoutSeconds``)."""
        call, args = self._list_call(spec, version)
        try:
            resp = self._open(
                spec,
                call,
                *args,
                watch=True,
                resource_version=self.resource_versions.get(spec.kind, ""),
                allow_watch_bookmarks=True,
                timeout_seconds=self.watch_timeout,
                _request_timeout=(self.request_timeout, self.watch_timeout + self.request_timeout),
            )
        except self._k8s.client.exceptions.ApiException as exc:
            if exc.status == 410:
                raise _GoneError from exc
            raise
        self._failures[spec.kind] = 0
        try:
            for line in self._k8s.watch.watch.iter_resp_lines(resp):
                if self._stop.is_set():
                    raise _StoppedError
                self._handle_line(spec, version, line)
        finally:
            self._release(spec, resp)
        if self._stop.is_set():
            raise _StoppedError

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
        if rv:
            with self._lock:
                self.resource_versions[spec.kind] = rv
        if type_ == "BOOKMARK":
            return
        if type_ not in ("ADDED", "MODIFIED", "DELETED"):
            self._error(f"{spec.kind}: unknown watch event type {type_!r}")
            return
        key = self._raw_key(spec, raw)
        if key is None:
            return
        if type_ == "DELETED":  # by key, whatever the body
            with self._lock:
                old = self._known[spec.kind].get(key)
                self.invalid_objects.pop((spec.kind, *key), None)
            if old is not None:
                self._emit("DELETED", key, old)
            return
        obj = self._model(spec, version, key, raw)
        if obj is not None:
            with self._lock:
                known = key in self._known[spec.kind]
            self._emit("MODIFIED" if known else "ADDED", key, obj)

    # --- objects -------------------------------------------------------------------------------
    def _raw_key(self, spec: KindSpec, raw: Any) -> _Key | None:
        meta = raw.get("metadata") if isinstance(raw, dict) else None
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not name:
            self._error(f"{spec.kind}: object without metadata.name skipped")
            return None
        namespace = meta.get("namespace") if isinstance(meta, dict) else None
        if spec.kind == "Namespace" or not isinstance(namespace, str):
            namespace = ""
        return (namespace, name)

    def _model(
        self, spec: KindSpec, version: str, key: _Key, raw: dict[str, Any]
    ) -> WatchedObject | None:
        doc = dict(raw)
        doc.setdefault("apiVersion", f"{spec.group}/{version}" if spec.group else version)
        doc.setdefault("kind", spec.kind)
        model = KINDS[(spec.group, spec.kind)]
        try:
            obj: WatchedObject = model.model_validate(doc)  # type: ignore[assignment]
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            who = f"{key[0]}/{key[1]}".lstrip("/")
            problem = f"{format_loc(first['loc'])}: {first['msg']}"
            with self._lock:
                kept = key in self._known[spec.kind]
                self.invalid_objects[(spec.kind, *key)] = problem
            outcome = "its last valid version stays in effect" if kept else "object skipped"
            self._error(f"{spec.kind} {who}: {problem}; {outcome}")
            return None
        with self._lock:
            self.invalid_objects.pop((spec.kind, *key), None)
        return obj

    def _emit(self, type_: EventType, key: _Key, obj: WatchedObject) -> None:
        with self._changed:
            known = self._known[obj.kind]
            if type_ == "DELETED":
                known.pop(key, None)
            else:
                known[key] = obj
            self._queue.append(WatchEvent(type_, obj))
            self._woken = True
            self._changed.notify_all()
