{#- The token types a model call is priced, billed and allocated by (metrics.md 2), in one place. -#}
{% macro token_types() -%}
    {{ return(['input', 'cached_input', 'cache_write', 'output']) }}
{%- endmacro %}

{#-
    The rows of `relation` (one per model call, with a column <type>_tokens per token type) unpivoted to one
    row per call and token type with a non-zero count: `columns` kept, plus token_type and tokens. A query
    for a CTE: the engine streams it into the join or aggregate that reads it, nothing is materialized.
-#}
{% macro unpivot_token_types(relation, columns) -%}
    {%- for token_type in token_types() %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        '{{ token_type }}' as token_type,
        {{ token_type }}_tokens as tokens
    from {{ relation }}
    where {{ token_type }}_tokens <> 0
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
