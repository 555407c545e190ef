//! SeaORM entities of routing: destinations, rules, rule history, forward jobs.

entity!(destination, "destinations", "Where instances are forwarded: a remote node reached by C-STORE or STOW-RS.", {
    name: String, node_id: i64, kind: String, stow_url: String, auth_kind: String,
    auth_user: String, auth_secret: String, enabled: bool, paused: bool, max_concurrency: i32,
    retry_base_seconds: i32, retry_max_seconds: i32, retry_max_attempts: i32,
    timeout_seconds: i32, pia_reference: Option<String>, pia_recorded_by: Option<String>,
    pia_recorded_at: Option<i64>, created_at: i64, updated_at: i64,
});

entity!(routing_rule, "routing_rules", "One routing rule, of a clinic or global (no clinic); JSON definition.", {
    clinic_id: Option<i64>, position: i32, name: String, enabled: bool, definition: String,
    created_at: i64, updated_at: i64,
});

entity!(rule_version, "rule_versions", "One change of a rule: who, when, before and after (JSON).", {
    rule_id: i64, rule_name: String, changed_by: String, changed_at: i64,
    before: Option<String>, after: Option<String>,
});

entity!(forward_job, "forward_jobs", "One instance to send to one destination, and its outcome.", {
    instance_id: i64, destination_id: i64, clinic_id: i64, study_uid: String, rule_name: String,
    state: String, attempts: i32, due_at: i64, lease_until: Option<i64>,
    lease_owner: Option<String>, last_status: Option<i32>, last_error: Option<String>,
    created_at: i64, updated_at: i64, done_at: Option<i64>,
});
