-- The newest stored version per unit for a year, with the validators for a conditional GET.
select unit_code, sha256, etag, last_modified
from (
    select *, row_number() over (partition by unit_code order by version desc) as rn
    from raw.submission where year = $year
)
where rn = 1;
