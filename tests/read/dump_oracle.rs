//! `cogtool dump --raw` against GDAL (an independent reader) on every tiled
//! file of the shared corpus and of testdata/: for a sample of tiles of
//! every level (and every mask level), the dumped bytes equal the bytes at
//! GDAL's BLOCK_OFFSET_x_y / BLOCK_SIZE_x_y. JPEG tiles, dumped standalone,
//! decode with jpeg-decoder to the tile size. Every file, tiled or not,
//! valid or hostile, gives exit 0, 1 or 2 with at most one line: no crash.
//!
//! Skips (with a printed reason) when GDAL's Python bindings are absent;
//! the corpus part skips when the corpus is absent.

use crate::common;

use common::{Oracle, cogtool, corpus_dir, root, stderr};
use serde_json::Value;
use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PYTHON: &str = common::PY;

/// GDAL's description of each file (see tests/read/dump_gdal_oracle.py).
fn gdal_view(files: &[PathBuf]) -> Vec<Value> {
    let mut child = Command::new(PYTHON)
        .arg(root().join("tests/read/dump_gdal_oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python");
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "oracle script failed");
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn tiff_files(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && recursive {
            out.extend(tiff_files(&p, false));
        } else if p.is_file() && p.to_string_lossy().contains(".tif") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[derive(Default)]
struct Tally {
    files: usize,
    tiles: usize,
    sparse: usize,
    jpegs: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
}

/// SOF precision of a JPEG stream (8 or 12), if an SOF marker is found.
fn jpeg_precision(jpg: &[u8]) -> Option<u8> {
    let mut i = 2;
    while i + 4 < jpg.len() {
        if jpg[i] != 0xFF {
            return None;
        }
        let m = jpg[i + 1];
        let len = u16::from_be_bytes([jpg[i + 2], jpg[i + 3]]) as usize;
        if (0xC0..=0xCF).contains(&m) && m != 0xC4 && m != 0xC8 && m != 0xCC {
            return jpg.get(i + 4).copied();
        }
        i += 2 + len;
    }
    None
}

/// Compare one level set (imagery or masks) of one file.
fn check_levels(path: &Path, data: &[u8], levels: &[Value], mask: bool, jpeg: bool, t: &mut Tally) {
    let name = path.display().to_string();
    let mut list = String::new();
    for (z, lvl) in levels.iter().enumerate() {
        for tile in lvl["tiles"].as_array().unwrap() {
            list.push_str(&format!("{} {} {}\n", tile[0], tile[1], z));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let list_file = dir.path().join("tiles.txt");
    fs::write(&list_file, &list).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "-q",
        "dump",
        path.to_str().unwrap(),
        "--tiles",
        list_file.to_str().unwrap(),
        "--raw",
        "-o",
        out.to_str().unwrap(),
    ];
    if mask {
        args.push("--mask");
    }
    let o = cogtool(&args);
    let err = stderr(&o);
    if o.status.code().is_none() || err.contains("panicked") {
        t.failures.push(format!("{}: crashed: {}", name, err));
        return;
    }
    let what = if mask { "mask " } else { "" };
    for (z, lvl) in levels.iter().enumerate() {
        for tile in lvl["tiles"].as_array().unwrap() {
            let (x, y) = (tile[0].as_u64().unwrap(), tile[1].as_u64().unwrap());
            let id = format!("x={} y={} z={}", x, y, z);
            let sub = out.join(z.to_string()).join(x.to_string());
            let written = fs::read_dir(&sub).ok().and_then(|mut rd| {
                rd.find_map(|e| {
                    let p = e.ok()?.path();
                    (p.file_stem()?.to_str()? == y.to_string()).then_some(p)
                })
            });
            let (off, size) = (tile[2].as_u64().unwrap_or(0), tile[3].as_u64().unwrap_or(0));
            if off == 0 || size == 0 {
                // GDAL has no block there: dump must call it sparse.
                if written.is_some() || !err.contains(&format!("tile {} is empty (sparse)", id)) {
                    t.failures.push(format!("{}: {}tile {} should be sparse; stderr: {}", name, what, id, err));
                }
                t.sparse += 1;
                continue;
            }
            if off + size > data.len() as u64 {
                // Past the end: an error for that tile, no file.
                if written.is_some() || !err.contains(&format!("tile {}", id)) {
                    t.failures
                        .push(format!("{}: {}tile {} lies past the end but was not refused: {}", name, what, id, err));
                }
                continue;
            }
            let want = &data[off as usize..(off + size) as usize];
            match written {
                Some(p) if fs::read(&p).unwrap() == want => t.tiles += 1,
                Some(p) => t.failures.push(format!(
                    "{}: {}tile {}: bytes differ from GDAL's block ({})",
                    name,
                    what,
                    id,
                    p.display()
                )),
                None => t.failures.push(format!("{}: {}tile {} not written; stderr: {}", name, what, id, err)),
            }
            if jpeg && !mask {
                check_jpeg(path, z, x, y, lvl, t);
            }
        }
    }
}

/// The default (standalone) form of a JPEG tile decodes to the tile size.
fn check_jpeg(path: &Path, z: usize, x: u64, y: u64, lvl: &Value, t: &mut Tally) {
    let name = path.display().to_string();
    let o =
        cogtool(["dump", path.to_str().unwrap(), "--xyz", &x.to_string(), &y.to_string(), &z.to_string(), "-o", "-"]);
    if !o.status.success() {
        t.failures.push(format!("{}: jpeg tile {}/{}/{}: {}", name, z, x, y, stderr(&o)));
        return;
    }
    if jpeg_precision(&o.stdout) == Some(12) {
        t.skipped.push(format!("{}: 12-bit JPEG (jpeg-decoder reads 8-bit only)", name));
        return;
    }
    let mut d = jpeg_decoder::Decoder::new(&o.stdout[..]);
    match d.decode() {
        Ok(_) => {
            let info = d.info().unwrap();
            let want = (lvl["bw"].as_u64().unwrap(), lvl["bh"].as_u64().unwrap());
            if (info.width as u64, info.height as u64) != want {
                t.failures.push(format!(
                    "{}: jpeg tile {}/{}/{} decodes to {}x{}, tile is {}x{}",
                    name, z, x, y, info.width, info.height, want.0, want.1
                ));
            } else {
                t.jpegs += 1;
            }
        }
        Err(e) => t.failures.push(format!("{}: jpeg tile {}/{}/{} does not decode: {}", name, z, x, y, e)),
    }
}

/// Single-tile path (`--xyz ... -o -`) on the first present tile of level 0.
fn check_single(path: &Path, data: &[u8], levels: &[Value], t: &mut Tally) {
    let Some(tile) = levels[0]["tiles"].as_array().unwrap().iter().find(|tl| {
        let (o, s) = (tl[2].as_u64().unwrap_or(0), tl[3].as_u64().unwrap_or(0));
        o > 0 && s > 0 && o + s <= data.len() as u64
    }) else {
        return;
    };
    let (x, y, off, size) =
        (tile[0].as_u64().unwrap(), tile[1].as_u64().unwrap(), tile[2].as_u64().unwrap(), tile[3].as_u64().unwrap());
    let o = cogtool(["dump", path.to_str().unwrap(), "--xyz", &x.to_string(), &y.to_string(), "0", "--raw", "-o", "-"]);
    if !o.status.success() || o.stdout != data[off as usize..(off + size) as usize] {
        t.failures.push(format!("{}: single tile 0/{}/{} differs or fails: {}", path.display(), x, y, stderr(&o)));
    }
}

/// Any file: exit 0/1/2, no panic, one line of stderr on failure (besides
/// warnings such as a broken IFD chain read leniently).
fn check_no_crash(path: &Path, t: &mut Tally) {
    let o = cogtool(["dump", path.to_str().unwrap(), "--xyz", "0", "0", "0", "--raw", "-o", "-"]);
    let err = stderr(&o);
    let ok = match o.status.code() {
        Some(0) => true,
        Some(1 | 2) => err.lines().filter(|l| !l.contains(": warning: ")).count() == 1 && o.stdout.is_empty(),
        _ => false,
    };
    if !ok || err.contains("panicked") {
        t.failures.push(format!("{}: exit {:?}, stderr: {}", path.display(), o.status.code(), err));
    }
}

/// `bad_pixels`: files whose pixels GDAL itself cannot decode (manifest
/// `gdal_decode`), where a JPEG tile need not decode either.
fn run_over(files: &[PathBuf], label: &str, bad_pixels: &HashSet<PathBuf>) -> Tally {
    let mut t = Tally::default();
    for f in files {
        check_no_crash(f, &mut t);
    }
    for rec in gdal_view(files) {
        let path = PathBuf::from(rec["path"].as_str().unwrap());
        if !rec["tiled"].as_bool().unwrap_or(false) {
            continue;
        }
        if let Some(e) = rec.get("error") {
            t.skipped.push(format!("{}: GDAL: {}", path.display(), e));
            continue;
        }
        // Files cogtool refuses as a whole although GDAL reads them, each
        // for a stated reason (hostile structure that libtiff tolerates).
        const KNOWN_REFUSALS: &[&str] = &["IFD chain loops back"];
        let probe = cogtool(["dump", path.to_str().unwrap(), "--xyz", "0", "0", "0", "--json"]);
        let probe_err = stderr(&probe);
        if probe.status.code() == Some(2) && KNOWN_REFUSALS.iter().any(|k| probe_err.contains(k)) {
            t.skipped.push(format!("{}: refused on purpose: {}", path.display(), probe_err.trim()));
            continue;
        }
        let data = fs::read(&path).unwrap();
        let levels = rec["levels"].as_array().unwrap().clone();
        let levels = &levels;
        let mut jpeg = rec["jpeg"].as_bool().unwrap_or(false);
        if jpeg && bad_pixels.contains(&path) {
            t.skipped.push(format!("{}: GDAL cannot decode its pixels: JPEG decode not checked", path.display()));
            jpeg = false;
        }
        t.files += 1;
        check_levels(&path, &data, levels, false, jpeg, &mut t);
        check_single(&path, &data, levels, &mut t);
        let masks = rec["masks"].as_array().unwrap();
        if !masks.is_empty() {
            check_levels(&path, &data, masks, true, false, &mut t);
        }
    }
    eprintln!(
        "{}: {} tiled files, {} tiles equal to GDAL's blocks, {} sparse tiles confirmed, {} standalone JPEGs decoded",
        label, t.files, t.tiles, t.sparse, t.jpegs
    );
    for s in &t.skipped {
        eprintln!("  skipped {}", s);
    }
    t
}

fn assert_clean(t: &Tally) {
    assert!(t.failures.is_empty(), "{} failures:\n{}", t.failures.len(), t.failures.join("\n"));
}

#[test]
fn fixtures_match_gdal() {
    if !common::oracles(&[Oracle::GdalPython], "dump against GDAL's tile reads") {
        return;
    }
    let files = tiff_files(&root().join("testdata"), false);
    let t = run_over(&files, "testdata", &HashSet::new());
    assert_clean(&t);
    assert!(t.files >= 4 && t.jpegs > 0 && t.sparse > 0, "fixtures cover tiles, JPEG and sparse");
}

#[test]
fn corpus_matches_gdal() {
    let Some(dir) = corpus_dir() else { return };
    if !common::oracles(&[Oracle::GdalPython], "dump against GDAL's tile reads") {
        return;
    }
    let files = tiff_files(&dir, true);
    let bad_pixels: HashSet<PathBuf> = common::manifest(&dir)
        .into_iter()
        .filter(|r| r.get("gdal_decode").is_some_and(|v| v != "ok"))
        .map(|r| dir.join(&r["path"]))
        .collect();
    let t = run_over(&files, "corpus", &bad_pixels);
    assert_clean(&t);
    assert!(t.files >= 100, "the corpus has over 100 tiled files GDAL opens; compared {}", t.files);
    // COGDumper's own test files: big-endian and BigTIFF.
    for f in ["mapbox__COGDumper/tests__data__be_cog.tif", "mapbox__COGDumper/tests__data__BigTIFF.tif"] {
        let p = dir.join(f);
        let o = cogtool(["dump", p.to_str().unwrap(), "--xyz", "0", "0", "0", "--json"]);
        assert!(o.status.success(), "{}: {}", f, stderr(&o));
    }
}
