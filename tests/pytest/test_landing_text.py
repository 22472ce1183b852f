"""landing_text's faster DuckDB reading of long ids (DECISIONS 175) gives what trim() gives, on every string.

The macro is compiled by dbt (``dbt compile --inline``) and both readings, ``is_long_id=true`` and the plain
``nullif(trim(...), '')``, are evaluated by DuckDB on: every code point before, after and alone around
letters; every string of up to three characters from a set of blanks, letters and accents; and padded ids.
If a DuckDB upgrade made trim() remove another character at an end, this test fails.
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


def compiled_readings(tmp_path: Path) -> str:
    environment = dbt_environment(PROJECT_ROOT, tmp_path / "compile.duckdb")
    sql = "select v, {{ landing_text('v', is_long_id=true) }} as fast, {{ landing_text('v') }} as plain from strings"
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


def test_long_id_reading_equals_trim(tmp_path: Path) -> None:
    compiled = compiled_readings(tmp_path)
    assert "unicode(" in compiled and "trim(" in compiled, compiled  # the DuckDB reading, not the default

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
    total, differing, trimmed = connection.execute(
        f"""
        select count(*), count(*) filter (where fast is distinct from plain),
            count(*) filter (where plain is distinct from v)
        from ({compiled})
        """
    ).fetchone()
    assert total > 3 * 1_100_000
    assert differing == 0
    assert trimmed > 500  # padded values went through the trimming branch: not a vacuous comparison
    rows = dict(connection.execute(f"select v, fast from ({compiled}) where v in (select v from given)").fetchall())
    assert rows[f" {TRACE_ID}"] == TRACE_ID
    assert rows[f"\u00a0{SPAN_ID}\u3000"] == SPAN_ID
    assert rows[f"\t{SPAN_ID}"] == f"\t{SPAN_ID}"  # DuckDB's trim() keeps a tab, and so does the fast reading
    assert rows["   "] is None
