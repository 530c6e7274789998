-- The newest publication of a year, to tell whether a new one would say anything new.
select version, path, units_published, units_excluded
from meta.publication
where year = $year
order by version desc
limit 1;
