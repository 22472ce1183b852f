{#-
    Sources a deployment may not have: each is switched by one var (true by default, declared in
    dbt_project.yml). A source switched off needs no landing file or raw table: register_landing_tables
    skips it and landing_source() reads an empty relation with its declared columns, so every model
    still exists, typed, and the marts show nothing for it. The traces (source otel) are always on.
    This mapping is the one place that knows which var switches which source.
-#}
{% macro landing_source_switches() %}
    {{ return({
        'openai': 'using_openai',
        'anthropic': 'using_anthropic',
        'focus': 'using_focus',
        'accounts_payable': 'using_invoices',
        'helpdesk': 'using_helpdesk',
        'claims': 'using_claims',
        'contracts': 'using_contracts',
        'mistral': 'using_mistral',
    }) }}
{% endmacro %}

{#- Whether a source of this package is on (a var given as text, e.g. `false` from the shell, reads too). -#}
{% macro landing_source_enabled(source_name) %}
    {%- set switch = landing_source_switches().get(source_name) -%}
    {%- if switch is none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return((var(switch, true) | string | trim | lower) not in ('false', '0', 'no', 'off', 'none', '')) }}
{% endmacro %}

{#- The switched-off sources, for messages and for the hooks. -#}
{% macro landing_sources_switched_off() %}
    {%- set off = [] -%}
    {%- for source_name in landing_source_switches() if not landing_source_enabled(source_name) -%}
        {%- do off.append(source_name) -%}
    {%- endfor -%}
    {{ return(off) }}
{% endmacro %}

{#- Whether the landing relation `relation` (a source of this package, matched by schema and identifier)
    belongs to a switched-on source; a relation that is no landing table of this package counts as on. -#}
{% macro landing_relation_enabled(relation) %}
    {%- if execute and 'sources' in graph -%}
        {%- for node in graph.sources.values() if node.package_name == 'token_ledger' -%}
            {%- if (node.identifier | lower) == (relation.identifier | lower)
                and (node.schema | lower) == (relation.schema | lower) -%}
                {{ return(landing_source_enabled(node.source_name)) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}

{#- A relation with a landing table's declared columns and no row, typed as a landing file reads them
    (text; the landing location as a loader writes it), in landing_source_columns() order. -#}
{% macro landing_empty_select(node) -%}
    {%- set columns = [] -%}
    {%- for _, name, sql_type in landing_empty_columns(node) -%}
        {%- do columns.append('cast(null as ' ~ sql_type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    select {{ columns | join(', ') }} where 1 = 0
{%- endmacro %}

{#- The columns of landing_empty_select(node) as landing_source_columns() gives them: (lower-cased
    name, name, SQL type), in order. -#}
{% macro landing_empty_columns(node) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append((column.name | lower, column.name, dbt.type_string())) -%}
    {%- endfor -%}
    {%- do columns.append(('_landing_file', '_landing_file', dbt.type_string())) -%}
    {%- do columns.append(('_landing_row', '_landing_row', dbt.type_bigint())) -%}
    {{ return(columns) }}
{%- endmacro %}
