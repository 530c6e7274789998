update meta.run set finished_at = current_timestamp, status = $status, summary = $summary where run_id = $run_id;
