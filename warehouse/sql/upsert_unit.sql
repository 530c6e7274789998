-- Registry rows in (from the frame registered as `incoming`); touch updated_at only when something
-- really changed, so a re-run over the same registry changes nothing.
insert into core.unit
select unit_code, unit_name, parent_code, unit_type, source, contact_email, current_timestamp from incoming
on conflict (unit_code) do update set
    unit_name = excluded.unit_name, parent_code = excluded.parent_code, unit_type = excluded.unit_type,
    source = excluded.source, contact_email = excluded.contact_email, updated_at = excluded.updated_at
where core.unit.unit_name is distinct from excluded.unit_name
   or core.unit.parent_code is distinct from excluded.parent_code
   or core.unit.unit_type is distinct from excluded.unit_type
   or core.unit.source is distinct from excluded.source
   or core.unit.contact_email is distinct from excluded.contact_email;
