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

openai_by_type as (
    {%- for token_type, quantity in [
        ('input', 'input_uncached_tokens'),
        ('cached_input', 'input_cached_tokens'),
        ('output', 'output_tokens'),
    ] %}
    select
        provider,
        project_id,
        usage_date,
        model_name,
        is_batch,
        '{{ token_type }}' as token_type,
        {{ quantity }} as quantity
    from openai_usage
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

anthropic_by_type as (
    {%- for token_type, quantity in [
        ('input', 'uncached_input_tokens'),
        ('cached_input', 'cache_read_input_tokens'),
        ('cache_write', 'cache_creation_5m_input_tokens + cache_creation_1h_input_tokens'),
        ('output', 'output_tokens'),
    ] %}
    select
        provider,
        project_id,
        usage_date,
        model_name,
        is_batch,
        '{{ token_type }}' as token_type,
        {{ quantity }} as quantity
    from anthropic_usage
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

unioned as (
    select * from openai_by_type
    union all
    select * from anthropic_by_type
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
