{#-
    Every staged row of every registered costs export (var billing_exports), read with the reference data
    (real-inputs.md 3 and 4): one row per export row, in the billing-export interface.

    - Provider and scope: an export that names its provider (OpenAI, Anthropic) is AI; a FOCUS row's
      ServiceName is looked up in billing_services. Every other service is `out_of_scope`: real money on
      the same invoice, in the reconciliation and the ledger under its own category, never in AI spend.
    - Model and token type: a usage row the export did not itself read as tokens is matched against
      billing_meters on the export's meter columns (registry meter_columns; `%` is any text, case
      ignored). The most specific row wins: an exact meter, then the longest pattern, then verified. The
      model is the meter row's, else the service's (AWS Marketplace), else the row's own (SkuPriceDetails).
      A meter row without token type is a known non-token charge.
    - An AI usage row nothing explains stays `usage_other` with its unexplained_reason (warned on with its
      meter in mart_unexplained_charges); it is never quarantined.
-#}

{%- set exports = billing_exports('costs') %}
{#- every export's staging model in the billing-export interface (macro billing_export_columns) #}
{%- set interface = [] %}
{%- for column, sql_type in billing_export_columns() %}
{%- do interface.append('cast(' ~ column ~ ' as ' ~ sql_type ~ ') as ' ~ column) %}
{%- endfor %}
{#- the text of every meter column of every export, one row per (export row, meter column) #}
{%- set meter_selects = [] %}
{%- for export in exports %}
{%- for landing_column, column in export.meter_columns.items() %}
{%- do meter_selects.append(
    "select '" ~ export.name ~ "' as billing_export, landing_row_hash, '" ~ landing_column
    ~ "' as meter_column, " ~ column ~ " as meter_text from " ~ export.name ~ " where " ~ column ~ " is not null"
) %}
{%- endfor %}
{%- endfor %}

with

{% for export in exports %}
{{ export.name }} as (
    select * from {{ ref(export.staging_model) }}
),
{% endfor %}

billing_meters as (
    select * from {{ ref('billing_meters') }}
),

export_rows as (
    {%- for export in exports %}
    select
        '{{ export.name }}' as billing_export,
        {{ interface | join(',\n        ') }}
    from {{ export.name }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

serviced as (
    select
        export_rows.*,
        {{ billing_service_provider('export_rows') }} as resolved_provider,
        {{ billing_service_is_ai('export_rows') }} as is_ai,
        {{ billing_service_model('export_rows') }} as service_model
    from export_rows
    {{ join_billing_services('export_rows') }}
),

meter_texts as (
    {{ meter_selects | join('\n    union all\n    ') }}
),

meter_matches as (
    select
        meter_texts.billing_export,
        meter_texts.landing_row_hash,
        billing_meters.meter as meter_pattern,
        billing_meters.model as meter_model,
        billing_meters.token_type as meter_token_type,
        row_number() over (
            partition by meter_texts.billing_export, meter_texts.landing_row_hash
            order by
                case when {{ dbt.position("'%'", 'billing_meters.meter') }} = 0 then 0 else 1 end,
                length(billing_meters.meter) desc,
                case when billing_meters.status = 'verified' then 0 else 1 end,
                billing_meters.meter_column,
                billing_meters.meter
        ) as match_rank
    from meter_texts
    inner join serviced
        on
            meter_texts.billing_export = serviced.billing_export
            and meter_texts.landing_row_hash = serviced.landing_row_hash
    inner join billing_meters
        on
            serviced.resolved_provider = billing_meters.provider
            and (
                coalesce(billing_meters.meter_column, '') = ''
                or lower(billing_meters.meter_column) = lower(meter_texts.meter_column)
            )
            and lower(meter_texts.meter_text) like lower(billing_meters.meter)
    where serviced.is_ai and serviced.charge_category = 'usage_other'
),

explained as (
    select
        serviced.*,
        meter_matches.meter_pattern,
        meter_matches.meter_token_type,
        coalesce(meter_matches.meter_model, serviced.service_model, serviced.model_name) as meter_model_name
    from serviced
    left join meter_matches
        on
            serviced.billing_export = meter_matches.billing_export
            and serviced.landing_row_hash = meter_matches.landing_row_hash
            and meter_matches.match_rank = 1
),

categorized as (
    select
        *,
        case
            when not is_ai then 'out_of_scope'
            when charge_category = 'usage_tokens' then 'usage_tokens'
            when
                charge_category = 'usage_other' and meter_token_type is not null and meter_model_name is not null
                then 'usage_tokens'
            else charge_category
        end as resolved_category
    from explained
),

final as (
    select
        billing_export,
        landing_row_hash,
        resolved_provider as provider,
        service_provider_name,
        service_name,
        billing_account_id,
        project_id,
        charge_date,
        case
            when resolved_category <> 'usage_tokens' then null
            when charge_category = 'usage_tokens' then model_name
            else meter_model_name
        end as model_name,
        case
            when resolved_category <> 'usage_tokens' then null
            when charge_category = 'usage_tokens' then token_type
            else meter_token_type
        end as token_type,
        is_batch,
        resolved_category as charge_category,
        is_tax,
        currency,
        amount,
        case when resolved_category = 'usage_tokens' then billed_tokens end as billed_tokens,
        invoice_id,
        invoice_date,
        meter,
        meter_pattern,
        case
            when resolved_category <> 'usage_other' then null
            when meter_pattern is not null and meter_token_type is null then null
            when meter_pattern is not null then 'meter names no model'
            else unexplained_reason
        end as unexplained_reason
    from categorized
)

select * from final
