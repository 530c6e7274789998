insert or replace into meta.campaign values ($year, $open, $deadline, $publication, $required_tables);
