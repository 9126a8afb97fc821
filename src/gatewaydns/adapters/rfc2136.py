"""An RFC 2136 DNS provider: reads zones by AXFR, applies changes as TSIG-signed UPDATEs.

Needs the ``rfc2136`` extra (dnspython), imported when a provider is created. Works with any
server that accepts TSIG-signed dynamic updates and zone transfers (BIND 9, Knot, PowerDNS).

Atomicity
    Every :class:`~gatewaydns.ChangeUnit` (a record set and its ownership TXT) goes into one UPDATE
    message, which the server applies all or nothing (RFC 2136 §3.7); units are packed into
    messages by encoded size (``max_message_size``, well under the 64 KiB limit) and count
    (``batch_size``), and never split. Each unit carries prerequisites (RFC 2136 §2.4) so that the
    server refuses it when the zone changed since it was read: a record to create must be absent
    (a CNAME's whole name must be unused; where the unit deletes our records to make way for
    the CNAME, no record of another type may have appeared there), and a record or TXT to
    replace or delete must still hold exactly the value that was read — so a concurrent writer
    can never make us delete what is no longer ours. When a message with several units fails
    on a prerequisite, each unit is sent again on its own, so one failing unit does not hold
    back the others.

Errors say what to fix, and nothing from dnspython escapes (every failure is a
:class:`~gatewaydns.ProviderError`):

* ``REFUSED`` — the server does not allow this key to update (or transfer) the zone:
  check ``update-policy`` / ``allow-update`` and ``allow-transfer`` (not retryable);
* ``NOTAUTH`` / bad key or signature — the key name, secret or algorithm differ from the server's
  (not retryable);
* timeouts and refused connections — the server is unreachable (retryable);
* ``YXRRSET`` / ``NXRRSET`` / ``YXDOMAIN`` / ``NXDOMAIN`` — the zone changed since it was read
  (retryable: re-read and plan again);
* a unit the server can never take (a name dnspython cannot encode, a set identifier, a unit
  bigger than a message) — not retryable; the other units are applied.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gatewaydns._dnsname import normalize_name, zone_of
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._optional import require
from gatewaydns._plan import Changes, ChangeUnit, ProviderCapabilities
from gatewaydns._registry import txt_strings
from gatewaydns.adapters._units import UnitError, describe_unit, in_zones, raise_for_failures

__all__ = ["RFC2136Provider", "TSIGKey"]

_log = logging.getLogger("gatewaydns.adapters.rfc2136")

_DNS_MODULES = (
    "dns.exception",
    "dns.message",
    "dns.name",
    "dns.query",
    "dns.rcode",
    "dns.rdata",
    "dns.rdataclass",
    "dns.rdataset",
    "dns.rdatatype",
    "dns.rdtypes.ANY.TXT",
    "dns.tsig",
    "dns.tsigkeyring",
    "dns.update",
    "dns.xfr",
    "dns.zone",
)
#: rcodes that mean "a prerequisite failed": the zone changed since it was read.
_PREREQ_RCODES = frozenset({"YXDOMAIN", "YXRRSET", "NXDOMAIN", "NXRRSET"})
#: rcodes that may concern one unit's content rather than the server or the key.
_UNIT_RCODES = _PREREQ_RCODES | {"NOTZONE", "FORMERR", "SERVFAIL", "REFUSED"}
#: which of those are worth retrying unchanged (the zone changed; the server hiccuped)
_RETRYABLE_RCODES = _PREREQ_RCODES | {"SERVFAIL"}
#: this many units refused one by one, and nothing else: the key is not allowed at all
_REFUSED_PROBE = 3
_MAX_STRING = 255
#: types a server keeps next to a CNAME (DNSSEC): never "other data" (RFC 2181 10.1, RFC 4035)
_BESIDE_CNAME = frozenset({"RRSIG", "NSEC", "NSEC3", "SIG", "NXT", "KEY"})
_TSIG_ROOM = 512  # room left in a message for the TSIG record and the header


@dataclass(frozen=True)
class TSIGKey:
    """A TSIG key: its name, base64 secret and algorithm (default ``hmac-sha256``)."""

    name: str
    secret: str
    algorithm: str = "hmac-sha256"

    def __repr__(self) -> str:
        return f"TSIGKey(name={self.name!r}, secret=<hidden>, algorithm={self.algorithm!r})"


@dataclass
class _Encoded:
    """One unit, ready to go into a message."""

    unit: ChangeUnit
    zone: str
    size: int
    names: frozenset[str]
    build: Callable[[Any], None] = field(repr=False)

    def describe(self) -> str:
        return describe_unit(self.unit)


class _UnitError(UnitError):
    """A unit's failure, with the rcode the server gave (retryable by it, unless told)."""

    def __init__(
        self, what: str, reason: str, *, retryable: bool | None = None, rcode: str = ""
    ) -> None:
        super().__init__(
            what, reason, retryable=rcode in _RETRYABLE_RCODES if retryable is None else retryable
        )
        self.rcode = rcode


