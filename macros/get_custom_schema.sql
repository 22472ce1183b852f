{#-
    Schema names of token_ledger's nodes.

    Standalone (token_ledger is the root project): the layers go to their own schema (staging,
    intermediate, marts, reference) without the target prefix, so BI tools read stable names such as
    marts.fct_model_calls (DECISIONS 26).

    Installed as a package, this macro still names token_ledger's nodes (dbt uses a package's own
    generate_schema_name for its nodes), so it hands them to the host's naming: the host project's
    generate_schema_name when it has one, else dbt's default (<target schema>_<layer>), so each
    developer's dev build writes its own schemas. A host that wants the fixed layer names sets the var
    fixed_schema_names: true.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if project_name == 'token_ledger' or var('fixed_schema_names', false) | string | lower == 'true' -%}
        {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
    {%- else -%}
        {%- set host = context.get(project_name) -%}
        {%- if host is not none and host.get('generate_schema_name') is not none -%}
            {{ host.generate_schema_name(custom_schema_name, node) }}
        {%- else -%}
            {{ default__generate_schema_name(custom_schema_name, node) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
