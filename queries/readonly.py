"""The only way the query connection reaches files: a read-only file system, so DuckDB cannot write anywhere.

DuckDB's ``allowed_directories`` and ``allowed_paths`` let a locked connection read *and write* the places they
name (measured with DuckDB 2.0: ``COPY ... TO`` an allowed path overwrites an export file; ``ATTACH`` creates a
database in an allowed folder). So the connection that answers queries is given no local path at all: it
reads the exports and the saved rollup through this file system, registered under the ``rodata://`` protocol,
which opens files for reading only and refuses every other operation, and it is locked to ``rodata://`` paths
of the data folder, the rollup cache folder and the files that exports link to outside the data folder.
Everything the app writes (the rollup copy, its checksum) is written by Python or by a separate, short-lived
DuckDB connection that never runs a query of the app (:mod:`queries.rollup_cache`).
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import duckdb
from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

PROTOCOL = "rodata"
PREFIX = f"{PROTOCOL}://"


def ro_path(path: Path | str) -> str:
    """The ``rodata://`` URL DuckDB reads ``path`` through (an absolute path).

    >>> ro_path("/data/transactions.parquet")
    'rodata:///data/transactions.parquet'
    """
    return PREFIX + str(path)


def ro_folder(path: Path | str) -> str:
    """A folder as an ``allowed_directories`` entry (with its trailing slash, so ``/data`` does not allow
    ``/data2``).

    >>> ro_folder("/data")
    'rodata:///data/'
    """
    return PREFIX + str(path).rstrip("/") + "/"


def from_ro_path(url: str) -> str:
    """The local path of a ``rodata://`` URL (unchanged when it has no such prefix).

    >>> from_ro_path("rodata:///data/a.parquet"), from_ro_path("/x")
    ('/data/a.parquet', '/x')
    """
    return url[len(PREFIX):] if url.startswith(PREFIX) else url


class ReadOnlyFileSystem(AbstractFileSystem):
    """Local files, read only: ``open`` in ``rb`` mode, ``info``, ``ls`` and ``modified``; nothing else.

    A whitelist rather than a LocalFileSystem with its writers overridden, so that a write method added to
    fsspec later cannot slip through: AbstractFileSystem's own writers end in ``_open`` in a write mode or in
    methods that raise.
    """

    protocol = PROTOCOL
    root_marker = "/"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._local = LocalFileSystem()

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = str(path)
        return from_ro_path(text) if text.startswith(PREFIX) else text

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        if mode != "rb":
            raise PermissionError(f"read-only file system: cannot open {path} for writing")
        return PositionalReader(self._strip_protocol(path))

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        info: dict[str, Any] = self._local.info(self._strip_protocol(path))
        return info

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> Any:
        return self._local.ls(self._strip_protocol(path), detail=detail)

    def modified(self, path: str) -> Any:
        return self._local.modified(self._strip_protocol(path))

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError("read-only file system")

    mkdir = makedirs = rmdir = rm = rm_file = _rm = mv = cp_file = copy = put = put_file = get = get_file = \
        touch = pipe = pipe_file = link = symlink = _refuse


class PositionalReader(io.RawIOBase):
    """A file opened read-only whose position is kept per thread, read with ``os.pread``.

    DuckDB's threads share one handle per file, and its Python file system bridge reads a range as a ``seek``
    then a ``read``, each taking the GIL on its own: with one shared position, another thread's seek can land in
    between and the read returns the wrong bytes (seen at 10M transactions: "TProtocolException: Invalid data"
    from the Parquet reader). Each thread's seek then read is consistent here, whatever the others do.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size
        self._position = threading.local()
        self.name = path

    @property
    def size(self) -> int:
        return self._size

    def _at(self) -> int:
        return int(getattr(self._position, "value", 0))

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._at(), os.SEEK_END: self._size}[whence]
        self._position.value = max(0, base + offset)
        return int(self._position.value)

    def tell(self) -> int:
        return self._at()

    def read(self, size: int | None = -1) -> bytes:
        start = self._at()
        wanted = self._size - start if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while got < wanted:
            chunk = os.pread(self._fd, wanted - got, start + got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        self._position.value = start + got
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``rodata://`` paths readable on ``con`` (on its whole database instance: its cursors too)."""
    con.register_filesystem(ReadOnlyFileSystem(skip_instance_cache=True))
