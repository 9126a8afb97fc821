"""Talking to the test PowerDNS directly (AXFR and raw API calls), independently of the provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dns.query
import dns.rdatatype
import dns.zone

from gatewaydns.adapters._http import Response
from gatewaydns.adapters.powerdns import PowerDNSProvider

from .pdns_server import api_call

# a zone key -> the record set's rdata texts, as the server serves it
Zone = dict[tuple[str, str], tuple[str, ...]]
KEEP = ("SOA", "NS")


def dump(pdns: dict[str, Any]) -> Zone:
    """Every record set of the zone by AXFR: (lower-case name, type) -> sorted rdata texts."""
    host, port = pdns["dns"].rsplit(":", 1)
    xfr = dns.query.xfr(host, pdns["zone"], port=int(port), timeout=5, relativize=False)
    zone = dns.zone.from_xfr(xfr, relativize=False)
    out: Zone = {}
    for name, rdataset in zone.iterate_rdatasets():
        rtype = dns.rdatatype.to_text(rdataset.rdtype)
        if rtype in KEEP:
            continue
        text = name.to_text(omit_final_dot=True).lower()
        out[(text, rtype)] = tuple(sorted(r.to_text().rstrip(".").lower() for r in rdataset))
    return out


def patch(pdns: dict[str, Any], *rrsets: tuple[str, str, list[str]]) -> None:
    """REPLACE record sets (name, type, contents; no contents: DELETE), as a person would."""
    ops: list[dict[str, Any]] = []
    for name, rtype, contents in rrsets:
        if contents:
            records = [{"content": c, "disabled": False} for c in contents]
            ops.append(
                {
                    "name": name + ".",
                    "type": rtype,
                    "ttl": 300,
                    "changetype": "REPLACE",
                    "records": records,
                }
            )
        else:
            ops.append({"name": name + ".", "type": rtype, "changetype": "DELETE"})
    api_call(pdns["api"], pdns["key"], "PATCH", f"/zones/{pdns['zone']}.", {"rrsets": ops})


def reset(pdns: dict[str, Any]) -> None:
    """Empty the zone of everything but its SOA, NS and the nameserver's A record."""
    doomed: list[tuple[str, str, list[str]]] = [
        (n, t, []) for n, t in dump(pdns) if (n, t) != (f"ns.{pdns['zone']}", "A")
    ]
    if doomed:
        patch(pdns, *doomed)


class FaultyPowerDNS(PowerDNSProvider):
    """A PowerDNSProvider whose PATCH requests run hooks, by 1-based PATCH number.

    ``before[n]`` runs just before PATCH n is sent (a concurrent writer); ``drop`` loses the
    connection before PATCH n reaches the server; ``lose_response`` sends PATCH n (the server
    applies it) and then loses the answer; ``before_read[n]`` runs before the n-th zone read.
    ``patches`` records the body of every PATCH sent.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before: dict[int, Callable[[], None]] = {}
        self.before_read: dict[int, Callable[[], None]] = {}
        self.drop: set[int] = set()
        self.lose_response: set[int] = set()
        self.patches: list[Any] = []
        self.reads = 0

    def _call(self, method: str, path: str, body: Any = None) -> Response:
        from gatewaydns import ProviderError

        if method == "GET":
            self.reads += 1
            if self.reads in self.before_read:
                self.before_read[self.reads]()
            return super()._call(method, path, body)
        self.patches.append(body)
        n = len(self.patches)
        if n in self.before:
            self.before[n]()
        if n in self.drop:
            raise ProviderError("injected: connection dropped before the request")
        resp = super()._call(method, path, body)
        if n in self.lose_response:
            raise ProviderError("injected: response lost")
        return resp
