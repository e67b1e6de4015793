"""scripts/check_portability.py: models and tests hold no engine-specific SQL,
and the check finds what it is meant to find. scripts/spark_equivalence.py:
the value normalisation used to compare DuckDB and Spark marts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import check_portability
import spark_equivalence

PROJECT = Path(__file__).resolve().parents[2]


def test_models_and_tests_are_portable() -> None:
    findings = check_portability.check(PROJECT)
    assert findings == [], "\n".join(map(str, findings))
    assert len(check_portability.sql_files(PROJECT)) > 20


def test_check_finds_engine_specific_sql(tmp_path: Path) -> None:
    model = tmp_path / "models" / "m.sql"
    model.parent.mkdir()
    model.write_text(
        "select json_extract(x, '$.a') as a, y::int as b from t -- try_cast( in a comment\n"
        "{{ dbt.concat([\"regexp_matches(a, 'x')\", \"'list_filter( in a literal'\"]) }}\n"
        "{{ x | map(attribute='name') }} {# unnest( #}\n"
        "select * exclude (a) from t qualify row_number() over () = 1\n"
        "select list_has_any(a, ['x']) from t union all by name select json_object_keys(b) from t\n"
        "{{ f([\"[{'key': 'otel.scope.name', 'value': scope_name}]\"]) }} select m['k'], l[1] from t\n"
    )
    found = {(f.line, f.what.split(" (in")[0]) for f in check_portability.check(tmp_path)}
    assert found == {
        (1, "engine-specific function json_extract()"),
        (1, "`::` cast"),
        (2, "engine-specific function regexp_matches()"),
        (4, "* EXCLUDE / * EXCEPT"),
        (4, "QUALIFY"),
        (5, "engine-specific function list_has_any()"),
        (5, "UNION BY NAME"),
        (5, "engine-specific function json_object_keys()"),
        (5, "list literal [...]"),
        (6, "list literal [...]"),
        (6, "struct literal {'key': value}"),
    }


def test_dispatch_macros_have_both_engines() -> None:
    """Every macro of this project dispatched with adapter.dispatch has a
    spark__ version, or a default__ one that serves Spark too."""
    import re

    text = "\n".join(p.read_text() for p in (PROJECT / "macros").rglob("*.sql"))
    defined = set(re.findall(r"\{%-?\s*macro\s+(\w+)\s*\(", text))
    dispatched = set(re.findall(r"adapter\.dispatch\('(\w+)', 'llm_spend_attribution'\)", text))
    assert len(dispatched) > 20
    missing = sorted(
        name for name in dispatched if "spark__" + name not in defined and "default__" + name not in defined
    )
    assert missing == []


def test_dispatch_macros_have_a_default() -> None:
    """Every dispatched macro has a default__ (ANSI SQL, or not_portable's
    clear error where ANSI has no form), so a third engine fails by name."""
    import re

    text = "\n".join(p.read_text() for p in (PROJECT / "macros").rglob("*.sql"))
    defined = set(re.findall(r"\{%-?\s*macro\s+(\w+)\s*\(", text))
    dispatched = set(re.findall(r"adapter\.dispatch\('(\w+)', 'llm_spend_attribution'\)", text))
    assert sorted(name for name in dispatched if "default__" + name not in defined) == []


def test_no_unused_macros() -> None:
    """Every macro of the project is called somewhere (a dispatched version
    counts through its dispatcher); documented entry points are listed."""
    import re

    sources = [p for folder in ("models", "macros", "tests", "analyses") for p in (PROJECT / folder).rglob("*")
               if p.suffix in (".sql", ".yml") and "fixtures" not in p.parts]
    text = "\n".join(p.read_text() for p in sources) + (PROJECT / "dbt_project.yml").read_text()
    defined = set(re.findall(r"\{%-?\s*macro\s+(\w+)\s*\(", text))
    entry_points = {"generate_schema_name", "day_rebuild_strategy"}  # dbt calls it; docs/spark.md offers it
    unused = []
    for name in sorted(defined - entry_points):
        base = re.sub(r"^(duckdb|spark|default)__", "", name)
        if base != name:
            continue
        calls = len(re.findall(r"(?<![\w.])" + name + r"\s*\(|'" + name + r"'", text))
        if calls <= 1:  # the definition itself
            unused.append(name)
    assert unused == []


def test_normalise_quantizes_money_and_reads_timestamps_as_utc() -> None:
    assert spark_equivalence.normalise(Decimal("0.123456789012345")) == Decimal("0.123456789")
    assert spark_equivalence.normalise(Decimal("0.1234567890")) != spark_equivalence.normalise(Decimal("0.1234567900"))
    aware = datetime(2026, 5, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert spark_equivalence.normalise(aware) == datetime(2026, 5, 1, 0, 0)
    assert spark_equivalence.normalise(0.1 + 0.2) == 0.3
    assert spark_equivalence.normalise("x") == "x"


def test_compare_mart_finds_a_cost_difference_and_ignores_order(tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.sql(f"attach '{tmp_path / 'd.duckdb'}' as duck")
    con.sql("create schema duck.marts")
    con.sql(
        "create table duck.marts.m as select * from (values ('a', 1.000000001::decimal(38, 15), 'x'),"
        " ('b', 2.0::decimal(38, 15), 'y')) as t(call_id, cost_usd, reason)"
    )
    spark_dir = tmp_path / "spark" / "m"
    spark_dir.mkdir(parents=True)
    # Same rows in another order, upper-case column name: equal.
    con.sql(
        "copy (select call_id as CALL_ID, cost_usd, reason from duck.marts.m order by call_id desc)"
        f" to '{spark_dir / 'part-0.parquet'}' (format parquet)"
    )
    assert spark_equivalence.compare_mart(con, "m", spark_dir).equal
    # A cost off by 2e-9 USD and a different reason: both reported.
    con.sql(
        "copy (select call_id, cost_usd + case when call_id = 'a' then 0.000000002 else 0 end as cost_usd,"
        " case when call_id = 'b' then 'z' else reason end as reason from duck.marts.m)"
        f" to '{spark_dir / 'part-0.parquet'}' (format parquet)"
    )
    result = spark_equivalence.compare_mart(con, "m", spark_dir)
    assert not result.equal
    text = "\n".join(result.problems)
    assert "2 rows only on DuckDB, 2 only on Spark" in text
    assert "cost_usd" in text and "'reason': ('y', 'z')" in text


def test_duckdb_scans_import_ctes_again_instead_of_copying_them(sample_build) -> None:  # noqa: ANN001
    """cte_inline_hint: on DuckDB, an import CTE read more than once is inlined, not materialized (a
    materialized copy of the span table held attribute maps and raw records in memory at 10M spans)."""
    import json

    import duckdb

    compiled = sample_build.target_dir / "compiled" / "llm_spend_attribution" / "models"

    def materialized_ctes(model: str) -> list[str]:
        sql = next(compiled.rglob(f"{model}.sql")).read_text()
        with duckdb.connect(str(sample_build.database), read_only=True) as connection:
            plan = json.loads(connection.execute("explain (format json) " + sql).fetchall()[0][1])
        names: list[str] = []
        stack = list(plan)
        while stack:
            node = stack.pop()
            if node.get("name") == "CTE":
                names.append(node.get("extra_info", {}).get("CTE Name"))
            stack.extend(node.get("children", []))
        return names

    span_records_ctes = materialized_ctes("stg_traces__span_records")
    assert "parsed_records" not in span_records_ctes
    # The span chain is one stream: no copy of every span (with its map and raw record) is materialized
    # and derived again; only the few keys and records of repeated ids, and the child usage counts, are.
    assert set(span_records_ctes) <= {"repeated_ids", "copies", "child_usage"}, span_records_ctes
    assert "spans" not in materialized_ctes("field_survival_by_hop")
    # Derived CTEs read twice stay materialized (computed once).
    assert "hops" in materialized_ctes("field_survival_by_hop")
