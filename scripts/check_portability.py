"""Check that models and tests hold no engine-specific SQL.

Engine-specific functions and syntax belong in the adapter.dispatch macros
of macros/portability/ (duckdb__ and spark__ versions). This scans every
.sql file under models/ and tests/ (not macros/) for a denylist of DuckDB-
and Spark-only functions and syntax:
- SQL outside Jinja is scanned with comments and string literals removed;
- inside Jinja ({{ }} and {% %}), only the string literals are scanned:
  they are the SQL fragments handed to macros (Jinja code itself, such as
  `| map(attribute=...)`, is not SQL); Jinja comments are ignored.
A double quote in SQL outside Jinja is reported too (Spark reads "x" as a
string, not an identifier). Exit status 1 when anything is found.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCANNED_FOLDERS = ("models", "tests")
SKIPPED_FOLDERS = ("tests/fixtures", "tests/python")

# Function names that exist on one engine only (or differ in meaning): use a
# dispatch macro or a dbt cross-database macro instead.
DENIED_FUNCTIONS = (
    # JSON
    "json_extract", "json_extract_string", "json_extract_path_text", "json_transform", "json_valid",
    "json_type", "json_keys", "json_exists", "json_object", "json_array", "json_array_length",
    "json_structure", "json_serialize", "json_contains", "json_object_keys", "to_json", "from_json",
    "get_json_object", "json_tuple", "parse_json", "try_parse_json", "schema_of_json", "schema_of_variant",
    # reading files and file metadata
    "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson", "read_parquet", "read_text",
    "input_file_name", "monotonically_increasing_id",
    # lists, arrays, structs, maps, explode
    "unnest", "explode", "explode_outer", "posexplode", "posexplode_outer", "inline", "flatten",
    "list_filter", "list_transform", "list_sort", "list_distinct", "list_concat", "list_position",
    "list_contains", "list_value", "list_extract", "list_aggregate", "list_reduce", "list", "len",
    "list_has", "list_has_any", "list_has_all", "list_zip", "array_has", "arrays_overlap", "zip_with",
    "array_agg", "array_contains", "array_position", "array_sort", "array_distinct", "array_length",
    "array_join", "array_to_string", "element_at", "try_element_at", "transform", "filter",
    "aggregate", "struct_pack", "struct_extract", "named_struct", "row",
    "map", "map_concat", "map_keys", "map_values", "map_entries", "map_extract", "map_from_entries",
    "map_from_arrays", "map_filter", "map_contains_key", "transform_keys", "transform_values",
    # text, regex
    "regexp_matches", "regexp_replace", "regexp_extract", "regexp_full_match", "regexp_like", "regexp",
    "rlike", "starts_with", "ends_with", "startswith", "endswith", "contains", "string_split",
    "str_split", "split", "split_part", "string_agg", "listagg", "group_concat", "instr",
    # dates and times
    "strftime", "strptime", "epoch", "epoch_ms", "epoch_us", "epoch_ns", "make_timestamp",
    "make_date", "to_timestamp", "timezone", "date_diff", "datediff", "dateadd", "date_add",
    "date_sub", "date_trunc", "date_part", "from_unixtime", "unix_timestamp", "timestamp_micros",
    "timestamp_millis", "timestamp_seconds", "now",
    # casts, aggregates, misc
    "try_cast", "count_if", "bool_or", "bool_and", "any_value", "arg_max", "arg_min", "max_by",
    "min_by", "median", "quantile", "quantile_cont", "md5", "sha1", "sha2", "sha256", "hash",
    "ifnull", "nvl", "nvl2", "iff", "decode",
)
DENIED_SYNTAX = (
    (r"::", "`::` cast"),
    (r"->>?", "arrow operator or lambda"),
    (r"\blambda\b", "lambda"),
    (r"\bqualify\b", "QUALIFY"),
    (r"\bgroup\s+by\s+all\b", "GROUP BY ALL"),
    (r"\border\s+by\s+all\b", "ORDER BY ALL"),
    (r"\*\s*(exclude|except)\s*\(", "* EXCLUDE / * EXCEPT"),
    (r"\b(hugeint|varchar|ubigint|uinteger)\b", "DuckDB-only type name"),
    (r"\bilike\b", "ILIKE"),
    (r"\blateral\s+view\b", "LATERAL VIEW"),
    (r"\bunion\s+(all\s+)?by\s+name\b", "UNION BY NAME"),
    # string literals are blanked before matching: {'k': v} reads as {   : v}
    (r"\{\s*:", "struct literal {'key': value}"),
    # [] / ['a', ...] / [{...}] where an expression starts (not a subscript x[...])
    (r"(?:^|[^\w\])\s])\s*\[\s*[{,\]]", "list literal [...]"),
    (r"\bwith\s+ordinality\b", "WITH ORDINALITY"),
    (r"\binterval\b", "INTERVAL literal (use dbt.dateadd)"),
    (r"(?<![<>!])=\s*=", "=="),
    (r"//", "integer division operator"),
)
FUNCTION_PATTERN = re.compile(
    r"(?<![\w.])(" + "|".join(sorted(map(re.escape, DENIED_FUNCTIONS), key=len, reverse=True)) + r")\s*\(",
    re.IGNORECASE,
)
SYNTAX_PATTERNS = tuple((re.compile(pattern, re.IGNORECASE), label) for pattern, label in DENIED_SYNTAX)
JINJA_BLOCK = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
PYTHON_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)
SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """Replace matches by spaces, keeping newlines so line numbers hold."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def scan_sql(sql: str, allow_double_quotes: bool) -> Iterator[tuple[int, str]]:
    """(offset, what) for each denied construct in a piece of SQL."""
    code = blank_out(blank_out(sql, SQL_COMMENT), SQL_LITERAL)
    for match in FUNCTION_PATTERN.finditer(code):
        yield match.start(), f"engine-specific function {match.group(1)}()"
    for pattern, label in SYNTAX_PATTERNS:
        for match in pattern.finditer(code):
            yield match.start(), label
    if not allow_double_quotes:
        for match in re.finditer(r'"', code):
            yield match.start(), 'double-quoted identifier (Spark reads "x" as a string)'


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line, what) findings in one file's text."""
    hits: list[tuple[int, str]] = []
    outside = []
    position = 0
    for block in JINJA_BLOCK.finditer(text):
        outside.append(text[position:block.start()])
        outside.append(re.sub(r"[^\n]", " ", block.group(0)))
        position = block.end()
        if block.group(0).startswith("{#"):
            continue
        for literal in PYTHON_STRING.finditer(block.group(0)):
            fragment = literal.group(0)[1:-1]
            for offset, what in scan_sql(fragment, allow_double_quotes=True):
                absolute = block.start() + literal.start() + 1 + offset
                hits.append((text.count("\n", 0, absolute) + 1, what + " (in a Jinja string)"))
    outside.append(text[position:])
    for offset, what in scan_sql("".join(outside), allow_double_quotes=False):
        hits.append((text.count("\n", 0, offset) + 1, what))
    return sorted(set(hits))


def sql_files(root: Path) -> list[Path]:
    files = []
    for folder in SCANNED_FOLDERS:
        for path in sorted((root / folder).rglob("*.sql")):
            relative = path.relative_to(root).as_posix()
            if not relative.startswith(SKIPPED_FOLDERS):
                files.append(path)
    return files


def check(root: Path) -> list[Finding]:
    findings = []
    for path in sql_files(root):
        for line, what in scan_text(path.read_text()):
            findings.append(Finding(path.relative_to(root).as_posix(), line, what))
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root")
    args = parser.parse_args(argv)
    findings = check(args.root)
    for finding in findings:
        print(finding)
    print(f"{len(sql_files(args.root))} files scanned, {len(findings)} engine-specific constructs found")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
