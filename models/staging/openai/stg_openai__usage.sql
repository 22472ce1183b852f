with

usage as (
    select * from {{ ref('base_openai__usage') }}
),

final as (
    select
        landing_row_hash,
        provider,
        project_id,
        usage_date,
        bucket_start_at,
        model_name,
        is_batch,
        input_tokens,
        input_cached_tokens,
        input_uncached_tokens,
        output_tokens,
        num_model_requests
    from usage
    where quarantine_reason is null and not is_duplicate
)

select * from final
