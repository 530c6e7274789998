-- One delivery attempt series of one notice; `channel` is the redacted apprise URL, never the secret one.
insert into dq.alert (run_id, audience, unit_code, year, rule_id, sha256, channel, dedupe_key, status, attempts,
                      error, sent_at)
values ($run_id, $audience, $unit_code, $year, $rule_id, $sha256, $channel, $dedupe_key, $status, $attempts,
        $error, current_timestamp)
