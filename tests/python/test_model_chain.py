"""Issue #18: the chain from span files to FOCUS rows is at most 7 models.

Reads the manifest of a `dbt parse` and measures the longest path of models
from stg_traces__parsed_records (each span-file line parsed once) to
focus_cost_and_usage. stg_traces__affected_traces is the nightly run's
control list of traces to rebuild (every per-trace model reads it through
in_rebuilt_traces), not a step of the data, so it is left out of the graph;
so are stg_traces__affected_days and stg_traces__rebuilt_days (the days the
aggregates rebuilt by period rebuild, read by in_rebuilt_periods).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from dbt_runner import run_dbt

PROJECT = "llm_spend_attribution"
SOURCE = f"model.{PROJECT}.stg_traces__parsed_records"
TARGET = f"model.{PROJECT}.focus_cost_and_usage"
CONTROL = {f"model.{PROJECT}.stg_traces__affected_traces", f"model.{PROJECT}.stg_traces__affected_days",
           f"model.{PROJECT}.stg_traces__rebuilt_days"}
MAX_MODELS = 7


def longest_model_path(manifest: dict, source: str, target: str, ignored: set[str]) -> list[str]:
    """The longest chain of models (names) from source to target, both included."""
    parents = {
        key: [p for p in node["depends_on"]["nodes"] if p.startswith("model.") and p not in ignored]
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and key not in ignored
    }

    @cache
    def longest_to(node: str) -> tuple[str, ...] | None:
        if node == source:
            return (source,)
        paths = [path for parent in parents.get(node, []) if (path := longest_to(parent)) is not None]
        return max(paths, key=len) + (node,) if paths else None

    path = longest_to(target)
    assert path is not None, f"no path of models from {source} to {target}"
    return [manifest["nodes"][key]["name"] for key in path]


def test_longest_path_helper_counts_models() -> None:
    nodes = {
        "model.p.a": [],
        "model.p.b": ["model.p.a", "model.p.ctl"],
        "model.p.c": ["model.p.b", "seed.p.s"],
        "model.p.d": ["model.p.a", "model.p.c"],
        "model.p.ctl": ["model.p.a"],
    }
    manifest = {"nodes": {
        key: {"resource_type": "model", "name": key.split(".")[-1], "depends_on": {"nodes": deps}}
        for key, deps in nodes.items()
    }}
    assert longest_model_path(manifest, "model.p.a", "model.p.d", {"model.p.ctl"}) == ["a", "b", "c", "d"]


def test_span_files_to_focus_rows_is_at_most_seven_models(tmp_path: Path) -> None:
    run = run_dbt(tmp_path, "parse")
    assert run.returncode == 0, run.output[-3000:]
    manifest = json.loads((run.target_dir / "manifest.json").read_text())
    path = longest_model_path(manifest, SOURCE, TARGET, CONTROL)
    assert len(path) <= MAX_MODELS, f"{len(path)} models: " + " > ".join(path)
