{#-
    Incremental processing of the CDC base models (tickets, claims, contracts: one landing row per version
    of a work item). A run re-reads every version of the work items that have a version written in the
    window (`lookback_days` before the latest `updated_at` already in the model's table), types and ranks
    them again, and replaces them whole through the model's unique key (delete+insert): an old work item's
    new version turns its previous current version into a duplicate, exactly as a full refresh ranks it.
    Only the key and `updated_at` of every landing row are read to find the window; the other rows are not
    typed, fingerprinted or ranked again. A row whose key or `updated_at` cannot be read is re-read on every
    run (a pre-hook deletes those first: they cannot be placed in a window or replaced by key), and a key
    with such a row is re-read whole, so its other versions stay ranked with it.
    Spark has no delete here: the models are tables there (large_grain_materialization).
-#}

{#- The config of a CDC base model: `key` is its work item's id column. -#}
{% macro cdc_versions_config(key) -%}
    {{ config(
        materialized=large_grain_materialization(),
        unique_key=key,
        incremental_strategy='delete+insert',
        pre_hook="{{ delete_unplaced_versions('" ~ key ~ "') }}",
    ) }}
{%- endmacro %}

{#- Pre-hook: the rows without a readable key or updated_at go (they are all re-read); nothing on a full build. -#}
{% macro delete_unplaced_versions(key) -%}
    {%- if incremental_since('updated_at') is none -%}
        select 1
    {%- else -%}
        delete from {{ this }} where {{ key }} is null or updated_at is null
    {%- endif -%}
{%- endmacro %}

{#-
    The landing rows (of the CTE `source`) to read: on an incremental run every version of a work item with a
    version written in the window or one whose updated_at cannot be read, and every row without a readable
    key; everything on a full build. `key` is the landing column of the work item's id; the items to re-read
    are found in a second, narrow read of the landing table (`source_name`, `table_name`), not in the CTE:
    a CTE read twice is buffered whole by DuckDB, every column of every version (half of the model's time
    in the daily run at 120 weeks of history).
-#}
{% macro cdc_versions_in_window(key, since, source_name, table_name) -%}
    {%- if since is none -%}
        select * from source
    {%- else -%}
        {%- set typed_key = landing_text(key) -%}
        {%- set typed_updated_at = landing_value('updated_at', 'timestamp') -%}
        select * from source
        where
            {{ typed_key }} is null
            or {{ typed_key }} in (
                select {{ typed_key }} from ({{ landing_source(source_name, table_name) }}) as changed
                {# one parse of each updated_at (`x >= d or x is null` parses it twice) #}
                where coalesce({{ typed_updated_at }} >= {{ sql_date(since) }}, true)
            )
    {%- endif -%}
{%- endmacro %}
