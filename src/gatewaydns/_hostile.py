r"""Values a manifest must not carry, found while parsing and reported with their field path.

The JSON and YAML parsers do not stop at the first such value: they leave a marker in the
parsed document (a :class:`BadInt` for an integer Kubernetes could not store, a
:data:`DUPLICATES` key in a mapping that had duplicate keys) and set :attr:`Marks.found`, and
:func:`find_hostile` then names every one by document and path. Strings with lone surrogates
(not valid Unicode, so not encodable as UTF-8) are found the same way.

What is refused, and why:

- integers outside the 64-bit range (-2**63 .. 2**63-1): Kubernetes stores integers as int64,
  so no object read from the API server holds one; a 5,000-digit literal would otherwise raise
  ``ValueError`` (Python's integer-string limit) far from the document that holds it;
- duplicate keys in a mapping: kubectl and the API server reject them, JSON and YAML parsers
  silently keep the last one;
- lone surrogates (``"\ud800"`` in JSON): they cannot be written to a terminal, a file or DNS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "DUPLICATES",
    "INT64_MAX",
    "INT64_MIN",
    "BadInt",
    "Marks",
    "find_hostile",
    "has_surrogate_escape",
    "loads_json",
    "might_be_hostile",
    "printable",
    "surrogate_position",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
#: a JSON or YAML escape that may decode to a surrogate (``\ud800``, ``\U0000dc00``)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]|\\U0000[dD][89a-fA-F]")


class Marks:
    """Whether a parser left any marker in the documents it produced (then scan them)."""

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found = False


class BadInt:
    """An integer literal outside the 64-bit range, kept as text (never converted)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def describe(self) -> str:
        """What the problem message says about the literal."""
        bare = self.text.lstrip("+-").replace("_", "")
        size = f"{len(bare)} digits" if bare.isdigit() else f"{len(self.text)} characters"
        shown = self.text if len(self.text) <= 24 else self.text[:20] + "..."
        return f"integer {printable(shown)} ({size}) {_OUT_OF_RANGE}"


_OUT_OF_RANGE = f"is outside the 64-bit range Kubernetes stores ({INT64_MIN} .. {INT64_MAX})"


def _huge_int_message(value: int) -> str:
    # str() of a huge integer may raise (Python's integer-string limit): never convert it
    if value.bit_length() <= 256:
        return f"integer {value} {_OUT_OF_RANGE}"
    digits = int(value.bit_length() * 0.30103) + 1
    return f"an integer of about {digits} digits {_OUT_OF_RANGE}"


class _DuplicatesKey:
    """The key under which a mapping records its duplicate keys; sorts and prints as nothing."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<duplicate keys>"


#: key of the marker a parser adds to a mapping that had duplicate keys: its value is a list of
#: (key, where) with ``where`` a position ("line 3, column 5") or ``""``
DUPLICATES: Any = _DuplicatesKey()


def bounded_int(text: str, marks: Marks) -> int | BadInt:
    """``int(text)`` when it fits in 64 bits, else a marker (never converts a huge literal)."""
    if len(text) > 20:  # "-9223372036854775808" is the longest int64
        marks.found = True
        return BadInt(text)
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        marks.found = True
        return BadInt(text)
    return value


def duplicates_of(keys: list[Any]) -> list[Any]:
    """The keys that occur more than once, in order of their second occurrence."""
    seen: set[Any] = set()
    dups = []
    for key in keys:
        if key in seen:
            dups.append(key)
        seen.add(key)
    return dups


def loads_json(text: str, marks: Marks) -> Any:
    """``json.loads`` that marks duplicate keys and integers outside 64 bits.

    Raises:
        json.JSONDecodeError: the text is not JSON.
        RecursionError: it nests too deeply.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[Any, Any]:
        obj: dict[Any, Any] = dict(items)
        if len(obj) != len(items):
            marks.found = True
            obj[DUPLICATES] = [(key, "") for key in duplicates_of([k for k, _ in items])]
        return obj

    def ints(literal: str) -> int | BadInt:
        # up to 18 characters always fits in 64 bits: one call instead of two for those
        return int(literal) if len(literal) < 19 else bounded_int(literal, marks)

    return json.loads(text, object_pairs_hook=pairs, parse_int=ints)


