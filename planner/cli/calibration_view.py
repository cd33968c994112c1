"""The table ``planner validate --calibration`` prints: model against public figures."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from planner.config.schema import LoadedConfig
from planner.datasets.calibration import Tables, calibration_rows, format_value
from planner.inputs.load import Inputs


def calibration_table(inputs: Inputs, loaded: LoadedConfig) -> tuple[Table, int]:
    """The calibration table of a validated dataset and the number of figures outside
    their band."""
    cfg = loaded.config
    measured = inputs.files["counties"].parent / "online_shares.csv"
    shares = pd.read_csv(measured, dtype={"county_code": str}) if measured.is_file() else None
    tables = Tables(
        inputs.townships,
        inputs.counties,
        inputs.centres,
        inputs.items,
        cfg.maturity,
        cfg.stages,
        shares,
    )
    table = Table(title="calibration: model against public figures", show_header=True)
    for column in ("figure", "model", "band", "inside", "reference", "source"):
        table.add_column(column, justify="right" if column in {"model", "band"} else "left")
    outside = 0
    for row in calibration_rows(tables):
        ref = row.ref
        band = f"{format_value(ref.low, ref.unit)} to {format_value(ref.high, ref.unit)}"
        band = "n/a" if band == "n/a to n/a" else band
        verdict = {True: "yes", False: "NO", None: "n/a"}[row.inside]
        outside += row.inside is False
        table.add_row(
            ref.figure, format_value(row.model, ref.unit), band, verdict, ref.reference, ref.source
        )
    return table, outside
