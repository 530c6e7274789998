-- Current submissions whose bytes have not been parsed by this parser version yet.
select c.unit_code, c.year, c.sha256, c.source_url, d.content
from staging.current_submission c
join raw.document d using (sha256)
left join staging.report r using (sha256)
where c.year = $year and (r.sha256 is null or r.parser_version <> $parser_version);
