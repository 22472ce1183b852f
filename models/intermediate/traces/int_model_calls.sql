{{ config(
    materialized=large_grain_materialization(),
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    unique_key='span_id',
    pre_hook="{{ delete_window_traces('call_date') }}",
) }}

{#-
    One row per model call: one provider request (metrics.md 2, real-inputs.md 2), with its tokens by type,
    its canonical model, its step and the trace context. Incremental: the calls of the window's traces
    (macros/incremental).

    - A span is a model call when its operation (any dialect, seeds/dialects) is chat, text_completion,
      generate_content or embeddings, or when it names no operation but a provider and a model, with
      token counts or an error. A failed request whose span kept nothing but its name (`chat <model>`)
      and an error status, from a scope that instruments one provider (genai_producers), is an errored
      call of that provider (openlit on Anthropic). HTTP client spans carry none of these: not calls.
      A model-call span of a scope that instruments one provider but names no provider is that
      provider's (OpenInference's failed OpenAI calls name none).
    - One request is one call. Spans of one trace are the same request when they share the provider and
      gen_ai.response.id, or when one is nested in the other (a span whose parent is a call of the same
      provider: a wrapper around an SDK span), or, for spans without a response id, when spans of
      different instrumentation scopes under the same parent, provider, model and outcome hold the same
      place in their scope's order and overlap in time (an SDK's own span beside an instrumentation's:
      they are siblings).
      Spans of one scope are never merged by position, so two parallel calls of one model stay two. The
      span kept is the one whose scope genai_producers prefers, then the one that reports a cache split,
      then the earliest; request_spans says how many spans recorded the request. Only traces with call
      spans from more than one scope, or nested call spans, are searched.
    - Input is read per producer (seed genai_producers by scope and provider): inclusive counts (the
      convention) lose their cache reads and writes, exclusive ones (openlit on Anthropic) are taken as
      they are; a scope not listed is inclusive unless its cache tokens exceed its input, which proves
      it exclusive. Never quarantined for that: the call is real and paid.
    - The step is the call's own workflow.step, else that of its nearest ancestor that has one (a step
      span around the call), up to var trace_search_depth levels up.
    - The workflow, work item and team are the run's (int_trace_roots: the highest span carrying the work
      item); a trace that is no run falls back to the call's own service team.
-#}

{%- set since = incremental_since('call_date') %}
{%- set call_operations = "('chat', 'text_completion', 'generate_content', 'embeddings')" %}

with

spans as {{ inline_cte() }} (
    select
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        scope_name,
        scope_version,
        service_name,
        operation_name,
        provider_name,
        request_model,
        response_model,
        response_id,
        started_at,
        ended_at,
        service_tier,
        workflow_step,
        error_type,
        status_code,
        has_cache_split,
        input_tokens,
        output_tokens,
        cache_read_input_tokens,
        cache_creation_input_tokens
    from {{ ref('stg_otel__spans') }}
    where {{ in_window_traces('trace_id', 'span_date', since) }}
),

trace_roots as (
    select * from {{ ref('int_trace_roots') }}
),

model_names as (
    select * from {{ ref('int_model_names') }}
),

services as (
    select * from {{ reference_data('services') }}
),

producers as (
    select * from {{ reference_data('genai_producers') }}
),

