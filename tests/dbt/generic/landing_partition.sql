{#-
    The partition a staging base model promises (landing.md, "Bad input"), for models that keep every
    landing row and so have no primary key (an identical redelivery is two identical rows):
      - is_duplicate is never NULL, and a quarantined row is never also a duplicate (each row is in
        exactly one of staged / duplicate / quarantined);
      - among the rows that passed the landing checks, every record (column_names) has exactly one
        delivery with is_duplicate = false: the one the stg_ model keeps.
    whole_row=true (billing exports, whose record is the whole row: column_names [landing_row_hash]): a
    record may have no surviving delivery (a pull replaced by a later one, or the copy of a quarantined
    row), but never two kept, staged or quarantined.
    Returns the violating record keys, or the rows whose flags contradict, with a reason.
        data_tests:
          - landing_partition:
              arguments:
                column_names: [trace_id, span_id]
-#}
{% test landing_partition(model, column_names, whole_row=false) %}
{%- if column_names is string -%}
    {%- set column_names = [column_names] -%}
{%- endif -%}
{%- set key_columns = column_names | join(', ') %}

with

flags as (
    select
        {{ key_columns }},
        quarantine_reason,
        is_duplicate
    from {{ model }}
),

contradictory_flags as (
    select
        {{ key_columns }},
        case
            when is_duplicate is null then 'is_duplicate is null'
            else 'quarantined row flagged as duplicate'
        end as violation,
        cast(null as {{ dbt.type_bigint() }}) as n_survivors
    from flags
    where is_duplicate is null or (quarantine_reason is not null and is_duplicate)
),

survivors as (
    select
        {{ key_columns }},
        '{{ "more than one kept delivery" if whole_row else "not exactly one surviving delivery" }}' as violation,
        sum(case when is_duplicate then 0 else 1 end) as n_survivors
    from flags
    {%- if whole_row %}
    group by {{ key_columns }}
    having sum(case when is_duplicate then 0 else 1 end) > 1
    {%- else %}
    where quarantine_reason is null
    group by {{ key_columns }}
    having sum(case when is_duplicate then 0 else 1 end) != 1
    {%- endif %}
)

select * from contradictory_flags
union all
select * from survivors

{% endtest %}
