"""DomainFilter: which DNS names a plan may touch, as external-dns's domain filters decide.

external-dns (``endpoint/domain_filter.go``) has two kinds of filter, used one at a time:

* domain lists (``--domain-filter``, ``--exclude-domains``): ``example.com`` covers the name and
  every name below it, ``.example.com`` only the names below it; no include list means every
  name; an excluded name is never matched, whatever the include list says;
* regular expressions (``--regex-domain-filter``, ``--regex-domain-exclusion``): a name matching
  the exclusion is never matched; otherwise it must match the inclusion when there is one. A
  pattern is searched anywhere in the name (anchor it with ``^`` and ``$``).

Names and domains are compared in one form: without the trailing dot, in lower case, and with
internationalised labels in Unicode (``xn--bcher-kva`` and ``bücher`` are one label), the form
external-dns compares and matches its patterns against.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from gatewaydns._errors import ConfigError

__all__ = ["DomainFilter", "canonical_domain"]


def canonical_domain(name: str) -> str:
    """The form names are compared in: no trailing dot, lower case, IDNA labels in Unicode.

    Example:
        >>> canonical_domain("WWW.XN--Bcher-kva.Example.")
        'www.bücher.example'
    """
    name = name.strip()
    if name.endswith("."):
        name = name[:-1]
    if name.isascii() and "xn--" not in name.lower():
        return name.lower()
    return ".".join(_unicode_label(label) for label in name.split("."))


def _unicode_label(label: str) -> str:
    if label.isascii():
        label = label.lower()
        if not label.startswith("xn--"):
            return label
        try:
            label = label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return label  # not valid punycode: compared as it is
    # UTS #46 mapping for lookup, as external-dns's IDNA profile does (width, case, ß -> ss)
    return unicodedata.normalize("NFKC", label).casefold()


@dataclass(frozen=True)
class DomainFilter:
    """Which DNS names a plan may touch (external-dns's domain filter).

    Args:
        include: domains a name must be in (``--domain-filter``); ``example.com`` covers the
            name and its subdomains, ``.example.com`` only the subdomains. Empty: every name.
        exclude: domains a name must not be in (``--exclude-domains``), same forms; they win.
        regex_include: a pattern a name must match (``--regex-domain-filter``).
        regex_exclude: a pattern a name must not match (``--regex-domain-exclusion``).

    Raises:
        ConfigError: domain lists and patterns together (they are alternatives), a pattern
            that does not compile, or a string where a list of domains belongs.

    Example:
        >>> flt = DomainFilter((".example.com",), exclude=("api.example.com",))
        >>> [flt.matches(n) for n in ("www.example.com", "example.com", "x.api.example.com")]
        [True, False, False]
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex_include: str = ""
    regex_exclude: str = ""
    _include_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _exclude_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("include", "exclude"):
            value = getattr(self, name)
            if isinstance(value, str):
                msg = f"DomainFilter {name} must be a sequence of domains, not the string {value!r}"
                raise ConfigError(msg)
            domains = (canonical_domain(d) for d in value)
            object.__setattr__(self, name, tuple(sorted({d for d in domains if d})))
        if (self.regex_include or self.regex_exclude) and (self.include or self.exclude):
            msg = (
                "DomainFilter takes domain lists (include, exclude) or patterns (regex_include, "
                "regex_exclude), not both (as in external-dns)"
            )
            raise ConfigError(msg)
        for name, attr in (("regex_include", "_include_re"), ("regex_exclude", "_exclude_re")):
            pattern = getattr(self, name)
            if not pattern:
                continue
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                msg = f"DomainFilter {name} {pattern!r} is not a regular expression: {exc}"
                raise ConfigError(msg) from exc
            object.__setattr__(self, attr, compiled)

    def matches(self, name: str) -> bool:
        """Whether ``name`` may be touched."""
        name = canonical_domain(name)
        if self._include_re is not None or self._exclude_re is not None:
            if self._exclude_re is not None and self._exclude_re.search(name):
                return False
            return self._include_re is None or self._include_re.search(name) is not None
        if self.include and not _in_any(name, self.include):
            return False
        return not _in_any(name, self.exclude)


def _in_any(name: str, domains: tuple[str, ...]) -> bool:
    for domain in domains:
        if domain.startswith("."):
            if name.endswith(domain):
                return True
        elif name == domain or name.endswith("." + domain):
            return True
    return False
