"""A watcher fed by kopf's handlers: gatewaydns inside a kopf operator.

kopf does the listing and watching; :class:`KopfWatcher` turns what its handlers receive into
:class:`~gatewaydns.protocols.WatchEvent` values for a :class:`~gatewaydns.Reconciler`. Needs the
``kopf`` extra, imported by :meth:`KopfWatcher.register` only.

Theory of operation
-------------------

:meth:`KopfWatcher.register` adds two handlers per kind gatewaydns reads (Gateways,
ListenerSets, the five route kinds, Namespaces; each at the version the cluster prefers):

* an **index handler** (``@kopf.index``), which kopf calls for every listed object and every
  change: it delivers ``ADDED`` and ``MODIFIED`` (its index value is ``None``; the watcher keeps
  its own copy of each object, as the reconciler's mirror needs it anyway);
* an **event handler** (``@kopf.on.event``): it delivers ``DELETED``, which index handlers never
  see.

How ``synced`` is established
    kopf runs no handler but indexing ones until every kind that has an index handler has been
    listed in full and every listed object has been indexed (kopf's indexing guarantee, made
    for exactly this: "the index is complete before anything uses it"). Every kind gatewaydns
    reads has one, so the first call of any of the event handlers proves that the whole initial
    listing has been delivered. One such call always comes: the Namespace handler sees
    ``default`` and ``kube-system``, which a cluster cannot delete. :attr:`KopfWatcher.synced`
    turns true at that call: every event of the listing is queued by then, so a consumer that
    reads ``synced`` before it polls (the Watcher contract, as ``Reconciler.step`` does) never
    plans with part of the listing still queued. A kind the cluster does not serve (its CRD is
    not installed) is not listed by kopf and does not hold ``synced`` back; kopf starts
    watching it when the CRD appears.

Deletion and re-creation
    kopf handles each object (by uid) in a worker of its own, so the ``DELETED`` of an object
    may come after the first event of a new object of the same name. A ``DELETED`` applies only
    to the object of its uid, and later events of a deleted uid are ignored: a route deleted and
    created again is never removed by its predecessor's late events. When two uids of one name
    are seen alive, the one created later (``creationTimestamp``, then arrival) wins.

Invalid objects
    An object that fails validation keeps its last valid state (no event) and is reported in
    ``errors`` and ``invalid_objects``, as with :class:`~gatewaydns.adapters.kubernetes.
    KubernetesWatcher`.

A limit of kopf
    After a watch expires (``410 Gone``: the watch was down longer than the API server keeps
    history), kopf lists the kind again but does not report objects deleted meanwhile; they stay
    in the mirror (and their records in DNS) until the operator restarts. The watcher detects
    such relists (an object listed that it has seen before), logs a warning and counts them in
    ``relisted_objects``; ``KubernetesWatcher`` has no such gap (it diffs its relists).

Threads: kopf calls the handlers in its event loop; a reconciler usually runs in another thread.
Every method is thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gatewaydns._clientobjects import to_manifest
from gatewaydns._optional import require
from gatewaydns._snapshot import KINDS, format_loc
from gatewaydns.adapters.kubernetes import DEFAULT_KINDS, KindSpec
from gatewaydns.protocols import EventType, WatchedObject, WatchEvent

__all__ = ["KopfWatcher"]

_log = logging.getLogger("gatewaydns.adapters.kopf")

_Key = tuple[str, str, str]  # (kind, namespace, name); namespace "" for Namespaces
_TOMBSTONES = 10_000  # uids of deleted objects remembered, to ignore their late events


@dataclass(frozen=True)
class _Known:
    uid: str
    created: str
    obj: WatchedObject


def _kopf() -> Any:
    return require("kopf", "the kopf watcher needs kopf", "kopf")


class KopfWatcher:
    """A :class:`gatewaydns.protocols.Watcher` fed by kopf handlers.

    Also implements :class:`gatewaydns.protocols.WaitsForEvents`.

    Args:
        kinds: the kinds to handle (default: every kind gatewaydns reads). Their ``versions``
            are not used: kopf serves the version the cluster prefers. Keep ``Namespace``
            among them: its objects always exist, so its event handler always marks the
            listing complete (without it, a cluster with no object of the other kinds never
            does).

    Attributes:
        errors: problems with single objects, newest last (the last 100).
        invalid_objects: ``(kind, namespace, name)`` -> why the object's newest version failed
            validation; its last valid version (if any) stays in effect.
        relisted_objects: kind -> how many objects kopf listed again after a watch expired
            (objects deleted in such a gap are not reported by kopf).
    """

    def __init__(self, kinds: Sequence[KindSpec] = DEFAULT_KINDS) -> None:
        self.kinds = tuple(kinds)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._known: dict[_Key, _Known] = {}
        self._gone: OrderedDict[str, None] = OrderedDict()  # uids of deleted objects
        self._seen: set[str] = set()  # uids the event handlers have seen (to spot relists)
        self._queue: list[WatchEvent] = []
        self._synced = False  # the whole initial listing is queued
        self._woken = False
        self._closed = False
        self.errors: list[str] = []
        self.invalid_objects: dict[_Key, str] = {}
        self.relisted_objects: dict[str, int] = {}

    # --- registration --------------------------------------------------------------------------
    def register(self, registry: Any = None, *, id_prefix: str = "gatewaydns") -> None:
        """Add this watcher's index and event handlers to a kopf registry.

        Args:
            registry: a ``kopf.OperatorRegistry`` (default: kopf's default registry, the one
                ``kopf run`` and ``kopf.run()`` use).
            id_prefix: the start of the handlers' ids (``gatewaydns/httproutes``...).
        """
        kopf = _kopf()
        for spec in self.kinds:
            self._register_kind(kopf, registry, spec, f"{id_prefix}/{spec.plural}")

    def _register_kind(self, kopf: Any, registry: Any, spec: KindSpec, handler_id: str) -> None:
        where = {"group": spec.group, "plural": spec.plural, "registry": registry}

        @kopf.index(id=handler_id, **where)  # type: ignore[untyped-decorator]
        async def index(body: Mapping[str, Any], **_: Any) -> None:
            self.index(body)

        @kopf.on.event(id=handler_id, **where)  # type: ignore[untyped-decorator]
        async def event(type: str | None, body: Mapping[str, Any], **_: Any) -> None:
            self.event(type, body)

    # --- what the handlers do ------------------------------------------------------------------
    def index(self, body: Mapping[str, Any]) -> None:
        """Take an object kopf listed or saw change (what the index handlers call).

        Args:
            body: the object (kopf's ``Body``, or any manifest).
        """
        doc = to_manifest(body)
        kind, namespace, name, uid, created = _identity(doc)
        if not name:
            self._error(f"{kind or 'object'} without metadata.name skipped")
            return
        key: _Key = (kind, namespace, name)
        with self._lock:
            if uid and uid in self._gone:
                return  # a late event of a deleted object
            old = self._known.get(key)
        if old is not None and _older(uid, created, old):
            with self._lock:
                self._tombstone(uid)
            return  # a late event of an object a newer one of the same name replaced
        obj = self._model(key, doc)
        if obj is None:
            return
        with self._changed:
            old = self._known.get(key)
            if old is not None and old.uid and uid and old.uid != uid:
                self._tombstone(old.uid)  # replaced: the old object is gone
            self._known[key] = _Known(uid, created, obj)
            if old is None:
                self._emit("ADDED", obj)
            elif (
                old.obj.metadata.resource_version != obj.metadata.resource_version or old.obj != obj
            ):
                self._emit("MODIFIED", obj)

    def event(self, type_: str | None, body: Mapping[str, Any]) -> None:
        """Take a watch event kopf delivers (what the event handlers call).

        ``DELETED`` removes the object of the body's uid; any call also marks the initial
        listing complete (kopf calls event handlers only after every index is complete).

        Args:
            type_: ``None`` for an object from a listing, else ``ADDED``, ``MODIFIED`` or
                ``DELETED``.
            body: the object.
        """
        doc = to_manifest(body)
        kind, namespace, name, uid, _created = _identity(doc)
        key: _Key = (kind, namespace, name)
        first_relist = False
        with self._changed:
            if type_ == "DELETED":
                if uid:
                    self._tombstone(uid)
                    self._seen.discard(uid)
                old = self._known.get(key)
                if old is None or not uid or not old.uid or old.uid == uid:
                    self.invalid_objects.pop(key, None)
                    if old is not None:
                        del self._known[key]
                        self._emit("DELETED", old.obj)
            elif uid:
                if type_ is None and uid in self._seen:  # listed again: kopf relisted the kind
                    first_relist = kind not in self.relisted_objects
                    self.relisted_objects[kind] = self.relisted_objects.get(kind, 0) + 1
                self._seen.add(uid)
            if not self._synced:
                self._synced = True
                self._woken = True
                self._changed.notify_all()
        if first_relist:
            _log.warning(
                "kopf listed %s again (its watch expired): objects deleted while it was down "
                "are not reported by kopf and keep their DNS records until a restart",
                kind,
            )

    # --- Watcher protocol ----------------------------------------------------------------------
    @property
    def synced(self) -> bool:
        """Whether the whole initial listing is queued (read it before polling)."""
        with self._lock:
            return self._synced

    def poll(self) -> Sequence[WatchEvent]:
        """The events since the last call, oldest first."""
        with self._lock:
            events, self._queue = self._queue, []
            self._woken = False
        return events

    def wait(self, timeout: float) -> bool:
        """Block until there are events, the listing became complete, or the watcher is closed.

        Args:
            timeout: the longest wait in seconds.

        Returns:
            Whether a round has something new to do; ``False`` when ``timeout`` passed quietly.
        """
        with self._changed:
            self._changed.wait_for(lambda: self._woken or self._closed, timeout)
            return self._woken

    def close(self) -> None:
        """Wake every :meth:`wait` (a controller shutting down); handlers may still deliver."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # --- helpers -------------------------------------------------------------------------------
    def _model(self, key: _Key, doc: dict[str, Any]) -> WatchedObject | None:
        kind, namespace, name = key
        group = str(doc.get("apiVersion") or "").rpartition("/")[0]
        model = KINDS.get((group, kind))
        who = f"{namespace}/{name}".lstrip("/")
        if model is None:
            self._error(f"{kind} {who}: not a kind gatewaydns reads (apiVersion {group!r})")
            return None
        try:
            obj: WatchedObject = model.model_validate(doc)  # type: ignore[assignment]
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            problem = f"{format_loc(first['loc'])}: {first['msg']}"
            with self._lock:
                kept = key in self._known
                self.invalid_objects[key] = problem
            outcome = "its last valid version stays in effect" if kept else "object skipped"
            self._error(f"{kind} {who}: {problem}; {outcome}")
            return None
        with self._lock:
            self.invalid_objects.pop(key, None)
        return obj

    def _tombstone(self, uid: str) -> None:
        self._gone[uid] = None
        self._gone.move_to_end(uid)
        while len(self._gone) > _TOMBSTONES:
            self._gone.popitem(last=False)

    def _emit(self, type_: EventType, obj: WatchedObject) -> None:
        """Queue an event; the caller holds the lock."""
        self._queue.append(WatchEvent(type_, obj))
        self._woken = True
        self._changed.notify_all()

    def _error(self, message: str) -> None:
        _log.warning("%s", message)
        with self._lock:
            self.errors.append(message)
            del self.errors[:-100]


def _identity(doc: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """(kind, namespace, name, uid, creationTimestamp) of a manifest; ``""`` where absent."""
    kind = doc.get("kind")
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}

    def text(value: object) -> str:
        return value if isinstance(value, str) else ""

    namespace = "" if kind == "Namespace" else text(meta.get("namespace"))
    return (
        text(kind),
        namespace,
        text(meta.get("name")),
        text(meta.get("uid")),
        text(meta.get("creationTimestamp")),
    )


def _older(uid: str, created: str, known: _Known) -> bool:
    """Whether an object of another uid than the known one was created before it."""
    if not uid or not known.uid or uid == known.uid:
        return False
    return bool(created and known.created and created < known.created)
