{#- Span deliveries that could not be read, with the reason (ids only: no attribute text leaves staging). -#}

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
        landing_span='landing_span'
    ) }}
)

select * from final
