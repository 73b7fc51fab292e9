//! Never a broken output: the COG is written under a temporary name beside
//! OUTPUT and renamed at the end; temporary files are removed on error (by
//! drop) and on Ctrl-C (by a SIGINT handler that knows every live temp path).
//!
//! Ctrl-C sets a cancellation flag ([`interrupted`]). While only local files
//! are at stake the handler removes the live temp files and exits 130 at
//! once. While a remote operation runs (an S3 upload, see
//! [`RemoteWork`]) it only sets the flag: the uploader watches it, aborts the
//! multipart upload (so no parts are left to bill), and the command then
//! removes its temp files and exits 130 itself.

use crate::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();
/// Set by Ctrl-C (SIGINT).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// True while a remote operation must be wound down before exiting. The
/// handler holds this lock while it decides, so a remote operation can never
/// start after the handler chose to exit.
static REMOTE_BUSY: Mutex<bool> = Mutex::new(false);

/// Install the SIGINT handler once: set the cancellation flag; unless a
/// remote operation is running, remove live temp files and exit 130.
pub fn install_interrupt_cleanup() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            let busy = REMOTE_BUSY.lock().unwrap_or_else(|p| p.into_inner());
            if *busy {
                // The remote operation sees the flag, cleans up and returns.
                return;
            }
            remove_live_files();
            eprintln!("cogtool: interrupted; temporary files removed");
            std::process::exit(130);
        });
    });
}

fn remove_live_files() {
    if let Ok(list) = LIVE.lock() {
        for p in list.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Resolves once Ctrl-C was pressed (polls the flag; for `tokio::select!`).
pub async fn until_interrupted() {
    while !interrupted() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A remote operation in progress: Ctrl-C no longer exits at once but only
/// sets the flag, which the operation must watch ([`until_interrupted`]).
pub struct RemoteWork(());

impl RemoteWork {
    /// Enter; fails if Ctrl-C was already pressed.
    pub fn begin(what: &str) -> Result<RemoteWork> {
        let mut busy = REMOTE_BUSY.lock().unwrap_or_else(|p| p.into_inner());
        if interrupted() {
            return Err(Error::io(format!("{}: interrupted", what)));
        }
        *busy = true;
        Ok(RemoteWork(()))
    }
}

impl Drop for RemoteWork {
    fn drop(&mut self) {
        *REMOTE_BUSY.lock().unwrap_or_else(|p| p.into_inner()) = false;
    }
}

/// A file that is deleted when dropped unless [`TempFile::persist`] ran.
pub struct TempFile {
    pub path: PathBuf,
    pub file: File,
    keep: bool,
}

impl TempFile {
    /// Create `dir/.<stem>.<tag>-<pid>-<n>` exclusively.
    pub fn create_in(dir: &Path, stem: &str, tag: &str) -> Result<TempFile> {
        let pid = std::process::id();
        for n in 0..1000 {
            let path = dir.join(format!(".{}.{}-{}-{}", stem, tag, pid, n));
            match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => {
                    LIVE.lock().unwrap().push(path.clone());
                    return Ok(TempFile { path, file, keep: false });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::io(format!(
                        "cannot create a temporary file in {}: {}",
                        dir.display(),
                        crate::error::describe_io(&e)
                    )));
                }
            }
        }
        Err(Error::io(format!("cannot create a temporary file in {}", dir.display())))
    }

    /// Rename to `dest` (same directory: atomic) and keep it. OUTPUT is
    /// either absent or complete, whatever happens to the process. There is
    /// no fsync, as GDAL has none: forcing every COG of a batch to disk
    /// costs about as much as copying it again (run `sync` when the files
    /// must survive a power cut).
    pub fn persist(mut self, dest: &Path) -> Result<()> {
        std::fs::rename(&self.path, dest).map_err(|e| {
            Error::io(format!("cannot rename to {}: {}", dest.display(), crate::error::describe_io(&e)))
        })?;
        self.keep = true;
        forget(&self.path);
        Ok(())
    }
}

fn forget(p: &Path) {
    if let Ok(mut list) = LIVE.lock() {
        list.retain(|x| x != p);
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
            forget(&self.path);
        }
    }
}

/// Directory that holds OUTPUT (for its temp name), "." for a bare name.
pub fn parent_dir(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An I/O error while writing, as one line naming what was written.
pub fn write_error(what: &Path, e: std::io::Error) -> Error {
    let msg = if e.raw_os_error() == Some(28) {
        "no space left on device".to_string()
    } else {
        crate::error::describe_io(&e)
    };
    Error::io(format!("cannot write {}: {}", what.display(), msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_file_is_removed_on_drop_and_kept_on_persist() {
        let dir = std::env::temp_dir().join(format!("cogtool-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = TempFile::create_in(&dir, "x.tif", "tmp").unwrap();
        let p = t.path.clone();
        assert!(p.exists());
        drop(t);
        assert!(!p.exists());
        let t = TempFile::create_in(&dir, "x.tif", "tmp").unwrap();
        let dest = dir.join("x.tif");
        t.persist(&dest).unwrap();
        assert!(dest.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
