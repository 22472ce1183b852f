{#-
    The effective-dated lookup used for prices, FX and BPO rates: a row applies on a day when the day is
    on or after its start and before its end (an empty end is open). One definition, so a boundary day
    is treated the same everywhere: on the day a new price starts, the new price applies.
-#}
{% macro is_effective_on(day, effective_from, effective_to) -%}
    ({{ day }} >= {{ effective_from }} and ({{ effective_to }} is null or {{ day }} < {{ effective_to }}))
{%- endmacro %}
