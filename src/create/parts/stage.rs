//! A part's staging beside OUTPUT: `OUTPUT.parts/part-I-of-N/` holds
//!
//! - `seg-S.bin`: the framed tiles of file segment S (a level, or a level's
//!   band) that fall in the part's stripe, in file order;
//! - `counts.bin`: the payload size of each of those tiles (u64 LE, IFD by
//!   IFD, band by band, in tile order);
//! - `pixels-L.bin`, `valid-L.bin`: the part's rows of level L that the
//!   assembly computes from (level k; for complex samples under NEAREST
//!   each level above k), samples as stored in memory, little-endian,
//!   validity one byte per pixel;
//! - `stats.bin`: with statistics, the state of each block of 16 rows of
//!   the stripe ([`crate::create::pipeline::stats::Statistics::staged`]);
//! - `manifest.json`: what the part was made from (cogtool version, input
//!   identity, fingerprint of the plan and options, the command line), so
//!   that `assemble` refuses parts that do not belong together.
//!
//! A part writes into `part-I-of-N.tmp-PID/` and renames it into place when
//! complete (replacing an earlier run of the same part): a part killed
//! midway leaves no `part-I-of-N/`, which `assemble` reports as missing.
//!
//! For an `s3://bucket/key` OUTPUT the staging is `s3://bucket/key.parts/`:
//! the part is built in a local temp directory as above, then its files
//! are uploaded, the manifest last (a part without one is missing), and the
//! local copy removed. `assemble` downloads the small files (manifest,
//! sizes, the staged pixels) and reads the tiles straight from S3.

use crate::create::sink::SegmentSink;
use crate::{Error, Result};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const MANIFEST_FORMAT: u64 = 2;

/// The files of level `level`'s staged pixels and validity.
pub fn pixel_files(level: usize) -> (String, String) {
    (format!("pixels-{}.bin", level), format!("valid-{}.bin", level))
}

/// `OUTPUT.parts`: where the parts of OUTPUT are staged.
pub fn staging_dir(output: &str) -> PathBuf {
    PathBuf::from(format!("{}.parts", output))
}

/// `s3://bucket/key.parts/` for an S3 OUTPUT (`gs://...`, `az://...`
/// likewise), else None.
pub fn staging_url(output: &str) -> Option<String> {
    crate::source::scheme(output).is_cloud().then(|| format!("{}.parts/", output))
}

/// A local directory removed when dropped (an S3 part's build, the
/// assembly's copy of the parts' small files).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(base: &Path, tag: &str) -> Result<TempDir> {
        let p = base.join(format!(".cogtool-{}-{}", tag, std::process::id()));
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
        std::fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Upload a committed part directory to `prefix` (`.../key.parts/`), the
/// manifest last.
pub fn upload_part(dir: &Path, prefix: &str, remote: &crate::source::OpenOptions) -> Result<()> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort_by_key(|p| p.file_name().is_some_and(|n| n == "manifest.json"));
    for f in files {
        let file = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dest = format!("{}{}/{}", prefix, name, file);
        crate::source::multipart::upload_file(&f, &dest, remote, &crate::Cancel::new(), true)?;
    }
    Ok(())
}

/// Copy the object at `url` into `path` (a part's small files).
fn download(url: &str, path: &Path, remote: &crate::source::OpenOptions) -> Result<()> {
    let mut out = BufWriter::new(File::create(path).map_err(|e| io_err(path, e))?);
    crate::source::read_chunks(url, remote, None, &mut |b| out.write_all(b).map_err(|e| io_err(path, e)))?;
    out.flush().map_err(|e| io_err(path, e))
}

pub fn part_dir(staging: &Path, index: usize, count: usize) -> PathBuf {
    staging.join(format!("part-{:05}-of-{:05}", index, count))
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{}: {}", path.display(), crate::error::describe_io(&e)))
}

/// A 64-bit FNV-1a hash, written out (std's hasher may change between Rust
/// releases; the fingerprint must not).
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:016x}", h)
}

