{#-
    Where each row of a billing export ends (landing.md "Bad input", real-inputs.md 3 and 4), for a base
    model whose rows are typed and checked: `relation` has landing_row_hash, landing_file, landing_row,
    extracted_at, bucket_key (NULL when the row's date cannot be read), raw_key and row_reason (the first
    failing check, NULL for a good row). Adds:

    - is_identical_redelivery: every column of the file equal to an earlier row's, ingestion metadata aside
      (landing_row_hash): a duplicate. The copy kept is the latest extraction, then the first in the file;
      a bad row delivered twice is one quarantined row and one duplicate.
    - is_superseded: a later extraction (extracted_at) of the same bucket exists: that pull replaced every
      row of the bucket, a line item it no longer reports included. A row without extracted_at loses to any
      row that has one.
    - is_conflicting: among the rows neither duplicated nor superseded and otherwise good, another row
      shares the export's raw key (bucket, account, line item / description ...) but differs: a conflicting
      re-delivery. Every such row is quarantined, so both amounts stay visible and are never summed.
    - is_duplicate (identical or superseded) and quarantine_reason (NULL on a duplicate).
    with_raw_key=false (an export without a raw key, e.g. FOCUS): no conflicts, only identical rows.
-#}
{% macro select_billing_deliveries(relation, with_raw_key=true) -%}
    select
        delivered.*,
        delivered.is_identical_redelivery or delivered.is_superseded as is_duplicate,
        case
            when delivered.is_identical_redelivery or delivered.is_superseded then null
            when delivered.is_conflicting then 'conflicting re-delivery'
            else delivered.row_reason
        end as quarantine_reason
    from (
        select
            ranked.*,
            {%- if with_raw_key %}
            (
                ranked.is_conflict_candidate
                and min(ranked.landing_row_hash) over (partition by ranked.raw_key, ranked.is_conflict_candidate)
                <> max(ranked.landing_row_hash) over (partition by ranked.raw_key, ranked.is_conflict_candidate)
            ) as is_conflicting
            {%- else %}
            false as is_conflicting
            {%- endif %}
        from (
            select
                located.*,
                located.row_reason is null
                and not located.is_identical_redelivery
                and not located.is_superseded as is_conflict_candidate
            from (
                select
                    {{ relation }}.*,
                    row_number() over (
                        partition by {{ relation }}.landing_row_hash
                        order by
                            {{ relation }}.extracted_at desc nulls last,
                            {{ relation }}.landing_file,
                            {{ relation }}.landing_row
                    ) > 1 as is_identical_redelivery,
                    (
                        {{ relation }}.bucket_key is not null
                        and max({{ relation }}.extracted_at) over (partition by {{ relation }}.bucket_key) is not null
                        and (
                            {{ relation }}.extracted_at is null
                            or {{ relation }}.extracted_at
                            < max({{ relation }}.extracted_at) over (partition by {{ relation }}.bucket_key)
                        )
                    ) as is_superseded
                from {{ relation }}
            ) as located
        ) as ranked
    ) as delivered
{%- endmacro %}