def printable(text: str) -> str:
    r"""``text`` with every character that is not printable escaped (``\x1b``, ``\u202e``).

    Control characters (C0, DEL, C1), format characters such as bidirectional overrides, line
    and paragraph separators and lone surrogates would otherwise act on a terminal or break
    encoding; ordinary non-ASCII letters stay as they are.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _opaque(value: Any) -> None:
    # values JSON has no type for (a datetime from the caller's own YAML loader) hold nothing
    # to check, unless they are containers the encoder does not know: let find_hostile look
    if isinstance(value, Mapping | list | tuple):
        raise TypeError(type(value).__name__)


_ENCODE = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, separators=(",", ":"), default=_opaque
).encode
#: a number of 19 or more digits where JSON puts values (may also match inside a string)
_LONG_NUMBER = re.compile(r"[:,\[]-?[0-9]{19}")


def might_be_hostile(doc: Any) -> bool:
    """A fast, conservative pre-check of a document given as Python values.

    Encodes the document with the C JSON encoder and searches the text: ``False`` means it has
    no lone surrogate and no integer outside 64 bits (so :func:`find_hostile` would find
    nothing); ``True`` means :func:`find_hostile` must look (a huge integer, a surrogate, a
    19-digit number anywhere, a value the encoder refuses, or nesting too deep for it).
    """
    try:
        text = _ENCODE(doc)
    except (ValueError, TypeError, RecursionError):
        return True
    if not text.isascii() and _SURROGATE.search(text) is not None:
        return True
    return _LONG_NUMBER.search(text) is not None


def surrogate_position(text: str) -> tuple[int, int, str] | None:
    """(line, column, code point) of the first surrogate code point in a text, 1-based."""
    if text.isascii():
        return None
    match = _SURROGATE.search(text)
    if match is None:
        return None
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column, f"U+{ord(match.group()):04X}"


def has_surrogate_escape(text: str) -> bool:
    """Whether a text has an escape that may decode to a surrogate (then scan the documents)."""
    return _SURROGATE_ESCAPE.search(text) is not None


def _surrogate_message(value: str, what: str) -> str | None:
    if value.isascii():
        return None
    match = _SURROGATE.search(value)
    if match is None:
        return None
    return f"{what} has a lone surrogate (U+{ord(match.group()):04X}), which is not valid Unicode"


def find_hostile(doc: Any) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Every duplicate key, out-of-range integer and lone surrogate in a document.

    Walks the document without recursion (any depth), visits each shared sub-value once (YAML
    aliases; cycles end), and builds a field path only for what it reports.

    Yields:
        (field path, message) pairs in document order; the path is a tuple of keys and list
        indexes.
    """
    seen: set[int] = set()
    frames: list[tuple[int, int | str]] = []  # container -> (parent frame, key in parent)
    # (value, frame of the container holding it, key in that container); -1: the document
    stack: list[tuple[Any, int, int | str]] = [(doc, -1, "")]

    def path(frame: int, key: int | str | None = None) -> tuple[int | str, ...]:
        if frame < 0:
            return ()  # the document itself
        out: list[int | str] = [] if key is None else [key]
        while frame > 0:
            frame, part = frames[frame]
            out.append(part)
        return tuple(reversed(out))

    while stack:
        value, parent, key = stack.pop()
        kind = type(value)
        if kind is str:
            if not value.isascii():
                problem = _surrogate_message(value, "the string")
                if problem is not None:
                    yield path(parent, key), problem
        elif kind is dict or kind is list or isinstance(value, Mapping | list | tuple):
            if id(value) in seen:
                continue
            seen.add(id(value))
            frame = len(frames)
            frames.append((parent, key))
            here = path(frame) if frame else ()
            if isinstance(value, Mapping):
                children: list[tuple[Any, int, int | str]] = []
                for k, child in value.items():
                    if k is DUPLICATES:
                        for dup, where in child:
                            at = f" ({where})" if where else ""
                            yield here, f"duplicate key {_show(dup)}{at}"
                        continue
                    if isinstance(k, str):
                        problem = _surrogate_message(k, f"key {_show(k)}")
                        if problem is not None:
                            yield here, problem
                    elif _huge(k):
                        yield here, f"a key: {_huge_int_message(k)}"
                    children.append((child, frame, k if isinstance(k, str) else _show(k)))
                stack.extend(reversed(children))
            else:
                stack.extend((value[i], frame, i) for i in range(len(value) - 1, -1, -1))
        elif kind is BadInt:
            yield path(parent, key), value.describe()
        elif _huge(value):
            yield path(parent, key), _huge_int_message(value)


def _huge(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not INT64_MIN <= value <= INT64_MAX
    )


def _show(value: Any) -> str:
    """A key as a message shows it: quoted, escaped, shortened."""
    if isinstance(value, str) and len(value) > 60:
        value = value[:57] + "..."
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return "<a huge integer>"
    return repr(value)
