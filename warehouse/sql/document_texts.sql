-- The texts of the documents $shas, fetched through their row ids: DuckDB pushes the row ids the
-- semi join finds into the scan of the texts, which then unpacks only the parts of the table holding
-- them (0.07-0.15 s for a chunk of 2 000 units at 100 000). Filtered on sha256, the scan unpacked
-- every text in the warehouse once per chunk (0.5-0.65 s); fetched through the primary key, each
-- text unpacked a zstd frame of its own (6.7 s).
select sha256, text
from staging.document_text
where rowid in (select rowid from staging.document_text where sha256 in (select unnest($shas)));
