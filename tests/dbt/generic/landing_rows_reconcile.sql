{#-
    Every raw row of a landing table ends in exactly one place (landing.md, "Bad input"):
        count(raw) = count(staged model) + count(base rows flagged is_duplicate)
                     + count(quarantine rows of this landing table)
    and the base model holds every raw row: count(base) = count(raw).
    Applied to a stg_ model; the relations come as arguments (dbt renders `ref(...)` / `source(...)`
    strings in test arguments into relations and adds them to the test's dependencies):
        data_tests:
          - landing_rows_reconcile:
              arguments:
                base: ref('base_openai__costs')
                raw: source('openai', 'costs')
                quarantine: ref('stg_openai__quarantined_rows')
                landing_table: openai_costs
    Spans also arrive as OTLP JSON (otlp_raw, otlp_landing_table: counted where the engine reads those
    files itself). Returns one row, with every count, when the counts do not reconcile. A source switched
    off counts no raw row (its relation is not read, and need not exist).
-#}
{% test landing_rows_reconcile(model, base, raw, quarantine, landing_table, otlp_raw=none, otlp_landing_table=none) %}

with

raw_rows as (
    select
        {#- a source switched off has no raw relation: its landing is empty (landing_switches.sql) #}
        {% if landing_relation_enabled(raw) %}(select count(*) from {{ raw }}){% else %}0{% endif %}
        {%- if otlp_raw is not none and otlp_enabled() %}
        + (select count(*) from {{ otlp_raw }})
        {%- endif %}
            as n_raw
),

base_rows as (
    select
        count(*) as n_base,
        sum(case when is_duplicate then 1 else 0 end) as n_duplicate
    from {{ base }}
),

staged_rows as (
    select count(*) as n_staged from {{ model }}
),

quarantined_rows as (
    select count(*) as n_quarantined
    from {{ quarantine }}
    where landing_table in ('{{ landing_table }}'{{ (", '" ~ otlp_landing_table ~ "'") if otlp_landing_table else '' }})
),

counts as (
    select
        '{{ landing_table }}' as landing_table,
        raw_rows.n_raw,
        base_rows.n_base,
        staged_rows.n_staged,
        coalesce(base_rows.n_duplicate, 0) as n_duplicate,
        quarantined_rows.n_quarantined
    from raw_rows
    cross join base_rows
    cross join staged_rows
    cross join quarantined_rows
)

select *
from counts
where
    n_base != n_raw
    or n_raw != n_staged + n_duplicate + n_quarantined

{% endtest %}
