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
--     into a typed struct holding only the keys this answer needs (try() turns invalid JSON into NULL,
--     which is how a span with unreadable attributes is recognized and quarantined: no second parse), and
--     the struct is pinned as a column (unnest of a one-element list) so that the optimizer cannot copy
--     the json_transform call into each filter that reads a field;
--   * spans that cannot matter (tool calls: anything that is not a model call, a root, a review or a span
--     naming a work item) are dropped right after the parse, and only narrow typed columns travel on;
--   * the dedupe (latest end_time_unix_nano per trace_id + span_id, then the first in the file) is one
--     window over those narrow columns (several times cheaper than arg_max of a struct, which DuckDB runs
--     on a generic slow path);
--   * everything is aggregated before it is joined: the calls' tokens are summed per raw key (provider
--     spelling, model spelling, day, batch: a few thousand rows), and only those keys meet the seeds (the
--     provider spellings, the model aliases) and the bills to get each pool's Qt and rate B x f / Qt;
--     each trace's cost is then sum(tokens x rate) over its calls, with only per-trace rows meeting the
--     runs;
--   * the billing exports (a few thousand rows) and the CDC outcome tables are read as text, exactly like
--     the project's landing views (read_csv all_varchar), and typed with try_cast; the FOCUS rows are
--     matched against the billing seeds (services, meters) after everything that cannot be AI token
--     usage is dropped.
--
-- Same answer as the project (metrics.md 1-6, 12; real-inputs.md 2-4; DECISIONS.md), with its readings:
--   * one provider request is one call; input tokens read per producer: inclusive of cache reads and
--     writes by convention, exclusive when the cache tokens exceed the input (the call is real and paid,
--     never quarantined); provider spellings through seeds/dialects/genai_attribute_values.csv;
--   * a run is a trace with a span naming a work item: the highest such span (the root, else the earliest
--     to start, the latest to end, the span id) gives the work item, and the services team of its
--     service (else the root's);
--   * OpenAI line items by their grammar (`[<tier> | ]<model>[ <modality>], <token type>[, <qualifier>]`:
--     cache writes, batch), OpenAI usage with cache writes (uncached input = input - cached - writes),
--     Anthropic usage without the priority tier (billed outside the cost report);
--   * FOCUS: AI or out_of_scope by ServiceName (seeds/billing/billing_services.csv: only AI services'
--     usage can be token spend), model and token type by meter (seeds/billing/billing_meters.csv matched
--     on SkuMeter, x_UsageType, ChargeDescription, SkuId: an exact meter, then the longest pattern, then
--     verified), else the service's model or SkuPriceDetails' x_ModelId / ModelId; ConsumedQuantity in
--     tokens (per 1K / 1M units scaled);
--   * the quarantine rules the generator plants: spans with invalid JSON attributes, a missing span_id,
--     negative (or implausible: vars max_tokens_per_call, max_review_minutes) counts; billing rows with an
--     unreadable amount, an unknown ChargeCategory, invalid SkuPriceDetails JSON, a missing starting_at, a
--     currency without an FX rate, a negative usage count; CDC rows with a missing id, an unparseable
--     updated_at or an unknown status/decision.
--
-- Deliberately NOT reproduced (they never occur in generated data; the project handles them):
--   * attribute spellings other than the GenAI semantic conventions' (seeds/dialects/
--     genai_attribute_aliases.csv: OpenInference, OpenLLMetry before 0.62, the Vercel AI SDK) and their
--     operation values; the generator writes the conventions' keys only;
--   * the per-producer readings that need the instrumentation scope (seed genai_producers: exclusive
--     input by producer, a failed call that kept only its span name, the span kept among several of one
--     request) and the search for one request recorded as several spans (same response id, nested call
--     spans, sibling spans of two scopes): the flattened generated file has no scope_name column and no
--     response ids, and no call span nested in another;
--   * span token counts or review.minutes written as JSON text or with a fraction ("12", 1000.7): the
--     project reads them as text and quarantines an unreadable one; here json_transform types them
--     directly (BIGINT / DOUBLE), so such a value would become NULL instead of quarantining the span;
--   * surrounding blanks in span ids / parent ids (the project trims them), unreadable
--     resource_attributes JSON, non-integer start/end times; attributes made only of blanks (the project
--     reads them as empty, here they count as invalid JSON: this keeps a trim() of every attribute text
--     out of the query);
--   * a span whose deliveries disagree on what kind of span it is (model call, root, review, work item):
--     the irrelevant kinds are dropped before the dedupe (generated redeliveries differ only in end time
--     and status);
--   * the start of a run without a root span (the project takes the trace's first span, tool spans
--     included; here the span naming the work item): every generated run has its root;
--   * ties between two CDC versions of one item with the same updated_at (the project breaks them by a
--     row hash; here the window picks any);
--   * billing re-pulls (extracted_at) and conflicting re-deliveries (rows sharing an export's raw key but
--     differing: quarantined by the project), the optional columns the generator does not write
--     (api_key_id, quantity, input_uncached_tokens, description), and billing_meters rows that would turn
--     an OpenAI or Anthropic line that is not a token line into one (the seed has none).
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

