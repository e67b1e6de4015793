{#- The FOCUS SkuMeter for a token type ("Input Tokens", ...). -#}
{% macro focus_sku_meter(token_type_expr) -%}
    case {{ token_type_expr }}
        when 'input' then 'Input Tokens'
        when 'cache_read' then 'Cached Input Tokens'
        when 'cache_write' then 'Cache Write Tokens'
        when 'cache_write_1h' then 'Cache Write 1h Tokens'
        when 'output' then 'Output Tokens'
        when 'reasoning' then 'Reasoning Tokens'
    end
{%- endmacro %}
