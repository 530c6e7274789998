-- Campaign follow-up. The bureau summary reports errors that are new since the previous run;
-- dq.result cannot tell (a re-run rewrites its rows), so the first sighting of each failure is kept.
create table dq.failure_seen (
    unit_code     varchar not null,
    year          integer not null,
    sha256        varchar not null,
    rule_id       varchar not null,
    first_run_id  varchar not null,
    first_seen_at timestamp not null,
    primary key (unit_code, year, sha256, rule_id)
);
