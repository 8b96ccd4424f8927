"""Read a SQLCipher 4 store's pages in clear, free pages and stale WAL frames included.

SQLite's own API only shows live rows; erasure tests need every byte. SQLCipher 4 defaults (as
Guichet opens stores, raw 256-bit key): 4096-byte pages, each `AES-256-CBC(data) | IV (16) |
HMAC-SHA512 (64)`; page 1 starts with the 16-byte salt, left in clear. A WAL file is a 32-byte
header then frames of a 24-byte header (page number first) and one page image.
"""

from __future__ import annotations

from pathlib import Path

PAGE = 4096
RESERVE = 16 + 64


def _decrypt(key: bytes, page: bytes, first: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if not any(page):
        return page  # never written (or truncated): nothing to decrypt
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[16 if first else 0:PAGE - RESERVE]) + decryptor.finalize()


def file_pages(path: Path, key: bytes) -> list[bytes]:
    data = Path(path).read_bytes() if Path(path).exists() else b""
    return [_decrypt(key, data[i:i + PAGE], i == 0) for i in range(0, len(data) - PAGE + 1, PAGE)]


def wal_pages(path: Path, key: bytes) -> list[bytes]:
    """Every frame of `<store>-wal`, decrypted, whether or not it is still part of the database."""
    wal = Path(f"{path}-wal")
    data = wal.read_bytes() if wal.exists() else b""
    out, offset = [], 32
    while offset + 24 + PAGE <= len(data):
        page_no = int.from_bytes(data[offset:offset + 4], "big")
        out.append(_decrypt(key, data[offset + 24:offset + 24 + PAGE], page_no == 1))
        offset += 24 + PAGE
    return out


def plaintext(path: Path, key: bytes | None) -> dict[str, bytes]:
    """{"file": …, "wal": …}: the store's bytes as SQLite sees them (decrypted when `key`)."""
    path = Path(path)
    if key is None:
        wal = Path(f"{path}-wal")
        return {"file": path.read_bytes(), "wal": wal.read_bytes() if wal.exists() else b""}
    return {"file": b"".join(file_pages(path, key)), "wal": b"".join(wal_pages(path, key))}