-- how a producer's provider spelling reads in the project's vocabulary (a spelling not listed is kept,
-- lower-cased)
provider_spellings as (
    select lower(reported_value) as reported_provider, value as provider
    from read_csv('__SEEDS__/dialects/genai_attribute_values.csv', header = true, all_varchar = true)
    where meaning = 'provider_name'
),

-- the FOCUS services that are AI (ServiceName); every other service is out_of_scope: never AI spend
ai_services as (
    select lower(service_name) as service_key, provider, nullif(model, '') as service_model
    from read_csv('__SEEDS__/billing/billing_services.csv', header = true, all_varchar = true)
    where coalesce(service_name, '') <> '' and lower(is_ai) = 'true'
),

-- every meter the seed knows, per provider, on one meter column or any: one that names a token type (and
-- maybe a model) makes a usage row token spend; one without is a known non-token charge, which still wins
-- over a less specific token meter
billing_meters as (
    select provider, lower(meter_column) as meter_column, lower(meter) as meter_pattern, model, token_type,
        -- the most specific meter wins: an exact meter, then the longest pattern, then a verified one
        position('%' in meter) = 0 as is_exact, length(meter) as meter_length, status = 'verified' as is_verified,
        meter_column as meter_column_order, meter
    from read_csv('__SEEDS__/billing/billing_meters.csv', header = true, all_varchar = true)
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
        -- where the delivery landed: of two deliveries with the same end time, the first in the file wins
        file_row_number as landing_row,
        coalesce(parent_span_id, '') = '' as is_root,
        name = 'human_review' as is_review,
        start_time_unix_nano as start_ns,
        end_time_unix_nano as end_ns,
        nullif(upper(trim(status_code)), '') as status_code,
        -- cheap tests only: the 2+ GB of attribute text must not travel past the next projection
        attributes is null or attributes = '' as has_no_attributes,
        resource_attributes,
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
            "error.type": "VARCHAR",
            "work_item.type": "VARCHAR",
            "work_item.id": "VARCHAR",
            "review.outcome": "VARCHAR",
            "review.minutes": "DOUBLE"
        }'))]) as a
    from read_parquet('__LANDING__/otel_spans.parquet', file_row_number = true)
),

