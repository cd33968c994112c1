"""``configs/default.toml`` and ``configs/schema.json`` are generated from the schema
(``planner config-docs``): a field or description changed without regenerating them fails
here."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.docs import default_toml, schema_json

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_generated_config_files_are_in_sync_with_the_schema() -> None:
    assert (CONFIGS / "default.toml").read_text(encoding="utf-8") == default_toml()
    assert (CONFIGS / "schema.json").read_text(encoding="utf-8") == schema_json()


def test_the_check_flags_a_stale_file(tmp_path: Path) -> None:
    (tmp_path / "default.toml").write_text(default_toml(), encoding="utf-8")
    (tmp_path / "schema.json").write_text(schema_json().replace("olive", "oval"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["config-docs", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "stale: schema.json" in result.output
