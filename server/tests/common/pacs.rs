//! PACS stand-ins for query / retrieve tests: DCMTK dcmqrscp (AE `PACS`, its move destinations
//! in the HostTable) and Orthanc answering C-FIND / C-MOVE to the nodes listed in its
//! configuration; synthetic studies with chosen patient names and dates, loaded by storescu;
//! and an in-process Passerelle (HTTP API, DICOM listener with ingest, retrieve runner).

use super::TlsSource;
use super::peers::{Orthanc, Proc, free_port, orthanc_config};
use super::{Client, Kind, TestDb};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use domain::{AeTitle, ClinicCode, ClinicId, ClinicName, Host, Jurisdiction, NodeRole, Port};
use server::db::network::{NodeWrite, save_node};
use server::dimse::{DicomListener, ScpConfig};
use server::ingest::{ConflictPolicy, Ingest};
use server::qr::RetrieveRunner;
use server::state::AppState;
use server::storage::Spool;
use server::synth::{self, StudyIds, SynthTs};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Dcmqrscp {
    pub port: u16,
    pub dir: tempfile::TempDir,
    _p: Proc,
}

/// dcmqrscp as AE `PACS`; `destinations` are (AE, port) pairs on 127.0.0.1 it may move to.
pub fn dcmqrscp(destinations: &[(&str, u16)]) -> Dcmqrscp {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let store = dir.path().join("db");
    std::fs::create_dir_all(&store).expect("store");
    let hosts: String = destinations
        .iter()
        .enumerate()
        .map(|(i, (ae, p))| format!("h{i} = ({ae}, 127.0.0.1, {p})\n"))
        .collect();
    let cfg = format!(
        "NetworkTCPPort = {port}\nMaxPDUSize = 65536\nMaxAssociations = 16\n\
         HostTable BEGIN\n{hosts}HostTable END\n\
         VendorTable BEGIN\nVendorTable END\n\
         AETable BEGIN\nPACS {} RW (2000, 2048mb) ANY\nAETable END\n",
        store.display()
    );
    let path = dir.path().join("dcmqrscp.cfg");
    std::fs::write(&path, cfg).expect("config");
    let child = Command::new("dcmqrscp")
        .env("TCP_NODELAY", "1")
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dcmqrscp (dcmtk)");
    wait(port);
    Dcmqrscp {
        port,
        dir,
        _p: Proc(child),
    }
}

fn wait(port: u16) {
    let end = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Orthanc as a PACS (AE `ORTHANC`) that accepts C-FIND / C-MOVE from `callers` (AE, port).
pub fn orthanc_pacs(callers: &[(&str, u16)]) -> Orthanc {
    let modalities: serde_json::Map<String, serde_json::Value> = callers
        .iter()
        .map(|(ae, p)| (ae.to_lowercase(), serde_json::json!([ae, "127.0.0.1", p])))
        .collect();
    orthanc_config(None, serde_json::json!({ "DicomModalities": modalities }))
}

/// A study to generate: patient, date, description, modality, instance count and size.
pub struct StudySpec<'a> {
    pub patient_name: &'a str,
    pub patient_id: &'a str,
    pub study_date: &'a str,
    pub description: &'a str,
    pub instances: usize,
    pub pixel_bytes: usize,
}

/// Writes the study's files (one series) into `dir`; returns its Study Instance UID.
pub fn write_study(dir: &Path, s: &StudySpec) -> (String, Vec<PathBuf>) {
    let mut ids = StudyIds::new(1);
    ids.patient_name = s.patient_name.to_owned();
    ids.patient_id = s.patient_id.to_owned();
    let series = synth::new_uid();
    let mut files = Vec::new();
    for n in 1..=s.instances {
        let mut obj = synth::instance(&ids, &series, n, s.pixel_bytes);
        obj.put(DataElement::new(
            tags::STUDY_DATE,
            VR::DA,
            PrimitiveValue::from(s.study_date),
        ));
        obj.put(DataElement::new(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            PrimitiveValue::from(s.description),
        ));
        let path = dir.join(format!("{}-{n}.dcm", s.patient_id));
        synth::write(obj, SynthTs::ExplicitLe, &path).expect("write");
        files.push(path);
    }
    (ids.study_uid, files)
}

/// The Study Instance UIDs of a query answer (`/api/v1/query/studies`), sorted.
pub fn study_uids(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .map(|s| s["study_uid"].as_str().unwrap_or("").to_owned())
        .collect();
    out.sort();
    out
}

