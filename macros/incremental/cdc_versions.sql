{#-
    Incremental processing of the CDC base models (tickets, claims, contracts: one landing row per version
    of a work item). A run re-reads every version of the work items that have a version updated in the
    window (`lookback_days` before the latest `updated_at` already in the model's table), ranks them again
    and replaces them whole through the model's unique key (delete+insert): an old work item's new version
    turns its previous current version into a duplicate, exactly as a full refresh ranks it. Quarantined
    rows are re-read on every run (a pre-hook deletes them first): a row without a readable key cannot be
    replaced by key, and a key of a quarantined row is re-read whole so its good versions stay ranked.
    Spark has no delete here: the models are tables there (large_grain_materialization).
-#}

{#- The config of a CDC base model: `key` is its work item's id column. -#}
{% macro cdc_versions_config(key) -%}
    {{ config(
        materialized=large_grain_materialization(),
        unique_key=key,
        incremental_strategy='delete+insert',
        pre_hook="{{ delete_quarantined_versions() }}",
    ) }}
{%- endmacro %}

{#- Pre-hook: the quarantined rows go (they are all re-read); nothing on a full build. -#}
{% macro delete_quarantined_versions() -%}
    {%- if incremental_since('updated_at') is none -%}
        select 1
    {%- else -%}
        delete from {{ this }} where quarantine_reason is not null
    {%- endif -%}
{%- endmacro %}

{#-
    The filter of the versions to (re)read, on the CTE `checked` of typed landing rows: on an incremental run
    every version of a work item with a version in the window or a quarantined row, and every quarantined
    row; nothing on a full build.
-#}
{% macro in_window_versions(key, since) -%}
    {%- if since is none -%}
        true
    {%- else -%}
        (
            quarantine_reason is not null
            or {{ key }} in (
                select changed.{{ key }} from checked as changed
                where changed.updated_at >= {{ sql_date(since) }} or changed.quarantine_reason is not null
            )
        )
    {%- endif -%}
{%- endmacro %}
