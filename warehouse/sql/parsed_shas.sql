-- Documents of this year's current submissions already parsed by the given parser version.
select r.sha256
from staging.report r
join staging.current_submission c using (sha256)
where c.year = $year and r.parser_version = $parser_version;