{# the scopes that instrument one provider only: a span of theirs that names nothing is that provider's #}
provider_scopes as (
    select
        scope_name,
        max(provider) as scope_provider
    from producers
    where calls_only_this_provider and provider <> '*'
    group by 1
),

call_spans as {{ inline_cte() }} (
    select
        *,
        coalesce(response_model, request_model) as reported_model
    from spans
    where
        operation_name in {{ call_operations }}
        or (
            operation_name is null
            and provider_name is not null
            and coalesce(response_model, request_model) is not null
            and (
                input_tokens is not null or output_tokens is not null or error_type is not null
                or status_code = 'STATUS_CODE_ERROR'
            )
        )
    union all
    {# a failed request whose span kept no attribute but its name `<operation> <model>` and its error
        status (openlit on Anthropic), from a scope that instruments one provider #}
    select
        spans.*,
        substr(spans.span_name, {{ dbt.position("' '", 'spans.span_name') }} + 1) as reported_model
    from spans
    inner join provider_scopes
        on spans.scope_name = provider_scopes.scope_name
    where
        spans.operation_name is null
        and spans.provider_name is null
        and spans.request_model is null
        and spans.response_model is null
        and spans.status_code = 'STATUS_CODE_ERROR'
        and split_part(spans.span_name, ' ', 1) in {{ call_operations }}
),

candidates as (
    select
        call_spans.span_id,
        call_spans.trace_id,
        call_spans.parent_span_id,
        call_spans.scope_name,
        call_spans.scope_version,
        call_spans.service_name,
        coalesce(call_spans.operation_name, split_part(call_spans.span_name, ' ', 1)) as operation_name,
        coalesce(call_spans.provider_name, provider_scopes.scope_provider) as provider,
        call_spans.reported_model as model_name,
        call_spans.response_id,
        call_spans.started_at,
        call_spans.ended_at,
        cast(call_spans.started_at as date) as call_date,
        coalesce(call_spans.service_tier = 'batch', false) as is_batch,
        call_spans.workflow_step,
        coalesce(
            call_spans.error_type, case when call_spans.status_code = 'STATUS_CODE_ERROR' then 'error' end
        ) as error_type,
        call_spans.status_code,
        call_spans.has_cache_split,
        call_spans.input_tokens is not null or call_spans.output_tokens is not null as has_usage,
        coalesce(call_spans.input_tokens, 0) as reported_input_tokens,
        coalesce(call_spans.cache_read_input_tokens, 0) as cached_input_tokens,
        coalesce(call_spans.cache_creation_input_tokens, 0) as cache_write_tokens,
        coalesce(call_spans.output_tokens, 0) as output_tokens
    from call_spans
    left join provider_scopes
        on call_spans.scope_name = provider_scopes.scope_name
),

resolved as {{ inline_cte() }} (
    select
        candidates.*,
        coalesce(model_names.model, candidates.model_name) as model,
        model_names.model is not null as is_known_model,
        candidates.error_type is not null as is_error
    from candidates
    left join model_names
        on
            candidates.provider = model_names.provider
            and candidates.model_name = model_names.model_name
),

{# a call span whose parent is a call span of the same provider is the same request, wrapped #}
nested as (
    select
        child.span_id,
        parent.span_id as enclosing_span_id,
        parent.parent_span_id as enclosing_parent_span_id
    from resolved as child
    inner join resolved as parent
        on
            child.trace_id = parent.trace_id
            and child.parent_span_id = parent.span_id
            and child.provider = parent.provider
),

{# the traces where one request can show up as several spans: more than one scope, or nesting #}
searched_traces as (
    select trace_id
    from resolved
    group by 1
    having count(distinct coalesce(scope_name, '')) > 1
    union
    select resolved.trace_id
    from resolved
    inner join nested
        on resolved.span_id = nested.span_id
),

searched as (
    select
        resolved.*,
        nested.enclosing_span_id,
        coalesce(nested.enclosing_parent_span_id, resolved.parent_span_id) as request_parent_span_id
    from resolved
    left join nested
        on resolved.span_id = nested.span_id
    where resolved.trace_id in (select searched_traces.trace_id from searched_traces)
),

{# the spans that have a call span nested in them (an outer wrapper of the same request) #}
enclosing as (
    select distinct enclosing_span_id as span_id
    from nested
),

{# a request's key: the provider's response id; else the outer span of a nesting; else, among spans without
    either, its place in its scope's order under the same parent, provider, model and outcome #}
keyed as (
    select
        searched.*,
        searched.response_id is null and searched.enclosing_span_id is null and enclosing.span_id is null
            as is_matched_by_position,
        case
            when searched.response_id is not null then concat('id|', searched.provider, '|', searched.response_id)
            when searched.enclosing_span_id is not null then concat('nest|', searched.enclosing_span_id)
            when enclosing.span_id is not null then concat('nest|', searched.span_id)
            else concat_ws(
                '|', 'at', coalesce(searched.request_parent_span_id, ''), searched.provider, searched.model,
                cast(searched.is_error as {{ dbt.type_string() }}),
                cast(
                    row_number() over (
                        partition by
                            searched.trace_id, searched.request_parent_span_id, searched.provider, searched.model,
                            searched.is_error, coalesce(searched.scope_name, ''),
                            searched.response_id is null and searched.enclosing_span_id is null
                            and enclosing.span_id is null
                        order by searched.started_at, searched.span_id
                    ) as {{ dbt.type_string() }}
                )
            )
        end as request_key
    from searched
    left join enclosing
        on searched.span_id = enclosing.span_id
),

preferred as (
    select
        keyed.*,
        coalesce(scope_producers.request_span_preference, any_producers.request_span_preference, 1000000)
            as request_span_preference
    from keyed
    left join producers as scope_producers
        on keyed.scope_name = scope_producers.scope_name and keyed.provider = scope_producers.provider
    left join producers as any_producers
        on keyed.scope_name = any_producers.scope_name and any_producers.provider = '*'
),

{# the span each request would keep, and when it ran (windows, not a self-join: Spark inlines every CTE) #}
first_ranked as (
    select
        *,
        first_value(started_at) over request_order as keeper_started_at,
        first_value(coalesce(ended_at, started_at)) over request_order as keeper_ended_at,
        row_number() over request_order as first_rank
    from preferred
    window request_order as (
        partition by trace_id, request_key
        order by request_span_preference asc, has_cache_split desc, has_usage desc, started_at asc, span_id asc
    )
),

{# a match by position holds only between spans that overlap in time (one request seen twice);
   otherwise the span is a request of its own #}
confirmed as (
    select
        *,
        case
            when
                first_rank = 1
                or not is_matched_by_position
                or (started_at <= keeper_ended_at and keeper_started_at <= coalesce(ended_at, started_at))
                then request_key
            else concat('span|', span_id)
        end as confirmed_request_key
    from first_ranked
),

ranked as (
    select
        span_id,
        row_number() over (
            partition by trace_id, confirmed_request_key
            order by request_span_preference asc, has_cache_split desc, has_usage desc, started_at asc, span_id asc
        ) as request_rank,
        count(*) over (partition by trace_id, confirmed_request_key) as request_spans
    from confirmed
),

{# every call span once: the kept span of each request (spans of unsearched traces are their own) #}
requests as {{ inline_cte() }} (
    select
        resolved.*,
        coalesce(ranked.request_spans, 1) as request_spans
    from resolved
    left join ranked
        on resolved.span_id = ranked.span_id
    where coalesce(ranked.request_rank, 1) = 1
),

{#- the nearest ancestor's workflow.step, for calls without their own, one level per join -#}
{%- set depth = var('trace_search_depth') | int %}

stepless as (
    select
        trace_id,
        span_id,
        parent_span_id as ancestor_1
    from requests
    where workflow_step is null and parent_span_id is not null
),

{# the spans of the traces that have a call without its own step (from the call spans, so that the walk
   does not repeat the request search: Spark inlines every CTE) #}
ancestor_spans as (
    select
        trace_id,
        span_id,
        parent_span_id,
        workflow_step
    from spans
    where trace_id in (
        select call_spans.trace_id from call_spans
        where call_spans.workflow_step is null
    )
),

{% for level in range(1, depth + 1) %}
ancestors_{{ level }} as (
    select
        {{ 'stepless' if level == 1 else 'ancestors_' ~ (level - 1) }}.*,
        ancestor.workflow_step as step_{{ level }},
        ancestor.parent_span_id as ancestor_{{ level + 1 }}
    from {{ 'stepless' if level == 1 else 'ancestors_' ~ (level - 1) }}
    left join ancestor_spans as ancestor
        on
            {{ 'stepless' if level == 1 else 'ancestors_' ~ (level - 1) }}.trace_id = ancestor.trace_id
            and {{ 'stepless' if level == 1 else 'ancestors_' ~ (level - 1) }}.ancestor_{{ level }} = ancestor.span_id
),
{% endfor %}

inherited_steps as (
    select
        span_id,
        coalesce(
            {%- for level in range(1, depth + 1) %}
            step_{{ level }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as inherited_step
    from ancestors_{{ depth }}
),

{# how the producer counts input (seed genai_producers), else what the counts prove, else the convention #}
read_input as (
    select
        requests.*,
        coalesce(scope_producers.input_tokens, any_producers.input_tokens) as producer_input_tokens,
        requests.cached_input_tokens + requests.cache_write_tokens > requests.reported_input_tokens
            as cache_exceeds_input
    from requests
    left join producers as scope_producers
        on requests.scope_name = scope_producers.scope_name and requests.provider = scope_producers.provider
    left join producers as any_producers
        on requests.scope_name = any_producers.scope_name and any_producers.provider = '*'
),

calls as (
    select
        read_input.span_id,
        read_input.trace_id,
        read_input.parent_span_id,
        read_input.scope_name,
        read_input.scope_version,
        read_input.operation_name,
        read_input.provider,
        read_input.model_name,
        read_input.model,
        read_input.is_known_model,
        read_input.response_id,
        read_input.request_spans,
        read_input.started_at,
        read_input.ended_at,
        read_input.call_date,
        read_input.is_batch,
        trace_roots.workflow_name,
        coalesce(read_input.workflow_step, inherited_steps.inherited_step) as workflow_step,
        read_input.workflow_step is null and inherited_steps.inherited_step is not null as is_step_inherited,
        trace_roots.is_run,
        trace_roots.work_item_type,
        trace_roots.work_item_id,
        read_input.service_name,
        coalesce(
            case when trace_roots.is_run or trace_roots.has_root_span then trace_roots.team_id end,
            call_services.team_id,
            'unassigned'
        ) as team_id,
        read_input.error_type,
        read_input.is_error,
        read_input.status_code,
        read_input.has_cache_split,
        read_input.reported_input_tokens,
        case
            when read_input.producer_input_tokens = 'exclusive' then 'exclusive: producer'
            when read_input.cache_exceeds_input then 'exclusive: cache exceeds input'
            when read_input.producer_input_tokens = 'inclusive' then 'inclusive: producer'
            else 'inclusive: convention'
        end as input_tokens_reading,
        case
            when read_input.producer_input_tokens = 'exclusive' or read_input.cache_exceeds_input
                then read_input.reported_input_tokens
            else read_input.reported_input_tokens - read_input.cached_input_tokens - read_input.cache_write_tokens
        end as input_tokens,
        read_input.cached_input_tokens,
        read_input.cache_write_tokens,
        read_input.output_tokens
    from read_input
    left join inherited_steps
        on read_input.span_id = inherited_steps.span_id
    left join trace_roots
        on read_input.trace_id = trace_roots.trace_id
    left join services as call_services
        on read_input.service_name = call_services.service_name
),

final as (
    select
        *,
        input_tokens + cached_input_tokens + cache_write_tokens as total_input_tokens
    from calls
)

select * from final
