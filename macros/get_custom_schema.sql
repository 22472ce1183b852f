{#- Layers go to their own schema (staging, intermediate, marts, reference) without the target prefix,
    so BI tools read stable names such as marts.fct_model_calls. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
