-- mart_cost_per_outcome in ONE hand-written DuckDB query, straight from the landing files and the seeds:
-- the engine's lower bound for the work the dbt project does to produce marts.mart_cost_per_outcome
-- (token-ledger bench runs it, times it and checks every cell against the mart).
--
-- Placeholders, substituted by token_ledger/bench/hand_query.py: __LANDING__ (the landing directory),
-- __SEEDS__ (seeds/).
-- Session: TimeZone = 'UTC' (as the dbt profile), so timestamps without an offset are UTC.
--
-- How it stays cheap (PERFORMANCE.md):
--   * otel_spans.parquet is read once; each span's JSON attributes are parsed once, by one json_transform
--     into a typed struct holding only the 14 keys this answer needs (try() turns invalid JSON into NULL,
--     which is how a span with unreadable attributes is recognized and quarantined: no second parse), and
--     the struct is pinned as a column (unnest of a one-element list) so that the optimizer cannot copy
--     the json_transform call into each filter that reads a field;
--   * spans that cannot matter (tool calls: anything that is not a model call, a root or a review) are
--     dropped right after the parse, and only narrow typed columns travel on;
--   * the dedupe (latest end_time_unix_nano per trace_id + span_id) is one window over those narrow
--     columns (several times cheaper than arg_max of a struct, which DuckDB runs on a generic slow path);
--   * everything is aggregated before it is joined: the calls' tokens are summed per raw key (provider,
--     model spelling, day, batch: a few thousand rows) to get each pool's Qt and rate B x f / Qt, and each
--     trace's cost is then sum(tokens x rate) over its calls, with only per-trace rows meeting the runs;
--   * the billing exports (a few thousand rows) and the CDC outcome tables are read as text, exactly like
--     the project's landing views (read_csv all_varchar), and typed with try_cast.
--
-- Same answer as the project (metrics.md 1-6, 12; DECISIONS.md), including the quarantine rules that
-- the generator plants: spans with invalid JSON attributes, a missing span_id, negative token counts or
-- cache tokens above input tokens; billing rows with an unreadable amount, an unknown ChargeCategory,
-- invalid SkuPriceDetails JSON, a missing starting_at, a currency without an FX rate, a negative usage
-- count; CDC rows with a missing id, an unparseable updated_at or an unknown status/decision.
--
-- Deliberately NOT reproduced (they never occur in generated data; the project handles them):
--   * span token counts or review.minutes written as JSON text or with a fraction ("12", 1000.7): the
--     project reads them as text and quarantines an unreadable one; here json_transform types them
--     directly (BIGINT / DOUBLE), so such a value would become NULL instead of quarantining the span;
--   * surrounding blanks in span ids / parent ids (the project trims them), unreadable
--     resource_attributes JSON, non-integer start/end times;
--   * ties in the dedupe orders: two different deliveries of one span with the same end time, two CDC
--     versions of one item with the same updated_at (the project breaks these ties by a row hash; here
--     the window picks any);
--   * attributes made only of blanks: the project reads them as empty (no attributes), here they count
--     as invalid JSON (this keeps a trim() of every attribute text out of the query);
--   * a span whose deliveries disagree on what kind of span it is (model call, root, review): the
--     irrelevant kinds are dropped before the dedupe (generated redeliveries differ only in end time
--     and status).
-- Identical billing rows (duplicate deliveries: the project's row fingerprint) are removed with DISTINCT.

with

-- ---------------------------------------------------------------------------------------------- seeds

prices as (
    select * from read_csv('__SEEDS__/model_prices.csv', header = true, columns = {
        'provider': 'VARCHAR', 'model': 'VARCHAR', 'token_type': 'VARCHAR', 'usd_per_million_tokens': 'DOUBLE',
        'effective_from': 'DATE', 'effective_to': 'DATE', 'model_tier': 'VARCHAR'})
),

aliases as (
    select * from read_csv('__SEEDS__/model_aliases.csv', header = true, columns = {
        'provider': 'VARCHAR', 'alias': 'VARCHAR', 'model': 'VARCHAR'})
),

services as (
    select * from read_csv('__SEEDS__/services.csv', header = true, columns = {
        'service_name': 'VARCHAR', 'team_id': 'VARCHAR'})
),

fx_seed as (
    select * from read_csv('__SEEDS__/fx_rates.csv', header = true, columns = {
        'rate_date': 'DATE', 'currency': 'VARCHAR', 'usd_per_unit': 'DOUBLE'})
),

bpo_rates as (
    select * from read_csv('__SEEDS__/bpo_rates.csv', header = true, columns = {
        'work_item_type': 'VARCHAR', 'currency': 'VARCHAR', 'unit_price': 'DOUBLE',
        'effective_from': 'DATE', 'effective_to': 'DATE'})
),

labor_rates as (
    select * from read_csv('__SEEDS__/labor_rates.csv', header = true, columns = {
        'role': 'VARCHAR', 'currency': 'VARCHAR', 'hourly_cost': 'DOUBLE'})
),

-- every spelling of a model -> its canonical name (canonical names first, aliases that do not shadow one)
model_names as (
    select distinct provider, model as model_name, model from prices
    union all
    select a.provider, a.alias, a.model
    from aliases as a
    where not exists (select 1 from prices as p where p.provider = a.provider and p.model = a.alias)
),

-- FX validity intervals: the latest rate on or before a day; USD at 1
fx as (
    select
        upper(currency) as currency,
        rate_date as valid_from,
        lead(rate_date) over (partition by upper(currency) order by rate_date) as valid_to,
        usd_per_unit
    from fx_seed
    where upper(currency) <> 'USD'
    union all
    select 'USD', date '1900-01-01', null, 1.0
),

-- ------------------------------------------------------------------------------------------ the spans

span_rows as (
    select
        trace_id,
        span_id,
        coalesce(parent_span_id, '') = '' as is_root,
        name = 'human_review' as is_review,
        start_time_unix_nano as start_ns,
        end_time_unix_nano as end_ns,
        status_code is null or upper(trim(status_code)) in ('STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR')
            as has_known_status,
        -- cheap tests only: the 2+ GB of attribute text must not travel past this projection
        attributes is null or attributes = '' as has_no_attributes,
        case
            when coalesce(parent_span_id, '') = ''
                then json_extract_string(resource_attributes, '$."service.name"')
        end as root_service_name,
        -- unnest([...]) makes the parsed struct a real column: without it the optimizer would copy the
        -- json_transform call into every filter below that reads a field (one JSON parse per reference)
        unnest([try(json_transform(attributes, '{
            "gen_ai.operation.name": "VARCHAR",
            "gen_ai.provider.name": "VARCHAR",
            "gen_ai.system": "VARCHAR",
            "gen_ai.request.model": "VARCHAR",
            "gen_ai.response.model": "VARCHAR",
            "gen_ai.usage.input_tokens": "BIGINT",
            "gen_ai.usage.output_tokens": "BIGINT",
            "gen_ai.usage.cache_read.input_tokens": "BIGINT",
            "gen_ai.usage.cache_creation.input_tokens": "BIGINT",
            "gen_ai.request.service_tier": "VARCHAR",
            "work_item.type": "VARCHAR",
            "work_item.id": "VARCHAR",
            "review.outcome": "VARCHAR",
            "review.minutes": "DOUBLE"
        }'))]) as a
    from read_parquet('__LANDING__/otel_spans.parquet')
),

-- good deliveries of the spans that matter (quarantined deliveries never compete in the dedupe), as
-- plain typed columns
good_spans as (
    select
        trace_id,
        span_id,
        end_ns,
        start_ns,
        a."gen_ai.operation.name" in ('chat', 'text_completion', 'generate_content', 'embeddings') as is_call,
        is_root,
        is_review,
        lower(coalesce(a."gen_ai.provider.name", a."gen_ai.system")) as provider,
        coalesce(a."gen_ai.response.model", a."gen_ai.request.model") as model_name,
        coalesce(lower(a."gen_ai.request.service_tier") = 'batch', false) as is_batch,
        a."gen_ai.usage.input_tokens" as input_tokens,
        a."gen_ai.usage.output_tokens" as output_tokens,
        a."gen_ai.usage.cache_read.input_tokens" as cache_read,
        a."gen_ai.usage.cache_creation.input_tokens" as cache_write,
        root_service_name as service_name,
        a."work_item.type" as work_item_type,
        a."work_item.id" as work_item_id,
        a."review.outcome" as review_outcome,
        a."review.minutes" as review_minutes
    from span_rows
    where
        -- landing checks: required keys, readable JSON, known status
        coalesce(trace_id, '') <> ''
        and coalesce(span_id, '') <> ''
        and start_ns is not null
        and (a is not null or has_no_attributes)
        and has_known_status
        -- model-specific checks
        and not coalesce(
            a."gen_ai.usage.input_tokens" < 0 or a."gen_ai.usage.output_tokens" < 0
            or a."gen_ai.usage.cache_read.input_tokens" < 0 or a."gen_ai.usage.cache_creation.input_tokens" < 0,
            false)
        and not coalesce(a."review.minutes" < 0, false)
        and coalesce(a."gen_ai.usage.cache_read.input_tokens", 0) + coalesce(a."gen_ai.usage.cache_creation.input_tokens", 0)
            <= coalesce(a."gen_ai.usage.input_tokens", 0)
        -- only model calls, root spans and human reviews reach cost per outcome
        and (a."gen_ai.operation.name" in ('chat', 'text_completion', 'generate_content', 'embeddings')
            or is_root or is_review)
),

-- at-least-once delivery: the delivery with the latest end time wins (a window over narrow columns is
-- several times cheaper than arg_max of a struct, which DuckDB handles through a generic slow path)
spans as (
    select *
    from good_spans
    qualify row_number() over (partition by trace_id, span_id order by end_ns desc nulls last) = 1
),

-- model calls: tokens by type, keyed by the call's raw (provider, model spelling, day, batch)
calls as (
    select
        trace_id,
        provider,
        model_name,
        start_ns // 86400000000000 as call_day,
        is_batch,
        coalesce(input_tokens, 0) - coalesce(cache_read, 0) - coalesce(cache_write, 0) as input_tokens,
        coalesce(cache_read, 0) as cached_input_tokens,
        coalesce(cache_write, 0) as cache_write_tokens,
        coalesce(output_tokens, 0) as output_tokens
    from spans
    where is_call
),

-- aggregate before joining: the calls' tokens per raw key (a few thousand rows), then per pool
call_keys as (
    select
        provider, model_name, call_day, is_batch,
        sum(input_tokens) as input_tokens,
        sum(cached_input_tokens) as cached_input_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(output_tokens) as output_tokens
    from calls
    group by all
),

call_key_pools as (
    select
        k.provider, k.model_name, k.call_day, k.is_batch,
        coalesce(mn.model, k.model_name) as model,
        date '1970-01-01' + cast(k.call_day as integer) as charge_date,
        t.token_type,
        t.tokens
    from call_keys as k
    left join model_names as mn on k.provider = mn.provider and k.model_name = mn.model_name
    cross join lateral (
        values
            ('input', k.input_tokens),
            ('cached_input', k.cached_input_tokens),
            ('cache_write', k.cache_write_tokens),
            ('output', k.output_tokens)
    ) as t(token_type, tokens)
),

-- Qt: the traced tokens of each pool (provider, model, day, token type, batch)
traced_pools as (
    select provider, model, charge_date, token_type, is_batch, sum(tokens) as traced_tokens
    from call_key_pools
    group by all
),

-- ------------------------------------------------------------------------------------- the billing side

openai_costs_rows as (
    select distinct * from read_csv('__LANDING__/openai_costs.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
),

openai_costs as (
    select
        'openai' as provider,
        trim(organization_id) as billing_account_id,
        coalesce(nullif(trim(project_id), ''), '') as project_id,
        cast(make_timestamp(try_cast(trim(start_time) as bigint) * 1000000) as date) as charge_date,
        trim(split_part(trim(line_item), ',', 1)) as model_name,
        case lower(trim(split_part(trim(line_item), ',', 2)))
            when 'input' then 'input' when 'cached input' then 'cached_input' when 'output' then 'output'
        end as token_type,
        lower(trim(split_part(trim(line_item), ',', 3))) = 'batch' as is_batch,
        'usage_tokens' as charge_category,
        upper(trim(amount_currency)) as currency,
        try_cast(trim(amount_value) as double) as amount,
        cast(null as double) as consumed_quantity
    from openai_costs_rows
    where
        nullif(trim(start_time), '') is not null and nullif(trim(organization_id), '') is not null
        and nullif(trim(line_item), '') is not null and nullif(trim(amount_value), '') is not null
        and nullif(trim(amount_currency), '') is not null
        and position('.' in trim(start_time)) = 0 and try_cast(trim(start_time) as bigint) is not null
        and (nullif(trim(end_time), '') is null
            or (position('.' in trim(end_time)) = 0 and try_cast(trim(end_time) as bigint) is not null))
        and try_cast(trim(amount_value) as double) is not null
        and lower(trim(split_part(trim(line_item), ',', 2))) in ('input', 'cached input', 'output')
        and lower(trim(split_part(trim(line_item), ',', 3))) in ('', 'batch')
),

anthropic_costs_rows as (
    select distinct * from read_csv('__LANDING__/anthropic_costs.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
),

anthropic_costs as (
    select
        'anthropic' as provider,
        trim(organization_id) as billing_account_id,
        coalesce(nullif(trim(workspace_id), ''), '') as project_id,
        cast(try_cast(trim(starting_at) as timestamptz) at time zone 'UTC' as date) as charge_date,
        nullif(trim(model), '') as model_name,
        case
            when lower(trim(token_type)) = 'uncached_input_tokens' then 'input'
            when lower(trim(token_type)) = 'cache_read_input_tokens' then 'cached_input'
            when lower(trim(token_type)) like 'cache_creation.%' then 'cache_write'
            when lower(trim(token_type)) = 'output_tokens' then 'output'
        end as token_type,
        coalesce(lower(nullif(trim(service_tier), '')), 'standard') = 'batch' as is_batch,
        case when lower(trim(cost_type)) = 'tokens' then 'usage_tokens' else 'usage_other' end as charge_category,
        upper(trim(currency)) as currency,
        try_cast(trim(amount) as double) / 100.0 as amount,
        cast(null as double) as consumed_quantity
    from anthropic_costs_rows
    where
        nullif(trim(starting_at), '') is not null and nullif(trim(organization_id), '') is not null
        and nullif(trim(cost_type), '') is not null and nullif(trim(amount), '') is not null
        and nullif(trim(currency), '') is not null
        and try_cast(trim(starting_at) as timestamptz) is not null
        and (nullif(trim(ending_at), '') is null or try_cast(trim(ending_at) as timestamptz) is not null)
        and try_cast(trim(amount) as double) is not null
        and (nullif(trim(token_type), '') is null or lower(trim(token_type)) in (
            'uncached_input_tokens', 'output_tokens', 'cache_read_input_tokens',
            'cache_creation.ephemeral_5m_input_tokens', 'cache_creation.ephemeral_1h_input_tokens'))
        and (nullif(trim(service_tier), '') is null or lower(trim(service_tier)) in ('standard', 'batch', 'priority'))
        and not (lower(trim(cost_type)) = 'tokens'
            and (nullif(trim(model), '') is null or nullif(trim(token_type), '') is null))
),

focus_rows as (
    select distinct * from read_csv('__LANDING__/focus_charges.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
),

focus_typed as (
    select
        case lower(trim(ServiceName))
            when 'amazon bedrock' then 'aws.bedrock'
            when 'azure openai service' then 'azure.ai.openai'
            when 'vertex ai' then 'gcp.vertex_ai'
        end as provider,
        trim(BillingAccountId) as billing_account_id,
        cast(try_cast(trim(ChargePeriodStart) as timestamptz) at time zone 'UTC' as date) as charge_date,
        case when coalesce(json_valid(trim(SkuPriceDetails)), false)
            then json_extract_string(trim(SkuPriceDetails), '$."ModelId"') end as model_name,
        case lower(trim(SkuMeter))
            when 'input tokens' then 'input'
            when 'cache read input tokens' then 'cached_input'
            when 'cache write input tokens' then 'cache_write'
            when 'output tokens' then 'output'
        end as meter_token_type,
        lower(trim(ChargeCategory)) as category,
        lower(trim(ConsumedUnit)) as unit,
        upper(trim(BillingCurrency)) as currency,
        try_cast(trim(BilledCost) as double) as amount,
        try_cast(trim(ConsumedQuantity) as double) as quantity,
        nullif(trim(BillingAccountId), '') is not null and nullif(trim(ServiceName), '') is not null
        and nullif(trim(ChargeCategory), '') is not null and nullif(trim(ChargePeriodStart), '') is not null
        and nullif(trim(BilledCost), '') is not null and nullif(trim(BillingCurrency), '') is not null
        and try_cast(trim(ChargePeriodStart) as timestamptz) is not null
        and (nullif(trim(ChargePeriodEnd), '') is null or try_cast(trim(ChargePeriodEnd) as timestamptz) is not null)
        and (nullif(trim(BillingPeriodStart), '') is null
            or try_cast(trim(BillingPeriodStart) as timestamptz) is not null)
        and (nullif(trim(ConsumedQuantity), '') is null or try_cast(trim(ConsumedQuantity) as double) is not null)
        and try_cast(trim(BilledCost) as double) is not null
        and (nullif(trim(EffectiveCost), '') is null or try_cast(trim(EffectiveCost) as double) is not null)
        and (nullif(trim(SkuPriceDetails), '') is null or coalesce(json_valid(trim(SkuPriceDetails)), false))
        and lower(trim(ChargeCategory)) in ('usage', 'purchase', 'tax', 'credit', 'adjustment')
        and (nullif(trim(ChargeClass), '') is null or lower(trim(ChargeClass)) = 'correction') as is_readable
    from focus_rows
),

focus_charges as (
    select
        provider,
        billing_account_id,
        '' as project_id,
        charge_date,
        model_name,
        case when category = 'usage' and unit = 'tokens' then meter_token_type end as token_type,
        false as is_batch,
        case
            when category = 'usage' and unit = 'tokens' and meter_token_type is not null then 'usage_tokens'
            when category = 'usage' then 'usage_other'
            else category
        end as charge_category,
        currency,
        amount,
        case when category = 'usage' and unit = 'tokens' and meter_token_type is not null then quantity end
            as consumed_quantity
    from focus_typed
    where
        is_readable
        and provider is not null
        and not (category = 'usage' and unit = 'tokens' and meter_token_type is not null and model_name is null)
        and not coalesce(quantity < 0 and unit = 'tokens', false)
),

-- usage exports: the billed token quantities of the OpenAI and Anthropic lines
openai_usage as (
    select
        'openai' as provider,
        coalesce(nullif(trim(project_id), ''), '') as project_id,
        cast(make_timestamp(try_cast(trim(start_time) as bigint) * 1000000) as date) as usage_date,
        trim(model) as model_name,
        coalesce(try_cast(trim(batch) as boolean), false) as is_batch,
        coalesce(try_cast(trim(input_tokens) as bigint), 0) as input_tokens,
        coalesce(try_cast(trim(input_cached_tokens) as bigint), 0) as input_cached_tokens,
        coalesce(try_cast(trim(output_tokens) as bigint), 0) as output_tokens,
        coalesce(try_cast(trim(num_model_requests) as bigint), 0) as num_model_requests
    from (select distinct * from read_csv('__LANDING__/openai_usage.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true))
    where
        nullif(trim(start_time), '') is not null and nullif(trim(model), '') is not null
        and position('.' in trim(start_time)) = 0 and try_cast(trim(start_time) as bigint) is not null
),

anthropic_usage as (
    select
        'anthropic' as provider,
        coalesce(nullif(trim(workspace_id), ''), '') as project_id,
        cast(try_cast(trim(starting_at) as timestamptz) at time zone 'UTC' as date) as usage_date,
        trim(model) as model_name,
        coalesce(lower(nullif(trim(service_tier), '')), 'standard') = 'batch' as is_batch,
        coalesce(try_cast(trim(uncached_input_tokens) as bigint), 0) as uncached_input_tokens,
        coalesce(try_cast(trim(cache_read_input_tokens) as bigint), 0) as cache_read_input_tokens,
        coalesce(try_cast(trim(cache_creation_ephemeral_5m_input_tokens) as bigint), 0) as cache_5m,
        coalesce(try_cast(trim(cache_creation_ephemeral_1h_input_tokens) as bigint), 0) as cache_1h,
        coalesce(try_cast(trim(output_tokens) as bigint), 0) as output_tokens
    from (select distinct * from read_csv('__LANDING__/anthropic_usage.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true))
    where
        nullif(trim(starting_at), '') is not null and nullif(trim(model), '') is not null
        and try_cast(trim(starting_at) as timestamptz) is not null
        and (nullif(trim(service_tier), '') is null or lower(trim(service_tier)) in ('standard', 'batch', 'priority'))
),

usage_quantities as (
    select u.provider, u.project_id, u.usage_date, coalesce(mn.model, u.model_name) as model, u.is_batch,
        q.token_type, sum(q.quantity) as quantity
    from (
        select provider, project_id, usage_date, model_name, is_batch,
            input_tokens - input_cached_tokens as q_input, input_cached_tokens as q_cached,
            cast(null as bigint) as q_write, output_tokens as q_output
        from openai_usage
        where input_tokens >= 0 and input_cached_tokens >= 0 and output_tokens >= 0 and num_model_requests >= 0
            and input_cached_tokens <= input_tokens
        union all
        select provider, project_id, usage_date, model_name, is_batch,
            uncached_input_tokens, cache_read_input_tokens, cache_5m + cache_1h, output_tokens
        from anthropic_usage
        where uncached_input_tokens >= 0 and cache_read_input_tokens >= 0 and cache_5m >= 0 and cache_1h >= 0
            and output_tokens >= 0
    ) as u
    cross join lateral (
        values ('input', u.q_input), ('cached_input', u.q_cached), ('cache_write', u.q_write), ('output', u.q_output)
    ) as q(token_type, quantity)
    left join model_names as mn on u.provider = mn.provider and u.model_name = mn.model_name
    -- OpenAI's usage export has no cache-write quantity
    where not (u.provider = 'openai' and q.token_type = 'cache_write')
    group by all
),

-- billing lines: one per (provider, account, project, day, model, token type, batch, category, currency)
billing_lines as (
    select
        e.provider, e.billing_account_id, e.project_id, e.charge_date,
        case when e.model_name is not null then coalesce(mn.model, e.model_name) end as model,
        e.token_type, e.is_batch, e.charge_category, e.currency,
        sum(e.amount) as billed_amount,
        sum(e.consumed_quantity) as consumed_quantity
    from (
        select * from openai_costs
        union all by name
        select * from anthropic_costs
        union all by name
        select * from focus_charges
    ) as e
    left join model_names as mn on e.provider = mn.provider and e.model_name = mn.model_name
    group by all
),

billed_pools as (
    select
        l.provider, l.model, l.charge_date, l.token_type, l.is_batch,
        sum(l.billed_amount * fx.usd_per_unit) as billed_usd,
        sum(coalesce(l.consumed_quantity, uq.quantity)) as billed_quantity
    from billing_lines as l
    left join usage_quantities as uq
        on l.charge_category = 'usage_tokens'
        and l.provider = uq.provider and l.project_id = uq.project_id and l.charge_date = uq.usage_date
        and l.model = uq.model and l.is_batch = uq.is_batch and l.token_type = uq.token_type
    -- a line without an FX rate on its charge date is quarantined: it is in no pool
    inner join fx
        on l.currency = fx.currency and l.charge_date >= fx.valid_from
        and (fx.valid_to is null or l.charge_date < fx.valid_to)
    where l.charge_category = 'usage_tokens'
    group by all
),

-- pools with a bill and traced calls: the USD each traced token of the pool carries, B x f / Qt
pool_rates as (
    select
        t.provider, t.model, t.charge_date, t.token_type, t.is_batch,
        b.billed_usd * case
            when t.traced_tokens >= coalesce(nullif(b.billed_quantity, 0), t.traced_tokens) then 1.0
            else cast(t.traced_tokens as double) / coalesce(nullif(b.billed_quantity, 0), t.traced_tokens)
        end / t.traced_tokens as usd_per_token
    from traced_pools as t
    inner join billed_pools as b
        on t.provider = b.provider and t.model = b.model and t.charge_date = b.charge_date
        and t.token_type = b.token_type and t.is_batch = b.is_batch
    where t.traced_tokens <> 0
),

-- the four per-token rates of each raw call key
key_rates as (
    select
        k.provider, k.model_name, k.call_day, k.is_batch,
        coalesce(sum(r.usd_per_token) filter (where k.token_type = 'input'), 0.0) as input_rate,
        coalesce(sum(r.usd_per_token) filter (where k.token_type = 'cached_input'), 0.0) as cached_input_rate,
        coalesce(sum(r.usd_per_token) filter (where k.token_type = 'cache_write'), 0.0) as cache_write_rate,
        coalesce(sum(r.usd_per_token) filter (where k.token_type = 'output'), 0.0) as output_rate
    from call_key_pools as k
    inner join pool_rates as r
        on k.provider = r.provider and k.model = r.model and k.charge_date = r.charge_date
        and k.token_type = r.token_type and k.is_batch = r.is_batch
    group by all
),

-- allocated cost per trace: each call's tokens times its pools' rates (metrics.md 3), summed
trace_costs as (
    select
        c.trace_id,
        sum(
            c.input_tokens * r.input_rate + c.cached_input_tokens * r.cached_input_rate
            + c.cache_write_tokens * r.cache_write_rate + c.output_tokens * r.output_rate
        ) as allocated_cost_usd
    from calls as c
    inner join key_rates as r
        on c.provider = r.provider and c.model_name = r.model_name and c.call_day = r.call_day
        and c.is_batch = r.is_batch
    group by c.trace_id
),

-- ------------------------------------------------------------------------------------ runs and reviews

trace_reviews as (
    select
        trace_id,
        sum(coalesce(review_minutes, 0)) as human_minutes,
        count(*) filter (where review_outcome = 'overridden') as overridden_reviews,
        count(*) filter (where review_outcome = 'corrected') as corrected_reviews
    from spans
    where is_review
    group by trace_id
),

-- a trace's root: the earliest span without a parent; a run when it names a work item; its attempt
-- among the runs of the same work item by start time
runs as (
    select
        r.trace_id,
        r.work_item_type,
        r.work_item_id,
        coalesce(svc.team_id, 'unassigned') as team_id,
        row_number() over (
            partition by r.work_item_type, r.work_item_id order by r.start_ns // 1000, r.trace_id
        ) as attempt
    from (
        select trace_id, span_id, start_ns, service_name, work_item_type, work_item_id
        from spans
        where is_root
        qualify row_number() over (partition by trace_id order by start_ns // 1000, span_id) = 1
    ) as r
    left join services as svc on r.service_name = svc.service_name
    where r.work_item_type is not null and r.work_item_id is not null
),

-- ----------------------------------------------------------------------------------------- work items

tickets as (
    select
        'ticket' as work_item_type,
        trim(ticket_id) as work_item_id,
        lower(trim(status)) as status,
        try_cast(trim(solved_at) as timestamptz) at time zone 'UTC' as solved_at,
        try_cast(trim(updated_at) as timestamptz) at time zone 'UTC' as updated_at,
        lower(trim(assignee_type)) as assignee_type,
        coalesce(try_cast(trim(escalated) as boolean), false) as escalated,
        coalesce(try_cast(trim(reopens) as bigint), 0) as reopens
    from read_csv('__LANDING__/tickets.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
    where
        nullif(trim(ticket_id), '') is not null and nullif(trim(updated_at), '') is not null
        and nullif(trim(status), '') is not null
        and (nullif(trim(created_at), '') is null or try_cast(trim(created_at) as timestamptz) is not null)
        and try_cast(trim(updated_at) as timestamptz) is not null
        and (nullif(trim(solved_at), '') is null or try_cast(trim(solved_at) as timestamptz) is not null)
        and (nullif(trim(escalated), '') is null or try_cast(trim(escalated) as boolean) is not null)
        and (nullif(trim(reopens), '') is null
            or (position('.' in trim(reopens)) = 0 and try_cast(trim(reopens) as bigint) is not null))
        and lower(trim(status)) in ('new', 'open', 'pending', 'hold', 'solved', 'closed')
        and (nullif(trim(assignee_type), '') is null or lower(trim(assignee_type)) in ('ai_agent', 'human'))
        and not coalesce(try_cast(trim(reopens) as bigint) < 0, false)
    -- CDC: the latest updated_at of each item's good versions is its current state
    qualify row_number() over (partition by trim(ticket_id) order by try_cast(trim(updated_at) as timestamptz) desc) = 1
),

claims as (
    select
        'claim' as work_item_type,
        trim(claim_id) as work_item_id,
        lower(nullif(trim(decision), '')) as decision,
        try_cast(trim(decided_at) as timestamptz) at time zone 'UTC' as decided_at,
        coalesce(try_cast(trim(manual_correction) as boolean), false) as manual
    from read_csv('__LANDING__/claims.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
    where
        nullif(trim(claim_id), '') is not null and nullif(trim(updated_at), '') is not null
        and (nullif(trim(received_at), '') is null or try_cast(trim(received_at) as timestamptz) is not null)
        and try_cast(trim(updated_at) as timestamptz) is not null
        and (nullif(trim(decided_at), '') is null or try_cast(trim(decided_at) as timestamptz) is not null)
        and (nullif(trim(manual_correction), '') is null or try_cast(trim(manual_correction) as boolean) is not null)
        and (nullif(trim(exception_docs_required), '') is null
            or try_cast(trim(exception_docs_required) as boolean) is not null)
        and (nullif(trim(claimed_amount), '') is null or try_cast(trim(claimed_amount) as double) is not null)
        and (nullif(trim(decision), '') is null
            or lower(trim(decision)) in ('approved', 'denied', 'pended', 'withdrawn'))
    qualify row_number() over (partition by trim(claim_id) order by try_cast(trim(updated_at) as timestamptz) desc) = 1
),

contracts as (
    select
        'contract' as work_item_type,
        trim(contract_id) as work_item_id,
        lower(trim(review_status)) as review_status,
        try_cast(trim(reviewed_at) as timestamptz) at time zone 'UTC' as reviewed_at
    from read_csv('__LANDING__/contracts.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)
    where
        nullif(trim(contract_id), '') is not null and nullif(trim(updated_at), '') is not null
        and nullif(trim(review_status), '') is not null
        and (nullif(trim(submitted_at), '') is null or try_cast(trim(submitted_at) as timestamptz) is not null)
        and try_cast(trim(updated_at) as timestamptz) is not null
        and (nullif(trim(reviewed_at), '') is null or try_cast(trim(reviewed_at) as timestamptz) is not null)
        and (nullif(trim(page_count), '') is null
            or (position('.' in trim(page_count)) = 0 and try_cast(trim(page_count) as bigint) is not null))
        and lower(trim(review_status)) in ('in_review', 'approved', 'redlined', 'rejected')
    qualify row_number() over (
        partition by trim(contract_id) order by try_cast(trim(updated_at) as timestamptz) desc
    ) = 1
),

-- the outcome system's view of each item (metrics.md 5): open, failed, assisted, completion time
work_items as (
    select work_item_type, work_item_id,
        case when status in ('solved', 'closed') then coalesce(solved_at, updated_at) end as completed_at,
        status not in ('solved', 'closed') as is_open,
        escalated as is_failed_in_system,
        coalesce(assignee_type = 'human', false) or reopens > 0 as is_assisted_in_system
    from tickets
    union all
    select work_item_type, work_item_id, decided_at,
        decided_at is null or decision is null or decision = 'pended',
        coalesce(decision = 'withdrawn', false),
        manual
    from claims
    union all
    select work_item_type, work_item_id, reviewed_at,
        review_status = 'in_review' or reviewed_at is null,
        false,
        false
    from contracts
),

-- ------------------------------------------------------------------------------------------ outcomes

item_runs as (
    select
        r.work_item_type,
        r.work_item_id,
        count(*) as runs,
        any_value(r.team_id) filter (where r.attempt = 1) as team_id,
        sum(coalesce(tc.allocated_cost_usd, 0.0)) as ai_cost_usd,
        sum(coalesce(tr.human_minutes, 0)) as human_minutes,
        sum(coalesce(tr.overridden_reviews, 0)) as overridden_reviews,
        sum(coalesce(tr.corrected_reviews, 0)) as corrected_reviews
    from runs as r
    left join trace_costs as tc on r.trace_id = tc.trace_id
    left join trace_reviews as tr on r.trace_id = tr.trace_id
    group by r.work_item_type, r.work_item_id
),

outcomes as (
    select
        wi.work_item_type,
        ir.team_id,
        cast(wi.completed_at as date) as completed_date,
        case
            when wi.is_open then 'open'
            when wi.is_failed_in_system or ir.overridden_reviews > 0 then 'failed'
            when wi.is_assisted_in_system or ir.corrected_reviews > 0 then 'assisted'
            else 'automated'
        end as outcome_class,
        ir.runs,
        ir.ai_cost_usd,
        ir.human_minutes
    from work_items as wi
    inner join item_runs as ir on wi.work_item_type = ir.work_item_type and wi.work_item_id = ir.work_item_id
),

valued as (
    select
        o.*,
        o.human_minutes / 60.0 * (reviewer.hourly_cost * labor_fx.usd_per_unit) as human_cost_usd,
        bpo.unit_price * bpo_fx.usd_per_unit as bpo_unit_price_usd
    from outcomes as o
    left join labor_rates as reviewer on reviewer.role = 'reviewer'
    left join fx as labor_fx
        on upper(reviewer.currency) = labor_fx.currency and o.completed_date >= labor_fx.valid_from
        and (labor_fx.valid_to is null or o.completed_date < labor_fx.valid_to)
    left join bpo_rates as bpo
        on o.work_item_type = bpo.work_item_type and o.completed_date >= bpo.effective_from
        and (bpo.effective_to is null or o.completed_date < bpo.effective_to)
    left join fx as bpo_fx
        on upper(bpo.currency) = bpo_fx.currency and o.completed_date >= bpo_fx.valid_from
        and (bpo_fx.valid_to is null or o.completed_date < bpo_fx.valid_to)
    where o.outcome_class <> 'open'
),

cells as (
    select
        work_item_type,
        team_id,
        cast(date_trunc('month', completed_date) as date) as completion_month,
        count(*) as completed_items,
        count(*) filter (where outcome_class = 'automated') as automated_items,
        count(*) filter (where outcome_class = 'assisted') as assisted_items,
        count(*) filter (where outcome_class = 'failed') as failed_items,
        count(*) filter (where outcome_class = 'automated' and runs = 1) as first_pass_items,
        sum(runs) as runs,
        sum(ai_cost_usd) as ai_cost_usd,
        sum(human_cost_usd) as human_cost_usd,
        sum(case when outcome_class = 'failed' then ai_cost_usd else 0.0 end) as failed_ai_cost_usd,
        sum(case
            when outcome_class = 'automated' then bpo_unit_price_usd
            when outcome_class = 'assisted' then greatest(bpo_unit_price_usd - human_cost_usd, 0.0)
            else 0.0
        end) as value_usd,
        avg(bpo_unit_price_usd) as bpo_unit_price_usd
    from valued
    group by all
)

select
    work_item_type,
    team_id,
    completion_month,
    completed_items,
    automated_items,
    assisted_items,
    failed_items,
    first_pass_items,
    cast(runs as bigint) as runs,
    ai_cost_usd,
    human_cost_usd,
    failed_ai_cost_usd,
    value_usd,
    ai_cost_usd / completed_items as cost_per_completed_usd,
    case when automated_items + assisted_items > 0 then ai_cost_usd / (automated_items + assisted_items) end
        as cost_per_successful_usd,
    case when automated_items + assisted_items > 0
        then (ai_cost_usd + human_cost_usd) / (automated_items + assisted_items) end
        as fully_loaded_cost_per_successful_usd,
    first_pass_items / completed_items as first_pass_rate,
    (automated_items + assisted_items) / completed_items as success_rate,
    bpo_unit_price_usd,
    value_usd - ai_cost_usd as net_value_usd
from cells
order by work_item_type, team_id, completion_month
