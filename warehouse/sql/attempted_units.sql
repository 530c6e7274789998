-- Units fetched at least once for a year, whatever the outcome: a re-run expects little work from
-- them (a 304, or the same 404 again), unlike a unit never tried.
select distinct unit_code from raw.fetch_attempt where year = $year;
