{#-
    What became of each billing line's USD (metrics.md 3): a usage_tokens line splits into allocated
    (f × billed_usd, to the calls of its pool) and untraced ((1 − f) × billed_usd, to the line's owner
    team); any other line is carried whole in its own category by its owner team. Lines without an FX
    rate are quarantined, in their billing currency. The same split in the billing currency
    (allocated_amount, untraced_amount) is what the ledger reports beside the USD.
-#}

with

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

pools as (
    select * from {{ ref('int_allocation_pools') }}
),

final as (
    select
        billing_lines.billing_line_id,
        billing_lines.billing_export,
        billing_lines.provider,
        billing_lines.billing_account_id,
        billing_lines.project_id,
        billing_lines.charge_date,
        billing_lines.charge_month,
        billing_lines.model,
        billing_lines.token_type,
        billing_lines.is_batch,
        billing_lines.charge_category,
        billing_lines.is_tax,
        billing_lines.currency,
        billing_lines.invoice_id,
        billing_lines.invoice_date,
        billing_lines.billed_amount,
        billing_lines.billed_quantity,
        billing_lines.billed_usd,
        billing_lines.owner_team_id,
        billing_lines.quarantine_reason,
        pools.pool_id,
        case
            when billing_lines.charge_category = 'usage_tokens' then coalesce(pools.attributed_fraction, 0.0)
        end as attributed_fraction,
        case
            when billing_lines.charge_category = 'usage_tokens'
                then billing_lines.billed_usd * coalesce(pools.attributed_fraction, 0.0)
            else 0.0
        end as allocated_usd,
        case
            when billing_lines.charge_category = 'usage_tokens'
                then billing_lines.billed_usd * (1.0 - coalesce(pools.attributed_fraction, 0.0))
            else 0.0
        end as untraced_usd,
        case
            when billing_lines.charge_category = 'usage_tokens'
                then billing_lines.billed_amount * coalesce(pools.attributed_fraction, 0.0)
            else 0.0
        end as allocated_amount,
        case
            when billing_lines.charge_category = 'usage_tokens'
                then billing_lines.billed_amount * (1.0 - coalesce(pools.attributed_fraction, 0.0))
            else 0.0
        end as untraced_amount,
        case
            when billing_lines.charge_category not in ('usage_tokens', 'out_of_scope') then billing_lines.billed_usd
            else 0.0
        end as other_usd,
        case
            when billing_lines.charge_category = 'out_of_scope' then billing_lines.billed_usd else 0.0
        end as out_of_scope_usd
    from billing_lines
    left join pools
        on
            billing_lines.charge_category = 'usage_tokens'
            and billing_lines.quarantine_reason is null
            and billing_lines.provider = pools.provider
            and billing_lines.model = pools.model
            and billing_lines.charge_date = pools.charge_date
            and billing_lines.token_type = pools.token_type
            and billing_lines.is_batch = pools.is_batch
)

select * from final
