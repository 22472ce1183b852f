{#- OpenAI token usage per (daily bucket, project, model, batch, service tier): the good rows, duplicates
    and superseded pulls removed; the quantities behind stg_openai__costs (registry: openai_usage). -#}

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
        service_tier,
        api_key_id,
        input_tokens,
        input_cached_tokens,
        input_cache_write_tokens,
        input_uncached_tokens,
        output_tokens,
        num_model_requests,
        input_audio_tokens,
        output_audio_tokens,
        {# every OpenAI tier is billed in the Costs API (priority has its own line items) #}
        cast(null as {{ dbt.type_string() }}) as uncosted_reason
    from usage
    where quarantine_reason is null and not is_duplicate
)

select * from final
