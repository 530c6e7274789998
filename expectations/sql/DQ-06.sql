-- DQ-06 "三公" detail disclosed: car costs split, and counts (团组/人次, 购置/保有车辆, 接待批次/人次)
with v as (
    select * from staging.unit_value where three_public_total is not null
),
items(item, key) as (
    values ('公务用车购置费', 'vehicle_purchase'), ('公务用车运行维护费', 'vehicle_operation'),
           ('因公出国(境)团组数', 'outbound_groups'), ('因公出国(境)人次', 'outbound_people'),
           ('公务用车购置数', 'vehicles_purchased'), ('公务用车保有量', 'vehicles_held'),
           ('国内公务接待批次', 'reception_batches'), ('国内公务接待人次', 'reception_people')
),
stated as (
    select distinct sha256, key from staging.rule_figure where kind = 'value'
),
final as (
    select v.unit_code, v.year, v.sha256, null::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '“三公”经费未说明:' || i.item as detail, 'three_public_total' as figure_keys
    from v cross join items i
    left join stated s on s.sha256 = v.sha256 and s.key = i.key
    where s.key is null
)
select * from final
