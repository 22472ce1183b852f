{#- Two price rows of the same model and token type must never be in force on the same day. -#}

with

prices as (
    select * from {{ reference_data('model_prices') }}
),

final as (
    select
        earlier.provider,
        earlier.model,
        earlier.token_type,
        earlier.effective_from,
        later.effective_from as overlapping_from
    from prices as earlier
    inner join prices as later
        on
            earlier.provider = later.provider
            and earlier.model = later.model
            and earlier.token_type = later.token_type
            and earlier.effective_from < later.effective_from
            and (earlier.effective_to is null or earlier.effective_to > later.effective_from)
)

select * from final
