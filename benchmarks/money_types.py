#!/usr/bin/env python3
"""Money as DOUBLE or DECIMAL(38,12) on DuckDB (issue 16: the money-precision decision, DECISIONS 141).

The allocation arithmetic at the scale of a 10M-span build: 5M calls in 200k pools, each call's share of its
pool's billed amount, then sums per pool and per team. The two types alternate (A B A B A B) in one process
and the medians are compared (PERFORMANCE.md: only ratios measured in the same run are quoted).

    .venv/bin/python benchmarks/money_types.py
"""

import statistics
import time

import duckdb

QUERY = """
with priced as (
    select c.team_id, c.pool_id, cast(p.billed as {money}) * c.tokens / p.pool_tokens as allocated
    from calls as c inner join pools as p using (pool_id)
),
per_pool as (select pool_id, sum(allocated) as allocated from priced group by 1),
per_team as (select team_id, sum(allocated) as allocated from priced group by 1)
select
    (select sum(allocated) from per_pool) as pools_total,
    (select sum(allocated) from per_team) as teams_total,
    (
        select max(abs(per_pool.allocated - cast(p.billed as {money})))
        from per_pool inner join pools as p using (pool_id)
    ) as worst_pool_error
"""


def main() -> None:
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(
        "create table calls as select i as call_id, i % 200000 as pool_id, (i * 7919) % 37 as team_id,"
        " cast(100 + (i * 104729) % 50000 as bigint) as tokens from range(5000000) as t(i)"
    )
    con.execute(
        "create table pools as select pool_id, sum(tokens) as pool_tokens,"
        " 0.37 + (pool_id % 1000) * 1.013 as billed from calls group by 1"
    )
    times: dict[str, list[float]] = {"double": [], "decimal(38,12)": []}
    results = {}
    for _ in range(3):
        for money in times:
            start = time.perf_counter()
            results[money] = con.execute(QUERY.format(money=money)).fetchall()[0]
            times[money].append(time.perf_counter() - start)
    for money, runs in times.items():
        print(f"{money:15s} median {statistics.median(runs):.3f} s, runs {[round(r, 3) for r in runs]}")
        print(f"{'':15s} pools total, teams total, worst pool error: {results[money]}")
    ratio = statistics.median(times["decimal(38,12)"]) / statistics.median(times["double"])
    print(f"decimal / double: {ratio:.2f}")


if __name__ == "__main__":
    main()
