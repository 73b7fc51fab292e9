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
//!
//! Streamed to a [`SegmentSink`] instead (S3), nothing touches the disk:
//! each level's tiles (with band interleave, each level's and band's) go to
//! the sink in file order as soon as the tiles before them are done.

use crate::create::layout::plan::{Layout, leader, trailer};
use crate::create::pipeline::tile_encoder::EncodedTile;
use crate::create::sink::SegmentSink;
use crate::create::sink::local::{TempFile, write_error};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Tiles of one level put back in their order.
#[derive(Default)]
struct InOrder {
    /// Next tile index to write; later ones wait in `pending`.
    next: usize,
    pending: BTreeMap<usize, EncodedTile>,
}

impl InOrder {
    /// Take `t`; returns the tiles now next in order.
    fn take(&mut self, t: EncodedTile) -> Vec<EncodedTile> {
        self.pending.insert(t.index, t);
        let mut ready = Vec::new();
        while let Some(t) = self.pending.remove(&self.next) {
            ready.push(t);
            self.next += 1;
        }
        ready
    }

    fn check_done(&self, level: usize) -> Result<()> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(Error::format(format!("internal error: tile {} of level {} never arrived", self.next, level)))
        }
    }
}

/// One level's tiles, framed, in file order.
struct Framed {
    file: TempFile,
    writer: BufWriter<File>,
    len: u64,
    order: InOrder,
}

/// Tiles in finishing order; (offset, length) of each in `Spills::at`.
struct Plain {
    file: TempFile,
    writer: BufWriter<File>,
    pos: u64,
}

/// The sink and the order of each level's tiles.
struct Stream {
    sink: Box<dyn SegmentSink>,
    levels: Vec<InOrder>,
    /// Segments per level: one per band plane.
    planes: usize,
}

enum Store {
    Framed(Vec<Framed>),
    Plain(Plain),
    Stream(Stream),
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
                levels.push(Framed { writer: open_writer(&file)?, file, len: 0, order: InOrder::default() });
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

    /// Tiles go to `sink` as they are made (see [`SegmentSink`] for the
    /// segments); `planes`: band planes per level (1 for pixel interleave).
    pub fn streaming(
        sink: Box<dyn SegmentSink>,
        planes: usize,
        tiles: &[u64],
        image_ifd: Vec<usize>,
        mask_ifd: Vec<Option<usize>>,
        per_plane: Vec<usize>,
    ) -> Spills {
        let levels = (0..image_ifd.len()).map(|_| InOrder::default()).collect();
        Spills {
            store: Store::Stream(Stream { sink, levels, planes }),
            at: tiles.iter().map(|&n| vec![(0, 0); n as usize]).collect(),
            per_plane,
            image_ifd,
            mask_ifd,
        }
    }

    /// Segment of `level`'s band plane `plane` in file order: smallest level
    /// first, its planes in order.
    pub fn segment(levels: usize, planes: usize, level: usize, plane: usize) -> usize {
        (levels - 1 - level) * planes + plane
    }

    /// Take one encoded tile; returns the bytes of tiles now written (their
    /// `held` sizes), which the caller no longer has in flight.
    pub fn put(&mut self, t: EncodedTile) -> Result<u64> {
        let (img, msk) = (self.image_ifd[t.level], self.mask_ifd[t.level]);
        match &mut self.store {
            Store::Framed(levels) => {
                let f = &mut levels[t.level];
                let mut freed = 0;
                for t in f.order.take(t) {
                    let path = &f.file.path;
                    let image = &t.image[0];
                    self.at[img][t.index] = (0, image.len() as u64);
                    f.len += write_framed(&mut f.writer, image, path)?;
                    if let (Some(mi), Some(m)) = (msk, &t.mask) {
                        self.at[mi][t.index] = (0, m.len() as u64);
                        f.len += write_framed(&mut f.writer, m, path)?;
                    }
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
            Store::Stream(s) => {
                let (levels, per_plane) = (s.levels.len(), self.per_plane[t.level]);
                let mut freed = 0;
                for t in s.levels[t.level].take(t) {
                    for (k, payload) in t.image.iter().enumerate() {
                        let seg = Spills::segment(levels, s.planes, t.level, k);
                        self.at[img][k * per_plane + t.index] = (0, payload.len() as u64);
                        stream_framed(s.sink.as_mut(), seg, payload)?;
                        // A mask tile follows its band-1 image tile.
                        if let (0, Some(mi), Some(m)) = (k, msk, &t.mask) {
                            self.at[mi][t.index] = (0, m.len() as u64);
                            stream_framed(s.sink.as_mut(), seg, m)?;
                        }
                    }
                    freed += t.held;
                }
                Ok(freed)
            }
        }
    }

    /// Flush the files; every tile must have arrived.
    pub fn finish(&mut self) -> Result<()> {
        match &mut self.store {
            Store::Framed(levels) => {
                for (l, f) in levels.iter_mut().enumerate() {
                    f.order.check_done(l)?;
                    f.writer.flush().map_err(|e| write_error(&f.file.path, e))?;
                }
            }
            Store::Plain(p) => p.writer.flush().map_err(|e| write_error(&p.file.path, e))?,
            Store::Stream(s) => {
                for (l, o) in s.levels.iter().enumerate() {
                    o.check_done(l)?;
                }
            }
        }
        Ok(())
    }

    /// Streaming a distributed run's part: level `level`'s first tile is
    /// number `first` (tiles before it belong to other parts).
    pub fn start_at(&mut self, level: usize, first: usize) {
        if let Store::Stream(s) = &mut self.store {
            s.levels[level].next = first;
        }
    }

    /// Streaming: the file at `path` is the next piece of segment `seg` (a
    /// distributed run's staged tiles; their sizes are the caller's).
    pub fn attach(&mut self, seg: usize, path: &Path, len: u64) -> Result<()> {
        match &mut self.store {
            Store::Stream(s) => s.sink.attach(seg, path, len),
            _ => Err(Error::format("internal error: only streamed tiles take staged pieces")),
        }
    }

    /// Streaming: the object at `url` is the next piece of segment `seg`.
    pub fn attach_url(&mut self, seg: usize, url: &str, len: u64, remote: &crate::source::OpenOptions) -> Result<()> {
        match &mut self.store {
            Store::Stream(s) => s.sink.attach_url(seg, url, len, remote),
            _ => Err(Error::format("internal error: only streamed tiles take staged pieces")),
        }
    }

    /// Streaming: put `head` in front and commit the output.
    pub fn finish_stream(self, head: Vec<u8>) -> Result<(u64, String)> {
        match self.store {
            Store::Stream(s) => s.sink.finish(head),
            _ => Err(Error::format("internal error: the tiles were not streamed")),
        }
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
            Store::Stream(_) => return Err(Error::format("internal error: streamed tiles cannot be assembled")),
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

/// Leader, payload, trailer to segment `seg` (nothing for a sparse tile).
fn stream_framed(sink: &mut dyn SegmentSink, seg: usize, payload: &[u8]) -> Result<()> {
    if !payload.is_empty() {
        sink.write(seg, &leader(payload))?;
        sink.write(seg, payload)?;
        sink.write(seg, &trailer(payload))?;
    }
    Ok(())
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
