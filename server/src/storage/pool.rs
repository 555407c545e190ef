//! A pool of empty spool files created ahead of need by a background thread, so that the ingest
//! path renames one into place instead of allocating an inode while the sender waits.
//!
//! Creating a file costs an inode allocation, and on ext4 without a journal (this project's test
//! machines) the allocator skips every inode freed in the last minutes, reading its table block
//! each time: a spool that releases files as fast as it receives them paid up to a quarter of its
//! ingest CPU there (perf, docs/benchmarks.md session 7). Renaming a file that already exists
//! into its shard allocates nothing; the shard directory is still fsynced after the rename, so
//! the new name is as durable as a freshly created one.
//!
//! The thread fills two subdirectories in turn, and files are taken oldest first, so a rename
//! out of one never waits behind the (slow) creation of a file in the same directory: when the
//! thread starts a batch, every file still ready comes from the other subdirectory.
//!
//! Each process has its own pool directory (`pool/<random>/`) holding an exclusive lock
//! (`flock`) on its `.lock` file while alive. When a pool is opened, the directories of pools
//! whose owner is gone (the lock can be taken) are emptied of their empty files and removed;
//! a non-empty file there is left alone and logged (only a crash between a rename and the
//! directory writes could leave one, and it may be an indexed instance's second name).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// Below this many ready files the background thread makes more.
const LOW: usize = 32;
/// How many it makes at a time.
const BATCH: usize = 64;

#[derive(Debug)]
pub(super) struct Pool {
    dir: PathBuf,
    /// Holds the pool's lock for as long as the pool lives.
    _lock: File,
    free: Mutex<Ready>,
    wanted: Condvar,
}

/// The files ready, oldest first, and how many batches were made (the next goes to
/// subdirectory `batches % 2`).
#[derive(Debug, Default)]
struct Ready {
    files: VecDeque<PathBuf>,
    batches: u64,
}

impl Pool {
    /// Creates this process's pool under `root/pool`, cleans up pools of processes that are
    /// gone, and starts the thread that keeps it filled.
    pub(super) fn start(root: &Path) -> std::io::Result<Arc<Self>> {
        let base = root.join("pool");
        std::fs::create_dir_all(&base)?;
        clean_abandoned(&base);
        let dir = base.join(uuid::Uuid::new_v4().simple().to_string());
        std::fs::create_dir(&dir)?;
        for sub in ["0", "1"] {
            std::fs::create_dir(dir.join(sub))?;
        }
        let lock = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(dir.join(".lock"))?;
        lock.try_lock()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let pool = Arc::new(Self {
            dir,
            _lock: lock,
            free: Mutex::new(Ready::default()),
            wanted: Condvar::new(),
        });
        let weak = Arc::downgrade(&pool);
        std::thread::Builder::new()
            .name("spool-pool".into())
            .spawn(move || refill(weak))?;
        Ok(pool)
    }

    /// An empty file ready to be renamed into place, if one is ready.
    pub(super) fn take(&self) -> Option<PathBuf> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        let file = free.files.pop_front();
        if free.files.len() < LOW {
            self.wanted.notify_one();
        }
        file
    }

    /// How many files are ready (for tests and metrics).
    pub(super) fn ready(&self) -> usize {
        self.free.lock().map(|f| f.files.len()).unwrap_or(0)
    }

    /// Makes up to `BATCH` empty files; stops at the first error (a full disk, a read-only
    /// file system: ingest then creates its files itself and reports the error there).
    fn make_batch(&self) -> usize {
        let batches = self.free.lock().unwrap_or_else(|p| p.into_inner()).batches;
        let sub = self.dir.join((batches % 2).to_string());
        let mut made = Vec::with_capacity(BATCH);
        for _ in 0..BATCH {
            let path = sub.join(uuid::Uuid::new_v4().simple().to_string() + ".dcm");
            match OpenOptions::new().create_new(true).write(true).open(&path) {
                Ok(_) => made.push(path),
                Err(e) => {
                    tracing::debug!(error = %e, "spool pool: cannot create a file");
                    break;
                }
            }
        }
        let n = made.len();
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        free.files.extend(made);
        free.batches += 1;
        n
    }
}

impl Drop for Pool {
    /// The files still ready are empty, so emptying the directory removes them.
    fn drop(&mut self) {
        empty_pool_dir(&self.dir);
    }
}

/// Keeps the pool above `LOW` until the pool is dropped.
fn refill(pool: Weak<Pool>) {
    loop {
        let Some(p) = pool.upgrade() else { return };
        let short = p.ready() < LOW;
        if short && p.make_batch() > 0 {
            continue;
        }
        let free = p.free.lock().unwrap_or_else(|e| e.into_inner());
        // Woken by `take` when the pool runs low; the timeout notices a dropped pool and
        // retries after a failed batch.
        let _ = p.wanted.wait_timeout(free, Duration::from_millis(500));
    }
}

