-- Replace everything staged for the documents in `incoming_report` with the new parse.
delete from staging.figure where sha256 in (select sha256 from incoming_report);
delete from staging.section where sha256 in (select sha256 from incoming_report);
delete from staging.perf_indicator where sha256 in (select sha256 from incoming_report);
delete from staging.perf_project where sha256 in (select sha256 from incoming_report);
delete from staging.document_value where sha256 in (select sha256 from incoming_report);
delete from staging.document_text where sha256 in (select sha256 from incoming_report);
delete from staging.report where sha256 in (select sha256 from incoming_report);
insert into staging.report
select sha256, parser_version, status, format, encoding, unit_name, year, n_figures, tables, warnings, error,
       current_timestamp
from incoming_report;
insert into staging.document_text select * from incoming_document_text;
insert into staging.figure select * from incoming_figure;
-- from the batch's own frame (over staging.figure the macro would scan every document's figures); by
-- name, as every column is DECIMAL(18, 6) and a slip in column order would pass unnoticed
insert into staging.document_value by name select * from staging.first_statements('incoming_figure');
insert into staging.section select * from incoming_section;
insert into staging.perf_project select * from incoming_perf_project;
insert into staging.perf_indicator select * from incoming_perf_indicator;
