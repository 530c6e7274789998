-- The five schemas of DESIGN.md §2. Money is DECIMAL; parsed figures keep the document's own
-- precision (DECIMAL(18,6) so 0.498万元 and amounts stated in 元 survive), marts round to (18,2).
create schema if not exists core;
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists dq;
create schema if not exists marts;

create table meta.run (
    run_id        varchar primary key,
    kind          varchar not null,          -- collect | publish | check
    year          integer,
    started_at    timestamp not null,
    finished_at   timestamp,
    status        varchar not null,          -- running | completed | failed
    parser_version varchar,
    rules_version varchar,
    duckdb_version varchar,
    summary       json
);

create table core.unit (
    unit_code     varchar primary key,
    unit_name     varchar not null,
    parent_code   varchar,
    unit_type     varchar,
    source        varchar not null,
    contact_email varchar,
    updated_at    timestamp not null
);

create sequence raw.fetch_attempt_seq;
create table raw.fetch_attempt (
    attempt_id    bigint primary key default nextval('raw.fetch_attempt_seq'),
    run_id        varchar not null,
    unit_code     varchar not null,
    year          integer not null,
    url           varchar not null,
    started_at    timestamp not null,
    elapsed_ms    integer,
    outcome       varchar not null,          -- ok | not_modified | not_found | http_error | timeout | refused | too_large | error
    http_status   integer,
    error         varchar,
    etag          varchar,
    last_modified varchar,
    sha256        varchar,
    bytes         bigint,
    tries         integer not null default 1
);

-- content-addressed: the same bytes are stored once, whoever sent them
create table raw.document (
    sha256        varchar primary key,
    content       blob not null,
    size          bigint not null,
    first_seen_at timestamp not null
);

create table raw.submission (
    unit_code     varchar not null,
    year          integer not null,
    version       integer not null,
    sha256        varchar not null,
    fetched_at    timestamp not null,
    source_url    varchar not null,
    etag          varchar,
    last_modified varchar,
    primary key (unit_code, year, version)
);

create table staging.report (
    sha256        varchar primary key,
    parser_version varchar not null,
    status        varchar not null,          -- parsed | failed
    format        varchar,
    encoding      varchar,
    unit_name     varchar,
    year          integer,
    n_figures     integer not null default 0,
    tables        varchar[],
    warnings      varchar[],
    error         varchar,
    parsed_at     timestamp not null
);

create table staging.figure (
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
    source        varchar not null,
    primary key (sha256, seq)
);

create table staging.section (
    sha256        varchar not null,
    seq           integer not null,
    title         varchar not null,
    level         integer not null,
    section_id    varchar,
    span_start    integer not null,
    primary key (sha256, seq)
);

create table staging.perf_project (
    sha256         varchar not null,
    project_no     integer not null,
    name           varchar not null,
    total_score    decimal(9, 2),
    initial_budget decimal(18, 6),
    adjusted_budget decimal(18, 6),
    executed       decimal(18, 6),
    exec_rate_pct  decimal(9, 2),
    exec_weight    decimal(9, 2),
    exec_score     decimal(9, 2),
    grade          varchar,
    snippet        varchar,
    primary key (sha256, project_no)
);

create table staging.perf_indicator (
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
    note          varchar,
    primary key (sha256, project_no, seq)
);

create table dq.run (
    run_id        varchar primary key,
    year          integer not null,
    started_at    timestamp not null,
    finished_at   timestamp,
    rules_version varchar not null,
    engine        varchar not null,          -- gx | sql
    data_docs     varchar,
    n_results     integer
);

-- the current verdict per document and rule; a re-run over the same bytes rewrites identical rows
create table dq.result (
    unit_code     varchar not null,
    year          integer not null,
    sha256        varchar not null,
    rule_id       varchar not null,
    run_id        varchar not null,
    severity      varchar not null,          -- error | warning
    status        varchar not null,          -- pass | fail | not_applicable | waived
    observed      decimal(18, 6),
    expected      decimal(18, 6),
    difference    decimal(18, 6),
    tolerance     decimal(18, 6),
    message       varchar,
    evidence      json,
    explanation   varchar,
    primary key (unit_code, year, sha256, rule_id)
);

create table dq.waiver (
    unit_code     varchar not null,
    year          integer not null,
    rule_id       varchar not null,
    reason        varchar not null,
    created_by    varchar not null,
    created_at    timestamp not null,
    primary key (unit_code, year, rule_id)
);

create sequence dq.alert_seq;
create table dq.alert (
    alert_id      bigint primary key default nextval('dq.alert_seq'),
    run_id        varchar,
    audience      varchar not null,          -- bureau | unit
    unit_code     varchar,
    year          integer not null,
    rule_id       varchar,
    sha256        varchar,
    channel       varchar not null,
    dedupe_key    varchar,
    status        varchar not null,          -- sent | failed
    attempts      integer not null,
    error         varchar,
    sent_at       timestamp not null
);

create table meta.publication (
    year          integer not null,
    version       integer not null,
    path          varchar not null,
    created_at    timestamp not null,
    manifest_sha256 varchar not null,
    units_published integer not null,
    units_excluded integer not null,
    primary key (year, version)
);
