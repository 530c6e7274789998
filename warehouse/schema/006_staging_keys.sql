-- staging.figure, staging.section and staging.perf_indicator lose their primary keys. Nothing reads
-- through those indexes (DuckDB scans these tables for every query that joins them), the load
-- writes each document's rows whole (seq numbered by the parser, tasks/load.py), and keeping the
-- keys cost the load most of its time and memory at province scale: every insert probes and grows
-- an in-memory index over millions of (sha256, seq) keys. The tables are rebuilt, since DuckDB
-- cannot drop a primary key in place.

create table staging.figure_006 (
    sha256        varchar not null,
    seq           integer not null,
    key           varchar not null,
    kind          varchar not null,          -- value | change | change_pct | prev | budget | budget_pct
    value         decimal(18, 6) not null,
    measure       varchar not null,          -- amount (万元) | yuan | pct | count
    precision     decimal(18, 6) not null,
    snippet       varchar not null,
    span_start    integer not null,
    span_end      integer not null,
    source        varchar not null
);
insert into staging.figure_006 select * from staging.figure;
drop table staging.figure;
alter table staging.figure_006 rename to figure;

create table staging.section_006 (
    sha256        varchar not null,
    seq           integer not null,
    title         varchar not null,
    level         integer not null,
    section_id    varchar,
    span_start    integer not null
);
insert into staging.section_006 select * from staging.section;
drop table staging.section;
alter table staging.section_006 rename to section;

create table staging.perf_indicator_006 (
    sha256        varchar not null,
    project_no    integer not null,
    seq           integer not null,
    name          varchar not null,
    level1        varchar,
    level2        varchar,
    measure_unit  varchar,
    operator      varchar,
    target        decimal(18, 6),
    actual        decimal(18, 6),
    deviation_pct decimal(12, 4),
    weight        decimal(9, 2),
    score         decimal(9, 2),
    note          varchar
);
insert into staging.perf_indicator_006 select * from staging.perf_indicator;
drop table staging.perf_indicator;
alter table staging.perf_indicator_006 rename to perf_indicator;
