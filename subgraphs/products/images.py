"""Product images on disk (issue #18's upload demo; no GraphQL here).

``uploadProductImage`` streams the uploaded file (the GraphQL multipart request spec; the router
forwards it as it arrives) into ``<images dir>/<upc>`` through a temporary file renamed into
place, so a reader never sees half an image and a failed upload leaves the previous one. The
SHA-256 and size are computed while copying; a file past ``max_bytes`` is refused and removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImageTooLarge", "ProductImage", "ProductImages"]

CHUNK_BYTES = 64 * 1024


class ImageTooLarge(ValueError):
    """The upload passed the configured size."""


@dataclass(frozen=True, slots=True)
class ProductImage:
    upc: str
    filename: str
    content_type: str
    size: int
    sha256: str


class ProductImages:
    """Images under ``directory``, one per product (a new upload replaces the old one)."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def path(self, upc: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else f"%{ord(c):02X}" for c in upc)
        return self.directory / safe

    async def store(
        self, upc: str, filename: str, content_type: str, chunks: AsyncIterator[bytes]
    ) -> ProductImage:
        self.directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ImageTooLarge(f"image larger than {self.max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(temporary, self.path(upc))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return ProductImage(upc, filename, content_type, size, digest.hexdigest())
