-- A re-parse (a parser upgrade, or a batch loaded again after a crash) first removes what is staged
-- for the documents in `incoming_report`. Each delete scans its whole table (no index serves a
-- semi-join), so the load runs this only when one of them is staged already (tasks/load.py).
delete from staging.figure where sha256 in (select sha256 from incoming_report);
delete from staging.section where sha256 in (select sha256 from incoming_report);
delete from staging.perf_indicator where sha256 in (select sha256 from incoming_report);
delete from staging.perf_project where sha256 in (select sha256 from incoming_report);
delete from staging.document_value where sha256 in (select sha256 from incoming_report);
delete from staging.document_text where sha256 in (select sha256 from incoming_report);
delete from staging.report where sha256 in (select sha256 from incoming_report);
