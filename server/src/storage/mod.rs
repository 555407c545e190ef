//! The spool: received instances as DICOM Part-10 files (PS3.10 §7.1), written durably (file
//! fsync, then directory fsync) before the index transaction commits. File names are random
//! UUIDs, never UIDs from the data; the 128-byte preamble is always zero. An ingesting process
//! takes its new files from a [`pool`] of empty files made ahead by a background thread.

mod pool;
pub mod verify;

use dicom_object::FileMetaTableBuilder;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Passerelle's implementation class UID (PS3.7 §D.3.3.2), under the UUID-derived root 2.25.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.118364175452431626011183015240573711657";
pub const IMPLEMENTATION_VERSION: &str = "PASSERELLE_0_1";

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("file meta information: {0}")]
    Meta(String),
}

/// Identity of the instance written in the file meta group.
pub struct MetaInfo<'a> {
    pub sop_class_uid: &'a str,
    pub sop_instance_uid: &'a str,
    pub transfer_syntax: &'a str,
}

/// A file written to the spool, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub rel_path: String,
    pub size: u64,
}

/// The digest the index records of a data set as received (BLAKE3, hex): it identifies an
/// instance's content (duplicates, conflicts) and checks its spool copy.
pub fn digest(data_set: &[u8]) -> String {
    blake3::hash(data_set).to_hex().to_string()
}

/// Where the data set starts in a Part-10 file: after the preamble, "DICM" and the file meta
/// group, whose length is the value of (0002,0000) (PS3.10 §7.1; explicit VR little endian).
pub fn dataset_offset(file: &[u8]) -> Option<usize> {
    if file.get(128..132)? != b"DICM" || file.get(132..136)? != [2, 0, 0, 0] {
        return None;
    }
    let len = u32::from_le_bytes(file.get(140..144)?.try_into().ok()?) as usize;
    let end = 144usize.checked_add(len)?;
    (end <= file.len()).then_some(end)
}

#[derive(Debug, Clone)]
pub struct Spool {
    root: PathBuf,
    pool: Option<std::sync::Arc<pool::Pool>>,
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Spool {
    /// Opens (and creates) the spool with its 256 shard directories.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, SpoolError> {
        let root = root.into();
        let objects = root.join("objects");
        for shard in 0..=255u8 {
            std::fs::create_dir_all(objects.join(format!("{shard:02x}")))?;
        }
        sync_dir(&objects)?;
        sync_dir(&root)?;
        Ok(Self { root, pool: None })
    }

    /// Opens the spool for ingest: new files come from a pool of empty files made ahead
    /// (see [`pool`]). Without a pool (it could not be started: logged) files are created
    /// one by one, as [`Spool::open`] does.
    pub fn open_for_ingest(root: impl Into<PathBuf>) -> Result<Self, SpoolError> {
        let mut spool = Self::open(root)?;
        match pool::Pool::start(&spool.root) {
            Ok(p) => spool.pool = Some(p),
            Err(e) => tracing::warn!(error = %e, "spool pool not started; files made one by one"),
        }
        Ok(spool)
    }

    /// How many empty files the pool has ready (0 without a pool).
    pub fn pool_ready(&self) -> usize {
        self.pool.as_ref().map_or(0, |p| p.ready())
    }

    /// Opens a new file at `path`: an empty file of the pool renamed there, or a file created
    /// there. Either way the caller fsyncs the directory afterwards (PS3.10 files are only
    /// acknowledged once their name is durable too).
    fn create(&self, path: &Path) -> std::io::Result<File> {
        if let Some(ready) = self.pool.as_ref().and_then(|p| p.take()) {
            // The target name is a fresh random UUID, so the rename replaces nothing.
            match std::fs::rename(&ready, path) {
                Ok(()) => return OpenOptions::new().write(true).open(path),
                Err(e) => {
                    tracing::debug!(error = %e, "spool pool file not usable; creating one");
                    let _ = std::fs::remove_file(&ready);
                }
            }
        }
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The Part-10 header: zero preamble, `DICM`, file meta group (explicit VR little endian).
    pub fn header(meta: &MetaInfo<'_>) -> Result<Vec<u8>, SpoolError> {
        let table = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(meta.sop_class_uid)
            .media_storage_sop_instance_uid(meta.sop_instance_uid)
            .transfer_syntax(meta.transfer_syntax)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name(IMPLEMENTATION_VERSION)
            .build()
            .map_err(|e| SpoolError::Meta(e.to_string()))?;
        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        table
            .write(&mut out)
            .map_err(|e| SpoolError::Meta(e.to_string()))?;
        Ok(out)
    }

    /// A fresh relative path for a new file (random, never derived from the data).
    pub fn new_path() -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        format!("objects/{}/{id}.dcm", &id[..2])
    }

