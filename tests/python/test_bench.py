"""scripts/bench.py: the measuring and reporting parts (the full benchmark runs for hours)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench  # noqa: E402

RESULT = {
    "load_1min": 1.5, "millions": 1.0, "spans": 1_000_000, "gb": 0.45, "calls": 225_000,
    "floor_s": 2.0, "floor_mb": 300.0, "full_s": 200.0, "full_mb": 2900.0,
    "nightly_s": 150.0, "nightly_mb": 2500.0, "baseline_cps": 6500.0, "ours_cps": 1125.0,
    "pricing_cps": 900000.0,
}


def test_run_measured_reports_time_and_peak_memory_of_the_process_tree() -> None:
    measured = bench.run_measured([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); import time; time.sleep(1)"])
    assert measured.seconds >= 1.0
    assert measured.peak_rss_mb > 150


def test_run_measured_fails_loudly() -> None:
    with pytest.raises(SystemExit):
        bench.run_measured([sys.executable, "-c", "raise SystemExit(3)"])


def test_render_prints_every_ratio() -> None:
    text = bench.render([RESULT], "python scripts/bench.py --sizes 1", "3GB", 30)
    row = next(line for line in text.splitlines() if line.startswith("| 1,000,000"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[6] == "100.0x"  # full / floor
    assert cells[7] == "75%"  # nightly / full
    assert cells[8] == "300 / 2900 / 2500"
    assert cells[12] == "0.173x"  # end to end / baseline
    assert cells[13] == "138x"  # pricing / baseline
    assert "python scripts/bench.py --sizes 1" in text
    assert "1.5 on" in text


def test_pricing_seconds_sums_the_two_pricing_models(tmp_path: Path) -> None:
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "run_results.json").write_text(
        '{"results": ['
        '{"unique_id": "model.llm_spend_attribution.int_llm_calls__model_resolved", "execution_time": 2.5},'
        '{"unique_id": "model.llm_spend_attribution.int_llm_calls__priced", "execution_time": 4.0},'
        '{"unique_id": "model.llm_spend_attribution.fct_llm_calls", "execution_time": 9.0}]}'
    )
    assert bench.pricing_seconds(tmp_path) == 6.5


def test_baseline_prices_built_calls_one_by_one(sample_build) -> None:  # noqa: ANN001
    calls_per_second, priced = bench.baseline_calls_per_second(sample_build.database, 50)
    assert calls_per_second > 0
    assert 0 < priced <= 50
