"""The read-only file system DuckDB reads the exports through (queries/readonly.py): it reads what the local file
system reads, also with many threads at once on one file, and it writes nothing."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from queries import readonly


def test_many_threads_read_the_same_bytes_as_the_local_file_system(tmp_path):
    # Many row groups read by several threads: DuckDB's bridge seeks then reads, with the GIL taken for each
    # step, so a position shared between threads returns the wrong bytes (the Parquet reader then fails with
    # "TProtocolException: Invalid data" or decodes garbage). Positions are per thread.
    # Seen at 10M transactions (72 MB, "Failed to read 6795245 bytes ... only 5519 bytes returned"); reproduced
    # here with large, barely compressible row groups, which DuckDB reads in big ranges from several threads.
    n = 3_000_000
    ids = pl.int_range(n, eager=True)
    frame = pl.DataFrame({"id": (ids * 2_654_435_761 % 4_294_967_291).cast(pl.String),
                          "amount": (ids * 40_503 % 1_000_003).cast(pl.Float64) / 7})
    path = tmp_path / "big.parquet"
    frame.write_parquet(path, row_group_size=250_000, compression="uncompressed")
    query = "select count(*), sum(hash(id)), sum(hash(amount)) from read_parquet($p)"  # exact, in any order
    local = duckdb.connect(config={"threads": 8})
    expected = local.sql(query, params={"p": str(path)}).fetchall()
    con = duckdb.connect(config={"threads": 8})
    readonly.register(con)
    for _ in range(5):
        assert con.sql(query, params={"p": readonly.ro_path(path)}).fetchall() == expected


def test_it_opens_nothing_for_writing(tmp_path):
    fs = readonly.ReadOnlyFileSystem(skip_instance_cache=True)
    target = tmp_path / "x.txt"
    target.write_text("kept")
    for call in (lambda: fs.open(readonly.ro_path(target), "wb"), lambda: fs.rm(readonly.ro_path(target)),
                 lambda: fs.mv(readonly.ro_path(target), readonly.ro_path(tmp_path / "y")),
                 lambda: fs.touch(readonly.ro_path(tmp_path / "z")), lambda: fs.mkdir(readonly.ro_path(tmp_path / "d")),
                 lambda: fs.pipe_file(readonly.ro_path(tmp_path / "w"), b"x")):
        with pytest.raises(PermissionError):
            call()
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"] and target.read_text() == "kept"
    with fs.open(readonly.ro_path(target), "rb") as handle:
        assert handle.read() == b"kept"
