-- Notices already delivered for $year; a failed delivery is not here, so it is tried again.
select distinct dedupe_key from dq.alert where year = $year and status = 'sent' and dedupe_key is not null
