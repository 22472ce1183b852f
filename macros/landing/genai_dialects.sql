{#-
    The GenAI attribute dialects (real-inputs.md 2) are data: seeds/dialects/genai_attribute_aliases.csv
    says which attribute keys carry which meaning (in precedence order), genai_attribute_values.csv how a
    producer's values read in the project's vocabulary. The span model reads both while it compiles (the
    seeds are built before it: it refs them), so a user who adds a row to either changes what is parsed,
    without touching SQL.

    genai_dialect() returns {
        'span': [(meaning, [keys in precedence order]), ...],        attributes of the span
        'resource': [(meaning, [keys in precedence order]), ...],    resource attributes
        'keys': {'span': [every span key], 'resource': [every resource key]},
        'values': {meaning: [(reported value, value), ...]},
    }
    Without the seed tables (parsing, a compile before `dbt seed`) it returns no keys.
-#}
{% macro genai_dialect() -%}
    {%- set aliases_relation = reference_data('genai_attribute_aliases') -%}
    {%- set values_relation = reference_data('genai_attribute_values') -%}
    {%- set dialect = {'span': [], 'resource': [], 'keys': {'span': [], 'resource': []}, 'values': {}} -%}
    {%- if not execute or load_relation(aliases_relation) is none -%}
        {{ return(dialect) }}
    {%- endif -%}
    {%- set aliases = run_query(
        'select attribute_scope, meaning, attribute_key from ' ~ aliases_relation
        ~ ' order by attribute_scope, meaning, precedence, attribute_key'
    ) -%}
    {%- set by_meaning = {} -%}
    {%- for row in aliases.rows -%}
        {%- set scope = row[0] | lower -%}
        {%- if scope not in ('span', 'resource') -%}
            {{ exceptions.raise_compiler_error(
                "genai_attribute_aliases: attribute_scope must be span or resource, got " ~ row[0] ~ " (key " ~ row[2] ~ ")"
            ) }}
        {%- endif -%}
        {%- set group = scope ~ '|' ~ row[1] -%}
        {%- if group not in by_meaning -%}
            {%- do by_meaning.update({group: []}) -%}
            {%- do dialect[scope].append((row[1], by_meaning[group])) -%}
        {%- endif -%}
        {%- do by_meaning[group].append(row[2]) -%}
        {%- if row[2] not in dialect['keys'][scope] -%}{%- do dialect['keys'][scope].append(row[2]) -%}{%- endif -%}
    {%- endfor -%}
    {%- if load_relation(values_relation) is not none -%}
        {%- set values = run_query(
            'select meaning, reported_value, value from ' ~ values_relation ~ ' order by meaning, reported_value'
        ) -%}
        {%- for row in values.rows -%}
            {%- if row[0] not in dialect['values'] -%}{%- do dialect['values'].update({row[0]: []}) -%}{%- endif -%}
            {%- do dialect['values'][row[0]].append((row[1], row[2])) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(dialect) }}
{%- endmacro %}

{#-
    The value of one meaning: the first alias key (in precedence order) that the span carries, read
    through the value map of that meaning when it has one (compared case-insensitively; a value the map
    does not list is kept, lower-cased). columns: {attribute key: the column holding its text}.
-#}
{% macro genai_meaning(dialect, scope, meaning, columns) -%}
    {%- set keys = [] -%}
    {%- for name, meaning_keys in dialect[scope] if name == meaning -%}
        {%- for key in meaning_keys -%}{%- do keys.append(columns[key]) -%}{%- endfor -%}
    {%- endfor -%}
    {%- if keys | length == 0 -%}
        {%- set expression = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
    {%- elif keys | length == 1 -%}
        {%- set expression = keys[0] -%}
    {%- else -%}
        {%- set expression = 'coalesce(' ~ keys | join(', ') ~ ')' -%}
    {%- endif -%}
    {%- set mapped = dialect['values'].get(meaning, []) -%}
    {%- if mapped | length == 0 -%}
        {{ expression }}
    {%- else -%}
        case lower({{ expression }})
        {%- for reported, value in mapped %}
            when '{{ reported | lower | replace("'", "''") }}' then '{{ value | replace("'", "''") }}'
        {%- endfor %}
            else lower({{ expression }})
        end
    {%- endif -%}
{%- endmacro %}
