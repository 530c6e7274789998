-- Content-addressed: bytes already held are not stored again.
insert into raw.document select sha256, content, size, first_seen_at from documents
on conflict (sha256) do nothing;
