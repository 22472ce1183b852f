{#-
    Small SQL functions an engine lacks, created on-run-start (after register_landing_tables) in
    the schema engine_function_schema() names. DuckDB and Spark need none (default: nothing).

    PostgreSQL has no try_cast, no JSON validity test before 16 and no IGNORE NULLS: it gets (those
    that catch an error are PARALLEL UNSAFE: no process of a parallel query, its leader included, may
    open a subtransaction; RESTRICTED failed on the incremental run's plan of base_otel__span_deliveries)
      - tl_try_bigint / tl_try_float8 / tl_try_boolean / tl_try_date (text → value or NULL),
      - tl_try_timestamp_utc (ISO 8601 text → UTC timestamp without zone, or NULL),
      - tl_try_jsonb (text → jsonb or NULL; tl_parse_jsonb the same, volatile, for json_parse_object),
      - the aggregate tl_last_non_null (the last non-NULL value of a window frame).
    Each cast accepts the text grammar DuckDB's TRY_CAST reads in landing files (plain decimal
    integers; decimal and exponent numbers, inf, nan; true/false/t/f/1/0/yes/no/y/n; ISO dates
    and timestamps with T or blank, optional fraction, Z, UTC or a ±hh[:mm] offset; epoch and
    [-]infinity), so that a value unreadable on one engine is unreadable on the other. Not
    mirrored (they stay NULL here, DuckDB reads them): DuckDB's integer extensions (1e3, 0x1F,
    1_000) and time zone names (Europe/Paris, PST).
-#}
{% macro create_engine_functions() %}
    {#- nothing when the run selects no token_ledger node (macros/package/package.sql) -#}
    {%- if not token_ledger_is_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('create_engine_functions', 'token_ledger')()) }}
{% endmacro %}

{% macro default__create_engine_functions() %}
    {{ return('') }}
{% endmacro %}

{#- Where the functions live: var engine_function_schema, else the target's schema. -#}
{% macro engine_function_schema() -%}
    {{ return(var('engine_function_schema', none) or target.schema) }}
{%- endmacro %}

{#- A function of engine_function_schema(), qualified. -#}
{% macro engine_function(name) -%}
    {{ adapter.quote(engine_function_schema()) }}.{{ name }}
{%- endmacro %}

{% macro postgres__create_engine_functions() %}
    {%- if execute -%}
        {%- set schema = adapter.quote(engine_function_schema()) -%}
        {%- set ddl -%}
create schema if not exists {{ schema }};

create or replace function {{ schema }}.tl_try_bigint(value text) returns bigint
language plpgsql immutable parallel safe as $fn$
declare
    digits text;
begin
    if value is null or value !~ '{{ landing_text_pattern('bigint') }}' then
        return null;
    end if;
    digits := ltrim(btrim(value), '+-0');
    if length(digits) > 19
        or (length(digits) = 19 and btrim(value)::numeric not between -9223372036854775808 and 9223372036854775807) then
        return null;  -- out of range
    end if;
    return value::bigint;
end
$fn$;

create or replace function {{ schema }}.tl_try_float8(value text) returns double precision
language plpgsql immutable parallel unsafe as $fn$
begin
    if value is null or value !~ '{{ landing_text_pattern('double') }}' then
        return null;
    end if;
    begin
        return value::double precision;
    exception when others then
        return null;  -- out of range
    end;
end
$fn$;

create or replace function {{ schema }}.tl_try_boolean(value text) returns boolean
language sql immutable parallel safe as $fn$
    select {{ landing_boolean_case('value') }}
$fn$;

create or replace function {{ schema }}.tl_try_date(value text) returns date
language plpgsql immutable parallel unsafe as $fn$
begin
    if value is null then
        return null;
    end if;
    if value in ('epoch', 'infinity', '-infinity') then
        return value::date;
    end if;
    -- a boolean match is cheap; capture groups (regexp_match) are not
    if value !~ '{{ landing_text_pattern('date') }}' then
        return null;
    end if;
    begin
        return split_part(split_part(btrim(value), ' ', 1), 'T', 1)::date;
    exception when others then
        return null;  -- no such day
    end;
end
$fn$;

create or replace function {{ schema }}.tl_try_timestamp_utc(value text) returns timestamp
language plpgsql immutable parallel unsafe as $fn$
begin
    if value is null then
        return null;
    end if;
    if value in ('epoch', 'infinity', '-infinity') then
        return value::timestamp;
    end if;
    if value !~ '{{ landing_text_pattern('timestamp') }}' then
        return null;
    end if;
    if value ~ '\.[0-9]{7}' then
        value := regexp_replace(value, '(\.[0-9]{6})[0-9]+', '\1');  -- truncated to microseconds, as DuckDB does
    end if;
    begin
        if value ~ '{{ landing_text_pattern('zone') }}' then
            return btrim(value)::timestamptz at time zone 'UTC';
        end if;
        return btrim(value)::timestamp;  -- no offset: UTC, whatever the session's time zone
    exception when others then
        return null;  -- no such day
    end;
end
$fn$;

create or replace function {{ schema }}.tl_try_jsonb(value text) returns jsonb
language plpgsql immutable parallel unsafe as $fn$
begin
    return value::jsonb;
exception when others then
    return null;
end
$fn$;

-- The same, VOLATILE on purpose, for json_parse_object: PostgreSQL then materializes the CTE that
-- parses each JSON document once, instead of inlining the parse into every field read from it.
create or replace function {{ schema }}.tl_parse_jsonb(value text) returns jsonb
language plpgsql volatile parallel unsafe as $fn$
begin
    return value::jsonb;
exception when others then
    return null;
end
$fn$;

create or replace function {{ schema }}.tl_last_non_null_step(state anyelement, value anyelement)
returns anyelement
language sql immutable parallel safe as $fn$
    select coalesce(value, state)
$fn$;

create or replace aggregate {{ schema }}.tl_last_non_null(anyelement) (
    sfunc = {{ schema }}.tl_last_non_null_step,
    stype = anyelement,
    parallel = safe
);
        {%- endset -%}
        {%- do run_query(ddl) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#-
    Per-model session settings an engine's planner needs, run as a pre-hook of every model (in the
    model's transaction). PostgreSQL: no nested-loop joins. Multiply-referenced CTEs are materialized
    without statistics, the planner then expects one row where there are thousands, and a nested loop
    over them made mart_spend_leaks take 16 s instead of 0.2 s on the demo data (quadratic in the
    data). Hash and merge joins are never much worse here: every join is an equi-join on keys.
-#}
{% macro engine_model_settings() %}
    {{ return(adapter.dispatch('engine_model_settings', 'token_ledger')()) }}
{% endmacro %}

{% macro default__engine_model_settings() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__engine_model_settings() %}
    {{ return('set local enable_nestloop = off') }}
{% endmacro %}
