"""The TXT registry: which records are ours, in external-dns's format (SPEC section 13).

Every record gatewaydns manages has an *ownership TXT* record, named after it and holding
``"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=<kind/ns/name>"``, exactly
as external-dns's TXT registry (v0.12 and later) writes it, so that the two can share a zone and
hand it over to each other:

* name: ``<prefix><type>-<first label><suffix>.<rest>`` with the record type in lower case
  (``a-www.example.com``); when the prefix or suffix holds ``%{record_type}`` the type goes there
  instead; prefix, suffix and wildcard replacement are lower-cased (external-dns does the same,
  and DNS servers return names in lower case); a leading ``*`` label becomes the wildcard
  replacement when one is set;
* value: the labels sorted by key, ``heritage=external-dns`` first, in one quoted string.

A TXT value is read the way external-dns reads it: the quotes are dropped, ``key=value`` tokens
are split on ``,``, and only values with ``heritage=external-dns`` are ownership claims. A value
written as several character-strings (``"heritage=…" "…"``, RFC 1035 §3.3.14, how servers store
text over 255 octets) is read as their concatenation.

Because a ``,`` or ``=`` inside a label value would let it forge another token
(``resource=x,external-dns/owner=victim``), owner IDs with such characters are a
:class:`~gatewaydns.ConfigError` and a label value that holds one is never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from gatewaydns._endpoint import Endpoint
from gatewaydns._errors import ConfigError

__all__ = [
    "TXTRegistry",
    "label_value_problem",
    "parse_txt_labels",
    "quote_txt",
    "txt_text",
]

HERITAGE = "external-dns"
_TEMPLATE = "%{record_type}"
# A label value we write: what Kubernetes kinds, namespaces and names are made of.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._/-]*\Z")
# What an owner ID must not hold: anything that would break a TXT value apart.
_UNSAFE_OWNER = re.compile(r'[,="\\;\s\x00-\x1f\x7f]')


def label_value_problem(value: str) -> str | None:
    """Why ``value`` must not go into an ownership TXT; ``None`` when it is safe.

    Example:
        >>> label_value_problem("httproute/app/shop") is None
        True
        >>> label_value_problem("httproute/app/x,external-dns/owner=victim")
        "holds characters other than letters, digits, '.', '_', '/' and '-'"
    """
    if _SAFE_VALUE.match(value):
        return None
    return "holds characters other than letters, digits, '.', '_', '/' and '-'"


def txt_strings(target: str) -> list[str]:
    r"""The character-strings of one TXT record in presentation format (RFC 1035 §5.1).

    ``'"a" "b"'`` gives ``["a", "b"]``; an unquoted token is one string; ``\"``, ``\\`` and
    ``\DDD`` escapes are decoded.
    """
    out: list[str] = []
    i, n = 0, len(target)
    while i < n:
        if target[i].isspace():
            i += 1
            continue
        quoted = target[i] == '"'
        i += quoted
        buf: list[str] = []
        while i < n:
            ch = target[i]
            if quoted and ch == '"':
                i += 1
                break
            if not quoted and ch.isspace():
                break
            if ch == "\\" and i + 1 < n:
                digits = target[i + 1 : i + 4]
                if len(digits) == 3 and digits.isdigit():
                    buf.append(chr(int(digits)))
                    i += 4
                    continue
                buf.append(target[i + 1])
                i += 2
                continue
            buf.append(ch)
            i += 1
        out.append("".join(buf))
    return out


def txt_text(target: str) -> str:
    """The text of a TXT record: its character-strings concatenated.

    Example:
        >>> txt_text('"heritage=external-dns," "external-dns/owner=a"')
        'heritage=external-dns,external-dns/owner=a'
    """
    inner = target[1:-1]
    plain = '"' not in inner and "\\" not in inner
    if plain and len(target) >= 2 and target[0] == target[-1] == '"':
        return inner  # one plain quoted string: the common case
    return "".join(txt_strings(target))


def quote_txt(text: str) -> str:
    r"""``text`` as one quoted TXT string in presentation format (``"`` and ``\`` escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_txt_labels(value: str) -> dict[str, str] | None:
    """The labels of an external-dns ownership value; ``None`` when it is not one.

    Tokens without ``=`` are skipped and keys without the ``external-dns/`` prefix ignored, as
    external-dns does; the ``external-dns/`` prefix is removed from the keys.

    Example:
        >>> parse_txt_labels('"heritage=external-dns,external-dns/owner=a,external-dns/resource=r"')
        {'owner': 'a', 'resource': 'r'}
    """
    labels = _parse_labels(value)
    return None if labels is None else dict(labels)


@lru_cache(maxsize=65536)  # a zone repeats the same few values; plans read them every round
def _parse_labels(value: str) -> tuple[tuple[str, str], ...] | None:
    labels: dict[str, str] = {}
    found = False
    for token in txt_text(value).split(","):
        key, sep, val = token.partition("=")
        if not sep:
            continue
        if key == "heritage":
            if val != HERITAGE:
                return None
            found = True
        elif key.startswith(HERITAGE + "/"):
            labels[key[len(HERITAGE) + 1 :]] = val
    return tuple(labels.items()) if found else None


@dataclass(frozen=True)
class TXTRegistry:
    r"""Names and values of external-dns TXT ownership records.

    Args:
        owner_id: this instance's owner ID (external-dns ``--txt-owner-id``). Two controllers
            must never share one: each would treat the other's records as its own.
        prefix: ``--txt-prefix`` (may contain ``%{record_type}``); lower-cased.
        suffix: ``--txt-suffix`` (may contain ``%{record_type}``); lower-cased.
        wildcard_replacement: ``--txt-wildcard-replacement``; lower-cased.

    Raises:
        ConfigError: an empty owner ID, one holding ``,`` ``=`` ``"`` ``\`` ``;`` or
            whitespace, or both a prefix and a suffix (external-dns refuses that too).
    """

    owner_id: str
    prefix: str = ""
    suffix: str = ""
    wildcard_replacement: str = ""

    def __post_init__(self) -> None:
        if not self.owner_id:
            msg = "owner_id must not be empty"
            raise ConfigError(msg)
        if _UNSAFE_OWNER.search(self.owner_id) or not self.owner_id.isprintable():
            msg = (
                f"owner_id {self.owner_id!r} must not hold ',', '=', '\"', '\\\\', ';', "
                "whitespace or control characters: they would break the ownership TXT apart"
            )
            raise ConfigError(msg)
        if self.prefix and self.suffix:
            msg = "txt prefix and txt suffix are mutually exclusive (as in external-dns)"
            raise ConfigError(msg)
        if self.wildcard_replacement and not re.fullmatch(
            r"[A-Za-z0-9_-]+", self.wildcard_replacement
        ):
            msg = (
                f"wildcard_replacement {self.wildcard_replacement!r} must be one DNS label "
                "(letters, digits, '-', '_')"
            )
            raise ConfigError(msg)
        for field in ("prefix", "suffix", "wildcard_replacement"):
            object.__setattr__(self, field, getattr(self, field).lower())

    @property
    def _templated(self) -> bool:
        return _TEMPLATE in self.prefix or _TEMPLATE in self.suffix

    def txt_name(self, dns_name: str, record_type: str) -> str:
        """The TXT record name that records ownership of ``(dns_name, record_type)``.

        Example:
            >>> TXTRegistry("me").txt_name("www.example.com", "CNAME")
            'cname-www.example.com'
            >>> TXTRegistry("me", prefix="%{record_type}-_dns.").txt_name("example.com", "A")
            'a-_dns.example.com'
        """
        rtype = record_type.lower()
        first, dot, rest = dns_name.partition(".")
        if self.wildcard_replacement and first == "*":
            first = self.wildcard_replacement
        if not self._templated:
            first = f"{rtype}-{first}"
        prefix = self.prefix.replace(_TEMPLATE, rtype)
        suffix = self.suffix.replace(_TEMPLATE, rtype)
        return f"{prefix}{first}{suffix}{dot}{rest}"

    def record_of(self, txt_name: str, record_types: Iterable[str]) -> tuple[str, str] | None:
        """The ``(name, type)`` whose ownership TXT is named ``txt_name``; ``None`` if none is.

        Only ``record_types`` are tried. The answer is checked by computing the TXT name back,
        so a name this registry would never write (another prefix, the old format) gives
        ``None``.

        Example:
            >>> TXTRegistry("me").record_of("aaaa-www.example.com", ["A", "AAAA"])
            ('www.example.com', 'AAAA')
        """
        return next(iter(self.records_of(txt_name, record_types)), None)

    def records_of(self, txt_name: str, record_types: Iterable[str]) -> list[tuple[str, str]]:
        """Every ``(name, type)`` whose ownership TXT would be named ``txt_name``.

        More than one only with a wildcard replacement: ``*.example.com`` and
        ``any.example.com`` share ``a-any.example.com`` under replacement ``any``.
        """
        out: list[tuple[str, str]] = []
        for rtype in record_types:
            for candidate in self._candidates(txt_name, rtype.lower()):
                if self.txt_name(candidate, rtype) == txt_name:
                    out.append((candidate, rtype))
                star = "*" + candidate[len(self.wildcard_replacement) :]
                if (
                    self.wildcard_replacement
                    and candidate.startswith(self.wildcard_replacement + ".")
                    and self.txt_name(star, rtype) == txt_name
                ):
                    out.append((star, rtype))
        return out

    def _candidates(self, txt_name: str, rtype: str) -> Iterable[str]:
        prefix = self.prefix.replace(_TEMPLATE, rtype)
        suffix = self.suffix.replace(_TEMPLATE, rtype)
        if not txt_name.startswith(prefix):
            return
        rest = txt_name[len(prefix) :]
        typed = "" if self._templated else f"{rtype}-"
        if not suffix:
            if rest.startswith(typed):
                yield rest[len(typed) :]
            return
        start = 0
        while (i := rest.find(suffix, start)) >= 0:
            start = i + 1
            end = i + len(suffix)
            first = rest[:i]
            if "." in first or not first.startswith(typed):
                continue
            if end == len(rest):
                yield first[len(typed) :]
            elif rest[end] == ".":
                yield first[len(typed) :] + rest[end:]

    def labels(self, resource: str) -> dict[str, str]:
        """The labels of an ownership TXT for a record that ``resource`` wants."""
        labels = {"owner": self.owner_id}
        if resource:
            labels["resource"] = resource
        return labels

    def txt_value(self, resource: str) -> str:
        """The quoted TXT value recording our ownership of a record ``resource`` wants.

        Raises:
            ValueError: ``resource`` holds characters that could forge a label.
        """
        problem = label_value_problem(resource)
        if problem is not None:
            msg = f"resource label {resource!r} {problem}"
            raise ValueError(msg)
        tokens = [f"heritage={HERITAGE}"]
        tokens += [f"{HERITAGE}/{k}={v}" for k, v in sorted(self.labels(resource).items())]
        return quote_txt(",".join(tokens))

    def txt_record(self, record: Endpoint) -> Endpoint:
        """The ownership TXT endpoint of a record."""
        return Endpoint(
            dns_name=self.txt_name(record.dns_name, record.record_type),
            targets=(self.txt_value(record.labels.get("resource", "")),),
            record_type="TXT",
            set_identifier=record.set_identifier,
            record_ttl=record.record_ttl,
        )
