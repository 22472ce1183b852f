{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='span_id',
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

-- depends_on: {{ ref('int_trace_roots') }}

{#-
    One row per model call with its list cost (NULL when unpriced), the billed USD allocated to it over
    its token types, and the unpriced / unbilled flags: the costed call every downstream model reads.
    Incremental: the calls of the window's traces (macros/incremental), and of the runs whose work item
    has appeared in (or gone from) the outcome systems since their calls were written.
-#}

{%- set since = incremental_since('call_date') %}
{%- set relinked_traces -%}
    select previous.trace_id
    from {{ this }} as previous
    left join {{ ref('int_work_items') }} as work_items
        on
            previous.work_item_type = work_items.work_item_type
            and previous.work_item_id = work_items.work_item_id
    where previous.is_linked_to_run and previous.is_linked_to_work_item <> (work_items.work_item_id is not null)
{%- endset %}

with

calls as (
    select * from {{ ref('int_model_calls') }}
    where {{ in_window_traces('trace_id', 'call_date', since, relinked_traces) }}
),

allocations as (
    select * from {{ ref('int_model_call_allocations') }}
    where {{ in_window_traces('trace_id', 'call_date', since, relinked_traces) }}
),

work_items as (
    select * from {{ ref('int_work_items') }}
),

per_call as (
    select
        span_id,
        sum(list_cost_usd) as priced_list_cost_usd,
        sum(case when is_priced then 0 else 1 end) as unpriced_token_types,
        sum(case when has_bill then 0 else 1 end) as unbilled_token_types,
        sum(allocated_usd) as allocated_cost_usd,
        {# the list cost of the token types whose pool has no bill yet (real-inputs.md 5) #}
        sum(case when not has_bill then coalesce(list_cost_usd, 0.0) else 0.0 end) as provisional_cost_usd
    from allocations
    group by 1
),

final as (
    select
        calls.span_id,
        calls.trace_id,
        calls.team_id,
        calls.provider,
        calls.model,
        calls.model_name as reported_model_name,
        calls.operation_name,
        calls.scope_name,
        calls.response_id,
        cast(calls.request_spans as {{ dbt.type_bigint() }}) as request_spans,
        calls.input_tokens_reading,
        calls.has_cache_split,
        calls.call_date,
        calls.started_at,
        calls.workflow_name,
        calls.workflow_step,
        calls.work_item_type,
        calls.work_item_id,
        calls.is_run as is_linked_to_run,
        {# spend that reaches an outcome: the run names a work item the outcome systems know #}
        coalesce(calls.is_run, false) and work_items.work_item_id is not null as is_linked_to_work_item,
        calls.service_name,
        calls.is_batch,
        calls.is_error,
        calls.error_type,
        calls.input_tokens,
        calls.cached_input_tokens,
        calls.cache_write_tokens,
        calls.output_tokens,
        calls.total_input_tokens,
        not calls.is_known_model or coalesce(per_call.unpriced_token_types, 0) > 0 as is_unpriced,
        coalesce(per_call.unbilled_token_types, 0) > 0 as is_unbilled,
        case
            when calls.is_known_model and coalesce(per_call.unpriced_token_types, 0) = 0
                then coalesce(per_call.priced_list_cost_usd, 0.0)
        end as list_cost_usd,
        coalesce(per_call.allocated_cost_usd, 0.0) as allocated_cost_usd,
        coalesce(per_call.provisional_cost_usd, 0.0) as provisional_cost_usd
    from calls
    left join per_call
        on calls.span_id = per_call.span_id
    left join work_items
        on
            calls.work_item_type = work_items.work_item_type
            and calls.work_item_id = work_items.work_item_id
)

select * from final
