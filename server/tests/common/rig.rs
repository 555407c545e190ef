//! A DICOM listener with ingest on a fresh database, and the DCMTK / dicom-ul helpers the
//! ingest tests drive it with.

use super::TlsSource;
use super::{Kind, TestDb};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::dimse::{AeRegistry, DicomListener, ScpConfig};
use server::ingest::{ConflictPolicy, Ingest};
use server::routing::Router;
use server::storage::Spool;
use server::synth::{self, StudyIds, SynthTs};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub struct Rig {
    pub t: TestDb,
    pub addr: SocketAddr,
    pub spool_dir: PathBuf,
    pub files: tempfile::TempDir,
    /// Routing rules and destinations as ingest sees them (reload after changing them).
    pub router: Arc<Router>,
    pub wake: Arc<Notify>,
}

pub async fn rig(kind: Kind, policy: ConflictPolicy) -> Rig {
    rig_with(kind, policy, 8 << 20, |_| {}).await
}

/// A rig with a data set size limit, and a hook run on the spool directory before it opens.
pub async fn rig_with(
    kind: Kind,
    policy: ConflictPolicy,
    max_dataset: usize,
    prepare: impl FnOnce(&Path),
) -> Rig {
    rig_full(kind, policy, max_dataset, prepare, None).await
}

/// A rig whose listener accepts DICOM TLS only, with `tls`.
pub async fn rig_tls(kind: Kind, tls: Arc<TlsSource>) -> Rig {
    rig_full(kind, ConflictPolicy::KeepBoth, 8 << 20, |_| {}, Some(tls)).await
}

async fn rig_full(
    kind: Kind,
    policy: ConflictPolicy,
    max_dataset: usize,
    prepare: impl FnOnce(&Path),
    tls: Option<Arc<TlsSource>>,
) -> Rig {
    let t = TestDb::new(kind).await;
    let cfg = super::config(&t);
    server::bootstrap::first_start(&t.db, &cfg)
        .await
        .expect("bootstrap");
    let registry = Arc::new(AeRegistry::default());
    registry.reload(&t.db).await.expect("registry");
    let spool_dir = t.path().join("spool");
    std::fs::create_dir_all(&spool_dir).expect("spool dir");
    prepare(&spool_dir);
    let router = Arc::new(Router::default());
    router.reload(&t.db).await.expect("router");
    let wake = Arc::new(Notify::new());
    let ingest = Ingest::new(
        t.db.clone(),
        Spool::open_for_ingest(&spool_dir).expect("spool"),
        policy,
        router.clone(),
        wake.clone(),
    );
    let scp = ScpConfig {
        max_dataset,
        max_associations: 8,
        max_pdu: 131_072,
        idle_timeout: Duration::from_secs(5),
        association_deadline: Duration::from_secs(120),
    };
    let l = DicomListener::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        scp,
        registry,
        Some(Arc::new(ingest)),
    )
    .await
    .expect("bind");
    let l = match tls {
        Some(tls) => l.tls(tls),
        None => l,
    };
    let addr = l.local_addr().expect("addr");
    tokio::spawn(l.run());
    Rig {
        t,
        addr,
        spool_dir,
        files: tempfile::tempdir().expect("dir"),
        router,
        wake,
    }
}

