-- Each year's campaign as configured (juesuan.toml [campaign.Y]), copied in at the start of a run so
-- that submission-level rules (DQ-01…DQ-04, DQ-07) judge a unit against what that campaign requires.
create table meta.campaign (
    year            integer primary key,
    open_date       date not null,
    deadline        date not null,
    publication     date not null,
    required_tables varchar[] not null
);
