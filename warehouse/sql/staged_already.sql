-- Is any document of the batch (`incoming_report`) staged already? Then its old rows go first.
select exists (select 1 from staging.report r semi join incoming_report i on r.sha256 = i.sha256);
