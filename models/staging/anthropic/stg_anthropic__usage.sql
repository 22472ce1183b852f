with

usage as (
    select * from {{ ref('base_anthropic__usage') }}
),

final as (
    select
        landing_row_hash,
        provider,
        workspace_id as project_id,
        usage_date,
        bucket_start_at,
        model_name,
        service_tier,
        is_batch,
        uncached_input_tokens,
        cache_read_input_tokens,
        cache_creation_5m_input_tokens,
        cache_creation_1h_input_tokens,
        output_tokens
    from usage
    where quarantine_reason is null and not is_duplicate
)

select * from final
