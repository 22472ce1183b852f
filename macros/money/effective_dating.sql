{#-
    The effective-dated lookup used for prices, FX and BPO rates: a row applies on a day when the day is
    on or after its start and before its end (an empty end is open). One definition, so a boundary day
    is treated the same everywhere: on the day a new price starts, the new price applies.
-#}
{% macro is_effective_on(day, effective_from, effective_to) -%}
    ({{ day }} >= {{ effective_from }} and ({{ effective_to }} is null or {{ day }} < {{ effective_to }}))
{%- endmacro %}

{#-
    The join condition of a list-price look-up: the `prices` row (alias `prices_alias`) of one token type for
    a provider and model, in force on a day (the call's model for its list cost, a cheaper model for its
    routing excess: int_model_calls_costed). `when`: a condition the look-up needs first (a non-zero count).
-#}
{% macro list_price_for(prices_alias, token_type, provider, model, day, when='true') -%}
    {{ when }}
    and {{ provider }} = {{ prices_alias }}.provider
    and {{ model }} = {{ prices_alias }}.model
    and {{ prices_alias }}.token_type = '{{ token_type }}'
    and {{ is_effective_on(day, prices_alias ~ '.effective_from', prices_alias ~ '.effective_to') }}
{%- endmacro %}