-- good deliveries of the spans that matter (quarantined deliveries never compete in the dedupe), as
-- plain typed columns
good_spans as (
    select
        trace_id,
        span_id,
        landing_row,
        end_ns,
        start_ns,
        -- a model call: a GenAI operation that calls a model, or no operation but a provider and a model
        -- with token counts or an error
        coalesce(
            lower(a."gen_ai.operation.name") in ('chat', 'text_completion', 'generate_content', 'embeddings'),
            a."gen_ai.operation.name" is null
            and coalesce(a."gen_ai.provider.name", a."gen_ai.system") is not null
            and coalesce(a."gen_ai.response.model", a."gen_ai.request.model") is not null
            and (a."gen_ai.usage.input_tokens" is not null or a."gen_ai.usage.output_tokens" is not null
                or a."error.type" is not null or status_code = 'STATUS_CODE_ERROR')
        ) as is_call,
        is_root,
        is_review,
        a."work_item.type" is not null and a."work_item.id" is not null as has_work_item,
        -- the provider as the producer spelled it (read through the seed once per call key, below)
        lower(coalesce(a."gen_ai.provider.name", a."gen_ai.system")) as reported_provider,
        coalesce(a."gen_ai.response.model", a."gen_ai.request.model") as model_name,
        coalesce(lower(a."gen_ai.request.service_tier") = 'batch', false) as is_batch,
        a."gen_ai.usage.input_tokens" as input_tokens,
        a."gen_ai.usage.output_tokens" as output_tokens,
        a."gen_ai.usage.cache_read.input_tokens" as cache_read,
        a."gen_ai.usage.cache_creation.input_tokens" as cache_write,
        -- the service of the spans that can decide a run's team (the root, a span naming the work item)
        case
            when is_root or (a."work_item.type" is not null and a."work_item.id" is not null)
                then json_extract_string(resource_attributes, '$."service.name"')
        end as service_name,
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
        and coalesce(status_code in ('STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'), true)
        -- model-specific checks: negative counts, and counts beyond any real call (dbt_project.yml vars
        -- max_tokens_per_call = 100000000, max_review_minutes = 10080); cache tokens above the input are
        -- read, not quarantined (calls, below)
        and not coalesce(
            a."gen_ai.usage.input_tokens" not between 0 and 100000000
            or a."gen_ai.usage.output_tokens" not between 0 and 100000000
            or a."gen_ai.usage.cache_read.input_tokens" not between 0 and 100000000
            or a."gen_ai.usage.cache_creation.input_tokens" not between 0 and 100000000,
            false)
        and not coalesce(a."review.minutes" not between 0 and 10080, false)
        -- only model calls, root spans, human reviews and the spans naming a work item reach cost per
        -- outcome (tool calls do not)
        and (
            coalesce(
                lower(a."gen_ai.operation.name") in ('chat', 'text_completion', 'generate_content', 'embeddings'),
                a."gen_ai.operation.name" is null
                and coalesce(a."gen_ai.provider.name", a."gen_ai.system") is not null
            )
            or is_root or is_review
            or (a."work_item.type" is not null and a."work_item.id" is not null)
        )
),

-- at-least-once delivery: the delivery with the latest end time wins, then the first in the file (a
-- window over narrow columns is several times cheaper than arg_max of a struct, which DuckDB handles
-- through a generic slow path)
spans as (
    select *
    from good_spans
    qualify row_number() over (partition by trace_id, span_id order by end_ns desc nulls last, landing_row) = 1
),

-- model calls: tokens by type, keyed by the call's raw (provider spelling, model spelling, day, batch);
-- input read as the producer counts it: inclusive of the cache reads and writes (the convention), unless
-- the cache tokens exceed it, which proves it exclusive
calls as (
    select
        trace_id,
        reported_provider,
        model_name,
        start_ns // 86400000000000 as call_day,
        is_batch,
        case
            when coalesce(cache_read, 0) + coalesce(cache_write, 0) > coalesce(input_tokens, 0)
                then coalesce(input_tokens, 0)
            else coalesce(input_tokens, 0) - coalesce(cache_read, 0) - coalesce(cache_write, 0)
        end as input_tokens,
        coalesce(cache_read, 0) as cached_input_tokens,
        coalesce(cache_write, 0) as cache_write_tokens,
        coalesce(output_tokens, 0) as output_tokens
    from spans
    where is_call
),

-- aggregate before joining: the calls' tokens per raw key (a few thousand rows), then per pool
call_keys as (
    select
        reported_provider, model_name, call_day, is_batch,
        sum(input_tokens) as input_tokens,
        sum(cached_input_tokens) as cached_input_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(output_tokens) as output_tokens
    from calls
    group by all
),

