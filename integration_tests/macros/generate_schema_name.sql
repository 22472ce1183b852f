{#- The host's naming: <target schema>__<custom schema> (two underscores, so the tests can tell it from
    dbt's default and from token_ledger's fixed names). token_ledger's nodes follow it too. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}__{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
