{#- token_ledger's relations are where the host's generate_schema_name and vars put them (none of the
    fixed standalone names): returns each expected relation that is missing. -#}

-- depends_on: {{ ref('token_ledger', 'fct_model_calls') }}
-- depends_on: {{ ref('token_ledger', 'mart_cost_per_outcome') }}
-- depends_on: {{ ref('token_ledger', 'int_model_calls') }}
-- depends_on: {{ ref('token_ledger', 'stg_focus__charges') }}
-- depends_on: {{ ref('token_ledger', 'model_prices') }}
-- depends_on: {{ ref('host_ai_spend_by_team') }}
-- depends_on: {{ ref('host_teams') }}

with

expected as (
    select '{{ target.schema }}__marts' as table_schema, 'fct_model_calls' as table_name
    union all select '{{ target.schema }}__marts', 'mart_cost_per_outcome'
    union all select '{{ target.schema }}__intermediate', 'int_model_calls'
    union all select '{{ target.schema }}__staging', 'stg_focus__charges'
    union all select '{{ target.schema }}__reference', 'model_prices'
    union all select '{{ target.schema }}__reporting', 'host_ai_spend_by_team'
    union all select '{{ target.schema }}__directory', 'host_teams'
    union all select 'host_landing', 'otel_spans'
),

present as (
    select
        table_schema,
        table_name
    from information_schema.tables
),

standalone_schemas as (
    select
        table_schema,
        table_name
    from information_schema.tables
    where table_schema in ('marts', 'intermediate', 'staging', 'reference', 'raw')
)

select
    expected.table_schema,
    expected.table_name,
    'missing' as problem
from expected
left join present
    on expected.table_schema = present.table_schema and expected.table_name = present.table_name
where present.table_name is null

union all

select
    table_schema,
    table_name,
    'in a standalone schema' as problem
from standalone_schemas
