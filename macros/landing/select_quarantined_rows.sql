{#-
    The common shape of every staging quarantine model: one row per landing row that failed its checks,
    with the reason, an identifying key and, for billing tables, the money in its billing currency (so it
    stays visible in the ledger and the reconciliation). Arguments are SQL expressions over `relation`.
-#}
{% macro select_quarantined_rows(
    relation,
    landing_table,
    record_key,
    charge_date='null',
    provider='null',
    billing_account_id='null',
    project_id='null',
    amount='null',
    currency='null'
) -%}
    select
        {{ landing_table if "'" in landing_table or ' ' in landing_table else "'" ~ landing_table ~ "'" }} as landing_table,
        landing_row_hash,
        quarantine_reason,
        cast({{ provider }} as {{ dbt.type_string() }}) as provider,
        cast({{ billing_account_id }} as {{ dbt.type_string() }}) as billing_account_id,
        cast({{ project_id }} as {{ dbt.type_string() }}) as project_id,
        cast({{ charge_date }} as date) as charge_date,
        cast({{ record_key }} as {{ dbt.type_string() }}) as record_key,
        cast({{ amount }} as {{ type_money() }}) as amount,
        cast({{ currency }} as {{ dbt.type_string() }}) as currency
    from {{ relation }}
    where quarantine_reason is not null
{%- endmacro %}
