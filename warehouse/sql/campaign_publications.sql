-- The publications of a year, oldest first; each folder's manifest lists the documents it included.
select version, path from meta.publication where year = $year order by version