/// storescu of `files` to `ae` at `port` (must all succeed).
pub fn load(ae: &str, port: u16, files: &[PathBuf]) {
    let out = Command::new("storescu")
        .env("TCP_NODELAY", "1")
        .args(super::peers::DCMTK_WAIT)
        .args(["-aet", "LOADER", "-aec", ae, "127.0.0.1", &port.to_string()])
        .args(files)
        .output()
        .expect("storescu");
    assert!(
        out.status.success(),
        "storescu to {ae}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Passerelle in process: HTTP API (admin signed in), DICOM listener on `dicom_port` with the
/// demo local AE `PASSERELLE`, and the retrieve runner.
pub struct Here {
    pub t: TestDb,
    pub state: AppState,
    pub admin: Client,
    pub dicom_port: u16,
    /// The port of the DICOM TLS listener, when one was asked for.
    pub tls_port: Option<u16>,
}

pub async fn passerelle(kind: Kind) -> Here {
    passerelle_with(kind, None).await
}

/// The same, plus a listener accepting DICOM TLS only with `tls` (PS3.15 Annex B.1).
pub async fn passerelle_with(kind: Kind, tls: Option<Arc<TlsSource>>) -> Here {
    let t = TestDb::new(kind).await;
    let (router, state) = super::app(&t).await;
    state.registry.reload(&t.db).await.expect("registry");
    let spool_dir = t.path().join("spool");
    std::fs::create_dir_all(&spool_dir).expect("spool");
    let ingest = Arc::new(Ingest::new(
        t.db.clone(),
        Spool::open_for_ingest(&spool_dir).expect("spool"),
        ConflictPolicy::KeepBoth,
        state.router.clone(),
        state.wake.clone(),
    ));
    let _ = state.ingest.set(ingest.clone());
    let scp = ScpConfig {
        max_dataset: 64 << 20,
        max_associations: 16,
        max_pdu: 131_072,
        idle_timeout: Duration::from_secs(20),
        association_deadline: Duration::from_secs(300),
    };
    let l = DicomListener::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        scp.clone(),
        state.registry.clone(),
        Some(ingest.clone()),
    )
    .await
    .expect("bind");
    let dicom_port = l.local_addr().expect("addr").port();
    tokio::spawn(l.run());
    let tls_port = match tls {
        Some(tls) => Some(tls_listener(&state, scp, ingest.clone(), tls).await),
        None => None,
    };
    let mut qc = state.config.query.clone();
    qc.timeout_seconds = 5;
    qc.retrieve_timeout_seconds = 20;
    let runner = RetrieveRunner {
        db: t.db.clone(),
        ingest,
        config: qc,
        max_dataset: 64 << 20,
        wake: state.retrieve_wake.clone(),
        owner: "test-runner".into(),
    };
    tokio::spawn(Arc::new(runner).run());
    let mut admin = Client::new(router);
    assert_eq!(
        admin.login("admin", "correct horse battery").await.status,
        200
    );
    Here {
        t,
        state,
        admin,
        dicom_port,
        tls_port,
    }
}

async fn tls_listener(
    state: &AppState,
    scp: ScpConfig,
    ingest: Arc<Ingest>,
    tls: Arc<TlsSource>,
) -> u16 {
    let l = DicomListener::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        scp,
        state.registry.clone(),
        Some(ingest),
    )
    .await
    .expect("bind TLS");
    let port = l.local_addr().expect("addr").port();
    tokio::spawn(l.tls(tls).run());
    port
}

impl Here {
    /// Adds a remote node of `clinic`; returns its id.
    pub async fn node_in(
        &self,
        clinic: i64,
        name: &str,
        ae: &str,
        port: u16,
        role: NodeRole,
    ) -> i64 {
        let w = NodeWrite {
            name: name.into(),
            ae_title: AeTitle::parse(ae).expect("ae"),
            host: Host::parse("127.0.0.1").expect("host"),
            port: Port::new(u32::from(port)).expect("port"),
            tls: false,
            role,
            jurisdiction: Jurisdiction::Quebec,
            notes: String::new(),
            clinics: vec![ClinicId(clinic)],
        };
        save_node(&self.t.db, None, w).await.expect("node").id
    }

    /// Adds a remote node of the demo clinic.
    pub async fn node(&mut self, name: &str, ae: &str, port: u16, role: NodeRole) -> i64 {
        let clinic = self.demo_clinic().await;
        self.node_in(clinic, name, ae, port, role).await
    }

    /// Adds a clinic with this code and name; returns its id.
    pub async fn add_clinic(&self, code: &str, name: &str) -> i64 {
        let code = ClinicCode::parse(code).expect("code");
        let name = ClinicName::parse(name).expect("name");
        let clinic = server::db::clinics::create(&self.t.db, &code, &name);
        clinic.await.expect("clinic").id.0
    }

    /// Adds a local AE title of `clinic` that accepts any caller, and reloads the listener's
    /// registry.
    pub async fn add_local_ae(&self, clinic: i64, ae: &str) {
        let w = server::db::network::LocalAeWrite {
            clinic: ClinicId(clinic),
            ae_title: AeTitle::parse(ae).expect("ae"),
            enabled: true,
            caller_policy: domain::CallerPolicy::Any,
            allowed_callers: vec![],
            port: None,
        };
        server::db::network::save_local_ae(&self.t.db, None, w)
            .await
            .expect("ae");
        self.state
            .registry
            .reload(&self.t.db)
            .await
            .expect("reload");
    }

    pub async fn demo_clinic(&mut self) -> i64 {
        let a = self.admin.get("/api/v1/clinics").await;
        a.json()[0]["id"].as_i64().expect("clinic id")
    }

    /// Waits until the retrieve job is final; returns it.
    pub async fn wait_job(&mut self, id: i64, limit: Duration) -> serde_json::Value {
        let end = Instant::now() + limit;
        loop {
            let j = self
                .admin
                .get(&format!("/api/v1/retrieves/{id}"))
                .await
                .json();
            let state = j["state"].as_str().unwrap_or("").to_owned();
            if !["queued", "running"].contains(&state.as_str()) {
                return j;
            }
            assert!(Instant::now() < end, "retrieve {id} still {state}: {j}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
