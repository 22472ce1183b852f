{#-
    Rows dated after the run's day (macros/run_date.sql: var run_date, else the day the run started): a span
    or a charge from the future, kept and flagged (severity warn), never moving a "latest date".
        data_tests:
          - not_after_run_date:
              arguments:
                column_name: span_date
-#}
{% test not_after_run_date(model, column_name) %}

select *
from {{ model }}
where cast({{ column_name }} as date) > {{ sql_date(run_date()) }}

{% endtest %}
