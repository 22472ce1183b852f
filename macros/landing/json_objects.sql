{#-
    Parse a JSON object once into a typed value holding only the named keys, then read fields from it.
    DuckDB: json_transform into a STRUCT (one parse, typed fields); other adapters override both macros.
    keys: {json key: column name}; every field is read as text and typed by the caller (so a value of
    the wrong type is quarantined rather than silently NULL). Unreadable JSON gives NULL.
-#}
{% macro json_parse_object(expression, keys) -%}
    {{ return(adapter.dispatch('json_parse_object', 'token_ledger')(expression, keys)) }}
{%- endmacro %}

{% macro default__json_parse_object(expression, keys) -%}
    {%- set fields = [] -%}
    {%- for key in keys -%}{%- do fields.append('"' ~ key ~ '": "VARCHAR"') -%}{%- endfor -%}
    {#- one parse: NULL for unreadable text (a JSON array, string or number gives a struct of NULLs:
        landing_json_unreadable tells those apart) -#}
    try(json_transform({{ expression }}, '{ {{- fields | join(", ") -}} }'))
{%- endmacro %}

{% macro json_object_field(parsed, key) -%}
    {{ return(adapter.dispatch('json_object_field', 'token_ledger')(parsed, key)) }}
{%- endmacro %}

{% macro default__json_object_field(parsed, key) -%}
    struct_extract({{ parsed }}, '{{ key }}')
{%- endmacro %}

{#- PostgreSQL: one jsonb parse per document (NULL when invalid; tl_parse_jsonb is volatile so that the
    CTE holding it is not inlined into every field read); ->> gives a field's text. -#}
{% macro postgres__json_parse_object(expression, keys) -%}
    {{ engine_function('tl_parse_jsonb') }}({{ expression }})
{%- endmacro %}

{% macro postgres__json_object_field(parsed, key) -%}
    ({{ parsed }} ->> '{{ key }}')
{%- endmacro %}

{#- Spark: from_json into a STRUCT of strings (one parse; a number keeps its JSON text, as on DuckDB). -#}
{% macro spark__json_parse_object(expression, keys) -%}
    {%- set fields = [] -%}
    {%- for key in keys -%}{%- do fields.append('`' ~ key ~ '`: string') -%}{%- endfor -%}
    from_json({{ expression }}, 'struct<{{ fields | join(", ") }}>')
{%- endmacro %}

{% macro spark__json_object_field(parsed, key) -%}
    {{ parsed }}.`{{ key }}`
{%- endmacro %}
