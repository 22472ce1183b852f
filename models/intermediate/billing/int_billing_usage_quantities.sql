{#-
    The token quantities behind the cost lines, from every registered usage export (var billing_exports:
    its `quantities`, token type -> SQL over the staging model), at the grain they are matched on:
    (provider, project, date, model, batch, token type). Usage the cost export never bills (Anthropic's
    priority tier: uncosted_reason) is left out, and flagged in mart_unexplained_charges.
-#}

{%- set exports = billing_exports('usage') %}

with

{% for export in exports %}
{{ export.name }} as (
    select * from {{ ref(export.staging_model) }}
),
{% endfor %}

model_names as (
    select * from {{ ref('int_model_names') }}
),

unioned as (
    {%- for export in exports %}
    {%- set outer_loop = loop %}
    {%- for token_type, quantity in export.quantities.items() %}
    select
        provider,
        project_id,
        usage_date,
        model_name,
        is_batch,
        '{{ token_type }}' as token_type,
        {{ quantity }} as quantity
    from {{ export.name }}
    where uncosted_reason is null
    {{ 'union all' if not (outer_loop.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
),

final as (
    select
        unioned.provider,
        unioned.project_id,
        unioned.usage_date,
        coalesce(model_names.model, unioned.model_name) as model,
        unioned.is_batch,
        unioned.token_type,
        sum(unioned.quantity) as quantity
    from unioned
    left join model_names
        on
            unioned.provider = model_names.provider
            and unioned.model_name = model_names.model_name
    group by 1, 2, 3, 4, 5, 6
)

select * from final
