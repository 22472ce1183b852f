{#-
    The day of the run: var run_date (ISO date) when set, else the UTC date the run started (dbt's
    run_started_at). Data dated after it (a span or a charge from the future: a clock or an export gone
    wrong) is kept, flagged by warn tests, and left out of every "latest date" the project derives (the
    budget's as-of day, the billing coverage, the incremental window), so one bad row cannot move "today".
    Tests pin it so that builds are deterministic.
-#}
{% macro run_date() -%}
    {%- set configured = var('run_date') -%}
    {%- if configured -%}
        {{ return(modules.datetime.date.fromisoformat(configured | string)) }}
    {%- endif -%}
    {{ return(run_started_at.date()) }}
{%- endmacro %}
