-- DQ-29 "三公"经费合计 = 因公出国(境)费 + 公务用车购置费 + 公务用车运行维护费 + 公务接待费
with v as (
    select * from staging.unit_value
),
checked as (
    select unit_code, year, sha256,
           three_public_total as observed,
           outbound_travel + vehicle_purchase + vehicle_operation + official_reception as expected,
           three_public_total - (outbound_travel + vehicle_purchase + vehicle_operation + official_reception)
               as difference,
           tol_sum_p(4, three_public_total__prec + outbound_travel__prec + vehicle_purchase__prec
                        + vehicle_operation__prec + official_reception__prec) as tolerance,
           '“三公”经费合计不等于分项之和' as detail,
           'three_public_total,outbound_travel,vehicle_purchase,vehicle_operation,official_reception'
               as figure_keys
    from v
    where three_public_total is not null and outbound_travel is not null and vehicle_purchase is not null
      and vehicle_operation is not null and official_reception is not null
),
final as (
    select * from checked where difference <> 0
)
select * from final
