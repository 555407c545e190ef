//! `passerelle config export | import [--dry-run]`, through the real binary, on SQLite and
//! PostgreSQL: export then import is a no-op; an edited file shows exactly its edits and
//! applies them (ids kept, rule changes versioned); an invalid file lists every problem, exits
//! 65 and changes nothing; secrets never appear in the file and survive the round trip; a
//! failure half-way through the writes rolls everything back; destinations that forward jobs
//! refer to cannot be removed.

mod common;

use common::routes::{Reach, destination, quick_retry, route_all};
use common::{Kind, TestDb, kinds};
use domain::destination::{AuthKind, DestinationInput, DestinationName, Transport};
use domain::routing::{Action, Condition, Field, PiaRecord, Rule};
use domain::{AeTitle, CallerPolicy, ClinicCode, ClinicId, ClinicName, Jurisdiction, Port};
use domain::{JobState, RetryPolicy};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use server::db::entities::{local_ae, remote_node, remote_node_clinic};
use server::db::index_entities::{instance, patient, series, study};
use server::db::network::{LocalAeWrite, save_local_ae};
use server::db::routing_entities::{destination as dest, forward_job, routing_rule, rule_version};
use server::db::{clinics, routing, rules};
use server::netconfig::{self, ConfigFile, RuleEntry};
use std::process::{Command, Output};

