-- DQ-31 "三公" amounts and counts agree (an amount needs a count; 人次 ≥ 批次/团组; no amount, no count)
with v as (
    select * from staging.unit_value
),
checks as (
    select unit_code, year, sha256, outbound_groups as observed, outbound_travel as expected,
           '因公出国(境)费' || num_text(outbound_travel) || '万元但团组数为' || num_text(outbound_groups) as detail,
           'outbound_travel,outbound_groups' as figure_keys
    from v where outbound_travel > 0 and outbound_groups < 1
    union all
    select unit_code, year, sha256, outbound_groups, outbound_travel,
           '因公出国(境)费为0但团组数为' || num_text(outbound_groups), 'outbound_travel,outbound_groups'
    from v where outbound_travel = 0 and outbound_groups > 0
    union all
    select unit_code, year, sha256, outbound_people, outbound_groups,
           '出国人次' || num_text(outbound_people) || '少于团组数' || num_text(outbound_groups), 'outbound_people,outbound_groups'
    from v where outbound_people < outbound_groups
    union all
    select unit_code, year, sha256, vehicles_purchased, vehicle_purchase,
           '公务用车购置费' || num_text(vehicle_purchase) || '万元但购置车辆数为' || num_text(vehicles_purchased),
           'vehicle_purchase,vehicles_purchased'
    from v where vehicle_purchase > 0 and vehicles_purchased < 1
    union all
    select unit_code, year, sha256, vehicles_purchased, vehicle_purchase,
           '公务用车购置费为0但购置车辆' || num_text(vehicles_purchased) || '辆', 'vehicle_purchase,vehicles_purchased'
    from v where vehicle_purchase = 0 and vehicles_purchased > 0
    union all
    select unit_code, year, sha256, vehicles_held, vehicle_operation,
           '公务用车运行维护费' || num_text(vehicle_operation) || '万元但保有车辆为' || num_text(vehicles_held),
           'vehicle_operation,vehicles_held'
    from v where vehicle_operation > 0 and vehicles_held < 1
    union all
    select unit_code, year, sha256, reception_batches, official_reception,
           '公务接待费' || num_text(official_reception) || '万元但接待批次为' || num_text(reception_batches),
           'official_reception,reception_batches'
    from v where official_reception > 0 and reception_batches < 1
    union all
    select unit_code, year, sha256, reception_batches, official_reception,
           '公务接待费为0但接待' || num_text(reception_batches) || '批次', 'official_reception,reception_batches'
    from v where official_reception = 0 and reception_batches > 0
    union all
    select unit_code, year, sha256, reception_people, reception_batches,
           '接待人次' || num_text(reception_people) || '少于批次' || num_text(reception_batches), 'reception_people,reception_batches'
    from v where reception_people < reception_batches
),
final as (
    select unit_code, year, sha256, observed, expected, null::decimal(18, 6) as difference,
           0::decimal(18, 6) as tolerance, detail, figure_keys
    from checks
)
select * from final
