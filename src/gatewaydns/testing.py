"""In-memory fakes of the protocols, for tests of controllers built on gatewaydns.

:class:`InMemoryProvider` is a DNS zone in memory with fault injection; :class:`ScriptedWatcher`
delivers the events a test gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ProviderError
from gatewaydns._plan import Changes
from gatewaydns.protocols import EventType, WatchedObject, WatchEvent

__all__ = ["Faults", "InMemoryProvider", "ScriptedWatcher"]

_Key = tuple[str, str, str]


def _key(ep: Endpoint) -> _Key:
    return (ep.dns_name, ep.record_type, ep.set_identifier)


@dataclass
class Faults:
    """Faults to inject, by 1-based call number.

    Attributes:
        fail_apply: ``apply_changes`` calls that fail before changing anything.
        partial_apply: ``apply_changes`` call -> how many operations it applies before failing.
        fail_records: ``records`` calls that fail.
    """

    fail_apply: set[int] = field(default_factory=set)
    partial_apply: dict[int, int] = field(default_factory=dict)
    fail_records: set[int] = field(default_factory=set)


class InMemoryProvider:
    """A DNS zone in memory, implementing :class:`gatewaydns.protocols.Provider`.

    Args:
        records: the initial records.
        zones: the zones it serves; records outside them are refused.
        faults: faults to inject (see :class:`Faults`).

    Attributes:
        applied: every ``Changes`` successfully applied, in order.
        apply_calls: how many times ``apply_changes`` was called.
        records_calls: how many times ``records`` was called.
    """

    def __init__(
        self,
        records: Iterable[Endpoint] = (),
        *,
        zones: Sequence[str] = ("example.com",),
        faults: Faults | None = None,
    ) -> None:
        self._zones = tuple(zones)
        self._records: dict[_Key, Endpoint] = {_key(ep): ep for ep in records}
        self.faults = faults or Faults()
        self.applied: list[Changes] = []
        self.apply_calls = 0
        self.records_calls = 0

    @property
    def zones(self) -> Sequence[str]:
        """The zones served."""
        return self._zones

    def records(self) -> Sequence[Endpoint]:
        """Every record, sorted."""
        self.records_calls += 1
        if self.records_calls in self.faults.fail_records:
            msg = f"injected failure of records() call {self.records_calls}"
            raise ProviderError(msg)
        return tuple(sorted(self._records.values(), key=endpoint_sort_key))

    def _in_zone(self, name: str) -> bool:
        return any(name == z or name.endswith("." + z) for z in self._zones)

    def apply_changes(self, changes: Changes) -> None:
        """Apply deletes, then updates, then creates; refuse inconsistent changes."""
        self.apply_calls += 1
        call = self.apply_calls
        if call in self.faults.fail_apply:
            msg = f"injected failure of apply_changes() call {call}"
            raise ProviderError(msg)
        ops: list[tuple[str, Endpoint | None, Endpoint | None]] = [
            *(("delete", ep, None) for ep in changes.delete),
            *(
                ("update", old, new)
                for old, new in zip(changes.update_old, changes.update_new, strict=True)
            ),
            *(("create", None, ep) for ep in changes.create),
        ]
        limit = self.faults.partial_apply.get(call)
        for i, (op, old, new) in enumerate(ops):
            if limit is not None and i >= limit:
                msg = f"injected failure after {limit} of {len(ops)} operations (call {call})"
                raise ProviderError(msg)
            if old is not None:
                if _key(old) not in self._records:
                    msg = f"{op}: no record {_key(old)}"
                    raise ProviderError(msg, retryable=False)
                del self._records[_key(old)]
            if new is not None:
                if not self._in_zone(new.dns_name):
                    msg = f"{op}: {new.dns_name} is outside the zones {self._zones}"
                    raise ProviderError(msg, retryable=False)
                if op == "create" and _key(new) in self._records:
                    msg = f"create: record {_key(new)} exists"
                    raise ProviderError(msg, retryable=False)
                self._records[_key(new)] = new.model_copy(update={"labels": {}})
        self.applied.append(changes)

    def get(self, name: str, record_type: str, set_identifier: str = "") -> Endpoint | None:
        """One record set, or ``None``."""
        return self._records.get((name, record_type, set_identifier))

    def snapshot(self) -> dict[_Key, tuple[str, ...]]:
        """``(name, type, set id) -> targets`` of every record: handy in assertions."""
        return {k: tuple(sorted(ep.targets)) for k, ep in sorted(self._records.items())}


class ScriptedWatcher:
    """A watcher that delivers the events a test queues.

    Implements ``protocols.Watcher`` and ``protocols.WaitsForEvents``.

    Args:
        objects: objects of the initial listing (delivered as ``ADDED``).
        synced: whether the initial listing is complete from the start.
    """

    def __init__(self, objects: Iterable[WatchedObject] = (), *, synced: bool = True) -> None:
        self._queue: list[WatchEvent] = []
        self._known: dict[tuple[str, str, str], WatchedObject] = {}
        self._synced = synced
        self._woken = False
        for obj in objects:
            self.push("ADDED", obj)

    @property
    def synced(self) -> bool:
        """Whether the initial listing is complete."""
        return self._synced

    def mark_synced(self) -> None:
        """Declare the initial listing complete (wakes :meth:`wait`)."""
        if not self._synced:
            self._woken = True
        self._synced = True

    def wait(self, timeout: float) -> bool:
        """Whether there is something new to poll; never blocks.

        Only the test queues events, so waiting could not change the answer: ``timeout`` is
        accepted for the protocol and ignored, and a test never sleeps.
        """
        return self._woken

    def push(self, type_: EventType, obj: WatchedObject) -> None:
        """Queue one event."""
        key: tuple[str, str, str] = (obj.kind, obj.metadata.namespace or "", obj.name)
        if type_ == "DELETED":
            self._known.pop(key, None)
        else:
            self._known[key] = obj
        self._queue.append(WatchEvent(type_, obj))
        self._woken = True

    def relist(self, objects: Iterable[WatchedObject]) -> None:
        """Simulate a reconnect after which the cluster holds exactly ``objects``.

        Queues what a real watcher delivers after a relist: ``MODIFIED`` for every object still
        there (or ``ADDED`` for new ones) and ``DELETED`` for objects that vanished while it was
        disconnected. Events queued before the disconnect and not yet polled are lost, as they
        would be.
        """
        self._queue.clear()
        current: dict[tuple[str, str, str], WatchedObject] = {
            (o.kind, o.metadata.namespace or "", o.name): o for o in objects
        }
        for key, obj in sorted(current.items()):
            self.push("MODIFIED" if key in self._known else "ADDED", obj)
        for key in sorted(set(self._known) - set(current)):
            self.push("DELETED", self._known[key])

    def add(self, *objs: WatchedObject) -> None:
        """Queue ``ADDED`` events."""
        for obj in objs:
            self.push("ADDED", obj)

    def modify(self, *objs: WatchedObject) -> None:
        """Queue ``MODIFIED`` events."""
        for obj in objs:
            self.push("MODIFIED", obj)

    def delete(self, *objs: WatchedObject) -> None:
        """Queue ``DELETED`` events."""
        for obj in objs:
            self.push("DELETED", obj)

    def poll(self) -> Sequence[WatchEvent]:
        """Deliver and forget the queued events."""
        events, self._queue = self._queue, []
        self._woken = False
        return events
