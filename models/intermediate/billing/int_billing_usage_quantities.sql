{#-
    The token quantities behind the OpenAI and Anthropic cost lines, from their usage exports, at the
    grain they are matched on: (provider, project, date, model, batch, token type). OpenAI input_tokens
    include cached tokens, so uncached input = input_tokens - input_cached_tokens; Anthropic's two cache
    write durations are one cache_write quantity.
-#}

with

openai_usage as (
    select * from {{ ref('stg_openai__usage') }}
),

anthropic_usage as (
    select * from {{ ref('stg_anthropic__usage') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

{#- (usage relation, token type, the quantity expression over that relation's columns) -#}
{%- set quantities = [
    ('openai_usage', 'input', 'input_uncached_tokens'),
    ('openai_usage', 'cached_input', 'input_cached_tokens'),
    ('openai_usage', 'output', 'output_tokens'),
    ('anthropic_usage', 'input', 'uncached_input_tokens'),
    ('anthropic_usage', 'cached_input', 'cache_read_input_tokens'),
    ('anthropic_usage', 'cache_write', 'cache_creation_5m_input_tokens + cache_creation_1h_input_tokens'),
    ('anthropic_usage', 'output', 'output_tokens'),
] %}

unioned as (
    {%- for relation, token_type, quantity in quantities %}
    select
        provider,
        project_id,
        usage_date,
        model_name,
        is_batch,
        '{{ token_type }}' as token_type,
        {{ quantity }} as quantity
    from {{ relation }}
    {{ 'union all' if not loop.last }}
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
