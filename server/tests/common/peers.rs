//! Real receivers for forwarding tests: DCMTK storescp and Orthanc (C-STORE and, with its
//! DICOMweb plugin, STOW-RS), each in a temporary directory on a free port; and the content
//! digest used to check that what arrived is what was acknowledged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// DCMTK SCU options: wait at most 30 s for an association answer (`-ta`) and for each DIMSE
/// response (`-td`; unlimited by default), so a server that stops answering fails a test
/// instead of hanging it.
pub const DCMTK_WAIT: [&str; 4] = ["-ta", "30", "-td", "30"];

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_port(port: u16, what: &str) {
    let end = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts the real `passerelle serve` on `data` and `db_url` with its DICOM listener on `dicom`
/// and extra `PASSERELLE__…` settings; returns once the DICOM port accepts connections.
pub fn serve(data: &Path, db_url: &str, dicom: u16, env: &[(&str, String)]) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(["serve", "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "error")
        .env("PASSERELLE__DATABASE__URL", db_url)
        .env("PASSERELLE__DICOM__LISTEN", format!("127.0.0.1:{dicom}"))
        .env(
            "PASSERELLE__SERVER__HTTP_ADDR",
            format!("127.0.0.1:{}", free_port()),
        )
        .env(
            "PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD",
            "correct horse battery",
        )
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .spawn()
        .expect("passerelle serve");
    wait_port(dicom, "passerelle");
    Proc(child)
}

/// A process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// DCMTK storescp writing every received instance to its own file (`+uf`), so a duplicate
/// delivery shows as a second file.
pub struct StoreScp {
    pub port: u16,
    pub dir: tempfile::TempDir,
    _p: Proc,
}

pub fn storescp(extra: &[&str]) -> StoreScp {
    storescp_on(free_port(), extra)
}

pub fn storescp_on(port: u16, extra: &[&str]) -> StoreScp {
    let dir = tempfile::tempdir().expect("dir");
    let child = Command::new("storescp")
        .env("TCP_NODELAY", "1")
        .args(["-aet", "STORESCP", "+uf", "-od"])
        .arg(dir.path())
        .args(extra)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("storescp (dcmtk)");
    wait_port(port, "storescp");
    StoreScp {
        port,
        dir,
        _p: Proc(child),
    }
}

impl StoreScp {
    /// SOP Instance UID → digests of every copy received.
    pub fn received(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for e in std::fs::read_dir(self.dir.path()).expect("dir").flatten() {
            if let Some((uid, digest)) = identify(&e.path()) {
                out.entry(uid).or_default().push(digest);
            }
        }
        out
    }
}

/// Orthanc with the DICOMweb plugin; AE `ORTHANC`.
pub struct Orthanc {
    pub dicom: u16,
    pub http: u16,
    pub dir: tempfile::TempDir,
    _p: Proc,
}

pub fn orthanc() -> Orthanc {
    orthanc_with(None)
}

/// Orthanc running a Lua script (e.g. a `ReceivedInstanceFilter` that refuses instances).
pub fn orthanc_with(lua: Option<&str>) -> Orthanc {
    orthanc_config(lua, serde_json::json!({}))
}

/// Orthanc with extra configuration keys (e.g. `DicomModalities` to act as a PACS).
pub fn orthanc_config(lua: Option<&str>, extra: serde_json::Value) -> Orthanc {
    let dir = tempfile::tempdir().expect("dir");
    let script = dir.path().join("script.lua");
    std::fs::write(&script, lua.unwrap_or("")).expect("lua");
    let (dicom, http) = (free_port(), free_port());
    let mut cfg = serde_json::json!({
        "Name": "test", "StorageDirectory": dir.path().join("db"),
        "IndexDirectory": dir.path().join("db"), "HttpPort": http, "DicomPort": dicom,
        "DicomAet": "ORTHANC", "RemoteAccessAllowed": true, "AuthenticationEnabled": false,
        "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
        "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
        "HttpServerEnabled": true, "StorageCompression": false, "LogExportedResources": false,
        "LuaScripts": [script],
    });
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    let path = dir.path().join("orthanc.json");
    std::fs::write(&path, cfg.to_string()).expect("config");
    let child = Command::new("Orthanc")
        .env("TCP_NODELAY", "1")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Orthanc (Debian package orthanc)");
    wait_port(http, "Orthanc HTTP");
    wait_port(dicom, "Orthanc DICOM");
    Orthanc {
        dicom,
        http,
        dir,
        _p: Proc(child),
    }
}

impl Orthanc {
    pub fn stow_url(&self) -> String {
        format!("http://127.0.0.1:{}/dicom-web", self.http)
    }

    /// SOP Instance UID → digest, read back through Orthanc's REST API.
    pub async fn received(&self) -> HashMap<String, Vec<String>> {
        let base = format!("http://127.0.0.1:{}", self.http);
        let ids: Vec<String> = get_json(&format!("{base}/instances")).await;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for id in ids {
            let bytes = get_bytes(&format!("{base}/instances/{id}/file")).await;
            if let Some((uid, digest)) = identify_bytes(&bytes) {
                out.entry(uid).or_default().push(digest);
            }
        }
        out
    }

    /// Stores `files` through the REST API (`POST /instances`), whatever its DICOM port accepts.
    pub async fn upload(&self, files: &[PathBuf]) {
        let url = format!("http://127.0.0.1:{}/instances", self.http);
        for f in files {
            let shown = f.display().to_string();
            let (url, f) = (url.clone(), f.clone());
            let ok = tokio::task::spawn_blocking(move || {
                Command::new("curl")
                    .args(["-sf", "-X", "POST", "--data-binary"])
                    .arg(format!("@{}", f.display()))
                    .arg(&url)
                    .output()
                    .map(|o| o.status.success())
            })
            .await
            .expect("join");
            assert!(matches!(ok, Ok(true)), "upload {shown} to Orthanc");
        }
    }

    pub async fn count(&self) -> usize {
        let stats: serde_json::Value =
            get_json(&format!("http://127.0.0.1:{}/statistics", self.http)).await;
        stats["CountInstances"].as_u64().unwrap_or(0) as usize
    }
}

async fn get_bytes(url: &str) -> Vec<u8> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("curl")
            .args(["-sf", &url])
            .output()
            .expect("curl");
        out.stdout
    })
    .await
    .expect("join")
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    serde_json::from_slice(&get_bytes(url).await).expect("json")
}

