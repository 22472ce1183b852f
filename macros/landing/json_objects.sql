{#-
    Parse a JSON object once into a typed value holding only the named keys, then read fields from it.
    DuckDB: json_transform into a STRUCT (one parse, typed fields); other adapters override both macros.
    keys: {json key: column name}; every field is read as text and typed by the caller (so a value of
    the wrong type is quarantined rather than silently NULL). Invalid JSON gives NULL.
-#}
{% macro json_parse_object(expression, keys) -%}
    {{ return(adapter.dispatch('json_parse_object', 'token_ledger')(expression, keys)) }}
{%- endmacro %}

{% macro default__json_parse_object(expression, keys) -%}
    {%- set fields = [] -%}
    {%- for key in keys -%}{%- do fields.append('"' ~ key ~ '": "VARCHAR"') -%}{%- endfor -%}
    case
        when {{ json_is_valid(expression) }}
            then json_transform({{ expression }}, '{ {{- fields | join(", ") -}} }')
    end
{%- endmacro %}

{% macro json_object_field(parsed, key) -%}
    {{ return(adapter.dispatch('json_object_field', 'token_ledger')(parsed, key)) }}
{%- endmacro %}

{% macro default__json_object_field(parsed, key) -%}
    struct_extract({{ parsed }}, '{{ key }}')
{%- endmacro %}
