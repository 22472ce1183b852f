{#- Anthropic token usage per (daily bucket, workspace, model, service tier[, context window, geo]): the
    good rows, duplicates and superseded pulls removed; the quantities behind stg_anthropic__costs
    (registry: anthropic_usage). Priority-tier rows are flagged: their cost is not in the cost report. -#}

with

usage as (
    select * from {{ ref('base_anthropic__usage') }}
),

final as (
    select
        landing_row_hash,
        provider,
        billing_account_id,
        workspace_id as project_id,
        usage_date,
        bucket_start_at,
        model_name,
        service_tier,
        is_batch,
        context_window,
        inference_geo,
        api_key_id,
        uncached_input_tokens,
        cache_read_input_tokens,
        cache_creation_5m_input_tokens,
        cache_creation_1h_input_tokens,
        output_tokens,
        web_search_requests,
        case
            when
                service_tier in ('priority', 'priority_on_demand')
                and uncached_input_tokens + cache_read_input_tokens + cache_creation_5m_input_tokens
                + cache_creation_1h_input_tokens + output_tokens > 0
                then 'priority tier: billed outside the cost report'
        end as uncosted_reason
    from usage
    where quarantine_reason is null and not is_duplicate
)

select * from final
