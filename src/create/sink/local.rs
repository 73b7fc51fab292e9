//! Never a broken output, and nothing left behind, whatever ends the
//! process: the COG is written to a temporary file that gets its name
//! (OUTPUT) only once complete, and scratch files (tile spills) have no
//! name at all.
//!
//! On Linux both are `O_TMPFILE` files: anonymous inodes in the target
//! directory that the kernel frees when the process ends, even on SIGKILL
//! (the OOM killer); the finished COG is linked into place through
//! `/proc/self/fd`. Elsewhere (or on a file system without `O_TMPFILE`) a
//! scratch file is unlinked right after it is created (kept open), and the
//! COG is written under a hidden temporary name beside OUTPUT, renamed at
//! the end, removed on error or cancel (by drop); only SIGKILL can
//! leave that one behind.
//!
//! Stopping is the caller's business: a cancelled run ([`crate::Cancel`])
//! returns an error and drops its temp files like any failed run. A caller
//! that must end the process at once instead (a second Ctrl-C) first calls
//! [`remove_named_temp_files`], the only files that would outlive it.

use crate::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Named temp files alive now (the fallback without `O_TMPFILE`).
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove the named temp files alive now (the fallback without
/// `O_TMPFILE`), for a caller about to end the process without unwinding.
/// Anonymous ones need nothing: they vanish with the process.
pub fn remove_named_temp_files() {
    remove_live_files();
}

fn remove_live_files() {
    if let Ok(list) = LIVE.lock() {
        for p in list.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// How a [`TempFile`] exists on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No name (`O_TMPFILE`, or unlinked at once): gone with the process.
    Anonymous,
    /// A hidden name beside its destination, removed on drop and by
    /// [`remove_named_temp_files`].
    Named,
}

/// A temporary file: deleted when dropped unless [`TempFile::persist`] ran.
pub struct TempFile {
    /// Its name, or for an anonymous file the directory and the name it
    /// would have (for messages).
    pub path: PathBuf,
    pub file: File,
    kind: Kind,
    keep: bool,
}

impl TempFile {
    /// A file meant to become a named file ([`TempFile::persist`]):
    /// anonymous where the platform allows it, else named
    /// `dir/.<stem>.<tag>-<pid>-<n>`.
    pub fn create_in(dir: &Path, stem: &str, tag: &str) -> Result<TempFile> {
        match anonymous(dir, true) {
            Some(file) => {
                Ok(TempFile { path: dir.join(format!(".{}.{}", stem, tag)), file, kind: Kind::Anonymous, keep: false })
            }
            None => TempFile::named_in(dir, stem, tag),
        }
    }

    /// A scratch file that never gets a name (tile spills): `O_TMPFILE`,
    /// else a named file unlinked right after it is created.
    pub fn scratch_in(dir: &Path, stem: &str, tag: &str) -> Result<TempFile> {
        if let Some(file) = anonymous(dir, false) {
            return Ok(TempFile {
                path: dir.join(format!(".{}.{}", stem, tag)),
                file,
                kind: Kind::Anonymous,
                keep: false,
            });
        }
        let mut t = TempFile::named_in(dir, stem, tag)?;
        std::fs::remove_file(&t.path)
            .map_err(|e| Error::io(format!("cannot remove {}: {}", t.path.display(), crate::error::describe_io(&e))))?;
        forget(&t.path);
        t.kind = Kind::Anonymous;
        Ok(t)
    }

    /// Create `dir/.<stem>.<tag>-<pid>-<n>` exclusively: a file that must
    /// have a name (one handed to code that opens it by path).
    pub fn named_in(dir: &Path, stem: &str, tag: &str) -> Result<TempFile> {
        let pid = std::process::id();
        for n in 0..1000 {
            let path = dir.join(format!(".{}.{}-{}-{}", stem, tag, pid, n));
            match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => {
                    LIVE.lock().unwrap_or_else(|p| p.into_inner()).push(path.clone());
                    return Ok(TempFile { path, file, kind: Kind::Named, keep: false });
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

    /// Whether the file has no name (it vanishes with the process).
    pub fn is_anonymous(&self) -> bool {
        self.kind == Kind::Anonymous
    }

    /// A path that opens this file: its name, or `/proc/self/fd/N`.
    pub fn open_path(&self) -> PathBuf {
        match self.kind {
            Kind::Named => self.path.clone(),
            Kind::Anonymous => proc_fd_path(&self.file),
        }
    }

    /// Give the file the name `dest` (same directory) and keep it. OUTPUT is
    /// either absent or complete, whatever happens to the process: a named
    /// file is renamed (atomic); an anonymous one is linked as `dest`, or,
    /// when `dest` exists, under a temporary name renamed over `dest`.
    /// There is no fsync, as GDAL has none: forcing every COG of a batch to
    /// disk costs about as much as copying it again (run `sync` when the
    /// files must survive a power cut).
    pub fn persist(mut self, dest: &Path) -> Result<()> {
        let failed = |e: std::io::Error| {
            Error::io(format!("cannot rename to {}: {}", dest.display(), crate::error::describe_io(&e)))
        };
        match self.kind {
            Kind::Named => {
                std::fs::rename(&self.path, dest).map_err(failed)?;
                forget(&self.path);
            }
            Kind::Anonymous => match link_fd(&self.file, dest) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let dir = parent_dir(dest);
                    let stem = dest.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let tmp = (0..1000)
                        .map(|n| dir.join(format!(".{}.cogtool-done-{}-{}", stem, std::process::id(), n)))
                        .find(|p| !p.exists())
                        .ok_or_else(|| {
                            Error::io(format!("cannot rename to {}: no free temporary name", dest.display()))
                        })?;
                    link_fd(&self.file, &tmp).map_err(failed)?;
                    if let Err(e) = std::fs::rename(&tmp, dest) {
                        let _ = std::fs::remove_file(&tmp);
                        return Err(failed(e));
                    }
                }
                Err(e) => return Err(failed(e)),
            },
        }
        self.keep = true;
        Ok(())
    }
}

/// Open the file at `path` and, where it can be reopened through
/// `/proc/self/fd` (Linux), remove its name at once: it then vanishes with
/// the process whatever ends it. Returns the open file (keep it open) and a
/// path to read it by (its own name where it could not be unlinked).
pub fn open_unlinked(path: &Path) -> Result<(File, PathBuf)> {
    let f = File::open(path)
        .map_err(|e| Error::io(format!("cannot open {}: {}", path.display(), crate::error::describe_io(&e))))?;
    if cfg!(target_os = "linux") && Path::new("/proc/self/fd").is_dir() && std::fs::remove_file(path).is_ok() {
        let by = proc_fd_path(&f);
        return Ok((f, by));
    }
    Ok((f, path.to_path_buf()))
}

/// `/proc/self/fd/N` for an open file.
fn proc_fd_path(f: &File) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
}

/// An `O_TMPFILE` file in `dir`, None where there is none (not Linux, a
/// file system without it, or, when it must be linked later, no /proc).
#[cfg(target_os = "linux")]
fn anonymous(dir: &Path, linkable: bool) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if linkable && !Path::new("/proc/self/fd").is_dir() {
        return None;
    }
    std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_TMPFILE).open(dir).ok()
}

