//! A local OUTPUT assembled from segments (see [`SegmentSink`]): those
//! written here go to nameless scratch files, those already on disk (a
//! distributed run's staged parts) are only referenced; `finish` writes the
//! head and every piece in file order into a temp file that gets OUTPUT's
//! name once complete (copies between files stay in the kernel).

use super::SegmentSink;
use super::local::{TempFile, parent_dir, write_error};
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

enum Piece {
    Scratch { file: TempFile, writer: BufWriter<File>, len: u64 },
    Staged { path: PathBuf, len: u64 },
}

pub struct LocalSegments {
    output: PathBuf,
    scratch_dir: PathBuf,
    segments: Vec<Vec<Piece>>,
}

impl LocalSegments {
    pub fn new(output: &Path, scratch_dir: &Path, segments: usize) -> LocalSegments {
        LocalSegments {
            output: output.to_path_buf(),
            scratch_dir: scratch_dir.to_path_buf(),
            segments: (0..segments).map(|_| Vec::new()).collect(),
        }
    }
}

impl SegmentSink for LocalSegments {
    fn write(&mut self, seg: usize, bytes: &[u8]) -> Result<()> {
        let pieces = &mut self.segments[seg];
        if !matches!(pieces.last(), Some(Piece::Scratch { .. })) {
            let file = TempFile::scratch_in(&self.scratch_dir, "assemble", &format!("cogtool-seg{}", seg))?;
            let writer = BufWriter::with_capacity(256 << 10, file.file.try_clone()?);
            pieces.push(Piece::Scratch { file, writer, len: 0 });
        }
        if let Some(Piece::Scratch { file, writer, len }) = pieces.last_mut() {
            writer.write_all(bytes).map_err(|e| write_error(&file.path, e))?;
            *len += bytes.len() as u64;
        }
        Ok(())
    }

    fn attach(&mut self, seg: usize, path: &Path, len: u64) -> Result<()> {
        self.segments[seg].push(Piece::Staged { path: path.to_path_buf(), len });
        Ok(())
    }

    fn finish(mut self: Box<Self>, head: Vec<u8>) -> Result<(u64, String)> {
        let stem = self.output.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = TempFile::create_in(&parent_dir(&self.output), &stem, "cogtool-partial")?;
        let mut out = tmp.file.try_clone()?;
        out.write_all(&head).map_err(|e| write_error(&self.output, e))?;
        let mut total = head.len() as u64;
        for pieces in &mut self.segments {
            for p in pieces.iter_mut() {
                let (mut src, len) = match p {
                    Piece::Scratch { file, writer, len } => {
                        writer.flush().map_err(|e| write_error(&file.path, e))?;
                        let mut f = file.file.try_clone()?;
                        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(0))?;
                        (f, *len)
                    }
                    Piece::Staged { path, len } => (
                        File::open(&*path)
                            .map_err(|e| Error::io(format!("{}: {}", path.display(), crate::error::describe_io(&e))))?,
                        *len,
                    ),
                };
                let n = std::io::copy(&mut src, &mut out).map_err(|e| write_error(&self.output, e))?;
                if n != len {
                    return Err(Error::io(format!("a segment had {} bytes, not {}", n, len)));
                }
                total += n;
            }
        }
        out.flush().map_err(|e| write_error(&self.output, e))?;
        tmp.persist(&self.output)?;
        Ok((total, format!("assembled {} bytes into {}", total, self.output.display())))
    }
}