/// The files of one part being written.
pub struct PartStage {
    tmp: PathBuf,
    done: PathBuf,
    segments: Vec<Option<(BufWriter<File>, u64)>>,
    /// Staged pixels: (level, samples, validity).
    pixels: Vec<(usize, BufWriter<File>, Option<BufWriter<File>>)>,
    kept: bool,
}

impl PartStage {
    /// Start part `index` of `count` in `staging` (created if needed).
    pub fn create(staging: &Path, index: usize, count: usize, segments: usize) -> Result<PartStage> {
        std::fs::create_dir_all(staging).map_err(|e| io_err(staging, e))?;
        let done = part_dir(staging, index, count);
        let tmp = staging.join(format!(".part-{:05}-of-{:05}.tmp-{}", index, count, std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| io_err(&tmp, e))?;
        Ok(PartStage { tmp, done, segments: (0..segments).map(|_| None).collect(), pixels: Vec::new(), kept: false })
    }

    fn file(&self, name: &str) -> Result<BufWriter<File>> {
        let p = self.tmp.join(name);
        Ok(BufWriter::with_capacity(256 << 10, File::create(&p).map_err(|e| io_err(&p, e))?))
    }

    /// Level `level`'s staged rows go to its pixel file (and validity file
    /// when `valid`).
    pub fn open_pixels(&mut self, level: usize, valid: bool) -> Result<()> {
        let (pixels, validity) = pixel_files(level);
        let v = if valid { Some(self.file(&validity)?) } else { None };
        self.pixels.push((level, self.file(&pixels)?, v));
        Ok(())
    }

    pub fn write_pixels(&mut self, level: usize, samples: &[u8], valid: Option<&[u8]>) -> Result<()> {
        let path = self.tmp.join(pixel_files(level).0);
        let (_, p, v) = self
            .pixels
            .iter_mut()
            .find(|f| f.0 == level)
            .ok_or_else(|| Error::format("internal error: no pixel file"))?;
        p.write_all(samples).map_err(|e| io_err(&path, e))?;
        if let (Some(v), Some(valid)) = (v.as_mut(), valid) {
            v.write_all(valid).map_err(|e| io_err(&path, e))?;
        }
        Ok(())
    }

    fn write_segment(&mut self, seg: usize, bytes: &[u8]) -> Result<()> {
        if self.segments[seg].is_none() {
            self.segments[seg] = Some((self.file(&format!("seg-{}.bin", seg))?, 0));
        }
        let path = self.tmp.join(format!("seg-{}.bin", seg));
        let (w, n) = self.segments[seg].as_mut().expect("opened above");
        w.write_all(bytes).map_err(|e| io_err(&path, e))?;
        *n += bytes.len() as u64;
        Ok(())
    }

    /// Write a small file of the part (`stats.bin`).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| io_err(&p, e))
    }

    /// Write the counts and the manifest, flush everything, and move the
    /// part into place (returned).
    pub fn commit(mut self, counts: &[u64], mut manifest: Value) -> Result<PathBuf> {
        let mut c = self.file("counts.bin")?;
        for n in counts {
            c.write_all(&n.to_le_bytes()).map_err(|e| io_err(&self.tmp, e))?;
        }
        c.flush().map_err(|e| io_err(&self.tmp, e))?;
        let mut segs = serde_json::Map::new();
        for (s, w) in self.segments.iter_mut().enumerate() {
            if let Some((w, n)) = w {
                w.flush().map_err(|e| io_err(&self.tmp, e))?;
                segs.insert(s.to_string(), json!(n));
            }
        }
        for (_, p, v) in self.pixels.iter_mut() {
            p.flush().map_err(|e| io_err(&self.tmp, e))?;
            if let Some(v) = v {
                v.flush().map_err(|e| io_err(&self.tmp, e))?;
            }
        }
        manifest["segments"] = Value::Object(segs);
        let m = self.tmp.join("manifest.json");
        std::fs::write(&m, serde_json::to_vec_pretty(&manifest).unwrap_or_default()).map_err(|e| io_err(&m, e))?;
        if self.done.exists() {
            std::fs::remove_dir_all(&self.done).map_err(|e| io_err(&self.done, e))?;
        }
        std::fs::rename(&self.tmp, &self.done).map_err(|e| io_err(&self.done, e))?;
        self.kept = true;
        Ok(self.done.clone())
    }
}

