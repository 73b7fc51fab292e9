//! Compressed tiles on disk until every size is known and the head can be
//! written.
//!
//! Two temp files: overview tiles (and, with band interleave, every tile)
//! go to the first in whatever order they finish; full-resolution tiles of
//! a pixel-interleaved COG go to the second already framed (leader, payload,
//! trailer, then the mask tile) and in their final order, so that the bulk
//! of the file (three quarters of it or more) reaches the output with one
//! in-kernel copy instead of a read and a write per tile.

use super::output::{TempFile, write_error};
use super::plan::{Layout, leader, trailer};
use super::tile_encoder::EncodedTile;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Marks a tile stored in the framed full-resolution spill.
const FRAMED: u64 = u64::MAX;

/// Full-resolution tiles, framed, in file order.
struct Framed {
    file: TempFile,
    writer: BufWriter<File>,
    len: u64,
    /// Next tile index to write; later ones wait in `pending`.
    next: usize,
    pending: BTreeMap<usize, EncodedTile>,
}

pub struct Spills {
    file: TempFile,
    writer: BufWriter<File>,
    pos: u64,
    /// (offset in the spill or FRAMED, payload length) per IFD and tile.
    at: Vec<Vec<(u64, u64)>>,
    framed: Option<Framed>,
    /// IFD indices of the full-resolution image and its mask.
    full_image: usize,
    full_mask: Option<usize>,
    /// Tiles per plane of each level, to number band-interleaved tiles.
    per_plane: Vec<usize>,
    image_ifd: Vec<usize>,
    mask_ifd: Vec<Option<usize>>,
}

fn open_writer(file: &TempFile) -> Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 20, file.file.try_clone()?))
}

impl Spills {
    /// `tiles[i]`: tiles of IFD i; `image_ifd[level]`, `mask_ifd[level]`:
    /// where each level's tiles go; `framed`: a second temp file for the
    /// full-resolution tiles (pixel interleave only, where their file order
    /// is the order they are made in).
    pub fn new(
        file: TempFile,
        framed: Option<TempFile>,
        tiles: &[u64],
        image_ifd: Vec<usize>,
        mask_ifd: Vec<Option<usize>>,
        per_plane: Vec<usize>,
    ) -> Result<Spills> {
        let framed = match framed {
            Some(f) => Some(Framed { writer: open_writer(&f)?, file: f, len: 0, next: 0, pending: BTreeMap::new() }),
            None => None,
        };
        Ok(Spills {
            writer: open_writer(&file)?,
            file,
            pos: 0,
            at: tiles.iter().map(|&n| vec![(0, 0); n as usize]).collect(),
            framed,
            full_image: image_ifd[0],
            full_mask: mask_ifd[0],
            per_plane,
            image_ifd,
            mask_ifd,
        })
    }

    /// Take one encoded tile; returns the bytes of tiles now written (their
    /// `held` sizes), which the caller no longer has in flight.
    pub fn put(&mut self, t: EncodedTile) -> Result<u64> {
        if t.level == 0
            && let Some(f) = self.framed.as_mut()
        {
            f.pending.insert(t.index, t);
            let mut freed = 0;
            while let Some(t) = f.pending.remove(&f.next) {
                let path = &f.file.path;
                let image = &t.image[0];
                self.at[self.full_image][t.index] = (FRAMED, image.len() as u64);
                f.len += write_framed(&mut f.writer, image, path)?;
                if let (Some(mi), Some(m)) = (self.full_mask, &t.mask) {
                    self.at[mi][t.index] = (FRAMED, m.len() as u64);
                    f.len += write_framed(&mut f.writer, m, path)?;
                }
                f.next += 1;
                freed += t.held;
            }
            return Ok(freed);
        }
        let per_plane = self.per_plane[t.level];
        for (p, payload) in t.image.iter().enumerate() {
            self.put_raw(self.image_ifd[t.level], p * per_plane + t.index, payload)?;
        }
        if let (Some(m), Some(mi)) = (&t.mask, self.mask_ifd[t.level]) {
            self.put_raw(mi, t.index, m)?;
        }
        Ok(t.held)
    }

    fn put_raw(&mut self, ifd: usize, tile: usize, data: &[u8]) -> Result<()> {
        if !data.is_empty() {
            self.writer.write_all(data).map_err(|e| write_error(&self.file.path, e))?;
        }
        self.at[ifd][tile] = (self.pos, data.len() as u64);
        self.pos += data.len() as u64;
        Ok(())
    }

    /// Flush both files; every tile must have arrived.
    pub fn finish(&mut self) -> Result<()> {
        self.writer.flush().map_err(|e| write_error(&self.file.path, e))?;
        if let Some(f) = self.framed.as_mut() {
            if !f.pending.is_empty() {
                return Err(Error::format(format!("internal error: full-resolution tile {} never arrived", f.next)));
            }
            f.writer.flush().map_err(|e| write_error(&f.file.path, e))?;
        }
        Ok(())
    }

    /// Payload sizes per IFD and tile, for the planner.
    pub fn counts(&self) -> Vec<Vec<u64>> {
        self.at.iter().map(|v| v.iter().map(|&(_, n)| n).collect()).collect()
    }

    /// Write the COG: the head, the spilled tiles in the layout's order,
    /// then the framed full-resolution tiles in one copy, which the kernel
    /// does without a round trip through user space (copy_file_range from
    /// file to file, splice or sendfile to a pipe) once `out`'s buffer is
    /// flushed.
    pub fn assemble<D: Write>(&self, layout: &Layout, out: &mut BufWriter<D>, what: &Path) -> Result<()> {
        out.write_all(&layout.head).map_err(|e| write_error(what, e))?;
        let mut buf = Vec::new();
        let mut written = layout.head.len() as u64;
        for &(i, t) in &layout.copy_order {
            let (off, len) = self.at[i][t];
            if off == FRAMED {
                continue;
            }
            buf.resize(len as usize, 0);
            self.file
                .file
                .read_exact_at(&mut buf, off)
                .map_err(|e| Error::io(format!("cannot read back the tile spill: {}", e)))?;
            written += write_framed(out, &buf, what)?;
        }
        out.flush().map_err(|e| write_error(what, e))?;
        if let Some(f) = &self.framed {
            if written + f.len != layout.total_len {
                return Err(Error::format(format!(
                    "internal error: the layout has {} bytes but the tiles {}",
                    layout.total_len,
                    written + f.len
                )));
            }
            let mut src = f.file.file.try_clone()?;
            src.seek(SeekFrom::Start(0))?;
            let direct = out.get_mut();
            let n = std::io::copy(&mut src, direct).map_err(|e| write_error(what, e))?;
            if n != f.len {
                return Err(Error::io(format!("cannot read back the tile spill: {} of {} bytes", n, f.len)));
            }
            direct.flush().map_err(|e| write_error(what, e))?;
        }
        Ok(())
    }
}

/// Leader, payload, trailer; returns the bytes written (0 for a sparse tile).
fn write_framed(w: &mut dyn Write, payload: &[u8], what: &Path) -> Result<u64> {
    if payload.is_empty() {
        return Ok(0);
    }
    w.write_all(&leader(payload)).map_err(|e| write_error(what, e))?;
    w.write_all(payload).map_err(|e| write_error(what, e))?;
    w.write_all(&trailer(payload)).map_err(|e| write_error(what, e))?;
    Ok(payload.len() as u64 + 8)
}
