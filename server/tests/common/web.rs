//! DICOMweb test rig: Passerelle in process with its HTTP router on a real TCP port (so external
//! clients such as Python's dicomweb-client can call it), the DICOM listener with ingest, and
//! helpers to issue tokens and to run Python scripts.

use super::Kind;
use super::pacs::{Here, passerelle};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use domain::tokens::TokenInput;
use std::net::SocketAddr;
use std::process::Command;

pub struct Web {
    pub here: Here,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

/// Passerelle (see `pacs::passerelle`) also serving HTTP on a free port.
pub async fn web(kind: Kind) -> Web {
    let here = passerelle(kind).await;
    let router = here.admin.router.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Web {
        here,
        base: format!("http://{addr}"),
    }
}

impl Web {
    /// A token for an application scoped to `clinics`, allowed to upload; returns the secret.
    pub async fn token(&self, name: &str, clinics: &[i64]) -> String {
        self.token_with(name, clinics, true).await
    }

    /// A token for an application scoped to `clinics`; `can_store`: may upload (STOW-RS).
    pub async fn token_with(&self, name: &str, clinics: &[i64], can_store: bool) -> String {
        let input = TokenInput {
            name: name.into(),
            user_id: None,
            clinics: clinics.to_vec(),
            expires_in_days: None,
            can_store,
        };
        server::db::tokens::create(&self.here.t.db, &input, "test")
            .await
            .expect("token")
            .1
    }

    /// `{base}/dicomweb`
    pub fn root(&self) -> String {
        format!("{}/dicomweb", self.base)
    }
}

/// Runs `python3 -c script` with `args`; returns (success, stdout, stderr).
pub async fn python(script: &str, args: &[String]) -> (bool, String, String) {
    let (script, args) = (script.to_owned(), args.to_vec());
    tokio::task::spawn_blocking(move || {
        let out = Command::new("python3")
            .arg("-c")
            .arg(&script)
            .args(&args)
            .output()
            .expect("python3");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .expect("join")
}

/// Ingests `obj` encoded in `ts` into `clinic`; returns the data set bytes as received.
pub async fn ingest(w: &Web, clinic: i64, obj: &InMemDicomObject, ts: &str) -> Vec<u8> {
    let mut dataset = Vec::new();
    let t = TransferSyntaxRegistry.get(ts).expect("transfer syntax");
    obj.write_dataset_with_ts(&mut dataset, t).expect("encode");
    let rq = server::ingest::StoreRequest {
        clinic: domain::ClinicId(clinic),
        calling_ae: "CT1".into(),
        called_ae: "PASSERELLE".into(),
        command_sop_class: uid_of(obj, tags::SOP_CLASS_UID),
        command_sop_instance: uid_of(obj, tags::SOP_INSTANCE_UID),
        transfer_syntax: ts.into(),
        dataset: dataset.clone(),
    };
    let r = w.here.state.ingest.get().expect("ingest").store(rq).await;
    assert_eq!(r.status, 0, "{r:?}");
    dataset
}

fn uid_of(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    let e = obj.element(tag).expect("uid");
    e.to_str().expect("str").trim_end_matches('\0').to_owned()
}

/// Decoded PNG samples.
pub fn png_samples(body: &[u8]) -> Vec<u8> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(body))
        .read_info()
        .expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    buf.truncate(info.buffer_size());
    buf
}