/// Removes the pools whose owner is gone: their lock can be taken.
fn clean_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for dir in entries.flatten().map(|e| e.path()) {
        let Ok(lock) = File::open(dir.join(".lock")) else {
            if std::fs::remove_dir(&dir).is_ok() {
                continue; // an empty directory left by a crash during start
            }
            tracing::warn!(dir = %dir.display(), "spool pool without a lock file left alone");
            continue;
        };
        if lock.try_lock().is_err() {
            continue; // a live process owns it
        }
        empty_pool_dir(&dir);
    }
}

/// Removes the empty files of a pool directory (and of its subdirectories), then the
/// directories themselves if nothing else is left.
fn empty_pool_dir(dir: &Path) {
    for sub in ["0", "1"] {
        remove_empty_files(&dir.join(sub));
        let _ = std::fs::remove_dir(dir.join(sub));
    }
    remove_empty_files(dir);
    let _ = std::fs::remove_file(dir.join(".lock"));
    let _ = std::fs::remove_dir(dir);
}

fn remove_empty_files(dir: &Path) {
    let Ok(files) = std::fs::read_dir(dir) else {
        return;
    };
    for f in files.flatten().map(|e| e.path()) {
        if f.file_name().is_some_and(|n| n == ".lock") {
            continue;
        }
        match std::fs::metadata(&f) {
            Ok(m) if m.is_file() && m.len() == 0 => {
                let _ = std::fs::remove_file(&f);
            }
            Ok(m) if m.is_dir() => {}
            _ => {
                tracing::warn!(file = %f.display(), "non-empty file in an old spool pool left alone")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MetaInfo, Spool};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    const META: MetaInfo<'static> = MetaInfo {
        sop_class_uid: "1.2.840.10008.5.1.4.1.1.2",
        sop_instance_uid: "1.2.3.4",
        transfer_syntax: "1.2.840.10008.1.2.1",
    };

    fn wait_ready(spool: &Spool) {
        for _ in 0..200 {
            if spool.pool_ready() > 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the pool never filled");
    }

    /// Inodes of the empty files ready in every pool directory under `root`.
    fn pool_inodes(root: &Path) -> Vec<u64> {
        let mut out = vec![];
        for d in std::fs::read_dir(root.join("pool"))
            .expect("pool")
            .flatten()
        {
            for dir in [d.path(), d.path().join("0"), d.path().join("1")] {
                for f in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let m = f.metadata().expect("meta");
                    if f.file_name() != ".lock" && m.is_file() {
                        out.push(m.ino());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn new_files_are_renamed_from_the_pool() {
        let dir = tempfile::tempdir().expect("dir");
        let spool = Spool::open_for_ingest(dir.path()).expect("open");
        wait_ready(&spool);
        let before = pool_inodes(dir.path());
        let stored = spool
            .write(&META, b"\x08\x00\x16\x00UI\x04\x001.2\0")
            .expect("write");
        assert!(
            stored.rel_path.starts_with("objects/"),
            "{}",
            stored.rel_path
        );
        let meta = std::fs::metadata(spool.path(&stored.rel_path)).expect("file");
        assert!(before.contains(&meta.ino()), "the file was made ahead");
        assert_eq!(meta.len(), stored.size);
        assert!(
            !pool_inodes(dir.path()).contains(&meta.ino()),
            "and left the pool"
        );
    }

    #[test]
    fn pools_of_gone_processes_are_cleaned_and_live_ones_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let old = dir.path().join("pool").join("old");
        std::fs::create_dir_all(&old).expect("old");
        std::fs::write(old.join(".lock"), b"").expect("lock");
        std::fs::write(old.join("a.dcm"), b"").expect("empty");
        std::fs::write(old.join("b.dcm"), b"DICM").expect("non-empty");
        let live = Spool::open_for_ingest(dir.path()).expect("first");
        wait_ready(&live);
        assert!(
            !old.join("a.dcm").exists(),
            "empty file of a gone pool removed"
        );
        assert!(
            old.join("b.dcm").exists(),
            "a file with content is never removed"
        );
        let ready = pool_inodes(dir.path()).len();
        let second = Spool::open_for_ingest(dir.path()).expect("second");
        wait_ready(&second);
        assert!(
            pool_inodes(dir.path()).len() > ready,
            "the live pool of the first was left alone"
        );
        drop(live);
        drop(second);
        for _ in 0..100 {
            // Only the file with content of the gone pool is left.
            if pool_inodes(dir.path()).len() == 1 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("dropped pools remove their ready files");
    }
}
