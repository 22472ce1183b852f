{#-
    One row per (provider, model): every model of the price book, plus every model a span or a bill
    named that no alias or price row knows (is_priced false: kept under its own name).
-#}

with

prices as (
    select * from {{ reference_data('model_prices') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

calls as (
    select * from {{ ref('int_model_calls') }}
),

billing_lines as (
    select * from {{ ref('int_billing_lines') }}
),

priced as (
    select
        provider,
        model,
        max(model_tier) as model_tier,
        min(effective_from) as first_priced_on
    from prices
    group by 1, 2
),

aliases as (
    select
        provider,
        model,
        count(*) as spellings
    from model_names
    group by 1, 2
),

seen as (
    select distinct
        provider,
        model
    from calls
    where model is not null
    union
    select distinct
        provider,
        model
    from billing_lines
    where model is not null
),

all_models as (
    select
        provider,
        model
    from priced
    union
    select
        provider,
        model
    from seen
),

final as (
    select
        all_models.provider,
        all_models.model,
        priced.model_tier,
        priced.model is not null as is_priced,
        priced.first_priced_on,
        coalesce(aliases.spellings, 0) as known_spellings
    from all_models
    left join priced
        on
            all_models.provider = priced.provider
            and all_models.model = priced.model
    left join aliases
        on
            all_models.provider = aliases.provider
            and all_models.model = aliases.model
)

select * from final
