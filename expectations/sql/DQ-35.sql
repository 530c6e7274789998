-- DQ-35 政府采购: total = goods + works + services; 中小企业 ≤ total; 小微 ≤ 中小; stated shares recompute
with v as (
    select * from staging.unit_value where procurement_total is not null
),
parts as (
    select unit_code, year, sha256, procurement_total as observed,
           procurement_goods + procurement_works + procurement_services as expected,
           procurement_total - (procurement_goods + procurement_works + procurement_services) as difference,
           tol_sum_p(3, procurement_total__prec + procurement_goods__prec + procurement_works__prec
                        + procurement_services__prec) as tolerance,
           '政府采购支出总额不等于货物、工程、服务之和' as detail,
           'procurement_total,procurement_goods,procurement_works,procurement_services' as figure_keys
    from v where procurement_goods is not null and procurement_works is not null
             and procurement_services is not null
),
bounds as (
    select unit_code, year, sha256, sme_contract_amount, procurement_total,
           sme_contract_amount - procurement_total, tol_eq(sme_contract_amount__prec, procurement_total__prec),
           '授予中小企业合同金额超过政府采购支出总额', 'sme_contract_amount,procurement_total'
    from v where sme_contract_amount > procurement_total
    union all
    select unit_code, year, sha256, small_micro_contract_amount, sme_contract_amount,
           small_micro_contract_amount - sme_contract_amount,
           tol_eq(small_micro_contract_amount__prec, sme_contract_amount__prec),
           '授予小微企业合同金额超过中小企业合同金额', 'small_micro_contract_amount,sme_contract_amount'
    from v where small_micro_contract_amount > sme_contract_amount
),
shares as (
    select unit_code, year, sha256, sme_share_pct as stated, sme_contract_amount / procurement_total * 100 as mid,
           pct_low(sme_contract_amount, sme_contract_amount__prec, procurement_total, procurement_total__prec,
                   sme_share_pct__prec) as low,
           pct_high(sme_contract_amount, sme_contract_amount__prec, procurement_total, procurement_total__prec,
                    sme_share_pct__prec) as high,
           '中小企业合同金额占比与金额不符' as detail, 'sme_share_pct,sme_contract_amount,procurement_total' as keys
    from v where sme_share_pct is not null and sme_contract_amount is not null and procurement_total > 0
    union all
    select unit_code, year, sha256, small_micro_share_pct, small_micro_contract_amount / procurement_total * 100,
           pct_low(small_micro_contract_amount, small_micro_contract_amount__prec, procurement_total,
                   procurement_total__prec, small_micro_share_pct__prec),
           pct_high(small_micro_contract_amount, small_micro_contract_amount__prec, procurement_total,
                    procurement_total__prec, small_micro_share_pct__prec),
           '小微企业合同金额占比与金额不符', 'small_micro_share_pct,small_micro_contract_amount,procurement_total'
    from v where small_micro_share_pct is not null and small_micro_contract_amount is not null
             and procurement_total > 0
),
share_rows as (
    select unit_code, year, sha256, stated, mid::decimal(18, 6), (stated - mid)::decimal(18, 6),
           tol_interval(stated, mid, low, high)::decimal(18, 6), detail, keys
    from shares where stated < low or stated > high
),
final as (
    select * from parts where difference <> 0
    union all
    select * from bounds
    union all
    select * from share_rows
)
select * from final
