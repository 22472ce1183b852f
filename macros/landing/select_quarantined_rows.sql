{#-
    The common shape of every staging quarantine model: one row per landing row that failed its checks,
    with the reason, where it is, an identifying key and, for billing tables, the money in its billing
    currency (so it stays visible in the ledger and the reconciliation). Arguments are SQL expressions over
    `relation`. A duplicate of a quarantined row is a duplicate (the base model flags it), never listed twice.

    quarantine_key is unique by construction and lets a person find the row: `<file>:<row>` (the landing
    file relative to raw_dir and its data row from 1; OTLP spans add `:<resource>.<scope>.<span>`). Where
    the raw table carries no location (a warehouse filled by other ingestion) it is
    `sha:<fingerprint>:<n>`, n numbering identical rows. raw_values: the row's declared columns as read,
    JSON text, columns holding JSON or marked meta.private left out (landing_raw_values).
-#}
{% macro select_quarantined_rows(
    relation,
    landing_table,
    record_key,
    charge_date='null',
    provider='null',
    billing_account_id='null',
    project_id='null',
    amount='null',
    currency='null',
    landing_file='landing_file',
    landing_row='landing_row',
    landing_span='null',
    raw_values='null',
    service_provider_name='null',
    service_name='null'
) -%}
    select
        {{ landing_table if "'" in landing_table or ' ' in landing_table else "'" ~ landing_table ~ "'" }} as landing_table,
        case
            when {{ landing_file }} is not null
                then {{ concat_text([
                    landing_file, "':'", "cast(" ~ landing_row ~ " as " ~ dbt.type_string() ~ ")",
                    "case when " ~ landing_span ~ " is not null then ':' end", "cast(" ~ landing_span ~ " as " ~ dbt.type_string() ~ ")",
                ]) }}
            else {{ concat_text([
                "'sha:'", "landing_row_hash", "':'",
                "cast(row_number() over (partition by landing_row_hash order by landing_row_hash) as " ~ dbt.type_string() ~ ")",
            ]) }}
        end as quarantine_key,
        cast({{ landing_file }} as {{ dbt.type_string() }}) as landing_file,
        cast({{ landing_row }} as {{ dbt.type_bigint() }}) as landing_row,
        landing_row_hash,
        quarantine_reason,
        cast({{ provider }} as {{ dbt.type_string() }}) as provider,
        cast({{ billing_account_id }} as {{ dbt.type_string() }}) as billing_account_id,
        cast({{ project_id }} as {{ dbt.type_string() }}) as project_id,
        cast({{ charge_date }} as date) as charge_date,
        cast({{ record_key }} as {{ dbt.type_string() }}) as record_key,
        {#- an implausible row's amount is not carried (its text is in raw_values): no single row may
            swallow the quarantined money of a ledger cell or an invoice -#}
        case
            when quarantine_reason not like 'implausible %' then cast({{ amount }} as {{ type_money() }})
        end as amount,
        cast({{ currency }} as {{ dbt.type_string() }}) as currency,
        cast({{ raw_values }} as {{ dbt.type_string() }}) as raw_values,
        cast({{ service_provider_name }} as {{ dbt.type_string() }}) as service_provider_name,
        cast({{ service_name }} as {{ dbt.type_string() }}) as service_name
    from {{ relation }}
    where quarantine_reason is not null
{%- endmacro %}

{#-
    Where a landing row is and what it is, the first columns of every base model's typed CTE: its whole-row
    fingerprint (duplicates), its landing file and data row (the quarantine key) and its raw values (what
    fct_quarantined_rows shows a person). Meant for the base model's first CTE over landing_source().
-#}
{% macro landing_row_columns(source_name, table_name) -%}
    {{ landing_row_hash(source_name, table_name) }} as landing_row_hash,
        _landing_file as landing_file,
        cast(_landing_row as {{ dbt.type_bigint() }}) as landing_row,
        {{ landing_raw_values(source_name, table_name) }} as landing_raw_values
{%- endmacro %}

{#-
    The raw values of a landing row, for a person looking for it (fct_quarantined_rows): every declared
    column of the table as text, in declaration order, as one JSON object; columns of type json (span
    attributes, SkuPriceDetails) and columns marked meta.private are left out. Meant for the base model's
    first CTE, where the landing columns are in scope.
-#}
{% macro landing_raw_values(source_name, table_name) -%}
    {%- set node = landing_source_node(source_name, table_name) -%}
    {%- set pairs = [] -%}
    {%- for column in node.columns.values() if column.data_type != 'json' and not column.meta.get('private') -%}
        {%- do pairs.append((column.name, 'cast(' ~ column.name ~ ' as ' ~ dbt.type_string() ~ ')')) -%}
    {%- endfor -%}
    {%- if pairs | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {{ json_object_text(pairs) }}
    {%- endif -%}
{%- endmacro %}

{#- A JSON object (compact text, keys in the given order, NULL as null) from [(key, text expression)]. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'token_ledger')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    {%- set arguments = [] -%}
    {%- for key, expression in pairs -%}
        {%- do arguments.append("'" ~ key ~ "'") -%}
        {%- do arguments.append(expression) -%}
    {%- endfor -%}
    cast(json_object({{ arguments | join(', ') }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__json_object_text(pairs) -%}
    {%- set members = [] -%}
    {%- for key, expression in pairs -%}
        {%- do members.append("'\"" ~ key ~ "\":' || coalesce(to_json(" ~ expression ~ ")::text, 'null')") -%}
    {%- endfor -%}
    ('{' || {{ members | join(" || ',' || ") }} || '}')
{%- endmacro %}

{% macro spark__json_object_text(pairs) -%}
    {%- set arguments = [] -%}
    {%- for key, expression in pairs -%}
        {%- do arguments.append("'" ~ key ~ "'") -%}
        {%- do arguments.append(expression) -%}
    {%- endfor -%}
    to_json(named_struct({{ arguments | join(', ') }}), map('ignoreNullFields', 'false'))
{%- endmacro %}