    /// Writes the data set as received, durably, at a new random path. Blocking.
    pub fn write(&self, meta: &MetaInfo<'_>, dataset: &[u8]) -> Result<Stored, SpoolError> {
        let rel_path = Self::new_path();
        self.write_at(&rel_path, &Self::header(meta)?, dataset, true)
    }

    /// Writes `header` (see [`Spool::header`]) and the data set at `rel_path`: data, `fsync` of
    /// the file, `fsync` of its directory. A new file when `create`; otherwise a damaged one is
    /// replaced: the new copy is written beside it and renamed over it, so that a reader (a
    /// forward in progress) sees the old file or the new one, never a mix. On failure nothing
    /// new is left behind.
    pub fn write_at(
        &self,
        rel_path: &str,
        header: &[u8],
        dataset: &[u8],
        create: bool,
    ) -> Result<Stored, SpoolError> {
        let path = self.root.join(rel_path);
        let written = if create {
            path.clone()
        } else {
            path.with_extension("dcm.new")
        };
        let result = (|| -> std::io::Result<()> {
            let mut f = if create {
                self.create(&path)?
            } else {
                OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&written)?
            };
            f.write_all(header)?;
            f.write_all(dataset)?;
            f.sync_all()?;
            if !create {
                std::fs::rename(&written, &path)?;
            }
            sync_dir(path.parent().unwrap_or(&self.root))
        })();
        match result {
            Ok(()) => Ok(Stored {
                rel_path: rel_path.to_owned(),
                size: (header.len() + dataset.len()) as u64,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&written);
                Err(e.into())
            }
        }
    }

    /// Whether the file at `rel` holds what the index recorded: its size, and the BLAKE3
    /// `digest` of its data set. The index commits side by side with the file's `fsync`, so a
    /// crash can leave an indexed file short, or (power lost after its length reached the disk
    /// but before all its data did) of the right size with other bytes; such an instance was
    /// never acknowledged. Reads the whole file: blocking.
    pub fn intact(&self, rel: &str, size: u64, digest: &str) -> bool {
        let Ok(bytes) = std::fs::read(self.root.join(rel)) else {
            return false;
        };
        bytes.len() as u64 == size
            && dataset_offset(&bytes).is_some_and(|at| self::digest(&bytes[at..]) == digest)
    }

    /// Removes files released after forwarding (a file already gone is not an error).
    pub fn release(&self, rels: &[String]) {
        for rel in rels {
            match std::fs::remove_file(self.root.join(rel)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, file = %rel, "could not release spool file"),
            }
        }
    }

    /// Removes a file (best effort: a leftover file is harmless, a missing one is not).
    pub fn remove(&self, rel: &str) {
        if let Err(e) = std::fs::remove_file(self.root.join(rel)) {
            tracing::warn!(error = %e, file = rel, "could not remove spool file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_part10_file_with_a_zero_preamble() {
        let dir = tempfile::tempdir().expect("dir");
        let spool = Spool::open(dir.path()).expect("open");
        let meta = MetaInfo {
            sop_class_uid: "1.2.840.10008.5.1.4.1.1.2",
            sop_instance_uid: "1.2.3.4",
            transfer_syntax: "1.2.840.10008.1.2.1",
        };
        let stored = spool
            .write(&meta, b"\x08\x00\x16\x00UI\x04\x001.2\0")
            .expect("write");
        assert!(
            !stored.rel_path.contains("1.2.3.4"),
            "names never come from UIDs"
        );
        let bytes = std::fs::read(spool.path(&stored.rel_path)).expect("read");
        assert!(bytes[..128].iter().all(|b| *b == 0));
        assert_eq!(&bytes[128..132], b"DICM");
        assert_eq!(bytes.len() as u64, stored.size);
        spool.remove(&stored.rel_path);
        assert!(!spool.path(&stored.rel_path).exists());
    }
}
