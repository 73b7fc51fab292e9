//! `cogtool dump` as a library: a tile's facts, its output form (as stored,
//! or a standalone JPEG), output names, and bulk dumps that coalesce reads.

use super::jpeg_tables::splice_tables;
use super::tile_ranges::{self, ByteRange};
use super::tiles::{LeaderCheck, Pyramid, Tile, TileId};
use crate::tiff::{Compression, Photometric};
use crate::{Error, Result};
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File extension for a codec's tiles: formats with their own file type get
/// it, everything else (DEFLATE, LZW, ZSTD, raw...) is opaque `.bin`.
/// Old-style JPEG (6) tiles are bare scans, not JPEG files: `.bin` too.
pub fn extension(compression: Compression) -> &'static str {
    match compression {
        Compression::JPEG => "jpg",
        Compression::WEBP | Compression::WEBP_OLD => "webp",
        Compression::JXL | Compression::JXL_DNG => "jxl",
        _ => "bin",
    }
}

/// `{stem}_{x}_{y}_{z}.{ext}` (cogdumper's pattern with the source's stem),
/// `_mask` added before the extension for mask tiles.
pub fn default_name(source: &str, id: TileId, mask: bool, ext: &str) -> String {
    // For URLs, the last path segment without query string.
    let last = source.split(['?', '#']).next().unwrap_or(source);
    let last = last.trim_end_matches('/').rsplit(['/', '\\']).next().unwrap_or(last);
    let stem = Path::new(last).file_stem().and_then(|s| s.to_str()).filter(|s| !s.is_empty()).unwrap_or("tile");
    format!("{}_{}_{}_{}{}.{}", stem, id.x, id.y, id.z, if mask { "_mask" } else { "" }, ext)
}

/// The tile's facts: enough to decode a raw tile with other tools.
pub fn facts(p: &Pyramid, t: &Tile) -> Json {
    let img = &p.images[t.ifd];
    let mut j = json!({
        "z": t.id.z,
        "x": t.id.x,
        "y": t.id.y,
        "offset": t.offset,
        "bytes": t.bytes,
        "compression": img.compression.name(),
        "compression_code": img.compression.0,
        "predictor": img.predictor.0,
        "bits_per_sample": img.bits_per_sample.first().copied().unwrap_or(1),
        "sample_format": img.sample_format.name(),
        "photometric": img.photometric.map(Photometric::name),
        "samples_per_pixel": if img.planar_separate { 1 } else { img.samples },
        "byte_order": p.tiff.byte_order.name(),
        "tile_width": img.block_width,
        "tile_height": img.block_height,
        "edge": p.is_edge(t),
        "sparse": t.sparse(),
        "mask": t.mask,
        "ifd": t.ifd,
        "index": t.index,
    });
    if img.planar_separate {
        let per_plane = img.blocks_across * img.blocks_down;
        j["band"] = json!(t.index / per_plane + 1);
    }
    j
}

/// The bytes to write for a tile: as stored, or for JPEG with JPEGTables
/// (unless `raw`) a standalone JPEG.
pub fn render(p: &Pyramid, t: &Tile, payload: Vec<u8>, raw: bool) -> Result<Vec<u8>> {
    if raw || p.images[t.ifd].compression != Compression::JPEG {
        return Ok(payload);
    }
    match p.jpeg_tables(t)? {
        Some(tables) => splice_tables(&payload, &tables),
        None => Ok(payload),
    }
}

/// Write a file so that it either appears whole or not at all: data goes to
/// a temporary name in the same directory, then is renamed. Targets that
/// exist and are not regular files (`/dev/null`, `/dev/stdout`, a FIFO) are
/// written in place: renaming over them would replace the device.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    if let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
        && !m.is_dir()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(data))
            .map_err(|e| Error::io(format!("cannot write {}: {}", path.display(), crate::error::describe_io(&e))));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("tile");
    let tmp = path.with_file_name(format!(".{}.cogtool-{}.tmp", name, std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_data().ok();
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("cannot write {}: {}", path.display(), crate::error::describe_io(&e)))
    })
}

/// What happened to one tile of a bulk dump.
pub enum Event<'a> {
    Written {
        tile: &'a Tile,
        path: &'a Path,
        check: &'a LeaderCheck,
    },
    /// The tile exists in the grid but has no data.
    Sparse {
        tile: &'a Tile,
    },
    /// Outside the grid, or its bytes could not be read or rendered.
    Failed {
        id: TileId,
        error: &'a Error,
    },
}

/// Bulk options.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    pub raw: bool,
    pub mask: bool,
    /// Band plane, 0-based (planar=separate files only).
    pub plane: u64,
    pub max_gap: u64,
    pub max_read: u64,
    /// Bytes fetched per batch of concurrent reads (bounds memory).
    pub batch_bytes: u64,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            raw: false,
            mask: false,
            plane: 0,
            max_gap: tile_ranges::DEFAULT_MAX_GAP,
            max_read: tile_ranges::DEFAULT_MAX_READ,
            batch_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Tiles located per chunk of a bulk dump (bounds memory for huge levels).
const IDS_PER_CHUNK: usize = 65_536;

/// Every tile of level `z`, row by row.
pub fn level_ids(p: &Pyramid, z: usize, mask: bool) -> Result<impl Iterator<Item = TileId> + use<>> {
    let img = p.image_for(z, mask)?;
    let (across, down) = (img.blocks_across, img.blocks_down);
    Ok((0..down).flat_map(move |y| (0..across).map(move |x| TileId { z, x, y })))
}

