"""Talking to the test BIND directly with dnspython, independently of the provider under test."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import dns.zone

from gatewaydns import Changes, Endpoint, PlanOptions, plan
from gatewaydns.adapters.rfc2136 import RFC2136Provider

# a zone key -> the record set's rdata texts, as named serves it
Zone = dict[tuple[str, str], tuple[str, ...]]
KEEP = ("SOA", "NS")


def raw_update(named: dict[str, Any]) -> dns.update.UpdateMessage:
    """An UPDATE message signed with the test key, as a person with that key would send it."""
    key = named["key"]
    return dns.update.UpdateMessage(
        named["zone"],
        keyring=dns.tsigkeyring.from_text({key.name: key.secret}),
        keyname=key.name,
        keyalgorithm=key.algorithm,
    )


def send(named: dict[str, Any], msg: dns.update.UpdateMessage) -> None:
    response = dns.query.tcp(msg, named["host"], port=named["port"], timeout=5)
    assert response.rcode() == 0, response.rcode()


def query(named: dict[str, Any], name: str, rtype: str) -> tuple[int, list[str]]:
    """(TTL, sorted targets) of a record as named serves it; (0, []) when absent."""
    response = dns.query.udp(
        dns.message.make_query(name, rtype), named["host"], port=named["port"], timeout=5
    )
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rtype):
            return rrset.ttl, sorted(r.to_text().rstrip(".") for r in rrset)
    return 0, []


def dump(named: dict[str, Any]) -> Zone:
    """Every record set of the zone by AXFR: (lower-case name, type) -> sorted rdata texts."""
    key = named["key"]
    xfr = dns.query.xfr(
        named["host"],
        named["zone"],
        port=named["port"],
        keyring=dns.tsigkeyring.from_text({key.name: key.secret}),
        keyname=key.name,
        timeout=5,
        relativize=False,
    )
    zone = dns.zone.from_xfr(xfr, relativize=False)
    out: Zone = {}
    for name, rdataset in zone.iterate_rdatasets():
        rtype = dns.rdatatype.to_text(rdataset.rdtype)
        if rtype in KEEP:
            continue
        text = name.to_text(omit_final_dot=True).lower()
        out[(text, rtype)] = tuple(sorted(r.to_text().rstrip(".").lower() for r in rdataset))
    return out


def reset(named: dict[str, Any]) -> None:
    """Empty the zone of everything but its SOA, NS and the nameserver's A record."""
    msg = raw_update(named)
    for name, rtype in dump(named):
        if name == f"ns.{named['zone']}" and rtype == "A":
            continue
        msg.delete(name + ".", rtype)
    send(named, msg)


class Faulty(RFC2136Provider):
    """An RFC2136Provider whose message exchange runs hooks, by 1-based message number.

    ``before[n]`` runs just before message n is sent (a concurrent writer); ``drop`` loses the
    connection before message n reaches the server; ``lose_response`` sends message n (the
    server applies it) and then loses the answer. ``messages`` records every message sent.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before: dict[int, Callable[[Any], None]] = {}
        self.lose_response: set[int] = set()
        self.drop: set[int] = set()
        self.messages: list[Any] = []

    def _exchange(self, message: Any) -> Any:
        import dns.exception

        self.messages.append(message)
        n = len(self.messages)
        if n in self.before:
            self.before[n](message)
        if n in self.drop:
            raise ConnectionResetError("injected: connection dropped before the message")
        response = super()._exchange(message)
        if n in self.lose_response:
            raise dns.exception.Timeout("injected: response lost")  # type: ignore[no-untyped-call]
        return response


def dns_flags(
    named: dict[str, Any],
    tmp: pathlib.Path,
    owner: str,
    server: tuple[str, int] | None = None,
) -> list[str]:
    """The RFC 2136 flags of the example controllers for the test BIND (writes the TSIG secret).

    ``server`` sends the updates elsewhere (a proxy in front of named) with named's key.
    """
    secret = tmp / "tsig.secret"
    secret.write_text(named["key"].secret + "\n")
    host, port = server or (named["host"], named["port"])
    return [
        *("--dns-server", host, "--dns-port", str(port), "--zone", named["zone"]),
        *("--tsig-key-name", named["key"].name, "--tsig-secret-file", str(secret)),
        *("--owner-id", owner),
    ]


def plan_and_apply(provider: Any, desired: list[Endpoint], options: PlanOptions) -> Changes:
    """One controller round against a server: plan against the zone, apply (errors propagate)."""
    changes = plan(
        provider.adjust_endpoints(desired),
        provider.records(),
        options,
        zones=provider.zones,
        capabilities=provider.capabilities,
    )
    provider.apply_changes(changes)
    return changes
