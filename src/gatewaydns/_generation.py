"""Generation validation: which ``status.parents`` entries describe the route's current spec.

Theory of operation (SPEC section 9)
------------------------------------

Kubernetes increments ``metadata.generation`` on every spec change of a route. A Gateway
controller stamps each condition it writes with ``observedGeneration``: the generation it acted
on. ``status.parents`` is written by controllers, not by Kubernetes, and it can hold entries from
older generations — the controller has not caught up yet, or it never removes entries for parents
the route has left. Trusting such an entry publishes DNS for a Gateway the route has left: the
duplicate-record bug of external-dns.

The obvious fix — skip entries whose ``observedGeneration`` differs from ``metadata.generation`` —
was tried upstream and reverted: while the controller lags, the route has *no* current entry, its
records vanish, a ``sync`` deletes them, and they come back a moment later (flapping; certificate
issuers rate-limit the re-creation).

We offer three policies and a hold:

``strict`` (default)
    An entry counts only if its ``Accepted`` condition's ``observedGeneration`` equals the
    route's ``metadata.generation``. An object without ``metadata.generation`` (a hand-written
    file) is not checked.
``latest``
    Per ``controllerName`` (entries without one form one group), only the entries carrying that
    controller's highest ``observedGeneration`` count. Tolerates a lagging controller, still drops
    leftovers it wrote for an older spec.
``off``
    No generation check at all.

An ``Accepted`` condition without ``observedGeneration`` (some controllers never set it) is
counted (``trust``, with a diagnostic) or dropped (``reject``).

*Hold*: under ``strict``, when the caller passes the previous result, a route that is *behind* —
no entry at the current generation and at least one at a lower one — keeps exactly the endpoints
it had, until the controller catches up. The previous result is a value the caller keeps; this
module holds no state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple, TypeAlias

from gatewaydns._meta import RouteParentStatus
from gatewaydns._types import GenerationPolicy, MissingObservedGeneration

__all__ = [
    "GenerationVerdict",
    "Verdict",
    "behind_observed",
    "generation_verdicts",
    "is_behind",
    "verdicts_of",
]

#: ``current``: counts; ``stale``: written for another generation; ``untracked``: no
#: observedGeneration (counted under ``trust``); ``untracked-rejected``: dropped under ``reject``;
#: ``unchecked``: the policy or the object does not check generations.
Verdict: TypeAlias = Literal["current", "stale", "untracked", "untracked-rejected", "unchecked"]


class GenerationVerdict(NamedTuple):
    """The generation check of one ``status.parents`` entry.

    Attributes:
        verdict: see :data:`Verdict`.
        observed: the ``Accepted`` condition's ``observedGeneration`` (``None`` when unset).
        expected: the generation the entry had to carry (route generation, or the controller's
            latest under ``latest``); ``None`` when not checked.
    """

    verdict: Verdict
    observed: int | None
    expected: int | None

    @property
    def counts(self) -> bool:
        """Whether the entry passes the check."""
        return self.verdict in ("current", "untracked", "unchecked")


def _observed(entry: RouteParentStatus) -> int | None:
    cond = entry.condition("Accepted")
    return None if cond is None else cond.observed_generation


def generation_verdicts(
    generation: int | None,
    entries: Sequence[RouteParentStatus],
    policy: GenerationPolicy,
    missing: MissingObservedGeneration,
) -> list[GenerationVerdict]:
    """Check every ``status.parents`` entry of a route against its generation.

    Args:
        generation: the route's ``metadata.generation`` (``None`` = not checked).
        entries: all of the route's ``status.parents`` entries (``latest`` looks at all of them).
        policy: ``strict``, ``latest`` or ``off``.
        missing: ``trust`` or ``reject`` for entries without ``observedGeneration``.

    Returns:
        One verdict per entry, in order.
    """
    controllers = [e.controller_name or "" for e in entries] if policy == "latest" else None
    return verdicts_of(generation, [_observed(e) for e in entries], controllers, policy, missing)


def verdicts_of(
    generation: int | None,
    observed: Sequence[int | None],
    controllers: Sequence[str] | None,
    policy: GenerationPolicy,
    missing: MissingObservedGeneration,
) -> list[GenerationVerdict]:
    """:func:`generation_verdicts` from what it reads of the entries.

    Args:
        generation: the route's ``metadata.generation``.
        observed: each entry's ``Accepted.observedGeneration`` (``None``: unset or no
            ``Accepted`` condition).
        controllers: each entry's ``controllerName`` (``""`` when unset); read only under
            ``latest`` (``None`` under the other policies).
        policy: ``strict``, ``latest`` or ``off``.
        missing: ``trust`` or ``reject``.
    """
    if policy == "off" or (policy == "strict" and generation is None):
        return [GenerationVerdict("unchecked", o, None) for o in observed]
    expected: Sequence[int | None]
    if policy == "strict":
        expected = [generation] * len(observed)
    else:
        assert controllers is not None
        latest: dict[str, int] = {}
        for ctrl, obs in zip(controllers, observed, strict=True):
            if obs is not None:
                latest[ctrl] = max(latest.get(ctrl, obs), obs)
        expected = [latest.get(ctrl) for ctrl in controllers]
    untracked: Verdict = "untracked" if missing == "trust" else "untracked-rejected"
    return [
        GenerationVerdict(
            untracked if obs is None else "current" if obs == exp else "stale", obs, exp
        )
        for obs, exp in zip(observed, expected, strict=True)
    ]


def is_behind(generation: int | None, entries: Sequence[RouteParentStatus]) -> bool:
    """Whether a route's status lags its spec (the condition for *hold*).

    True when no entry's ``Accepted.observedGeneration`` equals ``generation`` and at least one
    is lower. A route without ``metadata.generation`` is never behind.
    """
    return behind_observed(generation, [_observed(e) for e in entries])


def behind_observed(generation: int | None, observed: Sequence[int | None]) -> bool:
    """:func:`is_behind`, given each entry's ``Accepted.observedGeneration`` (or ``None``)."""
    if generation is None:
        return False
    seen = [o for o in observed if o is not None]
    return generation not in seen and any(o < generation for o in seen)
