//! Local files, read with positioned reads so one handle serves many threads.

use super::RangeSource;
use crate::{Error, Result};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

pub struct LocalFile {
    path: PathBuf,
    file: File,
    len: u64,
}

impl LocalFile {
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = File::open(&path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(Error::io("is a directory"));
        }
        Ok(LocalFile { path, file, len: meta.len() })
    }
}

impl RangeSource for LocalFile {
    fn len(&self) -> Result<u64> {
        Ok(self.len)
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let avail = self.len.saturating_sub(offset);
        let want = (len as u64).min(avail) as usize;
        let mut buf = vec![0u8; want];
        let mut done = 0;
        while done < want {
            let n = self.file.read_at(&mut buf[done..], offset + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        Ok(buf)
    }

    fn is_local(&self) -> bool {
        true
    }

    fn sidecar_exists(&self, suffix: &str) -> bool {
        let mut p = self.path.clone().into_os_string();
        p.push(suffix);
        std::path::Path::new(&p).is_file()
    }
}
