"""Plain DNS queries: what one nameserver answers for a list of names (``gatewaydns audit``).

Needs dnspython (the ``rfc2136`` extra), imported when a :class:`Nameserver` is created. Works
with any authoritative server or resolver, without credentials: for each name it asks A, AAAA and
CNAME over UDP (TCP when the answer is truncated) and keeps the record sets owned by the name
itself (a CNAME chain's further records belong to other names).

Bounded: each query waits at most ``timeout`` seconds per try, for ``tries`` tries; at most
``concurrency`` queries are in flight; the first failure stops the rest. A server that does not
answer, or answers with anything but ``NOERROR`` or ``NXDOMAIN`` (``SERVFAIL``, ``REFUSED``, a
mangled message), is a :class:`~gatewaydns.ProviderError` naming the server, the name and the
type — never an empty answer, so an audit never mistakes an unreachable server for missing
records.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

from gatewaydns._dnsname import normalize_name
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._optional import require

__all__ = ["Nameserver", "parse_nameserver"]

_DNS_MODULES = (
    "dns.exception",
    "dns.flags",
    "dns.message",
    "dns.name",
    "dns.query",
    "dns.rcode",
    "dns.rdatatype",
)


def parse_nameserver(text: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address -> (address, port).

    Raises:
        ConfigError: not an IP address, or a port outside 1-65535.

    Example:
        >>> parse_nameserver("192.0.2.53:5353"), parse_nameserver("[2001:db8::53]:53")
        (('192.0.2.53', 5353), ('2001:db8::53', 53))
        >>> parse_nameserver("2001:db8::53")
        ('2001:db8::53', 53)
    """
    host, port = text, "53"
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            msg = f"nameserver {text!r}: expected [IPv6]:PORT"
            raise ConfigError(msg)
        port = rest[1:] or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        msg = f"nameserver {text!r}: expected IP[:PORT] (an IP address, not a host name)"
        raise ConfigError(msg) from None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        msg = f"nameserver {text!r}: the port must be a number from 1 to 65535"
        raise ConfigError(msg)
    return address, int(port)


class Nameserver:
    """One nameserver, asked plain questions with bounded time.

    Args:
        host: its IP address.
        port: its port.
        timeout: seconds to wait for each answer (per try).
        tries: how often a query that got no answer is sent (UDP loses packets).
        concurrency: how many queries are in flight at most.

    Raises:
        ConfigError: a timeout, tries or concurrency out of range.
        ImportError: dnspython is not installed (``pip install 'gatewaydns[rfc2136]'``).
    """

    def __init__(
        self,
        host: str,
        port: int = 53,
        *,
        timeout: float = 2.0,
        tries: int = 2,
        concurrency: int = 8,
    ) -> None:
        if not timeout > 0 or tries < 1 or concurrency < 1:
            msg = "timeout must be positive, tries and concurrency at least 1"
            raise ConfigError(msg)
        self._dns: Any = require("rfc2136", "plain DNS queries need dnspython", *_DNS_MODULES)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.tries = tries
        self.concurrency = concurrency

    @property
    def label(self) -> str:
        """``IP:PORT`` (``[IPv6]:PORT``): how reports name this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def records(
        self, names: Iterable[str], types: Sequence[str] = ("A", "AAAA", "CNAME")
    ) -> list[Endpoint]:
        """What the server answers for every name and type, as endpoints (sorted).

        Raises:
            ProviderError: the server did not answer a query within ``timeout`` x ``tries``, or
                answered with an error code or a message that is not a valid answer.
        """
        queries = [(normalize_name(n), t) for n in sorted(set(names)) for t in types]
        out: list[Endpoint] = []
        if not queries:
            return out
        failed = threading.Event()
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(queries))) as pool:
            futures: list[Future[Endpoint | None]] = [
                pool.submit(self._ask, name, rtype, failed) for name, rtype in queries
            ]
            _done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in pending:  # a failure: do not start what is still queued
                future.cancel()
        # every query that started has ended: report the first failure in query order
        for future in futures:
            error = None if future.cancelled() else future.exception()
            if error is not None:
                raise error
        out = [ep for f in futures if (ep := f.result()) is not None]
        return sorted(out, key=endpoint_sort_key)

    def _ask(self, name: str, rtype: str, failed: threading.Event) -> Endpoint | None:
        if failed.is_set():  # another query failed: the answer would not be used
            return None
        try:
            return self._query(name, rtype)
        except ProviderError:
            failed.set()
            raise

    def _query(self, name: str, rtype: str) -> Endpoint | None:
        dns = self._dns
        what = f"{rtype} {name}"
        try:
            qname = dns.name.from_text(name)
            query = dns.message.make_query(qname, rtype)
        except dns.exception.DNSException as exc:
            msg = f"cannot ask nameserver {self.label} for {what}: {exc}"
            raise ProviderError(msg, retryable=False) from None
        response = None
        for _ in range(self.tries):
            try:
                response, _tcp = dns.query.udp_with_fallback(
                    query, self.host, timeout=self.timeout, port=self.port
                )
                break
            except dns.exception.Timeout:
                continue
            except (dns.exception.DNSException, OSError) as exc:
                msg = f"nameserver {self.label} gave no valid answer for {what}: {exc}"
                raise ProviderError(msg) from None
        if response is None:
            msg = (
                f"nameserver {self.label} did not answer: no reply to {what} within "
                f"{self.timeout:g}s ({self.tries} tries); is it running and reachable?"
            )
            raise ProviderError(msg)
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            hint = (
                " (it does not serve this name, or refuses this client)"
                if rcode == dns.rcode.REFUSED
                else ""
            )
            msg = f"nameserver {self.label} answered {dns.rcode.to_text(rcode)} for {what}{hint}"
            raise ProviderError(msg, retryable=rcode != dns.rcode.REFUSED)
        wanted = dns.rdatatype.from_text(rtype)
        for rrset in response.answer:
            if rrset.rdtype == wanted and rrset.name == qname:
                targets = sorted({normalize_name(r.to_text()) for r in rrset})
                return Endpoint(
                    dns_name=name, targets=tuple(targets), record_type=rtype, record_ttl=rrset.ttl
                )
        return None