class RFC2136Provider:
    """A :class:`gatewaydns.protocols.Provider` for servers that take RFC 2136 updates.

    Args:
        server: the primary server's IP address.
        zones: the zones to manage (``example.com``).
        key: the TSIG key (``None``: unsigned, for servers that allow it by address).
        port: the server's port.
        timeout: seconds for each query, transfer or update.
        batch_size: the most units in one UPDATE message.
        max_message_size: the most octets of units in one UPDATE message (512-65000).
        default_ttl: the TTL of records whose endpoint has none.

    Raises:
        ConfigError: no zones, a TSIG secret that is not base64, an unknown TSIG algorithm,
            or sizes out of range.
    """

    #: plain DNS has no routing policies; long TXT values are split into 255-octet strings;
    #: BIND 9 refuses more than 100 records of one type at a name (``max-records-per-type``).
    capabilities = ProviderCapabilities(
        set_identifiers=False, split_long_txt=True, max_records_per_set=100
    )

    def __init__(
        self,
        server: str,
        zones: Sequence[str],
        *,
        key: TSIGKey | None = None,
        port: int = 53,
        timeout: float = 5.0,
        batch_size: int = 100,
        max_message_size: int = 32768,
        default_ttl: int = 300,
    ) -> None:
        if not zones:
            msg = "RFC2136Provider needs at least one zone"
            raise ConfigError(msg)
        if batch_size < 1:
            msg = f"batch_size must be at least 1, got {batch_size}"
            raise ConfigError(msg)
        try:
            ipaddress.ip_address(server)
        except ValueError:
            msg = f"server {server!r} must be an IP address (dynamic updates go to the primary)"
            raise ConfigError(msg) from None
        if not 0 < port < 65536:
            msg = f"port must be between 1 and 65535, got {port}"
            raise ConfigError(msg)
        if not 512 <= max_message_size <= 65000:
            msg = f"max_message_size must be between 512 and 65000, got {max_message_size}"
            raise ConfigError(msg)
        self._dns = require("rfc2136", "the RFC 2136 provider needs dnspython", *_DNS_MODULES)
        self.server = server
        self.port = port
        self.timeout = timeout
        self.batch_size = batch_size
        self.max_message_size = max_message_size
        self.default_ttl = default_ttl
        self.key = key
        self._zones = tuple(normalize_name(z) for z in zones)
        self._keyring: Any = None
        self._keyname: Any = None
        self._keyalgorithm: Any = None
        if key is not None:
            self._init_key(key)

    def _init_key(self, key: TSIGKey) -> None:
        dns = self._dns
        try:
            algorithm = dns.name.from_text(key.algorithm)
            self._keyring = dns.tsigkeyring.from_text({key.name: key.secret})
            self._keyname = dns.name.from_text(key.name)
        except (dns.exception.DNSException, ValueError) as exc:
            msg = f"TSIG key {key.name!r}: the secret is not valid base64 ({exc})"
            raise ConfigError(msg) from exc
        algorithms = [getattr(dns.tsig, n) for n in dir(dns.tsig) if n.startswith("HMAC_")]
        known = {a.to_text(omit_final_dot=True).lower(): a for a in algorithms}
        name = algorithm.to_text(omit_final_dot=True).lower()
        if name not in known:
            msg = (
                f"TSIG key {key.name!r}: unknown algorithm {key.algorithm!r} "
                f"(one of {', '.join(sorted(known))})"
            )
            raise ConfigError(msg)
        self._keyalgorithm = known[name]

    def __repr__(self) -> str:
        return f"RFC2136Provider({self.server}:{self.port}, zones={self._zones}, key={self.key!r})"

    @property
    def zones(self) -> Sequence[str]:
        """The managed zones."""
        return self._zones

    # --- reading ------------------------------------------------------------------------------
    def records(self) -> Sequence[Endpoint]:
        """Every record of the managed zones, read by AXFR, names normalised.

        A TXT record's target is its presentation form (``"a" "b"`` for two strings).
        """
        out: list[Endpoint] = []
        for zone in self._zones:
            out.extend(self._transfer(zone))
        return tuple(sorted(out, key=endpoint_sort_key))

    def _transfer(self, zone: str) -> list[Endpoint]:
        dns = self._dns
        try:
            xfr = dns.query.xfr(
                self.server,
                zone + ".",
                port=self.port,
                keyring=self._keyring,
                keyname=self._keyname,
                keyalgorithm=self._keyalgorithm,
                timeout=self.timeout,
                lifetime=self.timeout * 4,
                relativize=False,
            )
            data = dns.zone.from_xfr(xfr, relativize=False)
        except (dns.exception.DNSException, OSError, EOFError, ValueError) as exc:
            raise self._error(f"zone transfer of {zone}", exc) from exc
        out: list[Endpoint] = []
        for name, rdataset in data.iterate_rdatasets():
            rtype = dns.rdatatype.to_text(rdataset.rdtype)
            if rtype == "CNAME":
                targets = [normalize_name(r.target.to_text()) for r in rdataset]
            elif rtype in ("A", "AAAA"):
                targets = [r.address for r in rdataset]
            else:
                targets = [r.to_text() for r in rdataset]
            out.append(
                Endpoint(
                    dns_name=normalize_name(name.to_text()),
                    targets=tuple(sorted(targets)),
                    record_type=rtype,
                    record_ttl=rdataset.ttl,
                )
            )
        return out

    # --- writing ------------------------------------------------------------------------------
    def adjust_endpoints(self, endpoints: Sequence[Endpoint]) -> Sequence[Endpoint]:
        """Endpoints as the zones will hold them.

        Names outside the managed zones are dropped, provider-specific properties removed (plain
        DNS has none) and the default TTL applied.
        """
        return in_zones(endpoints, self._zones, self.default_ttl)

    def apply_changes(self, changes: Changes) -> None:
        """Apply each unit atomically, packed into TSIG-signed UPDATE messages.

        Raises:
            ProviderError: the server is unreachable or refused the key (nothing more is sent),
                or some units failed (all the others were applied); ``retryable`` is false
                only when every failure needs a change of configuration or input.
        """
        failures: list[_UnitError] = []
        encoded: list[_Encoded] = []
        for unit in changes.units:
            if not len(unit):
                continue
            try:
                encoded.append(self._encode(unit))
            except _UnitError as exc:
                failures.append(exc)
        attempted = len(encoded) + len(failures)
        for message in self._pack(encoded):
            failures.extend(self._send(message))
        raise_for_failures(failures, attempted)

    def _pack(self, units: list[_Encoded]) -> Iterable[list[_Encoded]]:
        """Units grouped into messages: one zone each, within size and count, no shared name."""
        by_zone: dict[str, list[_Encoded]] = {}
        for enc in units:
            by_zone.setdefault(enc.zone, []).append(enc)
        for _zone, queue in sorted(by_zone.items()):
            batch: list[_Encoded] = []
            size = 0
            names: set[str] = set()
            for enc in queue:
                full = (
                    len(batch) >= self.batch_size
                    or size + enc.size > self.max_message_size
                    or not names.isdisjoint(enc.names)
                )
                if batch and full:
                    yield batch
                    batch, size, names = [], 0, set()
                batch.append(enc)
                size += enc.size
                names |= enc.names
            if batch:
                yield batch

    def _send(self, batch: list[_Encoded]) -> list[_UnitError]:
        """Send one message; when the server refuses it, find the units it refuses one by one.

        A prerequisite failure, ``FORMERR``, ``NOTZONE`` or ``SERVFAIL`` (BIND answers that
        when a record set would hold too many records) concerns the message's content; so does
        ``REFUSED`` from ``check-names``. Each unit is then sent alone, and only the failing
        ones fail. When the first units sent alone are all ``REFUSED``, the key is not allowed
        to update the zone at all: that is raised at once instead of refusing unit by unit.
        """
        rcode = self._send_message(batch[0].zone, batch)
        if rcode == "NOERROR":
            _log.debug("updated %s: %d units", batch[0].zone, len(batch))
            return []
        if rcode in _UNIT_RCODES and len(batch) > 1:
            failures: list[_UnitError] = []
            refused = 0
            for i, enc in enumerate(batch):
                failure = self._send([enc])
                refused += bool(failure) and failure[0].rcode == "REFUSED"
                if refused == i + 1 == _REFUSED_PROBE:
                    raise self._rcode_error(batch[0].zone, "REFUSED")
                failures.extend(failure)
            return failures
        if rcode in _UNIT_RCODES:
            return [_UnitError(batch[0].describe(), _rcode_text(rcode), rcode=rcode)]
        raise self._rcode_error(batch[0].zone, rcode)

    def _send_message(self, zone: str, batch: list[_Encoded]) -> str:
        dns = self._dns
        msg = dns.update.UpdateMessage(
            zone + ".",
            keyring=self._keyring,
            keyname=self._keyname,
            keyalgorithm=self._keyalgorithm,
        )
        for enc in batch:
            enc.build(msg)
        try:
            response = self._exchange(msg)
        except (dns.exception.DNSException, OSError, EOFError, ValueError) as exc:
            raise self._error(f"update of {zone}", exc) from exc
        return str(dns.rcode.to_text(response.rcode()))

    def _exchange(self, message: Any) -> Any:
        """Send one UPDATE message over TCP and return the response (tests inject faults here)."""
        return self._dns.query.tcp(message, self.server, port=self.port, timeout=self.timeout)

    # --- encoding a unit ----------------------------------------------------------------------
    def _encode(self, unit: ChangeUnit) -> _Encoded:
        """Check a unit and measure it; a unit the server could never take fails here."""
        dns = self._dns
        eps = list(unit.endpoints())
        what = _Encoded(unit, "", 0, frozenset(), lambda _m: None).describe()
        for ep in eps:
            if ep.set_identifier:
                reason = f"set identifier {ep.set_identifier!r}: RFC 2136 has no routing policies"
                raise _UnitError(what, reason, retryable=False)
        names = frozenset(normalize_name(ep.dns_name) for ep in eps)
        zones = {zone_of(n, self._zones) for n in names}
        if len(zones) != 1 or None in zones:
            reason = f"names {', '.join(sorted(names))} are not all in one of the managed zones"
            raise _UnitError(what, reason, retryable=False)
        zone = str(zones.pop())
        try:
            build = self._builder(unit)
            probe = dns.update.UpdateMessage(zone + ".")
            empty = len(probe.to_wire())
            build(probe)
            size = len(probe.to_wire()) - empty
        except dns.exception.TooBig as exc:
            raise _UnitError(what, "it does not fit in one message", retryable=False) from exc
        except (dns.exception.DNSException, ValueError, UnicodeError) as exc:
            raise _UnitError(what, f"cannot be encoded: {exc}", retryable=False) from exc
        if size > 65535 - _TSIG_ROOM:
            reason = f"{size} octets: it does not fit in one message"
            raise _UnitError(what, reason, retryable=False)
        return _Encoded(unit, zone, size, names, build)

    def _builder(self, unit: ChangeUnit) -> Callable[[Any], None]:
        """Prerequisites and updates of one unit, as a function that writes them to a message."""
        dns = self._dns
        gone = [*unit.delete, *unit.update_old]
        new = [*unit.update_new, *unit.create]
        freed = {(normalize_name(e.dns_name), e.record_type) for e in gone}
        freed_names = {name for name, _ in freed}
        prereqs: list[tuple[Any, Any]] = []
        for ep in (*gone, *unit.require):  # still exactly as read: nobody changed it, still ours
            prereqs.append((self._name(ep), self._rdataset(ep, ttl=0)))
        for ep in unit.create:
            name = normalize_name(ep.dns_name)
            if ep.record_type == "CNAME" and name not in freed_names:
                prereqs.append((self._name(ep), None))  # the whole name unused
                continue
            prereqs.append((self._name(ep), dns.rdatatype.from_text(ep.record_type)))
            if ep.record_type == "CNAME":
                # the unit deletes our records here to make way for the CNAME; RFC 2136 has no
                # "nothing else here" prerequisite and BIND ignores a CNAME add next to other
                # data without an error (RFC 2136 3.4.2.2), which would leave the CNAME's TXT
                # alone: every other record type must still be absent
                held = {t for n, t in freed if n == name}
                prereqs.extend((self._name(ep), t) for t in self._other_data(held))
            elif (name, "CNAME") not in freed:
                prereqs.append((self._name(ep), dns.rdatatype.CNAME))
        deletes = [(self._name(ep), dns.rdatatype.from_text(ep.record_type)) for ep in gone]
        adds = [(self._name(ep), self._rdataset(ep)) for ep in new]

        def build(msg: Any) -> None:
            for name, what in prereqs:
                if what is None:
                    msg.absent(name)
                elif isinstance(what, dns.rdataset.Rdataset):
                    msg.present(name, what)
                else:
                    msg.absent(name, what)
            for name, rdtype in deletes:
                msg.delete(name, rdtype)
            for name, rdataset in adds:
                msg.add(name, rdataset)

        return build

    def _other_data(self, held: set[str]) -> list[Any]:
        """Every data type dnspython knows that cannot sit next to a CNAME, but ``held``.

        A type dnspython does not know (``TYPE65280``) is not covered: a record of it added by
        someone else between our read and our update still makes the server drop the CNAME
        alone; the next plan then sees it, refuses the CNAME and deletes its ownership TXT.
        """
        rdtype = self._dns.rdatatype
        beside = {"CNAME", *_BESIDE_CNAME, *held}
        return [
            t
            for t in sorted(rdtype.RdataType)
            if t and not rdtype.is_metatype(t) and rdtype.to_text(t) not in beside
        ]

    def _name(self, ep: Endpoint) -> Any:
        return self._dns.name.from_text(normalize_name(ep.dns_name) + ".")

    def _rdataset(self, ep: Endpoint, ttl: int | None = None) -> Any:
        dns = self._dns
        rdtype = dns.rdatatype.from_text(ep.record_type)
        ttl = (ep.record_ttl or self.default_ttl) if ttl is None else ttl
        if ep.record_type == "TXT":
            rdatas = [_txt_rdata(dns, target) for target in ep.targets]
        else:
            texts = [
                normalize_name(t) + "." if ep.record_type == "CNAME" else t for t in ep.targets
            ]
            rdatas = [dns.rdata.from_text(dns.rdataclass.IN, rdtype, t) for t in texts]
        return dns.rdataset.from_rdata_list(ttl, rdatas)

    # --- errors -------------------------------------------------------------------------------
    def _rcode_error(self, zone: str, rcode: str) -> ProviderError:
        key = self.key.name if self.key else "(none)"
        hints = {
            "REFUSED": (
                f"the server refused the update of {zone}: allow key {key!r} in the zone's "
                "update-policy",
                False,
            ),
            "NOTAUTH": (
                f"the server is not authoritative for {zone}, or rejected the TSIG key: "
                "check the zone and the key's name, secret and algorithm",
                False,
            ),
            "SERVFAIL": (f"the server failed to update {zone}", True),
            "NOTIMP": (f"the server does not implement dynamic updates for {zone}", False),
        }
        text, retryable = hints.get(rcode, (f"the update of {zone} failed", True))
        return ProviderError(f"{text} (rcode {rcode})", retryable=retryable)

    def _error(self, what: str, exc: BaseException) -> ProviderError:
        dns = self._dns
        where = f"{self.server}:{self.port}"
        if isinstance(exc, dns.exception.Timeout):
            return ProviderError(f"{what}: {where} did not answer within {self.timeout}s")
        if isinstance(exc, ConnectionRefusedError | ConnectionResetError | EOFError):
            return ProviderError(f"{what}: {where} refused or dropped the connection (is it up?)")
        if isinstance(exc, dns.tsig.PeerBadTime):
            return ProviderError(
                f"{what}: {where} rejected the TSIG signature's time (BADTIME): the clocks of "
                "this host and the server differ by more than the key's fudge"
            )
        if isinstance(exc, dns.tsig.PeerError):
            return ProviderError(
                f"{what}: {where} rejected the TSIG key ({type(exc).__name__}): check the key's "
                "name, secret and algorithm",
                retryable=False,
            )
        if isinstance(exc, dns.xfr.TransferError):
            rcode = dns.rcode.to_text(exc.rcode)
            if rcode == "REFUSED":
                return ProviderError(
                    f"{what}: {where} refused the transfer: allow the key in allow-transfer",
                    retryable=False,
                )
            if rcode == "NOTAUTH":
                return ProviderError(
                    f"{what}: {where} rejected the TSIG key or is not authoritative "
                    "(rcode NOTAUTH): check the key's name, secret and algorithm",
                    retryable=False,
                )
            return ProviderError(f"{what}: {where} answered rcode {rcode}")
        if isinstance(exc, OSError):
            return ProviderError(f"{what}: {where} unreachable: {exc}")
        return ProviderError(f"{what}: {where}: {type(exc).__name__}: {exc}")


def _rcode_text(rcode: str) -> str:
    if rcode in _PREREQ_RCODES:
        return f"the zone changed since it was read (rcode {rcode}); re-read and plan again"
    if rcode == "REFUSED":
        return "the server refused it (rcode REFUSED): its update-policy or check-names"
    if rcode == "SERVFAIL":
        return "the server failed it (rcode SERVFAIL; BIND: e.g. too many records of one type)"
    return f"the server refused it (rcode {rcode})"


def _txt_rdata(dns: Any, target: str) -> Any:
    """A TXT rdata from its presentation form; strings over 255 octets split (RFC 1035 §3.3)."""
    chunks: list[bytes] = []
    for text in txt_strings(target):
        # \DDD escapes read from a server are octets; other text is UTF-8
        data = text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode()
        chunks.extend(data[i : i + _MAX_STRING] for i in range(0, len(data), _MAX_STRING))
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks or [b""])
