{#-
    token_ledger as a dbt package: what lets a host project install it (packages.yml) beside its own
    models. The hooks do nothing unless the run selects one of its nodes; the reference data can be the
    host's tables instead of the seeds; schema names follow the host's naming (generate_schema_name.sql).
-#}

{#- Whether this run selects a node of token_ledger (a model, seed, test, unit test, source or
    snapshot): the on-run-start hooks do nothing otherwise, so a host's `dbt build -s my_model` neither
    reads landing files nor needs them. -#}
{% macro token_ledger_is_selected() %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for unique_id in selected_resources -%}
        {%- if unique_id.split('.')[1] == 'token_ledger' -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}

{#-
    A table of reference data (docs/landing.md, "Reference seeds"): the seed of that name, or the relation
    the var <seed>_relation names instead, so a host keeps its price book, teams or FX rates where it
    already maintains them. The var holds a seed or model name (read with ref: a host's own model works,
    and the lineage shows it) or a relation, `schema.table` or `database.schema.table`, with the seed's
    columns. Every model reads the seeds through this macro, never through ref() directly.
-#}
{% macro reference_data(seed_name) -%}
    {%- set configured = var(seed_name ~ '_relation', none) or seed_name -%}
    {%- set parts = (configured | string).split('.') -%}
    {%- if parts | length == 1 -%}
        {{ return(ref(parts[0])) }}
    {%- elif parts | length == 2 -%}
        {{ return(api.Relation.create(database=target.database, schema=parts[0], identifier=parts[1])) }}
    {%- elif parts | length == 3 -%}
        {{ return(api.Relation.create(database=parts[0], schema=parts[1], identifier=parts[2])) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "var " ~ seed_name ~ "_relation is " ~ configured ~ ": give a seed or model name, schema.table or database.schema.table"
    ) }}
{%- endmacro %}
