{{ config(materialized='table') }}

{#- Every landing row of openai_costs, typed, with its quarantine reason (NULL for a good row). -#}

with

source as (
    {{ landing_source('openai', 'costs') }}
),

typed as (
    select
        {{ landing_row_hash('openai', 'costs') }} as landing_row_hash,
        {{ landing_value('start_time', 'integer') }} as bucket_start_unix,
        {{ landing_value('end_time', 'integer') }} as bucket_end_unix,
        {{ landing_text('organization_id') }} as billing_account_id,
        coalesce({{ landing_text('project_id') }}, '') as project_id,
        {{ landing_text('line_item') }} as line_item,
        {{ landing_value('amount_value', 'decimal') }} as amount,
        upper({{ landing_text('amount_currency') }}) as currency,
        {# line_item is `<model>, <token type>[, batch]` #}
        trim(split_part({{ landing_text('line_item') }}, ',', 1)) as model_name,
        lower(trim(split_part({{ landing_text('line_item') }}, ',', 2))) as openai_token_type,
        lower(trim(split_part({{ landing_text('line_item') }}, ',', 3))) as line_item_suffix,
        {{ landing_quarantine_reason('openai', 'costs') }} as landing_reason
    from source
),

checked as (
    select
        landing_row_hash,
        'openai' as provider,
        billing_account_id,
        project_id,
        {{ timestamp_from_unix_seconds('bucket_start_unix') }} as bucket_start_at,
        {{ timestamp_from_unix_seconds('bucket_end_unix') }} as bucket_end_at,
        cast({{ timestamp_from_unix_seconds('bucket_start_unix') }} as date) as charge_date,
        line_item,
        model_name,
        case openai_token_type
            when 'input' then 'input'
            when 'cached input' then 'cached_input'
            when 'output' then 'output'
        end as token_type,
        line_item_suffix = 'batch' as is_batch,
        amount,
        currency,
        coalesce(
            landing_reason,
            case
                when
                    openai_token_type not in ('input', 'cached input', 'output')
                    or line_item_suffix not in ('', 'batch')
                    then 'unknown line_item'
            end
        ) as quarantine_reason
    from typed
),

final as (
    select
        *,
        {{ landing_duplicate_flag('landing_row_hash') }} as is_duplicate
    from checked
)

select * from final
