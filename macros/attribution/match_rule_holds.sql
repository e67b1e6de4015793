{#- True when the match-rule row `rule` (a relation alias with match_type,
    match_value and exclude_regex, as in llm_model_match_rules and
    llm_provider_match_rules) matches the lowercased string `subject`.
    Mirrors scripts/price_rules.py rule_matches; rows of type `and` (kept as
    JSON by the refresh) never match. -#}
{% macro match_rule_holds(rule, subject) -%}
    (
        ({{ rule }}.exclude_regex is null or not {{ regex_search(subject, rule ~ '.exclude_regex') }})
        and case {{ rule }}.match_type
            when 'equals' then {{ subject }} = {{ rule }}.match_value
            when 'starts_with' then {{ string_starts_with(subject, rule ~ '.match_value') }}
            when 'ends_with' then {{ string_ends_with(subject, rule ~ '.match_value') }}
            when 'contains' then {{ string_contains(subject, rule ~ '.match_value') }}
            when 'regex' then {{ regex_search(subject, rule ~ '.match_value') }}
            else false
        end
    )
{%- endmacro %}
