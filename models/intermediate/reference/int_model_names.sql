{#-
    Every spelling of a model that the project knows, per provider, with its canonical name: the aliases
    of model_aliases plus each canonical name of model_prices mapping to itself.
-#}

with

aliases as (
    select * from {{ reference_data('model_aliases') }}
),

prices as (
    select * from {{ reference_data('model_prices') }}
),

canonical as (
    select distinct
        provider,
        model as model_name,
        model
    from prices
),

aliased as (
    select
        provider,
        alias as model_name,
        model
    from aliases
    where alias not in (
        select c.model_name from canonical as c
        where c.provider = aliases.provider
    )
),

final as (
    select * from canonical
    union all
    select * from aliased
)

select * from final
