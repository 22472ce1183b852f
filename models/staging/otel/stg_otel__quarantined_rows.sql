{#- Span deliveries that could not be read, with the reason and the span's own fields as read (ids, name,
    kind, scope, times, status), so a person can find it; its attributes and events never leave staging. -#}

{%- set span_fields = [
    'trace_id', 'span_id', 'parent_span_id', 'span_name', 'span_kind', 'scope_name', 'scope_version',
    'start_time_unix_nano', 'end_time_unix_nano', 'status_code',
] -%}
{%- set raw_pairs = [] -%}
{%- for field in span_fields -%}
{%- do raw_pairs.append((field, 'cast(' ~ field ~ ' as ' ~ dbt.type_string() ~ ')')) -%}
{%- endfor -%}

with

spans as (
    select * from {{ ref('base_otel__spans') }}
),

final as (
    {{ select_quarantined_rows(
        'spans',
        "case when landing_file like 'otlp_traces/%' then 'otlp_traces' else 'otel_spans' end",
        concat_non_null("'/'", ['trace_id', 'span_id']),
        charge_date='started_at',
        provider='provider_name',
        landing_span='landing_span',
        raw_values=json_object_text(raw_pairs)
    ) }}
)

select * from final