/// (SOP Instance UID, blake3 of the data set after the file meta group) of a Part-10 file.
pub fn identify(path: &Path) -> Option<(String, String)> {
    identify_bytes(&std::fs::read(path).ok()?)
}

pub fn identify_bytes(bytes: &[u8]) -> Option<(String, String)> {
    let start = server::storage::dataset_offset(bytes)?;
    let obj = dicom_object::from_reader(std::io::Cursor::new(&bytes[128..])).ok()?;
    let uid = obj
        .element(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        .ok()?
        .to_str()
        .ok()?
        .trim_end_matches(['\0', ' '])
        .to_owned();
    Some((uid, server::storage::digest(&bytes[start..])))
}

/// What Passerelle acknowledged: SOP Instance UID → digest of the data set, from the files sent.
pub fn expected(files: &[PathBuf]) -> HashMap<String, String> {
    files
        .iter()
        .map(|f| identify(f).expect("readable test file"))
        .collect()
}

/// Whether every expected instance arrived at least once with the same content.
pub fn missing(
    expected: &HashMap<String, String>,
    got: &HashMap<String, Vec<String>>,
) -> Vec<String> {
    expected
        .iter()
        .filter(|(uid, digest)| !got.get(*uid).is_some_and(|v| v.contains(digest)))
        .map(|(uid, _)| uid.clone())
        .collect()
}
