"""In-memory fakes of the protocols, for tests of controllers built on gatewaydns.

:class:`InMemoryProvider` is a DNS zone in memory with fault injection; :class:`ScriptedWatcher`
delivers the events a test gives it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gatewaydns._dnsname import normalize_name, zone_of
from gatewaydns._endpoint import Endpoint, RecordKey, endpoint_sort_key, record_key
from gatewaydns._errors import ProviderError
from gatewaydns._plan import Changes, ChangeUnit, ProviderCapabilities
from gatewaydns.protocols import EventType, WatchedObject, WatchEvent

__all__ = ["Faults", "InMemoryProvider", "ScriptedWatcher"]


@dataclass
class Faults:
    """Faults to inject, by 1-based call number.

    Attributes:
        fail_apply: ``apply_changes`` calls that fail before changing anything.
        partial_apply: ``apply_changes`` call -> how many units it applies before failing
            (a unit is applied all or nothing, as a real provider's atomic request is).
        fail_records: ``records`` calls that fail.
    """

    fail_apply: set[int] = field(default_factory=set)
    partial_apply: dict[int, int] = field(default_factory=dict)
    fail_records: set[int] = field(default_factory=set)


class InMemoryProvider:
    """A DNS zone in memory, implementing :class:`gatewaydns.protocols.Provider`.

    It behaves like an RFC 2136 server applying one message per unit: a unit is applied all or
    nothing; a record to create must be absent; a record to replace or delete must hold exactly
    the targets the plan read (so a concurrent change makes the unit fail, retryably); a CNAME
    shares its name with nothing; names are case-insensitive. A unit that fails does not stop
    the others; ``apply_changes`` raises at the end.

    Args:
        records: the initial records.
        zones: the zones it serves; records outside them are refused.
        faults: faults to inject (see :class:`Faults`).
        capabilities: what it claims to store (``plan`` leaves out the rest).

    Attributes:
        applied: the last 100 ``Changes`` successfully applied in full, in order.
        apply_calls: how many times ``apply_changes`` was called.
        records_calls: how many times ``records`` was called.
    """

    def __init__(
        self,
        records: Iterable[Endpoint] = (),
        *,
        zones: Sequence[str] = ("example.com",),
        faults: Faults | None = None,
        capabilities: ProviderCapabilities | None = None,
    ) -> None:
        self._zones = tuple(normalize_name(z) for z in zones)
        self._records: dict[RecordKey, Endpoint] = {}
        self._by_name: dict[str, set[RecordKey]] = {}  # name -> keys of its record sets
        self.put(*records)
        self.faults = faults or Faults()
        self.capabilities = capabilities or ProviderCapabilities()
        self.applied: deque[Changes] = deque(maxlen=100)  # bounded: a fake may run for long
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

    def put(self, *records: Endpoint) -> None:
        """Write records directly, as a person or another controller would (no checks)."""
        for ep in records:
            self._set(ep.key, ep)

    def remove(self, name: str, record_type: str, set_identifier: str = "") -> None:
        """Delete a record set directly, as a person would."""
        self._set(record_key(name, record_type, set_identifier), None)

    def _set(self, key: RecordKey, ep: Endpoint | None) -> None:
        if ep is None:
            self._records.pop(key, None)
            keys = self._by_name.get(key[0])
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_name[key[0]]
        else:
            self._records[key] = ep
            self._by_name.setdefault(key[0], set()).add(key)

    def apply_changes(self, changes: Changes) -> None:
        """Apply each unit atomically; raise at the end if any unit failed."""
        self.apply_calls += 1
        call = self.apply_calls
        if call in self.faults.fail_apply:
            msg = f"injected failure of apply_changes() call {call}"
            raise ProviderError(msg)
        limit = self.faults.partial_apply.get(call)
        failures: list[ProviderError] = []
        for i, unit in enumerate(changes.units):
            if limit is not None and i >= limit:
                msg = f"injected failure after {limit} of {len(changes.units)} units (call {call})"
                raise ProviderError(msg)
            try:
                self._apply_unit(unit)
            except ProviderError as exc:
                failures.append(exc)
        if failures:
            msg = f"{len(failures)} unit(s) failed: " + "; ".join(str(f) for f in failures)
            raise ProviderError(msg, retryable=any(f.retryable for f in failures))
        self.applied.append(changes)

    def _apply_unit(self, unit: ChangeUnit) -> None:
        staged: dict[RecordKey, Endpoint | None] = {}
        for old in (*unit.delete, *unit.update_old, *unit.require):
            have = self._records.get(old.key)
            if have is None or sorted(have.targets) != sorted(old.targets):
                msg = f"{old.record_type} {old.dns_name} changed since it was read"
                raise ProviderError(msg)
        for old in (*unit.delete, *unit.update_old):
            staged[old.key] = None
        for new in (*unit.update_new, *unit.create):
            name = normalize_name(new.dns_name)
            if zone_of(name, self._zones) is None:
                msg = f"{new.dns_name} is outside the zones {self._zones}"
                raise ProviderError(msg, retryable=False)
            if new.set_identifier and not self.capabilities.set_identifiers:
                msg = f"{new.dns_name}: set identifiers are not supported"
                raise ProviderError(msg, retryable=False)
            if new in unit.create and staged.get(new.key, self._records.get(new.key)):
                msg = f"create: {new.record_type} {new.dns_name} exists"
                raise ProviderError(msg)
            staged[new.key] = new.model_copy(update={"labels": {}, "dns_name": name})
        for name in {k[0] for k, v in staged.items() if v is not None}:
            here = self._by_name.get(name, set())
            types = {k[1] for k in here if staged.get(k, self._records[k]) is not None}
            types |= {k[1] for k, v in staged.items() if k[0] == name and v is not None}
            if "CNAME" in types and len(types) > 1:
                msg = f"{name}: a CNAME cannot share its name with {', '.join(sorted(types))}"
                raise ProviderError(msg, retryable=False)
        for k, v in staged.items():
            self._set(k, v)

    def get(self, name: str, record_type: str, set_identifier: str = "") -> Endpoint | None:
        """One record set, or ``None``."""
        return self._records.get((normalize_name(name), record_type, set_identifier))

    def snapshot(self) -> dict[RecordKey, tuple[str, ...]]:
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
        key = (obj.kind, obj.namespace, obj.name)
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
            (o.kind, o.namespace, o.name): o for o in objects
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