call_key_pools as (
    select
        k.reported_provider, k.model_name, k.call_day, k.is_batch,
        coalesce(s.provider, k.reported_provider) as provider,
        coalesce(mn.model, k.model_name) as model,
        date '1970-01-01' + cast(k.call_day as integer) as charge_date,
        t.token_type,
        t.tokens
    from call_keys as k
    left join provider_spellings as s on k.reported_provider = s.reported_provider
    left join model_names as mn on coalesce(s.provider, k.reported_provider) = mn.provider and k.model_name = mn.model_name
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

-- OpenAI costs: line items by their grammar, `[<product or tier> | ]<model>[ <modality>], <token type>[,
-- <qualifier>, ...]`; only token lines can reach a pool (`web search tool calls` and the like are real
-- money that is not a token line)
openai_costs_rows as (
    select
        *,
        case when position(' | ' in item) > 0 then lower(trim(split_part(item, ' | ', 1))) end as item_prefix,
        case when position(' | ' in item) > 0 then trim(substr(item, position(' | ' in item) + 3)) else item end
            as item_body
    from (
        select distinct *, trim(line_item) as item
        from read_csv('__LANDING__/openai_costs.csv', header = true, all_varchar = true,
            delim = ',', quote = '"', escape = '"', auto_detect = true)
    )
),

openai_costs_parsed as (
    select
        *,
        nullif(split_part(trim(split_part(item_body, ',', 1)), ' ', 1), '') as item_model,
        case nullif(lower(trim(split_part(item_body, ',', 2))), '')
            when 'input' then 'input' when 'cached input' then 'cached_input'
            when 'cache writes' then 'cache_write' when 'cache write' then 'cache_write'
            when 'output' then 'output'
        end as item_token_type,
        case
            when position(',' in substr(item_body, position(',' in item_body) + 1)) > 0
                and position(',' in item_body) > 0
                then nullif(lower(trim(substr(
                    substr(item_body, position(',' in item_body) + 1),
                    position(',' in substr(item_body, position(',' in item_body) + 1)) + 1))), '')
        end as item_qualifiers
    from openai_costs_rows
),

openai_costs as (
    select
        'openai' as provider,
        trim(organization_id) as billing_account_id,
        coalesce(nullif(trim(project_id), ''), '') as project_id,
        cast(make_timestamp(try_cast(trim(start_time) as bigint) * 1000000) as date) as charge_date,
        item_model as model_name,
        item_token_type as token_type,
        coalesce(
            item_prefix = 'batch' or item_qualifiers = 'batch' or item_qualifiers like 'batch,%'
            or item_qualifiers like '%, batch' or item_qualifiers like '%, batch,%',
            false) as is_batch,
        upper(trim(amount_currency)) as currency,
        try_cast(trim(amount_value) as double) as amount,
        cast(null as double) as consumed_quantity
    from openai_costs_parsed
    where
        item_token_type is not null
        and nullif(trim(start_time), '') is not null and nullif(trim(organization_id), '') is not null
        and nullif(trim(line_item), '') is not null and nullif(trim(amount_value), '') is not null
        and nullif(trim(amount_currency), '') is not null
        and position('.' in trim(start_time)) = 0 and try_cast(trim(start_time) as bigint) is not null
        and (nullif(trim(end_time), '') is null
            or (position('.' in trim(end_time)) = 0 and try_cast(trim(end_time) as bigint) is not null))
        and isfinite(try_cast(trim(amount_value) as double))
        -- beyond any real bill (var max_billing_amount = 1e14): quarantined as implausible
        and abs(try_cast(trim(amount_value) as double)) <= 1e14
),

-- Anthropic costs: token lines name their model and token type (cost_type tokens); amounts in cents
anthropic_costs as (
    select
        'anthropic' as provider,
        trim(organization_id) as billing_account_id,
        coalesce(nullif(trim(workspace_id), ''), '') as project_id,
        cast(try_cast(trim(starting_at) as timestamptz) at time zone 'UTC' as date) as charge_date,
        trim(model) as model_name,
        case
            when lower(trim(token_type)) = 'uncached_input_tokens' then 'input'
            when lower(trim(token_type)) = 'cache_read_input_tokens' then 'cached_input'
            when lower(trim(token_type)) like 'cache_creation.%' then 'cache_write'
            when lower(trim(token_type)) = 'output_tokens' then 'output'
        end as token_type,
        coalesce(lower(nullif(trim(service_tier), '')), 'standard') = 'batch' as is_batch,
        upper(trim(currency)) as currency,
        try_cast(trim(amount) as double) / 100.0 as amount,
        cast(null as double) as consumed_quantity
    from (select distinct * from read_csv('__LANDING__/anthropic_costs.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true))
    where
        lower(trim(cost_type)) = 'tokens' and nullif(trim(model), '') is not null
        and nullif(trim(token_type), '') is not null
        and nullif(trim(starting_at), '') is not null and nullif(trim(organization_id), '') is not null
        and nullif(trim(amount), '') is not null and nullif(trim(currency), '') is not null
        and try_cast(trim(starting_at) as timestamptz) is not null
        and (nullif(trim(ending_at), '') is null or try_cast(trim(ending_at) as timestamptz) is not null)
        and isfinite(try_cast(trim(amount) as double))
        and abs(try_cast(trim(amount) as double)) <= 1e14
        and lower(trim(token_type)) in (
            'uncached_input_tokens', 'output_tokens', 'cache_read_input_tokens',
            'cache_creation.ephemeral_5m_input_tokens', 'cache_creation.ephemeral_1h_input_tokens')
        and (nullif(trim(service_tier), '') is null or lower(trim(service_tier)) in ('standard', 'batch', 'priority'))
),

-- FOCUS: only the usage rows of AI services can be token spend (other services are out_of_scope, other
-- charge categories are purchases, taxes, credits, adjustments)
focus_rows as (
    select
        row_number() over () as row_id,
        s.provider,
        s.service_model,
        trim(f.BillingAccountId) as billing_account_id,
        cast(try_cast(trim(f.ChargePeriodStart) as timestamptz) at time zone 'UTC' as date) as charge_date,
        case when nullif(trim(f.SkuPriceDetails), '') is not null
            then coalesce(json_extract_string(trim(f.SkuPriceDetails), '$."x_ModelId"'),
                json_extract_string(trim(f.SkuPriceDetails), '$."ModelId"'))
        end as price_model,
        upper(trim(f.BillingCurrency)) as currency,
        try_cast(trim(f.BilledCost) as double) as amount,
        -- tokens per unit of ConsumedQuantity: a meter priced per 1K or 1M tokens counts in those
        try_cast(trim(f.ConsumedQuantity) as double) * case
            when lower(trim(f.ConsumedUnit)) in ('tokens', 'token') then 1
            when lower(trim(f.ConsumedUnit)) in ('1k tokens', '1k', '1000 tokens', 'thousand tokens') then 1000
            when lower(trim(f.ConsumedUnit)) in ('1m tokens', '1m', '1000000 tokens', 'million tokens') then 1000000
        end as consumed_quantity,
        -- the meter texts the billing_meters seed may explain, by landing column
        [
            {'meter_column': 'skumeter', 'meter_text': lower(nullif(trim(f.SkuMeter), ''))},
            {'meter_column': 'x_usagetype', 'meter_text': lower(nullif(trim(f.x_UsageType), ''))},
            {'meter_column': 'chargedescription', 'meter_text': lower(nullif(trim(f.ChargeDescription), ''))},
            {'meter_column': 'skuid', 'meter_text': lower(nullif(trim(f.SkuId), ''))}
        ] as meter_texts
    from (select distinct * from read_csv('__LANDING__/focus_charges.csv', header = true, all_varchar = true,
        delim = ',', quote = '"', escape = '"', auto_detect = true)) as f
    inner join ai_services as s on lower(trim(f.ServiceName)) = s.service_key
    where
        lower(trim(f.ChargeCategory)) = 'usage'
        -- landing checks (required, readable, accepted, plausible)
        and nullif(trim(f.BillingAccountId), '') is not null
        and nullif(trim(f.ChargePeriodStart), '') is not null
        and nullif(trim(f.BilledCost), '') is not null and nullif(trim(f.BillingCurrency), '') is not null
        and try_cast(trim(f.ChargePeriodStart) as timestamptz) is not null
        and (nullif(trim(f.ChargePeriodEnd), '') is null or try_cast(trim(f.ChargePeriodEnd) as timestamptz) is not null)
        and (nullif(trim(f.BillingPeriodStart), '') is null
            or try_cast(trim(f.BillingPeriodStart) as timestamptz) is not null)
        and (nullif(trim(f.ConsumedQuantity), '') is null or isfinite(try_cast(trim(f.ConsumedQuantity) as double)))
        and isfinite(try_cast(trim(f.BilledCost) as double))
        and abs(try_cast(trim(f.BilledCost) as double)) <= 1e14
        and (nullif(trim(f.EffectiveCost), '') is null
            or abs(try_cast(trim(f.EffectiveCost) as double)) <= 1e14)
        and (nullif(trim(f.SkuPriceDetails), '') is null or coalesce(json_valid(trim(f.SkuPriceDetails)), false))
        and (nullif(trim(f.ChargeClass), '') is null or lower(trim(f.ChargeClass)) = 'correction')
        and not coalesce(
            try_cast(trim(f.ConsumedQuantity) as double) < 0
            and lower(trim(f.ConsumedUnit)) in ('tokens', 'token', '1k tokens', '1k', '1000 tokens',
                'thousand tokens', '1m tokens', '1m', '1000000 tokens', 'million tokens'),
            false)
),

-- each AI usage row's most specific meter among those of its provider that match one of its meter texts
focus_meters as (
    select r.row_id, m.model as meter_model, m.token_type as meter_token_type
    from (select row_id, provider, unnest(meter_texts, recursive := true) from focus_rows) as r
    inner join billing_meters as m
        on r.provider = m.provider
        and (coalesce(m.meter_column, '') = '' or m.meter_column = r.meter_column)
        and r.meter_text like m.meter_pattern
    qualify row_number() over (
        partition by r.row_id
        order by m.is_exact desc, m.meter_length desc, m.is_verified desc, m.meter_column_order, m.meter
    ) = 1
),

-- usage rows whose meter names a token type and whose model is known (the meter's, the service's or
-- SkuPriceDetails'); FOCUS lines carry no batch flag
focus_charges as (
    select
        r.provider,
        r.billing_account_id,
        '' as project_id,
        r.charge_date,
        coalesce(m.meter_model, r.service_model, r.price_model) as model_name,
        m.meter_token_type as token_type,
        false as is_batch,
        r.currency,
        r.amount,
        r.consumed_quantity
    from focus_rows as r
    inner join focus_meters as m on r.row_id = m.row_id
    where m.meter_token_type is not null and coalesce(m.meter_model, r.service_model, r.price_model) is not null
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
        coalesce(try_cast(trim(input_cache_write_tokens) as bigint), 0) as input_cache_write_tokens,
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
        coalesce(lower(nullif(trim(service_tier), '')), 'standard') as service_tier,
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
        and (nullif(trim(service_tier), '') is null or lower(trim(service_tier)) in (
            'standard', 'batch', 'priority', 'priority_on_demand', 'flex', 'flex_discount'))
),

usage_quantities as (
    select u.provider, u.project_id, u.usage_date, coalesce(mn.model, u.model_name) as model, u.is_batch,
        q.token_type, sum(q.quantity) as quantity
    from (
        -- OpenAI counts cached and cache-write tokens inside input_tokens
        select provider, project_id, usage_date, model_name, is_batch,
            input_tokens - input_cached_tokens - input_cache_write_tokens as q_input,
            input_cached_tokens as q_cached, input_cache_write_tokens as q_write, output_tokens as q_output
        from openai_usage
        where input_tokens >= 0 and input_cached_tokens >= 0 and input_cache_write_tokens >= 0
            and output_tokens >= 0 and num_model_requests >= 0
            and input_cached_tokens + input_cache_write_tokens <= input_tokens
            and greatest(input_tokens, input_cached_tokens, input_cache_write_tokens, output_tokens,
                num_model_requests) <= 1e15
        union all
        -- Anthropic's input is split; its priority tier is billed outside the cost report: left out
        select provider, project_id, usage_date, model_name, is_batch,
            uncached_input_tokens, cache_read_input_tokens, cache_5m + cache_1h, output_tokens
        from anthropic_usage
        where uncached_input_tokens >= 0 and cache_read_input_tokens >= 0 and cache_5m >= 0 and cache_1h >= 0
            and output_tokens >= 0
            and greatest(uncached_input_tokens, cache_read_input_tokens, cache_5m, cache_1h, output_tokens) <= 1e15
            and not (service_tier in ('priority', 'priority_on_demand')
                and uncached_input_tokens + cache_read_input_tokens + cache_5m + cache_1h + output_tokens > 0)
    ) as u
    cross join lateral (
        values ('input', u.q_input), ('cached_input', u.q_cached), ('cache_write', u.q_write), ('output', u.q_output)
    ) as q(token_type, quantity)
    left join model_names as mn on u.provider = mn.provider and u.model_name = mn.model_name
    group by all
),

-- token billing lines: one per (provider, account, project, day, model, token type, batch, currency)
billing_lines as (
    select
        e.provider, e.billing_account_id, e.project_id, e.charge_date,
        coalesce(mn.model, e.model_name) as model,
        e.token_type, e.is_batch, e.currency,
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

-- B and Qb per pool: a line's quantity is the tokens it counts (FOCUS), else its usage-export quantity
billed_pools as (
    select
        l.provider, l.model, l.charge_date, l.token_type, l.is_batch,
        sum(l.billed_amount * fx.usd_per_unit) as billed_usd,
        sum(coalesce(l.consumed_quantity, uq.quantity)) as billed_quantity
    from billing_lines as l
    left join usage_quantities as uq
        on l.provider = uq.provider and l.project_id = uq.project_id and l.charge_date = uq.usage_date
        and l.model = uq.model and l.is_batch = uq.is_batch and l.token_type = uq.token_type
    -- a line without an FX rate on its charge date is quarantined: it is in no pool
    inner join fx
        on l.currency = fx.currency and l.charge_date >= fx.valid_from
        and (fx.valid_to is null or l.charge_date < fx.valid_to)
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
        k.reported_provider, k.model_name, k.call_day, k.is_batch,
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
        on c.reported_provider = r.reported_provider and c.model_name = r.model_name and c.call_day = r.call_day
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

-- a trace's root: the earliest span without a parent (timestamps are whole microseconds)
trace_root_spans as (
    select trace_id, start_ns, service_name
    from spans
    where is_root
    qualify row_number() over (partition by trace_id order by start_ns // 1000, span_id) = 1
),

-- a run: a trace with a span naming a work item; the highest such span (the root, else the earliest to
-- start, the latest to end) gives the work item and, through its service (else the root's), the team;
-- its attempt among the runs of the same work item by start time (the root's)
runs as (
    select
        w.trace_id,
        w.work_item_type,
        w.work_item_id,
        coalesce(svc.team_id, 'unassigned') as team_id,
        row_number() over (
            partition by w.work_item_type, w.work_item_id
            order by coalesce(r.start_ns, w.start_ns) // 1000, w.trace_id
        ) as attempt
    from (
        select trace_id, span_id, start_ns, service_name, work_item_type, work_item_id
        from spans
        where has_work_item
        qualify row_number() over (
            partition by trace_id order by not is_root, start_ns // 1000, end_ns // 1000 desc, span_id
        ) = 1
    ) as w
    left join trace_root_spans as r on w.trace_id = r.trace_id
    left join services as svc on coalesce(w.service_name, r.service_name) = svc.service_name
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
