"""Encrypted ownership TXT values, in external-dns's format (``--txt-encrypt-aes-key``).

external-dns (``endpoint/crypto.go``) stores an encrypted value as
``base64(nonce ‖ AES-256-GCM-seal(gzip(text)))`` with a 12-byte nonce, no associated data, and
the usual surrounding quotes; ``text`` is the plain value without its quotes
(``heritage=external-dns,external-dns/owner=…``). Any gzip stream decompresses the same, so a
value written here is read by external-dns and the other way round, even though the compressed
bytes of the two implementations differ.

Nonces. external-dns draws a random nonce for a new value and then keeps it for the record
forever, so a record's value does not change every round; when a label changes it encrypts the
new text under the old nonce. AES-GCM loses its integrity guarantee (and leaks the XOR of the
two texts) when one key and one nonce seal two different texts, so gatewaydns derives the nonce
instead: ``HMAC-SHA256(key, "gatewaydns txt nonce" ‖ TXT name ‖ text)``, cut to 12 bytes. The
same text at the same name always gives the same value (a plan is a pure function, and a value
never changes while its text does not); a different text gets a different nonce. The planner
compares values by their decrypted text, so a value external-dns wrote is left exactly as it is
while its text is what gatewaydns would write.

Needs the ``encryption`` extra (the ``cryptography`` package), imported when a key is given.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import zlib
from typing import Any

from gatewaydns._errors import ConfigError
from gatewaydns._optional import require

__all__ = ["TXTCipher", "parse_aes_key"]

#: external-dns's GCM nonce size (``standardGcmNonceSize``).
NONCE_SIZE = 12
_KEY_SIZE = 32
#: The most text a value may decompress to: a TXT record holds at most 64 KiB on the wire.
_MAX_TEXT = 65536
_NONCE_CONTEXT = b"gatewaydns txt nonce\x00"


def parse_aes_key(value: str | bytes) -> bytes | None:
    """The 32-byte AES key of ``--txt-encrypt-aes-key``, taken as external-dns takes it.

    A value of exactly 32 bytes (UTF-8 for text) is the key itself; any other length is read as
    standard base64 (with padding) and must decode to 32 bytes; an empty value means no key.

    Raises:
        ConfigError: neither form gives 32 bytes (the message never shows the key).

    Example:
        >>> len(parse_aes_key("0123456789abcdef0123456789abcdef"))
        32
        >>> parse_aes_key(base64.b64encode(b"k" * 32).decode()) == b"k" * 32
        True
    """
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if not raw:
        return None
    if len(raw) == _KEY_SIZE:
        return raw
    try:
        key = base64.b64decode(raw.replace(b"\r", b"").replace(b"\n", b""), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_SIZE:
        msg = (
            f"txt_encrypt_aes_key must be 32 bytes long, as text or base64-encoded "
            f"(got {len(raw)} bytes that are neither)"
        )
        raise ConfigError(msg)
    return key


class TXTCipher:
    """AES-256-GCM over gzip, as external-dns encrypts TXT values.

    Args:
        key: the 32-byte key.

    Raises:
        ImportError: the ``cryptography`` package is missing (``pip install
            'gatewaydns[encryption]'``).
    """

    def __init__(self, key: bytes) -> None:
        crypto = require(
            "encryption",
            "encrypted TXT values (txt_encrypt_aes_key) need the cryptography package",
            "cryptography.exceptions",
            "cryptography.hazmat.primitives.ciphers.aead",
        )
        self._key = key
        self._aead: Any = crypto.hazmat.primitives.ciphers.aead.AESGCM(key)
        self._invalid: type[Exception] = crypto.exceptions.InvalidTag

    def __repr__(self) -> str:
        return "TXTCipher(<key hidden>)"

    def nonce(self, name: str, text: str) -> bytes:
        """The nonce for ``text`` stored at TXT name ``name`` (see the module docstring)."""
        data = _NONCE_CONTEXT + name.encode() + b"\x00" + text.encode()
        return hmac.new(self._key, data, hashlib.sha256).digest()[:NONCE_SIZE]

    def encrypt(self, text: str, nonce: bytes) -> str:
        """``base64(nonce ‖ seal(gzip(text)))``, without quotes."""
        packed = gzip.compress(text.encode(), compresslevel=9, mtime=0)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, packed, None)).decode("ascii")

    def decrypt(self, value: str) -> tuple[str, bytes] | None:
        """The text and nonce of an encrypted value; ``None`` when it does not decrypt.

        A value that is not base64, too short, sealed with another key, not gzip, larger than
        64 KiB uncompressed, or not UTF-8 does not decrypt (external-dns then reads it as plain
        text, and so does the registry).
        """
        try:
            data = base64.b64decode(value.strip().strip('"'), validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(data) <= NONCE_SIZE:
            return None
        nonce = data[:NONCE_SIZE]
        try:
            packed = self._aead.decrypt(nonce, data[NONCE_SIZE:], None)
        except self._invalid:
            return None
        unzip = zlib.decompressobj(wbits=31)  # gzip framing
        try:
            plain = unzip.decompress(packed, _MAX_TEXT)
        except zlib.error:
            return None
        if unzip.unconsumed_tail or not unzip.eof:
            return None
        try:
            return plain.decode("utf-8"), nonce
        except UnicodeDecodeError:
            return None
