-- The texts of the documents $shas, fetched through their row ids. The semi join hands the range of
-- those row ids to the scan, which reads only that stretch of the table (a chunk's documents were
-- loaded together). Filtered on sha256, the scan read every text in the warehouse once per chunk;
-- fetched through the primary key, each text unpacked a zstd frame of its own.
select sha256, text
from staging.document_text
where rowid in (select rowid from staging.document_text where sha256 in (select unnest($shas)));
