{#-
    The relation holds no row. Meant for quarantine models with `config: {severity: warn}`: the warning
    then reads "Got <n> results", n being the number of quarantined rows, and the build goes on.
    `where` (a test config) narrows it, e.g. to one landing table.
-#}
{% test has_no_rows(model) %}
select * from {{ model }}
{% endtest %}
