-- Stage a batch's parse (the incoming_* frames); unstage_parsed.sql has made room when needed.
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
