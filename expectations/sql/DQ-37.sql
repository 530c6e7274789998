-- DQ-37 asset counts consistent: 公务用车保有量 ≤ 车辆总数 (国有资产占用), counts are whole and ≥ 0
with v as (
    select * from staging.unit_value
),
counts as (
    select unit_code, year, sha256, key, value from staging.rule_figure
    where kind = 'value' and measure = 'count'
),
final as (
    select unit_code, year, sha256, vehicles_held as observed, vehicles_count as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '公务用车保有量' || num_text(vehicles_held) || '辆多于国有资产车辆总数' || num_text(vehicles_count) || '辆'
               as detail, 'vehicles_held,vehicles_count' as figure_keys
    from v where vehicles_held > vehicles_count
    union all
    select unit_code, year, sha256, value, null, null, 0, '数量' || key || '不是非负整数', key
    from counts where value < 0 or value <> floor(value)
)
select * from final
