{#-
    Which services of a billing export are AI, and whose invoices carry the rest (real-inputs.md 3), from the
    billing_services seed, for rows whose export does not name the provider itself (FOCUS). A service is
    found by its ServiceName (unique across clouds: `Amazon Bedrock`, `Vertex AI`); every other service of
    a service provider is out_of_scope, on the invoices of the provider its row with an empty service_name
    names (AWS → aws.bedrock). A service provider the seed does not know keeps its own name, lower-cased.
    join_billing_services emits the lookups for a relation alias with provider, service_provider_name and
    service_name; billing_service_provider / billing_service_is_ai / billing_service_model the choices.
-#}
{% macro join_billing_services(alias) -%}
    left join {{ ref('billing_services') }} as {{ alias }}_service
        on
            coalesce({{ alias }}.provider, '') = ''
            and coalesce({{ alias }}_service.service_name, '') <> ''
            and lower({{ alias }}.service_name) = lower({{ alias }}_service.service_name)
    left join {{ ref('billing_services') }} as {{ alias }}_service_provider
        on
            coalesce({{ alias }}.provider, '') = ''
            and coalesce({{ alias }}_service_provider.service_name, '') = ''
            and lower({{ alias }}.service_provider_name) = lower({{ alias }}_service_provider.service_provider_name)
{%- endmacro %}

{% macro billing_service_provider(alias) -%}
    coalesce(
        nullif({{ alias }}.provider, ''),
        {{ alias }}_service.provider,
        {{ alias }}_service_provider.provider,
        lower({{ alias }}.service_provider_name),
        'unknown'
    )
{%- endmacro %}

{% macro billing_service_is_ai(alias) -%}
    (coalesce({{ alias }}.provider, '') <> '' or coalesce({{ alias }}_service.is_ai, false))
{%- endmacro %}

{#- The model a service name implies (AWS Marketplace models: `Claude Sonnet 4.5 (Amazon Bedrock Edition)`). -#}
{% macro billing_service_model(alias) -%}
    {{ alias }}_service.model
{%- endmacro %}