const SECRET: &str = "tok-7f3a9c-never-in-files";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary against the test database.
fn passerelle(t: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_passerelle"));
    cmd.arg("--data-dir")
        .arg(t.path())
        .args(args)
        .env("RUST_LOG", "warn")
        .env("PASSERELLE__DATABASE__URL", &t.url)
        .env_remove("PASSERELLE_CONFIG")
        .env_remove("PASSERELLE_SECRET_CLOUD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o: Output = cmd.output().expect("run passerelle");
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn export(t: &TestDb) -> String {
    let r = passerelle(t, &["config", "export"], &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout
}

/// Writes `text` to a file in the test's directory and imports it.
fn import(t: &TestDb, text: &str, dry_run: bool, env: &[(&str, &str)]) -> Run {
    let path = t.path().join("import.toml");
    std::fs::write(&path, text).expect("write file");
    let file = path.to_str().expect("path");
    let args = if dry_run {
        vec!["config", "import", file, "--dry-run"]
    } else {
        vec!["config", "import", file]
    };
    passerelle(t, &args, env)
}

fn edit(text: &str, change: impl FnOnce(&mut ConfigFile)) -> String {
    let mut file = netconfig::parse(text).expect("exported file parses");
    change(&mut file);
    netconfig::to_toml(&file).expect("render")
}

/// Every row the configuration covers, to prove nothing changed.
#[derive(Debug, PartialEq)]
struct Snapshot {
    aes: Vec<local_ae::Model>,
    nodes: Vec<remote_node::Model>,
    links: Vec<remote_node_clinic::Model>,
    dests: Vec<dest::Model>,
    rules: Vec<routing_rule::Model>,
    versions: Vec<rule_version::Model>,
}

async fn snapshot(db: &impl ConnectionTrait) -> Snapshot {
    Snapshot {
        aes: local_ae::Entity::find()
            .order_by_asc(local_ae::Column::Id)
            .all(db)
            .await
            .expect("aes"),
        nodes: remote_node::Entity::find()
            .order_by_asc(remote_node::Column::Id)
            .all(db)
            .await
            .expect("nodes"),
        links: remote_node_clinic::Entity::find()
            .order_by_asc(remote_node_clinic::Column::NodeId)
            .order_by_asc(remote_node_clinic::Column::ClinicId)
            .all(db)
            .await
            .expect("links"),
        dests: dest::Entity::find()
            .order_by_asc(dest::Column::Id)
            .all(db)
            .await
            .expect("dests"),
        rules: routing_rule::Entity::find()
            .order_by_asc(routing_rule::Column::Id)
            .all(db)
            .await
            .expect("rules"),
        versions: rule_version::Entity::find()
            .order_by_asc(rule_version::Column::Id)
            .all(db)
            .await
            .expect("versions"),
    }
}

/// Clinics DEMO (id 1) and EST; destinations `vna-mtl` (Quebec, DIMSE), `cloud` (outside
/// Canada, STOW-RS with a bearer secret and a PIA) and `spare`; local AE PASSERELLE; a global
/// rule to vna-mtl and a DEMO rule to cloud.
async fn seed(t: &TestDb) {
    for (code, name) in [("DEMO", "Clinique démo"), ("EST", "Clinique de l'Est")] {
        let code = ClinicCode::parse(code).expect("code");
        let name = ClinicName::parse(name).expect("name");
        clinics::create(&t.db, &code, &name).await.expect("clinic");
    }
    let vna = Reach::Dimse {
        ae: "ORTHANC",
        port: 4242,
    };
    destination(
        &t.db,
        "vna-mtl",
        vna,
        Jurisdiction::Quebec,
        quick_retry(),
        30,
    )
    .await;
    let spare = Reach::Dimse {
        ae: "SPARE",
        port: 104,
    };
    destination(
        &t.db,
        "spare",
        spare,
        Jurisdiction::Quebec,
        quick_retry(),
        30,
    )
    .await;
    seed_cloud(t).await;
    let ae = LocalAeWrite {
        clinic: ClinicId(1),
        ae_title: AeTitle::parse("PASSERELLE").expect("ae"),
        enabled: true,
        caller_policy: CallerPolicy::Any,
        allowed_callers: vec![],
        port: Some(Port::new(11113).expect("port")),
    };
    save_local_ae(&t.db, None, ae).await.expect("local ae");
    route_all(&t.db, &["vna-mtl"]).await;
    let ct = rule("CT thorax to cloud", &["cloud"], "CT", "^thorax");
    rules::save(&t.db, None, Some(ClinicId(1)), &ct, "test")
        .await
        .expect("rule");
}

/// Destination `cloud`: outside Canada, STOW-RS with a bearer secret and a recorded PIA.
async fn seed_cloud(t: &TestDb) {
    let url = "https://cloud.example/dicom-web".to_owned();
    let stow = Reach::Stow {
        url: url.clone(),
        port: 443,
    };
    let retry = RetryPolicy::default();
    let cloud = destination(&t.db, "cloud", stow, Jurisdiction::OutsideCanada, retry, 60).await;
    let node_id = routing::get(&t.db, cloud).await.expect("cloud").node_id;
    let input = DestinationInput {
        name: DestinationName::parse("cloud").expect("name"),
        node_id,
        transport: Transport::Stow,
        stow_url: url,
        auth: AuthKind::Bearer,
        auth_user: String::new(),
        secret: Some(SECRET.into()),
        enabled: true,
        max_concurrency: 2,
        retry,
        timeout_seconds: 60,
    };
    routing::save(&t.db, Some(cloud), &input)
        .await
        .expect("secret");
    let pia = PiaRecord {
        reference: "EFVP-2026-014".into(),
        recorded_by: "admin".into(),
        recorded_at: 1_780_000_000,
    };
    routing::record_pia(&t.db, cloud, &pia).await.expect("pia");
}

fn rule(name: &str, to: &[&str], modality: &str, pattern: &str) -> Rule {
    Rule {
        name: name.into(),
        enabled: true,
        action: Action::Stop,
        fallback: false,
        destinations: to.iter().map(|d| d.to_string()).collect(),
        when: Condition::All {
            of: vec![
                Condition::Equals {
                    field: Field::Modality,
                    value: modality.into(),
                },
                Condition::Matches {
                    field: Field::StudyDescription,
                    pattern: pattern.into(),
                },
            ],
        },
    }
}

fn entry(clinic: Option<&str>, r: Rule) -> RuleEntry {
    RuleEntry {
        clinic: clinic.map(str::to_owned),
        name: r.name,
        enabled: r.enabled,
        action: r.action,
        fallback: r.fallback,
        destinations: r.destinations,
        when: r.when,
    }
}

async fn each_database(test: impl AsyncFn(&TestDb)) {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        seed(&t).await;
        test(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn export_then_import_changes_nothing() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let text = export(t);
        assert!(
            text.contains("[[destinations]]") && text.contains("EFVP-2026-014"),
            "{text}"
        );
        let r = import(t, &text, true, &[]);
        assert_eq!(r.code, Some(0), "{:?}: {}", t.kind, r.stderr);
        assert!(
            r.stdout.starts_with("no changes\n"),
            "{:?}: {}",
            t.kind,
            r.stdout
        );
        let r = import(t, &text, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
        assert_eq!(
            snapshot(&t.db).await,
            before,
            "{:?}: an identical import writes nothing",
            t.kind
        );
        assert_eq!(export(t), text, "export is stable");
    })
    .await;
}

/// After the edited import: the node updated in place, `spare` gone, the other destinations
/// with their ids, the new rule after the DEMO one and versioned.
fn applied_exactly_the_edits(before: &Snapshot, after: &Snapshot) {
    let node = |s: &Snapshot| {
        s.nodes
            .iter()
            .find(|n| n.name == "vna-mtl node")
            .cloned()
            .expect("node")
    };
    assert_eq!(node(after).id, node(before).id, "updated in place");
    assert_eq!(node(after).port, 4243);
    assert!(after.dests.iter().all(|d| d.name != "spare"));
    let kept: Vec<(i64, &str)> = after
        .dests
        .iter()
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    let was: Vec<(i64, &str)> = before
        .dests
        .iter()
        .filter(|d| d.name != "spare")
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    assert_eq!(kept, was, "destinations keep their ids");
    let mr = after
        .rules
        .iter()
        .find(|r| r.name == "MR to VNA")
        .expect("new rule");
    assert_eq!(
        (mr.clinic_id, mr.position),
        (Some(1), 1),
        "after the DEMO rule"
    );
    let v = after.versions.last().expect("version");
    assert_eq!((v.rule_id, v.changed_by.as_str()), (mr.id, "config import"));
    assert_eq!(after.versions.len(), before.versions.len() + 1);
    assert_eq!(
        after.nodes.len(),
        before.nodes.len(),
        "the spare node stays (it is in the file)"
    );
}

#[tokio::test]
async fn an_edited_file_shows_and_applies_exactly_its_edits() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let edited = edit(&export(t), |f| {
            let node = f
                .nodes
                .iter_mut()
                .find(|n| n.name == "vna-mtl node")
                .expect("node");
            node.port = 4243;
            f.destinations.retain(|d| d.name != "spare");
            let mr = rule("MR to VNA", &["vna-mtl"], "MR", "^(?:brain|head)");
            f.rules.push(entry(Some("DEMO"), mr));
        });
        let r = import(t, &edited, true, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let expected = "remote nodes:\n  ~ changed \"vna-mtl node\": port: 4242 → 4243\n\
                        destinations:\n  - removed \"spare\"\n\
                        routing rules:\n  + added \"MR to VNA\" (DEMO)\n\
                        3 changes: 1 added, 1 changed, 1 removed\n\
                        dry run: nothing was changed\n";
        assert_eq!(r.stdout, expected, "{:?}", t.kind);
        assert_eq!(snapshot(&t.db).await, before, "a dry run changes nothing");

        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains("3 changes"), "{}", r.stdout);
        applied_exactly_the_edits(&before, &snapshot(&t.db).await);

        let r = import(t, &edited, true, &[]);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
    })
    .await;
}

