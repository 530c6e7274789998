-- The decoded text of each parsed document, so rules can find the reason sentence that follows a
-- figure ("主要原因是…") and feedback can quote a whole paragraph, long after the parse.
create table staging.document_text (
    sha256        varchar primary key,
    text          varchar not null
);
