"""The interfaces gatewaydns drives: DNS providers and Kubernetes watchers.

They are structural (``typing.Protocol``): an adapter never imports or subclasses anything from
gatewaydns to satisfy them. :mod:`gatewaydns.testing` has in-memory implementations.

Errors that mean "retry"
    A provider raises :class:`gatewaydns.ProviderError` for failures of the DNS service
    (timeouts, refused connections, server errors, a rejected update). ``retryable=True`` means
    the same call may succeed later; ``retryable=False`` means configuration must change (bad
    credentials, a zone it does not serve). The reconciler treats both as "this round failed":
    it re-reads the provider next round and plans again, and reports ``retryable`` to the caller.
    Any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, runtime_checkable

from gatewaydns._endpoint import Endpoint
from gatewaydns._gateway import Gateway, ListenerSet
from gatewaydns._meta import Namespace
from gatewaydns._plan import Changes
from gatewaydns._routes import Route

__all__ = [
    "AdjustsEndpoints",
    "EventType",
    "Provider",
    "WaitsForEvents",
    "WatchEvent",
    "WatchedObject",
    "Watcher",
]

#: Every object kind a watcher delivers.
WatchedObject: TypeAlias = Gateway | ListenerSet | Route | Namespace

#: The Kubernetes watch event types.
EventType: TypeAlias = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class WatchEvent:
    """One change to one object. For ``DELETED`` the object is its last known state."""

    type: EventType
    object: WatchedObject


@runtime_checkable
class Provider(Protocol):
    """A DNS provider: reads and changes the records of the zones it serves."""

    @property
    def zones(self) -> Sequence[str]:
        """The DNS zones this provider serves (``example.com``)."""
        ...

    def records(self) -> Sequence[Endpoint]:
        """Every record of the served zones, TXT ownership records included.

        Records of one name, type and set identifier form one ``Endpoint`` with all their
        targets. TXT targets are in presentation form (quoted strings, ``"a" "b"`` for a value
        stored as two strings). Names may come in any case, with or without the trailing dot:
        the planner compares them normalised.

        Raises:
            ProviderError: the records could not be read; nothing is planned this round.
        """
        ...

    def apply_changes(self, changes: Changes) -> None:
        """Apply a plan: each of ``changes.units`` all or nothing, never split across requests.

        A unit holds a record set and its ownership TXT: it deletes its ``delete``, replaces each
        ``update_old[i]`` by ``update_new[i]`` and creates its ``create``. Where the service
        supports conditional updates, a unit is refused when a record in ``delete``,
        ``update_old`` or ``require`` no longer holds the value that was read, or a record in
        ``create`` exists. A failing unit does not stop the others.

        Raises:
            ProviderError: some units (or all, or none) failed; the others were applied. The
                reconciler re-reads ``records()`` and plans again next round.
        """
        ...


@runtime_checkable
class AdjustsEndpoints(Protocol):
    """Optional provider hook: normalise desired endpoints before planning.

    Like external-dns's ``AdjustEndpoints``: e.g. set a default TTL or drop unsupported
    provider-specific properties, so that the plan does not keep "updating" them. It may also
    change a DNS name; the Reconciler then plans that round against the whole zone (an event
    round reads only the names it plans).
    """

    def adjust_endpoints(self, endpoints: Sequence[Endpoint]) -> Sequence[Endpoint]:
        """Return the endpoints as this provider will store them."""
        ...


@runtime_checkable
class Watcher(Protocol):
    """A source of Gateway API objects (Gateways, ListenerSets, routes, Namespaces)."""

    @property
    def synced(self) -> bool:
        """Whether the initial listing has been delivered in full: every event of it is queued.

        The reconciler never plans before this is true: planning against a half-listed cluster
        would delete records. A consumer reads ``synced`` *before* it polls (as
        ``Reconciler.step`` does): when it was true then, that poll delivers the whole listing.
        """
        ...

    def poll(self) -> Sequence[WatchEvent]:
        """The events since the last call, oldest first; never blocks.

        After a reconnect or a relist (``410 Gone``), the watcher delivers ``ADDED``/``MODIFIED``
        for every object it now sees and ``DELETED`` for every object that vanished meanwhile, so
        the consumer's state converges without a special "replace" event.
        """
        ...


@runtime_checkable
class WaitsForEvents(Protocol):
    """Optional watcher hook: sleep until there is something to reconcile.

    A controller loop that calls :meth:`wait` instead of sleeping a fixed interval reacts within
    a fraction of a second of a change and sleeps otherwise. A watcher without it still
    satisfies :class:`Watcher`; loops then poll on a timer.
    """

    def wait(self, timeout: float) -> bool:
        """Block until events are queued (or the watcher became synced), or ``timeout`` passes.

        Returns at once when events are already queued, or when the watcher is closed.

        Args:
            timeout: the longest wait, in seconds.

        Returns:
            ``True`` when :meth:`Watcher.poll` has something new; ``False`` on a quiet timeout.
        """
        ...