#[tokio::test]
async fn an_invalid_file_lists_every_problem_and_changes_nothing() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let bad = edit(&export(t), |f| {
            f.local_aes[0].ae_title = "MUCH_TOO_LONG_AE_TITLE".into();
            f.nodes[0].port = 4243;
            let ct = f
                .rules
                .iter_mut()
                .find(|r| r.clinic.is_some())
                .expect("clinic rule");
            ct.when = Condition::Matches {
                field: Field::StudyDescription,
                pattern: "^(thorax".into(),
            };
            let global = f
                .rules
                .iter_mut()
                .find(|r| r.clinic.is_none())
                .expect("global rule");
            global.destinations.push("nowhere".into());
            f.rules.push(entry(
                Some("NOPE"),
                rule("Elsewhere", &["vna-mtl"], "US", "x"),
            ));
        });
        for dry_run in [true, false] {
            let r = import(t, &bad, dry_run, &[]);
            assert_eq!(r.code, Some(65), "{:?}: {}{}", t.kind, r.stdout, r.stderr);
            for needle in [
                "4 problems",
                "local_aes[0].ae_title: AE title must be at most 16 characters",
                "when.pattern: invalid regular expression",
                "destinations[1]: unknown destination \"nowhere\"",
                "rules[2].clinic: unknown clinic code \"NOPE\"",
            ] {
                assert!(r.stderr.contains(needle), "{needle:?} in {}", r.stderr);
            }
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            assert_eq!(
                snapshot(&t.db).await,
                before,
                "{:?}: nothing changed",
                t.kind
            );
        }
    })
    .await;
}

