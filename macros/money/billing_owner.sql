{#-
    The team that owns billed money no trace explains (metrics.md 3, 12): the billing_accounts row of the
    line's project, else the account's row with an empty project, else `unassigned`.
    join_billing_owner emits the two lookups for a relation alias; billing_owner_team_id the choice.
-#}
{% macro join_billing_owner(alias) -%}
    left join {{ reference_data('billing_accounts') }} as {{ alias }}_project_owner
        on {{ alias }}.provider = {{ alias }}_project_owner.provider
        and {{ alias }}.billing_account_id = {{ alias }}_project_owner.billing_account_id
        and coalesce({{ alias }}.project_id, '') <> ''
        and {{ alias }}.project_id = coalesce({{ alias }}_project_owner.project_id, '')
    left join {{ reference_data('billing_accounts') }} as {{ alias }}_account_owner
        on {{ alias }}.provider = {{ alias }}_account_owner.provider
        and {{ alias }}.billing_account_id = {{ alias }}_account_owner.billing_account_id
        and coalesce({{ alias }}_account_owner.project_id, '') = ''
{%- endmacro %}

{% macro billing_owner_team_id(alias) -%}
    coalesce({{ alias }}_project_owner.team_id, {{ alias }}_account_owner.team_id, 'unassigned')
{%- endmacro %}
