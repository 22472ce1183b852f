{#-
    The registry of billing exports (var billing_exports in dbt_project.yml): one entry per landing table of
    a provider's bill. Read here by the models that used to list the exports by hand, and by the Python
    (token_ledger.contract.billing_exports). A model's refs must be known when dbt parses it, before the
    sources' meta exists in `graph`: that is why the registry is a var and not source meta.
-#}

{#- Every registered export (optionally of one kind: costs or usage), in declaration order, each with its
    `name` (the landing table). -#}
{% macro billing_exports(kind=none) %}
    {%- set found = [] -%}
    {%- for name, declared in var('billing_exports').items() -%}
        {%- if kind is none or declared.get('kind') == kind -%}
            {%- set export = {'name': name, 'raw_key': [], 'meter_columns': {}, 'quantities': {}, 'provider': ''} -%}
            {%- do export.update(declared) -%}
            {%- do found.append(export) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}

{% macro billing_export(name) %}
    {%- for export in billing_exports() if export.name == name -%}
        {{ return(export) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("billing export " ~ name ~ " is not in var billing_exports (dbt_project.yml)") }}
{% endmacro %}

{#- The quarantine models of the registered exports, each once, in declaration order. -#}
{% macro billing_quarantine_models() %}
    {%- set models = [] -%}
    {%- for export in billing_exports() if export.quarantine_model not in models -%}
        {%- do models.append(export.quarantine_model) -%}
    {%- endfor -%}
    {{ return(models) }}
{% endmacro %}

{#-
    The billing-export interface: the columns every costs export's staging model has, with their types.
    What the export says, before reference data: `provider` is empty when the rows name it through
    service_provider_name / service_name (FOCUS: the billing_services seed decides, int_billing_export_rows);
    `charge_category` is usage_tokens (the export itself names model and token type), usage_other, tax,
    credit, purchase or adjustment; `unexplained_reason` says why a usage_other row is not understood (the
    billing_meters seed may still explain it); `invoice_date` is the date whose invoice period holds the row
    (FOCUS: BillingPeriodStart; else the charge date); `billed_tokens` the tokens a row bills when the export
    itself counts them (FOCUS ConsumedQuantity in tokens); `meter` is the export's own words for the charge.
-#}
{% macro billing_export_columns() %}
    {{ return([
        ('landing_row_hash', dbt.type_string()),
        ('provider', dbt.type_string()),
        ('service_provider_name', dbt.type_string()),
        ('service_name', dbt.type_string()),
        ('billing_account_id', dbt.type_string()),
        ('project_id', dbt.type_string()),
        ('charge_date', 'date'),
        ('model_name', dbt.type_string()),
        ('token_type', dbt.type_string()),
        ('is_batch', dbt.type_boolean()),
        ('charge_category', dbt.type_string()),
        ('is_tax', dbt.type_boolean()),
        ('currency', dbt.type_string()),
        ('amount', type_money()),
        ('billed_tokens', type_money()),
        ('invoice_id', dbt.type_string()),
        ('invoice_date', 'date'),
        ('meter', dbt.type_string()),
        ('unexplained_reason', dbt.type_string()),
    ]) }}
{% endmacro %}

{#- The usage interface: the columns every usage export's staging model has besides its quantities. -#}
{% macro billing_usage_columns() %}
    {{ return([
        ('provider', dbt.type_string()),
        ('project_id', dbt.type_string()),
        ('usage_date', 'date'),
        ('model_name', dbt.type_string()),
        ('is_batch', dbt.type_boolean()),
        ('uncosted_reason', dbt.type_string()),
    ]) }}
{% endmacro %}

{#- What every base model of a billing export passes on from its typed rows to its checked ones: where the
    row landed and what it held (landing_row_columns), and how its deliveries are told apart (its
    extraction time, raw key and bucket: select_billing_deliveries). -#}
{% macro billing_delivery_columns() -%}
    landing_row_hash,
        landing_file,
        landing_row,
        landing_raw_values,
        extracted_at,
        raw_key,
        bucket_key
{%- endmacro %}

{#- The raw key of a row of a registered export, as text: its bucket (the date it belongs to), billing
    account and raw_key columns (real-inputs.md 4). Used where the landing columns are in scope. -#}
{% macro billing_raw_key(name, bucket_date) -%}
    {%- set export = billing_export(name) -%}
    {%- set parts = ["cast(" ~ bucket_date ~ " as " ~ dbt.type_string() ~ ")"] -%}
    {%- for column in ([export.account_column] if export.get('account_column') else []) + export.raw_key -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(" ~ landing_text(column) ~ ", '')") -%}
    {%- endfor -%}
    {{ concat_text(parts) }}
{%- endmacro %}

{#- The bucket of a row (real-inputs.md 4: the day a re-pull replaces whole, per billing account). -#}
{% macro billing_bucket_key(name, bucket_date) -%}
    {%- set export = billing_export(name) -%}
    {%- set parts = ["cast(" ~ bucket_date ~ " as " ~ dbt.type_string() ~ ")"] -%}
    {%- if export.get('account_column') -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(" ~ landing_text(export.account_column) ~ ", '')") -%}
    {%- endif -%}
    case when {{ bucket_date }} is not null then {{ concat_text(parts) }} end
{%- endmacro %}