#[cfg(not(target_os = "linux"))]
fn anonymous(_dir: &Path, _linkable: bool) -> Option<File> {
    None
}

/// Link an `O_TMPFILE` file as `dest` (fails with AlreadyExists if it exists).
#[cfg(target_os = "linux")]
fn link_fd(f: &File, dest: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(proc_fd_path(f).as_os_str().as_bytes())?;
    let to = CString::new(dest.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; linkat reads them only.
    let r =
        unsafe { libc::linkat(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_SYMLINK_FOLLOW) };
    if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn link_fd(_f: &File, _dest: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn forget(p: &Path) {
    if let Ok(mut list) = LIVE.lock() {
        list.retain(|x| x != p);
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep && self.kind == Kind::Named {
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

    fn names_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn temp_files_leave_nothing_and_persist_whole() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("cogtool-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A named temp is removed on drop.
        let t = TempFile::named_in(&dir, "x.tif", "tmp").unwrap();
        assert!(t.path.exists());
        drop(t);
        assert!(names_in(&dir).is_empty());
        // A scratch file never shows in the directory, yet holds data.
        let mut s = TempFile::scratch_in(&dir, "x.tif", "spill").unwrap();
        s.file.write_all(b"spill").unwrap();
        assert!(names_in(&dir).is_empty(), "{:?}", names_in(&dir));
        assert_eq!(std::fs::read(s.open_path()).unwrap(), b"spill");
        drop(s);
        // The output appears only when persisted, also over an existing file.
        for round in 0..2 {
            let mut t = TempFile::create_in(&dir, "x.tif", "partial").unwrap();
            t.file.write_all(format!("cog{}", round).as_bytes()).unwrap();
            if cfg!(target_os = "linux") {
                assert!(t.is_anonymous());
                assert_eq!(names_in(&dir).len(), round, "{:?}", names_in(&dir));
            }
            t.persist(&dir.join("x.tif")).unwrap();
            assert_eq!(names_in(&dir), vec!["x.tif".to_string()]);
            assert_eq!(std::fs::read(dir.join("x.tif")).unwrap(), format!("cog{}", round).as_bytes());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
