"""Adapters: real implementations of :mod:`gatewaydns.protocols`, each behind an optional extra.

* :mod:`gatewaydns.adapters.rfc2136` — a DNS provider speaking RFC 2136 dynamic updates with
  TSIG and reading zones by AXFR (extra ``rfc2136``: dnspython).
* :mod:`gatewaydns.adapters.powerdns` — a DNS provider for the PowerDNS Authoritative HTTP API
  (standard library only).
* :mod:`gatewaydns.adapters.webhook` — a client of external-dns's webhook provider protocol, and
  a server that offers any provider over it (standard library only).
* :mod:`gatewaydns.adapters.kubernetes` — a watcher over the Kubernetes API (extra
  ``kubernetes``: the official client).
* :mod:`gatewaydns.adapters.nameserver` — plain, read-only DNS queries to one server, for
  ``gatewaydns audit`` (extra ``rfc2136``: dnspython).

The core never imports these modules.
"""

__all__: list[str] = []