#[tokio::test]
async fn secrets_stay_out_of_the_file_and_survive_the_round_trip() {
    each_database(async |t: &TestDb| {
        let text = export(t);
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("secret_env = \"PASSERELLE_SECRET_CLOUD\""), "{text}");
        let secret = async || {
            let d = dest::Entity::find().all(&t.db).await.expect("dests");
            d.into_iter().find(|d| d.name == "cloud").expect("cloud").auth_secret
        };
        let edited = edit(&text, |f| f.destinations.iter_mut().for_each(|d| d.timeout_seconds = 45));
        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stdout.contains("secret"), "{}", r.stdout);
        assert_eq!(secret().await, SECRET, "kept when the variable is unset");

        let env = [("PASSERELLE_SECRET_CLOUD", "rotated-token")];
        let r = import(t, &edited, true, &env);
        assert!(r.stdout.contains("~ changed \"cloud\": secret: replaced"), "{}", r.stdout);
        assert!(!r.stdout.contains("rotated-token"), "{}", r.stdout);
        let r = import(t, &edited, false, &env);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(secret().await, "rotated-token", "taken from the variable");
        assert!(!export(t).contains("rotated-token"));

        // A new bearer destination needs its variable.
        let new = edit(&edited, |f| {
            let mut d = f.destinations.iter().find(|d| d.name == "cloud").cloned().expect("cloud");
            d.name = "cloud-2".into();
            d.secret_env = Some("PASSERELLE_SECRET_CLOUD_2".into());
            f.destinations.push(d);
        });
        let r = import(t, &new, true, &[]);
        assert_eq!(r.code, Some(65), "{}", r.stdout);
        assert!(
            r.stderr.contains("destinations[3].secret_env: environment variable PASSERELLE_SECRET_CLOUD_2 is not set"),
            "{}",
            r.stderr
        );
    })
    .await;
}

/// Makes the database refuse a rule named `boom`: the last writes of an import.
async fn refuse_rule_boom(t: &TestDb) {
    let statements: &[&str] = match t.kind {
        Kind::Sqlite => &["CREATE TRIGGER boom BEFORE INSERT ON routing_rules \
             WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END"],
        Kind::Postgres => &[
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN \
             IF NEW.name = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER boom BEFORE INSERT ON routing_rules \
             FOR EACH ROW EXECUTE FUNCTION boom()",
        ],
    };
    for s in statements {
        t.db.execute_unprepared(s).await.expect("trigger");
    }
}

#[tokio::test]
async fn a_failure_half_way_through_rolls_everything_back() {
    each_database(async |t: &TestDb| {
        refuse_rule_boom(t).await;
        let before = snapshot(&t.db).await;
        let edited = edit(&export(t), |f| {
            f.local_aes[0].port = Some(11114);
            f.nodes.iter_mut().for_each(|n| n.port += 1);
            f.destinations.retain(|d| d.name != "spare");
            f.nodes.retain(|n| n.name != "spare node");
            f.rules.retain(|r| r.clinic.is_some());
            f.rules
                .push(entry(None, rule("boom", &["vna-mtl"], "MR", "x")));
        });
        let r = import(t, &edited, true, &[]);
        assert!(
            r.stdout.contains("+ added \"boom\" (global)"),
            "{}",
            r.stdout
        );
        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(1), "{:?}: {}{}", t.kind, r.stdout, r.stderr);
        assert!(r.stderr.contains("boom refused"), "{}", r.stderr);
        assert_eq!(
            snapshot(&t.db).await,
            before,
            "{:?}: all or nothing",
            t.kind
        );
    })
    .await;
}

