{{ config(materialized='table') }}

{#-
    Every landing row of openai_costs, typed, with where it ends: staged, a duplicate (identical, or
    replaced by a later pull of its bucket) or quarantined (quarantine_reason).

    line_item is read by the grammar of the real Costs API (real-inputs.md 4):
        [<product or tier> | ]<model>[ <modality>], <token type>[, <qualifier>, ...]
    e.g. `gpt-4o-mini-2024-07-18, cached input`, `priority | gpt-5.4-2026-03-05, output, long context`,
    `evals | gpt-4o-mini-2024-07-18, input`, `gpt-image-1 image, output`, `gpt-5.6-terra, cache writes`.
    Token types: input, cached input, cache writes (→ cache_write), output; the qualifier `batch` is the
    Batch API. Anything else (`web search tool calls`, `assistants api | file search`, `whisper-1, audio`)
    is real money that is not a token line: usage_other, flagged (unexplained_reason) unless the
    billing_meters seed names it (int_billing_export_rows). Never quarantined for its line item.
-#}

with

source as (
    {{ landing_source('openai', 'costs') }}
),

typed as (
    select
        {{ landing_row_columns('openai', 'costs') }},
        {{ landing_value('start_time', 'integer') }} as bucket_start_unix,
        {{ landing_value('end_time', 'integer') }} as bucket_end_unix,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('project_id') }}, '') as project_id,
        {{ landing_text('api_key_id') }} as api_key_id,
        {{ landing_text('line_item') }} as line_item,
        {{ landing_value('amount_value', 'decimal') }} as amount,
        upper({{ landing_text('amount_currency') }}) as currency,
        {{ landing_value('quantity', 'decimal') }} as quantity,
        {{ landing_value('extracted_at', 'timestamp') }} as extracted_at,
        {{ billing_raw_key('openai_costs', landing_value('start_time', 'integer')) }} as raw_key,
        {{ billing_bucket_key('openai_costs', landing_value('start_time', 'integer')) }} as bucket_key,
        {{ landing_quarantine_reason('openai', 'costs') }} as landing_reason
    from source
),

{# the optional `<product or tier> | ` prefix #}
prefixed as (
    select
        *,
        case
            when {{ dbt.position("' | '", 'line_item') }} > 0
                then lower(trim(split_part(line_item, ' | ', 1)))
        end as line_item_prefix,
        case
            when {{ dbt.position("' | '", 'line_item') }} > 0
                then trim(substr(line_item, {{ dbt.position("' | '", 'line_item') }} + 3))
            else line_item
        end as line_item_body
    from typed
),

{# the body: `<model>[ <modality>]`, then `, <token type>`, then `, <qualifier>, ...` #}
parts as (
    select
        *,
        trim(split_part(line_item_body, ',', 1)) as line_item_head,
        nullif(lower(trim(split_part(line_item_body, ',', 2))), '') as line_item_token_text,
        case
            when {{ dbt.position("','", 'line_item_body') }} > 0
                then substr(line_item_body, {{ dbt.position("','", 'line_item_body') }} + 1)
        end as line_item_after_type
    from prefixed
),

parsed as (
    select
        *,
        nullif(split_part(line_item_head, ' ', 1), '') as parsed_model_name,
        nullif(trim(substr(line_item_head, length(split_part(line_item_head, ' ', 1)) + 1)), '') as line_item_modality,
        case
            when {{ dbt.position("','", 'line_item_after_type') }} > 0
                then nullif(
                    lower(trim(substr(line_item_after_type, {{ dbt.position("','", 'line_item_after_type') }} + 1))),
                    ''
                )
        end as line_item_qualifiers,
        case line_item_token_text
            when 'input' then 'input'
            when 'cached input' then 'cached_input'
            when 'cache writes' then 'cache_write'
            when 'cache write' then 'cache_write'
            when 'output' then 'output'
        end as parsed_token_type
    from parts
),

checked as (
    select
        {{ billing_delivery_columns() }},
        'openai' as provider,
        billing_account_id,
        project_id,
        api_key_id,
        {{ timestamp_from_unix_seconds('bucket_start_unix') }} as bucket_start_at,
        {{ timestamp_from_unix_seconds('bucket_end_unix') }} as bucket_end_at,
        cast({{ timestamp_from_unix_seconds('bucket_start_unix') }} as date) as charge_date,
        line_item,
        line_item_prefix,
        case when parsed_token_type is not null then line_item_modality end as line_item_modality,
        line_item_qualifiers,
        case when parsed_token_type is not null then parsed_model_name end as model_name,
        parsed_token_type as token_type,
        coalesce(
            line_item_prefix = 'batch'
            or line_item_qualifiers = 'batch'
            or line_item_qualifiers like 'batch,%'
            or line_item_qualifiers like '%, batch'
            or line_item_qualifiers like '%, batch,%',
            false
        ) as is_batch,
        case when parsed_token_type is not null then 'usage_tokens' else 'usage_other' end as charge_category,
        case
            when parsed_token_type is not null then null
            when line_item_token_text is null then 'line_item is not a token line'
            else 'unknown token type in line_item'
        end as unexplained_reason,
        amount,
        currency,
        quantity,
        landing_reason as row_reason
    from parsed
),

final as (
    {{ select_billing_deliveries('checked') }}
)

select * from final
