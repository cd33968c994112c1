"""The dataset's CSV columns have one owner (:mod:`planner.inputs.dataset_csv`): the builder
writes them, the reader reads its typed subset, and the committed dataset has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.inputs.dataset_csv import (
    CENTRE_CSV_COLUMNS,
    CENTRE_OPTIONAL,
    COUNTY_CSV_COLUMNS,
    GENERATED_CENTRE_COLUMNS,
    TOWNSHIP_CSV_COLUMNS,
)
from planner.inputs.load import CENTRE_COLUMNS, COUNTY_COLUMNS, TOWNSHIP_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "counties.csv": (COUNTY_CSV_COLUMNS, COUNTY_COLUMNS),
    "townships.csv": (TOWNSHIP_CSV_COLUMNS, TOWNSHIP_COLUMNS),
    "centres.csv": (CENTRE_CSV_COLUMNS, CENTRE_COLUMNS),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_committed_dataset_has_the_written_columns_in_order(name: str) -> None:
    with (ROOT / "data" / "jiangsu" / name).open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split(",")
    written = GENERATED_CENTRE_COLUMNS if name == "centres.csv" else FILES[name][0]
    assert header == list(written)


def test_generated_centres_add_only_the_optional_columns() -> None:
    # today's desks and mode, which a planner may fill or leave out (the reader's estimate)
    assert [c for c in GENERATED_CENTRE_COLUMNS if c not in CENTRE_CSV_COLUMNS] == list(
        CENTRE_OPTIONAL
    )
    assert not set(CENTRE_OPTIONAL) & set(CENTRE_COLUMNS)


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_reader_reads_written_columns_in_file_order(name: str) -> None:
    written, read = FILES[name]
    assert list(read) == [c for c in written if c in read]
    assert set(read.values()) <= {"str", "float"}
