{#-
    Typed reads of landing columns. Landing files arrive as text (CSV) or typed (Parquet); every column is
    parsed through these macros so that a value that cannot be read becomes NULL here and a quarantine
    reason in the staging base model, never a failed build.
    Landing types (data_type in the sources YAML): text, integer, decimal, boolean, timestamp, date, json.
-#}

{#- Text with surrounding blanks removed; the empty string is NULL. is_long_id: the column holds long, mostly
    distinct values (trace and span ids), which DuckDB reads faster another way (below). -#}
{% macro landing_text(column, is_long_id=false) -%}
    {{ return(adapter.dispatch('landing_text', 'token_ledger')(column, is_long_id)) }}
{%- endmacro %}

{% macro default__landing_text(column, is_long_id=false) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- DuckDB: trim() copies every string longer than 12 bytes it is given (shorter ones are stored inline, and a
    dictionary-encoded column is trimmed once per distinct value): 2.2 s per 10 M span ids on one thread.
    It removes only the Unicode space separators (Zs: U+0020, U+00A0, U+1680, U+2000-U+200A, U+202F,
    U+205F, U+3000) from the ends, so a value whose first and last characters are neither a space nor above
    U+009F is the same trimmed: returned as it is (0.9 s). The same result for every string (checked on
    every string of up to three characters from space, tab, newline, letters, accents and three Zs). Only
    for long ids: on short or repeated values (the CSV columns) the test costs more than the trim. -#}
{% macro duckdb__landing_text(column, is_long_id=false) -%}
    {%- if not is_long_id -%}
        {{ return(default__landing_text(column)) }}
    {%- endif -%}
    {%- set text = '(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ '))' -%}
    nullif(
        case
            when {{ duckdb_may_be_trimmed(text) }} or {{ duckdb_may_be_trimmed(text ~ '[-1]') }} then trim({{ text }})
            else {{ text }}
        end,
        ''
    )
{%- endmacro %}

{#- DuckDB: whether the first character of `text` can be one that trim() removes (a Zs character: U+0020, or
    above U+009F), the one home of that rule (landing_text, landing_is_missing; test_landing_text checks it
    against trim() on every code point). -#}
{% macro duckdb_may_be_trimmed(text) -%}
    (unicode({{ text }}) = 32 or unicode({{ text }}) >= 160)
{%- endmacro %}

{#- The value of a landing column as its SQL type, NULL when absent or unreadable. -#}
{% macro landing_value(column, landing_type) -%}
    {%- set text = landing_text(column) -%}
    {%- if landing_type in ('text', 'json') -%}
        {{ text }}
    {%- elif landing_type == 'integer' -%}
        {#- a fractional value is unreadable as a count (a bare cast would round 1000.7 to 1001), a zero
            fraction is the integer (dashboard exports write 59200.0, JavaScript writers 2000.0); no detour
            through a float, which would lose the last digits of nanosecond timestamps -#}
        {%- set whole = "regexp_replace(" ~ text ~ ", '[.]0*$', '')" -%}
        {{ landing_integer(column, 'case when ' ~ dbt.position("'.'", text) ~ ' = 0 then '
            ~ landing_try_cast(text, 'bigint') ~ ' when ' ~ whole ~ ' <> ' ~ text ~ ' then '
            ~ landing_try_cast(whole, 'bigint') ~ ' end') }}
    {%- elif landing_type == 'decimal' -%}
        {#- NaN and Infinity read as numbers but are no amount or quantity -#}
        case
            when {{ is_finite_number(landing_try_cast(text, 'double')) }} then {{ landing_try_cast(text, 'double') }}
        end
    {%- elif landing_type == 'boolean' -%}
        {{ landing_try_cast(text, 'boolean') }}
    {%- elif landing_type == 'date' -%}
        {{ landing_try_cast(text, 'date') }}
    {%- elif landing_type == 'timestamp' -%}
        {{ landing_timestamp_utc(text) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown landing type " ~ landing_type ~ " for column " ~ column) }}
    {%- endif -%}
{%- endmacro %}

{#-
    A landing integer: text_path reads it from its text. DuckDB: a Parquet column that is an integer
    already is taken as it is (typeof() is folded when the query is planned, so the text path is not
    even evaluated; at 10 M spans it was seconds of casting nanosecond timestamps to text and back).
-#}
{% macro landing_integer(column, text_path, integer_path=none) -%}
    {{ return(adapter.dispatch('landing_integer', 'token_ledger')(column, text_path, integer_path)) }}
{%- endmacro %}

{#- integer_path: what to give when the column is an integer already (default: the column as a bigint) -#}
{% macro default__landing_integer(column, text_path, integer_path=none) -%}
    case
        when typeof({{ column }}) in ('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT')
            then {{ integer_path if integer_path is not none else 'cast(' ~ column ~ ' as bigint)' }}
        else {{ text_path }}
    end
{%- endmacro %}

{% macro postgres__landing_integer(column, text_path, integer_path=none) -%}
    {{ text_path }}
{%- endmacro %}

{% macro spark__landing_integer(column, text_path, integer_path=none) -%}
    {{ text_path }}
{%- endmacro %}

{#-
    The text a landing type accepts, as one regular expression that PostgreSQL (~) and Spark (rlike)
    read alike: the grammar of DuckDB's TRY_CAST less its extensions (1e3, 0x1F or 1_000 as integers,
    time zone names), so that a value unreadable on one engine is unreadable on the others. No
    backslashes (Spark's string literals would unescape them). Names: bigint, double, date, timestamp,
    and zone (an ISO offset after a time: a timestamp without one is UTC).
-#}
{% macro landing_text_pattern(name) -%}
    {%- set iso_date = '[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}' -%}
    {%- set iso_offset = '(Z| UTC|[+-][0-9]{2}(:?[0-9]{2})?)' -%}
    {%- set iso_time = '(T| +)(([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]*)?)?|24:00(:00([.]0*)?)?)'
        ~ iso_offset ~ '?' -%}
    {%- set patterns = {
        'bigint': '^ *[+-]?[0-9]+ *$',
        'double': '^ *[+-]?(([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?'
            ~ '|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN]) *$',
        'date': '^ *' ~ iso_date ~ '(' ~ iso_time ~ ')? *$',
        'timestamp': '^ *' ~ iso_date ~ '(' ~ iso_time ~ ')? *$',
        'zone': ':[0-9]{2}([.][0-9]*)?' ~ iso_offset ~ ' *$',
    } -%}
    {{ return(patterns[name]) }}
{%- endmacro %}

{#- The boolean spellings DuckDB reads (any case), as a CASE over lower(expression). -#}
{% macro landing_boolean_case(expression) -%}
    case
        when lower({{ expression }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ expression }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{% macro landing_try_cast(expression, sql_type) -%}
    {{ return(adapter.dispatch('landing_try_cast', 'token_ledger')(expression, sql_type)) }}
{%- endmacro %}

{% macro default__landing_try_cast(expression, sql_type) -%}
    {%- if sql_type | lower == 'bigint' -%}
        {#- DuckDB's cast also reads 0x10, 1_000 and 1e3 as integers: a count is digits only -#}
        case
            when regexp_matches({{ expression }}, '{{ landing_text_pattern('bigint') }}')
                then try_cast({{ expression }} as bigint)
        end
    {%- else -%}
        try_cast({{ expression }} as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL has no try_cast: the engine functions (on-run-start) read DuckDB's grammar or give NULL. -#}
{% macro postgres__landing_try_cast(expression, sql_type) -%}
    {%- set functions = {
        'bigint': 'tl_try_bigint',
        'double': 'tl_try_float8',
        'double precision': 'tl_try_float8',
        'boolean': 'tl_try_boolean',
        'date': 'tl_try_date',
    } -%}
    {%- if sql_type | lower not in functions -%}
        {{ exceptions.raise_compiler_error("landing_try_cast: no safe cast to " ~ sql_type ~ " on postgres") }}
    {%- endif -%}
    {{ engine_function(functions[sql_type | lower]) }}({{ expression }})
{%- endmacro %}

{#- Spark's try_cast reads more than DuckDB ('1.5d' as a double, 'yesterday' as a date): the same
    grammar guards it as on PostgreSQL; '/' in dates becomes '-' (Spark reads only the latter). -#}
{% macro spark__landing_try_cast(expression, sql_type) -%}
    {%- set kind = sql_type | lower -%}
    {%- if kind == 'boolean' -%}
        {{ landing_boolean_case(expression) }}
    {%- elif kind in ('bigint', 'double', 'double precision') -%}
        {%- set pattern = landing_text_pattern('bigint' if kind == 'bigint' else 'double') -%}
        case when {{ expression }} rlike '{{ pattern }}' then try_cast({{ expression }} as {{ spark_type_name(kind) }}) end
    {%- elif kind == 'date' -%}
        case
            when {{ expression }} in ('epoch', 'infinity', '-infinity') then try_cast({{ expression }} as date)
            when {{ expression }} rlike '{{ landing_text_pattern('date') }}'
                then try_cast(translate(split({{ expression }}, '[T ]')[0], '/', '-') as date)
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("landing_try_cast: no safe cast to " ~ sql_type ~ " on spark") }}
    {%- endif -%}
{%- endmacro %}

{#- ISO 8601 text to a UTC timestamp without zone; text without an offset is UTC (the session zone). -#}
{% macro landing_timestamp_utc(expression) -%}
    {{ return(adapter.dispatch('landing_timestamp_utc', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__landing_timestamp_utc(expression) -%}
    (try_cast({{ expression }} as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{#- Text without an offset is UTC whatever the session's time zone. -#}
{% macro postgres__landing_timestamp_utc(expression) -%}
    {{ engine_function('tl_try_timestamp_utc') }}({{ expression }})
{%- endmacro %}

{#- Spark's timestamps are instants shown in the session time zone (UTC in the profile): text without
    an offset is read in it. Blanks between date and time collapse to one (DuckDB reads several). -#}
{% macro spark__landing_timestamp_utc(expression) -%}
    case
        when {{ expression }} rlike '{{ landing_text_pattern('timestamp') }}'
            then try_cast(regexp_replace(translate(trim({{ expression }}), '/', '-'), '^([^ T]+) +', '$1 ') as timestamp)
    end
{%- endmacro %}

{% macro json_is_valid(expression) -%}
    {{ return(adapter.dispatch('json_is_valid', 'token_ledger')(expression)) }}
{%- endmacro %}

{#- A landing JSON column holds an object (span attributes, SkuPriceDetails): valid JSON that is an
    array, a string or a number is as unreadable as broken JSON. -#}
{% macro default__json_is_valid(expression) -%}
    case when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT' else false end
{%- endmacro %}

{% macro postgres__json_is_valid(expression) -%}
    coalesce(jsonb_typeof({{ engine_function('tl_try_jsonb') }}({{ expression }})) = 'object', false)
{%- endmacro %}

{#- get_json_object(…, '$') is NULL for text Jackson cannot parse; an object starts with a brace. -#}
{% macro spark__json_is_valid(expression) -%}
    coalesce(get_json_object({{ expression }}, '$') is not null and left(ltrim({{ expression }}), 1) = '{', false)
{%- endmacro %}

{#-
    True when a landing JSON column holds text that is not a JSON object, given the column holding its
    json_parse_object result. DuckDB: the parse (try(json_transform)) is NULL for unreadable text, and a
    JSON array, string or number parses to a struct: valid JSON that does not start with a brace is no
    object. Other engines check the text itself.
-#}
{% macro landing_json_unreadable(column, parsed) -%}
    {{ return(adapter.dispatch('landing_json_unreadable', 'token_ledger')(column, parsed)) }}
{%- endmacro %}

{% macro default__landing_json_unreadable(column, parsed) -%}
    (
        case
            when {{ parsed }} is null then {{ landing_text(column) }} is not null
            else not (starts_with({{ column }}, '{') or regexp_matches({{ column }}, '^\s*[{]'))
        end
    )
{%- endmacro %}

{% macro postgres__landing_json_unreadable(column, parsed) -%}
    {{ landing_is_unreadable(column, 'json') }}
{%- endmacro %}

{% macro spark__landing_json_unreadable(column, parsed) -%}
    {{ landing_is_unreadable(column, 'json') }}
{%- endmacro %}

{#- A double that is a number: not NaN, not infinite. -#}
{% macro is_finite_number(expression) -%}
    {{ return(adapter.dispatch('is_finite_number', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__is_finite_number(expression) -%}
    coalesce(isfinite({{ expression }}), false)
{%- endmacro %}

{% macro postgres__is_finite_number(expression) -%}
    coalesce({{ expression }} not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8), false)
{%- endmacro %}

{% macro spark__is_finite_number(expression) -%}
    coalesce(not isnan({{ expression }}) and abs({{ expression }}) != double('infinity'), false)
{%- endmacro %}

{#- Unix epoch integers to UTC timestamps. -#}
{% macro timestamp_from_unix_seconds(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_unix_seconds', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_unix_seconds(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro postgres__timestamp_from_unix_seconds(expression) -%}
    (timestamp '1970-01-01 00:00:00' + cast({{ expression }} as bigint) * interval '1 second')
{%- endmacro %}

{% macro spark__timestamp_from_unix_seconds(expression) -%}
    timestamp_seconds(cast({{ expression }} as bigint))
{%- endmacro %}

{% macro timestamp_from_unix_nanos(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_unix_nanos', 'token_ledger')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_unix_nanos(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) // 1000)
{%- endmacro %}

{#- Whole microseconds (as DuckDB's timestamps): the nanoseconds below are truncated. -#}
{% macro postgres__timestamp_from_unix_nanos(expression) -%}
    (timestamp '1970-01-01 00:00:00' + (cast({{ expression }} as bigint) / 1000) * interval '1 microsecond')
{%- endmacro %}

{% macro spark__timestamp_from_unix_nanos(expression) -%}
    timestamp_micros(cast({{ expression }} as bigint) div 1000)
{%- endmacro %}

{#- One text value from a JSON object by key (for small JSON such as SkuPriceDetails). -#}
{% macro json_extract_text(expression, key) -%}
    {{ return(adapter.dispatch('json_extract_text', 'token_ledger')(expression, key)) }}
{%- endmacro %}

{% macro default__json_extract_text(expression, key) -%}
    json_extract_string({{ expression }}, '$."{{ key }}"')
{%- endmacro %}

{#- NULL (not an error) when the text is not JSON. -#}
{% macro postgres__json_extract_text(expression, key) -%}
    ({{ engine_function('tl_try_jsonb') }}({{ expression }}) ->> '{{ key }}')
{%- endmacro %}

{#- A bracketed path, so that a key with dots is one key (double quotes: a string literal on Spark). -#}
{% macro spark__json_extract_text(expression, key) -%}
    get_json_object({{ expression }}, "$['{{ key }}']")
{%- endmacro %}