/// Runs storescu off the runtime; returns (success, output).
pub async fn storescu(addr: SocketAddr, extra: &[&str], files: &[PathBuf]) -> (bool, String) {
    let mut args: Vec<String> = vec![
        "-v".into(),
        "-aet".into(),
        "MODALITY".into(),
        "-aec".into(),
        "PASSERELLE".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(addr.ip().to_string());
    args.push(addr.port().to_string());
    args.extend(files.iter().map(|p| p.display().to_string()));
    tokio::task::spawn_blocking(move || {
        let out = Command::new("storescu")
            .env("TCP_NODELAY", "1")
            .args(super::peers::DCMTK_WAIT)
            .args(&args)
            .output()
            .expect("storescu (dcmtk)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success() && !text.contains("Status: "), text)
    })
    .await
    .expect("join")
}

pub async fn count<E: EntityTrait>(db: &sea_orm::DatabaseConnection) -> u64
where
    E::Model: Sync,
{
    E::find().count(db).await.expect("count")
}

pub fn spool_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for shard in std::fs::read_dir(dir.join("objects"))
        .expect("objects")
        .flatten()
    {
        out.extend(
            std::fs::read_dir(shard.path())
                .expect("shard")
                .flatten()
                .map(|e| e.path()),
        );
    }
    out
}

/// A C-STORE-RQ command set (PS3.7 §9.3.1.1) for a CT instance.
pub fn store_command(sop_instance: &str) -> Vec<u8> {
    server::dimse::command::store_request(
        1,
        dicom_dictionary_std::uids::CT_IMAGE_STORAGE,
        sop_instance,
    )
    .expect("encode")
}

pub fn one_file(r: &Rig, name: &str, n: usize, pixel_bytes: usize) -> PathBuf {
    let path = r.files.path().join(name);
    synth::write(
        synth::instance(&StudyIds::new(n), &synth::new_uid(), 1, pixel_bytes),
        SynthTs::ExplicitLe,
        &path,
    )
    .expect("synth");
    path
}

/// Opens an association proposing CT Image Storage in `ts` (for what storescu cannot send).
pub async fn associate(
    addr: SocketAddr,
    ts: &str,
) -> (
    dicom_ul::association::client::AsyncClientAssociation<tokio::net::TcpStream>,
    dicom_ul::pdu::PresentationContextNegotiated,
) {
    let assoc = dicom_ul::ClientAssociationOptions::new()
        .with_presentation_context(dicom_dictionary_std::uids::CT_IMAGE_STORAGE, vec![ts])
        .calling_ae_title("MODALITY")
        .called_ae_title("PASSERELLE")
        .establish_async(addr)
        .await
        .expect("association");
    let ctx = assoc.presentation_contexts()[0].clone();
    (assoc, ctx)
}

/// Sends one C-STORE (command for `sop_instance`, then the whole data set) and returns the
/// status of the answer.
pub async fn store_raw(
    assoc: &mut dicom_ul::association::client::AsyncClientAssociation<tokio::net::TcpStream>,
    ctx: u8,
    sop_instance: &str,
    dataset: Vec<u8>,
) -> u16 {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    let pdv = |value_type, data| PDataValue {
        presentation_context_id: ctx,
        value_type,
        is_last: true,
        data,
    };
    let cmd = store_command(sop_instance);
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Command, cmd)],
        })
        .await
        .expect("command");
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Data, dataset)],
        })
        .await
        .expect("data");
    match assoc.receive().await.expect("response") {
        dicom_ul::Pdu::PData { data } => {
            server::dimse::command::status_of(&data[0].data).expect("status")
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Stores one synthetic CT instance (number `number` of `series`, explicit VR little endian)
/// through `ingest` into `clinic`, called by CT1 on PASSERELLE; returns the answer.
pub async fn store_synthetic(
    ingest: &Ingest,
    clinic: i64,
    ids: &StudyIds,
    series: &str,
    number: usize,
    pixel_bytes: usize,
) -> server::ingest::StoreResult {
    ingest
        .store(synthetic_request(clinic, ids, series, number, pixel_bytes))
        .await
}

/// The ingest request of one synthetic CT instance (see `store_synthetic`).
pub fn synthetic_request(
    clinic: i64,
    ids: &StudyIds,
    series: &str,
    number: usize,
    pixel_bytes: usize,
) -> server::ingest::StoreRequest {
    let obj = synth::instance(ids, series, number, pixel_bytes);
    let mut dataset = Vec::new();
    obj.write_dataset_with_ts(
        &mut dataset,
        &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .expect("encode");
    let uid = |t| {
        obj.element(t)
            .expect("uid")
            .to_str()
            .expect("str")
            .trim_end_matches('\0')
            .to_owned()
    };
    server::ingest::StoreRequest {
        clinic: domain::ClinicId(clinic),
        calling_ae: "CT1".into(),
        called_ae: "PASSERELLE".into(),
        command_sop_class: uid(dicom_dictionary_std::tags::SOP_CLASS_UID),
        command_sop_instance: uid(dicom_dictionary_std::tags::SOP_INSTANCE_UID),
        transfer_syntax: "1.2.840.10008.1.2.1".into(),
        dataset,
    }
}
