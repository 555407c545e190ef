//! Support for the configuration-file tests: running `passerelle config …`, a snapshot of
//! every configuration table, and seed data.

use super::routes::{Reach, destination, quick_retry, route_all};
use super::{TestDb, kinds};
use domain::RetryPolicy;
use domain::destination::{AuthKind, DestinationInput, DestinationName, Transport};
use domain::routing::{Action, Condition, Field, PiaRecord, Rule};
use domain::{AeTitle, CallerPolicy, ClinicCode, ClinicId, ClinicName, Jurisdiction, Port};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use server::db::entities::{local_ae, remote_node, remote_node_clinic};
use server::db::network::{LocalAeWrite, save_local_ae};
use server::db::routing_entities::{destination as dest, routing_rule, rule_version};
use server::db::{clinics, routing, rules};
use server::netconfig::{self, ConfigFile, RuleEntry};
use std::process::{Command, Output};

pub const SECRET: &str = "tok-7f3a9c-never-in-files";

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary against the test database.
pub fn passerelle(t: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Run {
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

pub fn export(t: &TestDb) -> String {
    let r = passerelle(t, &["config", "export"], &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout
}

/// Writes `text` to a file in the test's directory and imports it.
pub fn import(t: &TestDb, text: &str, dry_run: bool, env: &[(&str, &str)]) -> Run {
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

pub fn edit(text: &str, change: impl FnOnce(&mut ConfigFile)) -> String {
    let mut file = netconfig::parse(text).expect("exported file parses");
    change(&mut file);
    netconfig::to_toml(&file).expect("render")
}

/// Every row the configuration covers, to prove nothing changed.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub aes: Vec<local_ae::Model>,
    pub nodes: Vec<remote_node::Model>,
    pub links: Vec<remote_node_clinic::Model>,
    pub dests: Vec<dest::Model>,
    pub rules: Vec<routing_rule::Model>,
    pub versions: Vec<rule_version::Model>,
}

pub async fn snapshot(db: &impl ConnectionTrait) -> Snapshot {
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
pub async fn seed(t: &TestDb) {
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
pub async fn seed_cloud(t: &TestDb) {
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

pub fn rule(name: &str, to: &[&str], modality: &str, pattern: &str) -> Rule {
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

pub fn entry(clinic: Option<&str>, r: Rule) -> RuleEntry {
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

pub async fn each_database(test: impl AsyncFn(&TestDb)) {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        seed(&t).await;
        test(&t).await;
        t.finish().await;
    }
}