impl Drop for PartStage {
    /// A part that did not complete leaves nothing.
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The part's tiles, by file segment, into its staging directory.
pub struct StageSink(pub std::sync::Arc<std::sync::Mutex<Option<PartStage>>>);

impl SegmentSink for StageSink {
    fn write(&mut self, seg: usize, bytes: &[u8]) -> Result<()> {
        let mut g = self.0.lock().map_err(|_| Error::format("internal error: staging lock"))?;
        g.as_mut().ok_or_else(|| Error::format("internal error: staging closed"))?.write_segment(seg, bytes)
    }
    fn finish(self: Box<Self>, _head: Vec<u8>) -> Result<(u64, String)> {
        Ok((0, String::new()))
    }
}

/// A staged part, read back by `assemble`: its small files in `dir`, its
/// tiles there too or under `remote` (an S3 part's URL prefix).
pub struct StagedPart {
    pub dir: PathBuf,
    pub manifest: Value,
    pub remote: Option<String>,
}

/// Where a part's tiles of one segment are.
pub enum Piece {
    File(PathBuf),
    Url(String),
}

impl StagedPart {
    pub fn open(staging: &Path, index: usize, count: usize) -> Option<StagedPart> {
        let dir = part_dir(staging, index, count);
        let text = std::fs::read(dir.join("manifest.json")).ok()?;
        let manifest = serde_json::from_slice(&text).ok()?;
        Some(StagedPart { dir, manifest, remote: None })
    }

    /// Part `index` under `prefix` (S3): its manifest, sizes and pixels
    /// copied into `local`; None when it has no manifest.
    pub fn open_s3(
        prefix: &str,
        index: usize,
        count: usize,
        local: &Path,
        remote: &crate::source::OpenOptions,
    ) -> Result<Option<StagedPart>> {
        let name = format!("part-{:05}-of-{:05}", index, count);
        let url = format!("{}{}/", prefix, name);
        let listed = crate::source::list_objects(&url, remote)?;
        if !listed.iter().any(|(u, _)| u.ends_with("/manifest.json")) {
            return Ok(None);
        }
        let dir = local.join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        for (u, _) in &listed {
            let Some(file) = u.strip_prefix(&url) else { continue };
            let small = ["manifest.json", "counts.bin", "stats.bin"].contains(&file)
                || ((file.starts_with("pixels-") || file.starts_with("valid-")) && file.ends_with(".bin"));
            if small && !file.contains('/') {
                download(&format!("{}{}", url, file), &dir.join(file), remote)?;
            }
        }
        let text = std::fs::read(dir.join("manifest.json")).map_err(|e| io_err(&dir, e))?;
        let manifest =
            serde_json::from_slice(&text).map_err(|e| Error::format(format!("{}manifest.json: {}", url, e)))?;
        Ok(Some(StagedPart { dir, manifest, remote: Some(url) }))
    }

    pub fn segment(&self, seg: usize) -> Option<(Piece, u64)> {
        let n = self.manifest["segments"][seg.to_string()].as_u64()?;
        let name = format!("seg-{}.bin", seg);
        Some(match &self.remote {
            Some(url) => (Piece::Url(format!("{}{}", url, name)), n),
            None => (Piece::File(self.dir.join(name)), n),
        })
    }

    /// The staged statistics (None when the part has no rows).
    pub fn stats(&self) -> Result<Option<Vec<u8>>> {
        let p = self.dir.join("stats.bin");
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&p, e)),
        }
    }

    pub fn counts(&self) -> Result<Vec<u64>> {
        let p = self.dir.join("counts.bin");
        let b = std::fs::read(&p).map_err(|e| io_err(&p, e))?;
        Ok(b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }
}
