"""The faster DuckDB readings of landing text (DECISIONS 175, 176) give what trim() gives, on every string.

The macros are compiled by dbt (``dbt compile --inline``) and evaluated by DuckDB next to the plain reading
``nullif(trim(...), '')``: ``landing_text(is_long_id=true)`` must give the same text and ``landing_is_missing``
(a required column's 'missing' check) must be true exactly where that is NULL, on every code point before,
after and alone around letters, every string of up to three characters from a set of blanks, letters and
accents, and padded ids. If a DuckDB upgrade made trim() remove another character at an end, this fails.
On a column that is an integer already, the 'missing' and 'unparseable' checks must equal the text path.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import duckdb
from harness import PROJECT_ROOT, _dbt_executable, dbt_environment

# space, tab, newline, carriage return, no-break space, ideographic space, narrow no-break space, letters,
# an accented letter, a combining accent
PIECES = ["", " ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u202f", "a", "b", "\u00e9", "\u0301"]
SPAN_ID = "00f067aa0ba902b7"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


READINGS = (
    "select v, {{ landing_text('v', is_long_id=true) }} as fast, {{ landing_text('v') }} as plain, "
    "{{ landing_is_missing('v') }} as missing from strings"
)
# an integer landing column (Parquet): the fast checks against the text path they replace
INTEGER_CHECKS = (
    "select n, {{ landing_is_missing('n') }} as missing, {{ landing_text('n') }} is null as text_missing, "
    "{{ landing_is_unreadable('n', 'integer') }} as unreadable, "
    "({{ landing_text('n') }} is not null and {{ landing_value('n', 'integer') }} is null) as text_unreadable "
    "from numbers"
)


def compiled(tmp_path: Path, sql: str) -> str:
    environment = dbt_environment(PROJECT_ROOT, tmp_path / "compile.duckdb")
    done = subprocess.run(
        [
            _dbt_executable(),
            "compile",
            "--inline",
            sql,
            "--quiet",
            "--output",
            "json",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout[done.stdout.index("{") :])["compiled"]


def test_long_id_reading_and_missing_check_equal_trim(tmp_path: Path) -> None:
    """landing_text(is_long_id=true) gives trim()'s text, and landing_is_missing (a required column's
    'missing' check, which never builds the trimmed copy) is true exactly where trim() leaves nothing."""
    readings = compiled(tmp_path, READINGS)
    assert "unicode(" in readings and "trim(" in readings, readings  # the DuckDB reading, not the default

    short = sorted({"".join(p) for n in range(4) for p in itertools.product(PIECES, repeat=n)})
    ids = [TRACE_ID, SPAN_ID, f" {TRACE_ID}", f"{SPAN_ID}  ", f"\u00a0{SPAN_ID}\u3000", f"\t{SPAN_ID}", "   "]
    connection = duckdb.connect()
    connection.execute("create table given (v varchar)")
    connection.executemany("insert into given values (?)", [(v,) for v in [*short, *ids, None]])
    connection.execute(
        """
        create table strings as
        select v from given
        union all
        select s from range(1, 1114112) as t (i),
            lateral (select unnest([chr(cast(i as integer)) || 'ab', 'ab' || chr(cast(i as integer)),
                                    chr(cast(i as integer))]) as s)
        where i < 55296 or i > 57343
        """
    )
    total, differing, trimmed, missing, missing_differing = connection.execute(
        f"""
        select count(*), count(*) filter (where fast is distinct from plain),
            count(*) filter (where plain is distinct from v), count(*) filter (where missing),
            count(*) filter (where missing is distinct from (plain is null))
        from ({readings})
        """
    ).fetchone()
    assert total > 3 * 1_100_000
    assert differing == 0
    assert trimmed > 500  # padded values went through the trimming branch: not a vacuous comparison
    assert missing_differing == 0
    assert missing > 50  # NULL, '' and every string of space separators: not a vacuous comparison
    rows = dict(connection.execute(f"select v, fast from ({readings}) where v in (select v from given)").fetchall())
    assert rows[f" {TRACE_ID}"] == TRACE_ID
    assert rows[f"\u00a0{SPAN_ID}\u3000"] == SPAN_ID
    assert rows[f"\t{SPAN_ID}"] == f"\t{SPAN_ID}"  # DuckDB's trim() keeps a tab, and so does the fast reading
    assert rows["   "] is None
    absent = dict(
        connection.execute(
            f"select v, missing from ({readings}) where v is null or v in (select v from given)"
        ).fetchall()
    )
    assert absent["   "] and absent["\u00a0\u3000"] and absent[""] and absent[None]
    assert not absent["\t"] and not absent[" a"]  # trim() keeps a tab: a tab is a value, as it always was


def test_integer_column_checks_equal_the_text_path(tmp_path: Path) -> None:
    """On a column typed as an integer already (the spans Parquet's nanosecond times), 'missing' is NULL and
    nothing is unreadable: the same as the text path, which cast every value to text and back."""
    checks = compiled(tmp_path, INTEGER_CHECKS)
    assert "typeof(n)" in checks, checks  # the DuckDB shortcut, not the default
    connection = duckdb.connect()
    connection.execute(
        "create table numbers as select cast(n as bigint) as n from (values (0), (-1), (null), "
        "(1785024000123456789), (9223372036854775807), (-9223372036854775808)) as t (n)"
    )
    rows = connection.execute(
        f"select n, missing, text_missing, unreadable, text_unreadable from ({checks})"
    ).fetchall()
    assert len(rows) == 6
    assert all(
        missing == text_missing and unreadable == text_unreadable
        for _, missing, text_missing, unreadable, text_unreadable in rows
    ), rows
    assert [n for n, missing, *_ in rows if missing] == [None]
