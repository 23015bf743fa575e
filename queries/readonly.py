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
        return self._local._open(self._strip_protocol(path), mode="rb")

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


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``rodata://`` paths readable on ``con`` (on its whole database instance: its cursors too)."""
    con.register_filesystem(ReadOnlyFileSystem(skip_instance_cache=True))
