-- staging.document_text stores its text with zstd. DuckDB's default for strings (dictionary + FSST)
-- suits short, repetitive values; on whole documents it spent ~0.6 ms of checkpoint CPU per document
-- (about a minute of a province's load, on the same two cores as the parse) and stored 5 100 bytes of
-- a benchmark document's text where zstd stores 560 (bench/README.md, eleventh session). The table is
-- rebuilt, since a column's compression is fixed when the table is created.
create table staging.document_text_007 (
    sha256        varchar primary key,
    text          varchar not null using compression zstd
);
insert into staging.document_text_007 select * from staging.document_text;
drop table staging.document_text;
alter table staging.document_text_007 rename to document_text;
