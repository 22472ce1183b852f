{#-
    Every row satisfies a boolean SQL expression over the model's columns, e.g.
    `amount * 100 = amount_minor_units`. Restrict the rows checked with the test config `where`.
    Given a column (column-level test), the expression is appended to it: `>= 0` checks that column.
    Returns the rows where the expression is false. As in dbt_utils, a NULL result passes: pair the test
    with not_null where a value is required.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
{%- set condition = (column_name ~ ' ' ~ expression) if column_name else expression %}

select *
from {{ model }}
where not ({{ condition }})
{% endtest %}