/// Inserts one received instance (patient, study, series, instance); returns its id.
async fn received_instance(t: &TestDb) -> i64 {
    let p = patient::ActiveModel {
        clinic_id: Set(1),
        patient_key: Set("P1".into()),
        name: Set("DOE^J".into()),
        birth_date: Set(String::new()),
        sex: Set(String::new()),
        ..Default::default()
    };
    let p = p.insert(&t.db).await.expect("patient");
    let s = study::ActiveModel {
        clinic_id: Set(1),
        patient_id: Set(p.id),
        study_uid: Set("1.2.3".into()),
        study_date: Set(String::new()),
        study_time: Set(String::new()),
        accession: Set(String::new()),
        description: Set(String::new()),
        referring_physician: Set(String::new()),
        modalities: Set("CT".into()),
        instance_count: Set(1),
        source_ae: Set("CT1".into()),
        received_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    let s = s.insert(&t.db).await.expect("study");
    let se = series::ActiveModel {
        study_id: Set(s.id),
        series_uid: Set("1.2.3.4".into()),
        modality: Set("CT".into()),
        number: Set("1".into()),
        description: Set(String::new()),
        body_part: Set(String::new()),
        instance_count: Set(1),
        route_facts: Set(String::new()),
        ..Default::default()
    };
    let se = se.insert(&t.db).await.expect("series");
    let i = instance::ActiveModel {
        clinic_id: Set(1),
        series_id: Set(se.id),
        sop_instance_uid: Set("1.2.3.4.5".into()),
        sop_class_uid: Set("1.2".into()),
        instance_number: Set("1".into()),
        transfer_syntax: Set("1.2.840.10008.1.2.1".into()),
        size: Set(1),
        digest: Set(String::new()),
        spool_path: Set("x".into()),
        calling_ae: Set("CT1".into()),
        called_ae: Set("PASSERELLE".into()),
        received_at: Set(0),
        purged_at: Set(None),
        ..Default::default()
    };
    i.insert(&t.db).await.expect("instance").id
}

/// Inserts a forward job (done) of a received instance to destination `to`.
async fn job_to(t: &TestDb, to: i64) {
    let j = forward_job::ActiveModel {
        instance_id: Set(received_instance(t).await),
        destination_id: Set(to),
        clinic_id: Set(1),
        study_uid: Set("1.2.3".into()),
        rule_name: Set("everything".into()),
        state: Set(JobState::Done.as_str().into()),
        attempts: Set(1),
        due_at: Set(0),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(0),
        updated_at: Set(0),
        done_at: Set(Some(0)),
        ..Default::default()
    };
    j.insert(&t.db).await.expect("job");
}

#[tokio::test]
async fn destinations_with_forward_jobs_are_disabled_not_removed() {
    each_database(async |t: &TestDb| {
        let spare = snapshot(&t.db)
            .await
            .dests
            .into_iter()
            .find(|d| d.name == "spare")
            .expect("spare");
        job_to(t, spare.id).await;
        let before = snapshot(&t.db).await;
        let text = export(t);
        let without = edit(&text, |f| {
            f.destinations.retain(|d| d.name != "spare");
            f.nodes.retain(|n| n.name != "spare node");
        });
        let r = import(t, &without, true, &[]);
        assert_eq!(r.code, Some(65), "{}", r.stdout);
        assert!(
            r.stderr.contains(
                "destinations: \"spare\" is not in the file but 1 forward jobs refer to it"
            ),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("nodes: \"spare node\" is not in the file"),
            "{}",
            r.stderr
        );
        assert_eq!(snapshot(&t.db).await, before);

        let disabled = edit(&text, |f| {
            f.destinations
                .iter_mut()
                .filter(|d| d.name == "spare")
                .for_each(|d| d.enabled = false);
        });
        let r = import(t, &disabled, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout
                .contains("~ changed \"spare\": enabled: true → false"),
            "{}",
            r.stdout
        );
        let now = snapshot(&t.db)
            .await
            .dests
            .into_iter()
            .find(|d| d.name == "spare")
            .expect("spare");
        assert_eq!(
            (now.id, now.enabled),
            (spare.id, false),
            "same row, jobs still attached"
        );
    })
    .await;
}

#[tokio::test]
async fn local_ae_titles_can_swap_their_ports() {
    each_database(async |t: &TestDb| {
        let text = edit(&export(t), |f| {
            let mut other = f.local_aes[0].clone();
            other.ae_title = "PASS_EST".into();
            other.clinic = "EST".into();
            other.port = Some(11114);
            f.local_aes.push(other);
        });
        let r = import(t, &text, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let swapped = edit(&text, |f| {
            f.local_aes
                .iter_mut()
                .for_each(|a| a.port = a.port.map(|p| 11113 + 11114 - p));
        });
        let r = import(t, &swapped, false, &[]);
        assert_eq!(r.code, Some(0), "{:?}: {}", t.kind, r.stderr);
        assert!(
            r.stdout.contains("PASS_EST: port: 11114 → 11113"),
            "{}",
            r.stdout
        );
        let r = import(t, &swapped, true, &[]);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
    })
    .await;
}
