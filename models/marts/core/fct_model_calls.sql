{#-
    One row per model call: tokens by type, list cost, and the billed money allocated to it. A view: the
    costed calls are already a table (incremental), and a second copy of millions of rows buys nothing.
-#}

{{ config(materialized='view') }}

with

calls as (
    select * from {{ ref('int_model_calls_costed') }}
),

coverage as (
    select * from {{ ref('int_billing_coverage') }}
),

work_items as (
    select * from {{ ref('int_work_items') }}
),

provider_coverage as (
    select
        provider,
        max(billed_through_date) as billed_through_date
    from coverage
    group by 1
),

final as (
    select
        calls.span_id,
        calls.trace_id,
        calls.team_id,
        calls.provider,
        calls.model,
        calls.reported_model_name,
        calls.scope_name,
        calls.response_id,
        calls.request_spans,
        calls.input_tokens_reading,
        calls.call_date,
        calls.started_at,
        calls.workflow_name,
        calls.workflow_step,
        calls.work_item_type,
        calls.work_item_id,
        calls.is_linked_to_run,
        {# spend that reaches an outcome: the run names a work item the outcome systems know (read here, at
           query time, so a work item that appears later links its old calls without a rebuild) #}
        coalesce(calls.is_linked_to_run, false) and work_items.work_item_id is not null as is_linked_to_work_item,
        calls.service_name,
        calls.is_batch,
        calls.is_error,
        calls.error_type,
        calls.input_tokens,
        calls.cached_input_tokens,
        calls.cache_write_tokens,
        calls.output_tokens,
        calls.total_input_tokens,
        calls.is_unpriced,
        calls.is_unbilled,
        calls.list_cost_usd,
        calls.allocated_cost_usd,
        calls.provisional_cost_usd,
        provider_coverage.billed_through_date as provider_billed_through_date
    from calls
    left join provider_coverage
        on calls.provider = provider_coverage.provider
    left join work_items
        on
            calls.work_item_type = work_items.work_item_type
            and calls.work_item_id = work_items.work_item_id
)

select * from final
