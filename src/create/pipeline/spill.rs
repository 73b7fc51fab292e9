//! Compressed tiles on disk until every size is known and the head can be
//! written.
//!
//! A pixel-interleaved COG stores each level's tiles in the order they are
//! made (row major, each mask tile after its image tile), so every level
//! gets a temp file of its own, written already framed (leader, payload,
//! trailer) in file order: the COG is then the head followed by one
//! in-kernel copy per level, with no read and write per tile. With band
//! interleave a level holds every tile of band 1, then of band 2...: those
//! tiles go to one plain spill in whatever order they finish and are
//! copied out one by one.

use crate::create::layout::plan::{Layout, leader, trailer};
use crate::create::pipeline::tile_encoder::EncodedTile;
use crate::create::sink::local::{TempFile, write_error};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// One level's tiles, framed, in file order.
struct Framed {
    file: TempFile,
    writer: BufWriter<File>,
    len: u64,
    /// Next tile index to write; later ones wait in `pending`.
    next: usize,
    pending: BTreeMap<usize, EncodedTile>,
}

/// Tiles in finishing order; (offset, length) of each in `Spills::at`.
struct Plain {
    file: TempFile,
    writer: BufWriter<File>,
    pos: u64,
}

enum Store {
    Framed(Vec<Framed>),
    Plain(Plain),
}

pub struct Spills {
    store: Store,
    /// (offset in the plain spill, payload length) per IFD and tile.
    at: Vec<Vec<(u64, u64)>>,
    /// Tiles per plane of each level, to number band-interleaved tiles.
    per_plane: Vec<usize>,
    image_ifd: Vec<usize>,
    mask_ifd: Vec<Option<usize>>,
}

fn open_writer(file: &TempFile) -> Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(256 << 10, file.file.try_clone()?))
}

impl Spills {
    /// `tiles[i]`: tiles of IFD i; `image_ifd[level]`, `mask_ifd[level]`:
    /// where each level's tiles go; `per_plane[level]`: tiles per band plane.
    /// `framed` says whether tiles are stored in the order they are made
    /// (pixel interleave); `create` makes each temp file.
    pub fn new(
        framed: bool,
        mut create: impl FnMut(&str) -> Result<TempFile>,
        tiles: &[u64],
        image_ifd: Vec<usize>,
        mask_ifd: Vec<Option<usize>>,
        per_plane: Vec<usize>,
    ) -> Result<Spills> {
        let store = if framed {
            let mut levels = Vec::with_capacity(image_ifd.len());
            for l in 0..image_ifd.len() {
                let file = create(&format!("cogtool-level{}", l))?;
                levels.push(Framed { writer: open_writer(&file)?, file, len: 0, next: 0, pending: BTreeMap::new() });
            }
            Store::Framed(levels)
        } else {
            let file = create("cogtool-tiles")?;
            Store::Plain(Plain { writer: open_writer(&file)?, file, pos: 0 })
        };
        Ok(Spills {
            store,
            at: tiles.iter().map(|&n| vec![(0, 0); n as usize]).collect(),
            per_plane,
            image_ifd,
            mask_ifd,
        })
    }

    /// Take one encoded tile; returns the bytes of tiles now written (their
    /// `held` sizes), which the caller no longer has in flight.
    pub fn put(&mut self, t: EncodedTile) -> Result<u64> {
        let (img, msk) = (self.image_ifd[t.level], self.mask_ifd[t.level]);
        match &mut self.store {
            Store::Framed(levels) => {
                let f = &mut levels[t.level];
                f.pending.insert(t.index, t);
                let mut freed = 0;
                while let Some(t) = f.pending.remove(&f.next) {
                    let path = &f.file.path;
                    let image = &t.image[0];
                    self.at[img][t.index] = (0, image.len() as u64);
                    f.len += write_framed(&mut f.writer, image, path)?;
                    if let (Some(mi), Some(m)) = (msk, &t.mask) {
                        self.at[mi][t.index] = (0, m.len() as u64);
                        f.len += write_framed(&mut f.writer, m, path)?;
                    }
                    f.next += 1;
                    freed += t.held;
                }
                Ok(freed)
            }
            Store::Plain(p) => {
                let per_plane = self.per_plane[t.level];
                for (k, payload) in t.image.iter().enumerate() {
                    self.at[img][k * per_plane + t.index] = p.put(payload)?;
                }
                if let (Some(m), Some(mi)) = (&t.mask, msk) {
                    self.at[mi][t.index] = p.put(m)?;
                }
                Ok(t.held)
            }
        }
    }

    /// Flush the files; every tile must have arrived.
    pub fn finish(&mut self) -> Result<()> {
        match &mut self.store {
            Store::Framed(levels) => {
                for (l, f) in levels.iter_mut().enumerate() {
                    if !f.pending.is_empty() {
                        return Err(Error::format(format!(
                            "internal error: tile {} of level {} never arrived",
                            f.next, l
                        )));
                    }
                    f.writer.flush().map_err(|e| write_error(&f.file.path, e))?;
                }
            }
            Store::Plain(p) => p.writer.flush().map_err(|e| write_error(&p.file.path, e))?,
        }
        Ok(())
    }

    /// Payload sizes per IFD and tile, for the planner.
    pub fn counts(&self) -> Vec<Vec<u64>> {
        self.at.iter().map(|v| v.iter().map(|&(_, n)| n).collect()).collect()
    }

    /// Write the COG: the head, then the tiles, smallest level first. Framed
    /// levels are moved by the kernel (copy_file_range from file to file,
    /// splice or sendfile to a pipe) once `out`'s buffer is flushed.
    pub fn assemble<D: Write>(&self, layout: &Layout, out: &mut BufWriter<D>, what: &Path) -> Result<()> {
        out.write_all(&layout.head).map_err(|e| write_error(what, e))?;
        match &self.store {
            Store::Framed(levels) => {
                out.flush().map_err(|e| write_error(what, e))?;
                let mut written = layout.head.len() as u64;
                for f in levels.iter().rev() {
                    let mut src = f.file.file.try_clone()?;
                    src.seek(SeekFrom::Start(0))?;
                    let n = std::io::copy(&mut src, out.get_mut()).map_err(|e| write_error(what, e))?;
                    if n != f.len {
                        return Err(Error::io(format!("cannot read back the tile spill: {} of {} bytes", n, f.len)));
                    }
                    written += n;
                }
                if written != layout.total_len {
                    return Err(Error::format(format!(
                        "internal error: the layout has {} bytes but the tiles {}",
                        layout.total_len, written
                    )));
                }
            }
            Store::Plain(p) => {
                let mut buf = Vec::new();
                for &(i, t) in &layout.copy_order {
                    let (off, len) = self.at[i][t];
                    buf.resize(len as usize, 0);
                    p.file
                        .file
                        .read_exact_at(&mut buf, off)
                        .map_err(|e| Error::io(format!("cannot read back the tile spill: {}", e)))?;
                    write_framed(out, &buf, what)?;
                }
            }
        }
        out.flush().map_err(|e| write_error(what, e))
    }
}

impl Plain {
    fn put(&mut self, data: &[u8]) -> Result<(u64, u64)> {
        if !data.is_empty() {
            self.writer.write_all(data).map_err(|e| write_error(&self.file.path, e))?;
        }
        let at = (self.pos, data.len() as u64);
        self.pos += data.len() as u64;
        Ok(at)
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