/// Dump tiles into `dir/Z/X/Y.ext`. Per-tile problems are reported through
/// `on_event` and do not stop the run; a failure to write stops it.
pub fn dump_bulk(
    p: &Pyramid,
    ids: impl IntoIterator<Item = TileId>,
    dir: &Path,
    opts: &BulkOptions,
    on_event: &mut dyn FnMut(Event),
) -> Result<()> {
    let mut ids = ids.into_iter().peekable();
    while ids.peek().is_some() {
        let chunk: Vec<TileId> = ids.by_ref().take(IDS_PER_CHUNK).collect();
        dump_chunk(p, &chunk, dir, opts, on_event)?;
    }
    Ok(())
}

fn dump_chunk(
    p: &Pyramid,
    ids: &[TileId],
    dir: &Path,
    opts: &BulkOptions,
    on_event: &mut dyn FnMut(Event),
) -> Result<()> {
    let mut tiles: Vec<Tile> = Vec::new();
    let mut ranges: Vec<ByteRange> = Vec::new();
    for (id, located) in ids.iter().zip(p.locate_many(ids, opts.mask, opts.plane)) {
        match located {
            Ok(t) if t.sparse() => on_event(Event::Sparse { tile: &t }),
            Ok(t) => match p.read_range(&t) {
                Ok(r) => {
                    tiles.push(t);
                    ranges.push(r);
                }
                Err(e) => on_event(Event::Failed { id: *id, error: &e }),
            },
            Err(e) => on_event(Event::Failed { id: *id, error: &e }),
        }
    }
    let groups = tile_ranges::merge(&ranges, opts.max_gap, opts.max_read);
    let mut start = 0;
    while start < groups.len() {
        // A batch: as many groups as fit in batch_bytes (at least one).
        let mut end = start;
        let mut total = 0u64;
        while end < groups.len() && (end == start || total + groups[end].range.len <= opts.batch_bytes) {
            total += groups[end].range.len;
            end += 1;
        }
        let bufs = tile_ranges::fetch(&p.tiff.reader, &groups[start..end]);
        let bufs = match bufs {
            Ok(b) => b,
            Err(e) => {
                // One bad read fails its batch's tiles, not the whole run.
                for g in &groups[start..end] {
                    for &m in &g.members {
                        on_event(Event::Failed { id: tiles[m].id, error: &e });
                    }
                }
                start = end;
                continue;
            }
        };
        for (g, buf) in groups[start..end].iter().zip(&bufs) {
            for &m in &g.members {
                let t = &tiles[m];
                let (payload, check) = p.payload(t, g.slice(buf, ranges[m]));
                let ext = extension(p.images[t.ifd].compression);
                match render(p, t, payload.to_vec(), opts.raw) {
                    Ok(bytes) => {
                        let sub = dir.join(t.id.z.to_string()).join(t.id.x.to_string());
                        std::fs::create_dir_all(&sub).map_err(|e| {
                            Error::io(format!("cannot create {}: {}", sub.display(), crate::error::describe_io(&e)))
                        })?;
                        let path: PathBuf = sub.join(format!("{}.{}", t.id.y, ext));
                        write_atomic(&path, &bytes)?;
                        on_event(Event::Written { tile: t, path: &path, check: &check });
                    }
                    Err(e) => on_event(Event::Failed { id: t.id, error: &e }),
                }
            }
        }
        start = end;
    }
    Ok(())
}

/// Parse a `--tiles` list: one `x y z` per line (column, row, level) (spaces, tabs, commas or
/// slashes between), blank lines and `#` comments ignored.
pub fn parse_tile_list(text: &str) -> Result<Vec<TileId>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> =
            line.split(|c: char| c.is_whitespace() || c == ',' || c == '/').filter(|s| !s.is_empty()).collect();
        let bad = || {
            Error::usage(format!("tile list line {}: expected `x y z` (three whole numbers), got {:?}", n + 1, line))
        };
        if parts.len() != 3 {
            return Err(bad());
        }
        let x = parts[0].parse::<u64>().map_err(|_| bad())?;
        let y = parts[1].parse::<u64>().map_err(|_| bad())?;
        let z = parts[2].parse::<usize>().map_err(|_| bad())?;
        out.push(TileId { z, x, y });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let id = TileId { z: 2, x: 3, y: 4 };
        assert_eq!(default_name("data/scene.tif", id, false, "jpg"), "scene_3_4_2.jpg");
        assert_eq!(default_name("https://h/a/b/cog.tiff?sig=1", id, true, "bin"), "cog_3_4_2_mask.bin");
        assert_eq!(extension(Compression(7)), "jpg");
        assert_eq!(extension(Compression(50001)), "webp");
        assert_eq!(extension(Compression(52546)), "jxl");
        assert_eq!(extension(Compression(8)), "bin");
    }

    #[test]
    fn tile_lists() {
        let ids = parse_tile_list("# x y z\n1 2 0\n\n0,0,1\n3/4/2  # comment\n").unwrap();
        assert_eq!(ids, vec![TileId { z: 0, x: 1, y: 2 }, TileId { z: 1, x: 0, y: 0 }, TileId { z: 2, x: 3, y: 4 }]);
        let e = parse_tile_list("0 1\n").unwrap_err();
        assert!(e.message.contains("line 1"), "{}", e.message);
        assert!(parse_tile_list("0 1 -2").is_err());
    }
}
