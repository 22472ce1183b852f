{#-
    Incremental processing of the large grains: span deliveries, traces, model calls, runs.

    Each incremental model re-derives a window and replaces it whole: a pre-hook deletes the window's rows
    from the model's table, the model selects the window again from upstream, and dbt appends it. The
    window starts `lookback_days` (the one var, in dbt_project.yml) before the latest date already in the
    model's own table, so late spans, late bills and late CDC versions up to that age are picked up, and a
    model that missed a run catches up by itself. Span deliveries are windowed by span start date; the
    trace-grained and call-grained models recompute every trace that has a span in the window, whole (a
    trace that straddles the window's start is never half-counted). Data older than the window, a change
    of reference seeds (prices, aliases, services) or of the code needs `dbt build --full-refresh`.

    Spark (dbt-spark on Parquet) has no delete. There the span deliveries, whose window is whole dates, are
    a table partitioned by span date, and the pre-hook drops the window's partitions (the same rows the
    delete takes elsewhere); the trace-, call- and work-item-grained models, whose window is a set of keys
    spread over old dates, are plain tables rebuilt on each run.
-#}

{#-
    The materialization of a large-grain model: incremental where the engine can delete rows, or, for a
    model windowed by whole dates (date_partitioned: its pre-hook is delete_window_dates), drop the
    partitions of those dates.
-#}
{% macro large_grain_materialization(date_partitioned=false) -%}
    {{ return(adapter.dispatch('large_grain_materialization', 'token_ledger')(date_partitioned)) }}
{%- endmacro %}

{% macro default__large_grain_materialization(date_partitioned) -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__large_grain_materialization(date_partitioned) -%}
    {{ return('incremental' if date_partitioned else 'table') }}
{%- endmacro %}

{#-
    The partition_by config of a model windowed by whole dates: its date column on Spark, where the window
    is replaced by dropping partitions (the engine puts a partition column last: the model selects it
    last, so that its columns are in the same order on every engine); none elsewhere.
-#}
{% macro date_partition_by(date_column) -%}
    {{ return(adapter.dispatch('date_partition_by', 'token_ledger')(date_column)) }}
{%- endmacro %}

{% macro default__date_partition_by(date_column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__date_partition_by(date_column) -%}
    {{ return([date_column]) }}
{%- endmacro %}

{#- A date as a SQL literal. -#}
{% macro sql_date(day) -%}
    cast('{{ day.isoformat() }}' as date)
{%- endmacro %}

{#- The date in the first cell of a query's result (a date, a timestamp or ISO text), or none. -#}
{% macro query_date(query) -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- elif value is string -%}
        {{ return(modules.datetime.date.fromisoformat(value[:10])) }}
    {%- elif value.date is defined -%}
        {{ return(value.date()) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#-
    The first date of the window to reprocess: the latest `date_column` in the model's own table minus
    var('lookback_days'). None on a full build, or when the table is empty (then the model selects
    everything). Evaluated while the model compiles and while its pre-hook renders, both before anything
    is deleted, so the two agree.
-#}
{% macro incremental_since(date_column) -%}
    {#- a unit test renders the model without a relation of its own: a full build -#}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lookback = var('lookback_days') | int -%}
    {%- if lookback < 0 -%}
        {{ exceptions.raise_compiler_error("var lookback_days must be 0 or more, got " ~ var('lookback_days')) }}
    {%- endif -%}
    {#- a date after the run's day (a span from the future) must not move the window past today's data -#}
    {%- set latest = query_date(
        'select max(' ~ date_column ~ ') from ' ~ this ~ ' where cast(' ~ date_column ~ ' as date) <= '
        ~ sql_date(run_date())
    ) -%}
    {%- if latest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(latest - modules.datetime.timedelta(days=lookback)) }}
{%- endmacro %}

{#-
    The traces with a span that started in the window (their every row is recomputed), found where they
    are cheapest to find: from_spans (int_trace_roots, the first trace-grained model) reads the span
    deliveries table, not the deduplicated spans view, which ranks every redelivered key of the history
    on each read (a duplicate or quarantined delivery in the window only adds a trace recomputed to the
    same rows); the models after it read int_trace_roots (a row per trace, with the dates of its first
    and last span: ten times fewer rows to look through).
-#}
{% macro window_traces(since, from_spans=false) -%}
    {%- if from_spans -%}
        select distinct trace_id
        from {{ ref('base_otel__span_deliveries') }}
        where span_date >= {{ sql_date(since) }}
    {%- else -%}
        select trace_id
        from {{ ref('int_trace_roots') }}
        where last_span_date >= {{ sql_date(since) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The first date any span of the window's traces started on (a trace can begin before the window): the
    rows of those traces are all on or after it, so a filter on it lets the engine skip the older part of
    every table (DuckDB's zone maps) before it looks for the traces themselves.
-#}
{% macro window_read_from(since, from_spans=false) -%}
    {%- if from_spans -%}
        {%- set query -%}
            select min(span_date) from {{ ref('base_otel__span_deliveries') }}
            where trace_id in ({{ window_traces(since, from_spans=true) }})
        {%- endset -%}
    {%- else -%}
        {%- set query -%}
            select min(first_span_date) from {{ ref('int_trace_roots') }}
            where last_span_date >= {{ sql_date(since) }}
        {%- endset -%}
    {%- endif -%}
    {{ return(query_date(query) or since) }}
{%- endmacro %}

{#-
    Pre-hook of a trace-grained or call-grained model: delete the window's traces (those with a span in
    the window, and those whose own `date_column` is in it: a trace that vanished upstream goes too).
-#}
{% macro delete_window_traces(date_column, from_spans=false) -%}
    {%- set since = incremental_since(date_column) -%}
    {%- if since is none -%}
        select 1
    {%- else -%}
        delete from {{ this }}
        where
            {{ date_column }} >= {{ sql_date(window_read_from(since, from_spans)) }}
            and (
                {{ date_column }} >= {{ sql_date(since) }}
                or trace_id in ({{ window_traces(since, from_spans) }})
            )
    {%- endif -%}
{%- endmacro %}

{#-
    The filter a trace-grained or call-grained model puts on its input: only the rows of the window's
    traces on an incremental run (nothing on a full build). trace_column, date_column: the input's trace id
    and its date (span, call or trace start). extra_traces: SQL selecting more trace_ids to recompute
    whatever their date (replaced through the model's unique key).
-#}
{% macro in_window_traces(trace_column, date_column, since, extra_traces=none, from_spans=false) -%}
    {%- if since is none -%}
        true
    {%- else -%}
        (
            (
                {{ date_column }} >= {{ sql_date(window_read_from(since, from_spans)) }}
                and {{ trace_column }} in ({{ window_traces(since, from_spans) }})
            )
            {%- if extra_traces %}
            or {{ trace_column }} in ({{ extra_traces }})
            {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}

{#-
    The first day a day-grained rollup of the calls recomputes on an incremental run (none on a full
    build): the window's first day, or the first day of a trace with a span in the window when that is
    earlier (every call the run recomputes is on or after it: window_read_from). Whole days from it are
    summed again; the days before it did not change.
-#}
{% macro window_first_day(date_column) -%}
    {%- set since = incremental_since(date_column) -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return([since, window_read_from(since)] | min) }}
{%- endmacro %}

{#- Pre-hook of a day-grained rollup of the calls: delete its days from window_first_day(). -#}
{% macro delete_window_days(date_column) -%}
    {%- set first_day = window_first_day(date_column) -%}
    {%- if first_day is none -%}
        select 1
    {%- else -%}
        delete from {{ this }} where {{ date_column }} >= {{ sql_date(first_day) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the span deliveries: delete the window's dates, and the undated (quarantined) rows. -#}
{% macro delete_window_dates(date_column) -%}
    {%- set since = incremental_since(date_column) -%}
    {%- if since is none -%}
        select 1
    {%- else -%}
        {{ adapter.dispatch('delete_window_dates_sql', 'token_ledger')(date_column, since) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__delete_window_dates_sql(date_column, since) -%}
    delete from {{ this }} where {{ date_column }} >= {{ sql_date(since) }} or {{ date_column }} is null
{%- endmacro %}

{#-
    Spark: drop the partitions of those dates (date_partition_by), read from the metastore, and the
    partition of the undated rows. A table built before it was partitioned cannot be: the message says so.
    A table format that deletes rows (delta, iceberg, hudi: DBT_SPARK_FILE_FORMAT, e.g. on Databricks)
    and refuses to drop partitions takes the delete instead.
-#}
{% macro spark__delete_window_dates_sql(date_column, since) -%}
    {%- if config.get('file_format') in ('delta', 'iceberg', 'hudi') -%}
        {{ return(default__delete_window_dates_sql(date_column, since)) }}
    {%- endif -%}
    {%- set described = run_query('describe table ' ~ this).columns[0].values() -%}
    {%- if '# Partition Information' not in described -%}
        {{ exceptions.raise_compiler_error(
            this ~ " is not partitioned by " ~ date_column ~ " (a table built by an older version): run "
            ~ "`dbt build --full-refresh` once"
        ) }}
    {%- endif -%}
    {%- set specs = [] -%}
    {%- for partition in run_query('show partitions ' ~ this).columns[0].values() -%}
        {%- set value = partition.split('=', 1)[1] -%}
        {%- if value == '__HIVE_DEFAULT_PARTITION__' -%}
            {%- do specs.append(date_column ~ ' = null') -%}
        {%- elif value >= since.isoformat() -%}
            {%- do specs.append(date_column ~ " = date'" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if specs -%}
        alter table {{ this }} drop if exists
        {%- for spec in specs %} partition ({{ spec }}){{ ',' if not loop.last }}{% endfor %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The window filter of the span deliveries (nothing on a full build): a start time in the window, or
    none that can be read (those rows are quarantined, and re-read on every run). -#}
{% macro window_dates_filter(timestamp_expression, since, nanos_column=none) -%}
    {%- if since is not none -%}
        where
            {%- if nanos_column %}
            {{ landing_nanos_prefilter(nanos_column, since) }} and
            {%- endif %}
            {# one evaluation of the timestamp (`x is null or x >= d` computes it twice) #}
            coalesce(cast({{ timestamp_expression }} as date) >= {{ sql_date(since) }}, true)
    {%- endif -%}
{%- endmacro %}

{#-
    A filter the file reader can apply before decoding a row: a landing Unix-nanosecond column that is an
    integer already (Parquet) compared with the window's first instant, so row groups before the window
    are skipped and their attribute text is never read. The caller passes the column only when the file
    types it as an integer (a text column, CSV, cannot be compared with a number: the exact filter after
    it decides). Only ever keeps a superset of the window.
-#}
{% macro landing_nanos_prefilter(column, since) -%}
    {{ return(adapter.dispatch('landing_nanos_prefilter', 'token_ledger')(column, since)) }}
{%- endmacro %}

{% macro default__landing_nanos_prefilter(column, since) -%}
    {%- set nanos = (since - modules.datetime.date(1970, 1, 1)).days * 86400 * 1000000000 -%}
    (
        {{ column }} >= {{ nanos }} or {{ column }} is null
    )
{%- endmacro %}

{% macro postgres__landing_nanos_prefilter(column, since) -%}
    true
{%- endmacro %}

{#-
    The work items a run must recompute (every row of theirs, in the run and work-item models): those with
    a run among the window's traces (a new run, or one whose spans or cost changed: its attempt numbers and
    totals move), and those with a CDC version updated in the window (int_work_items.updated_at: a new
    status, a completion, an item the outcome systems now know).
-#}
{% macro window_work_items(since) -%}
    select work_item_type, work_item_id from {{ ref('int_run_activity') }}
    where {{ in_window_traces('trace_id', 'started_at', since) }}
    union
    select work_item_type, work_item_id from {{ ref('int_work_items') }}
    where updated_at >= {{ sql_date(since) }}
{%- endmacro %}

{#- The filter a work-item-grained model puts on its input: the window's work items (nothing on a full build). -#}
{% macro in_window_work_items(since, type_column='work_item_type', id_column='work_item_id') -%}
    {%- if since is none -%}
        true
    {%- else -%}
        ({{ type_column }}, {{ id_column }}) in ({{ window_work_items(since) }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a run-grained or work-item-grained model: delete the window's work items (every row of theirs). -#}
{% macro delete_window_work_items(date_column) -%}
    {%- set since = incremental_since(date_column) -%}
    {%- if since is none -%}
        select 1
    {%- else -%}
        delete from {{ this }} where {{ in_window_work_items(since) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The config of a run-grained or work-item-grained model (incremental by work item): `date_column` is the
    date its window is taken from, `unique_key` its key. Also records the models window_work_items reads,
    so that dbt orders them first. A model with an enforced contract passes on_schema_change
    'append_new_columns': its contract checks columns and types, and 'fail' would compare the temporary
    relation's own types (text against the contract's varchar on PostgreSQL).
-#}
{% macro work_item_grain_config(date_column, unique_key, on_schema_change='fail') -%}
    {%- do ref('int_trace_roots') -%}
    {%- do ref('int_run_activity') -%}
    {%- do ref('int_work_items') -%}
    {{ config(
        materialized=large_grain_materialization(),
        incremental_strategy='delete+insert',
        on_schema_change=on_schema_change,
        unique_key=unique_key,
        pre_hook="{{ delete_window_work_items('" ~ date_column ~ "') }}",
    ) }}
{%- endmacro %}
