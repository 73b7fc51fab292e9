//! `cogtool info --json` against the third-party corpus (../shared/corpus):
//! for every file GDAL opens, the facts must agree with manifest.tsv and
//! `gdalinfo -json`; every other file must fail cleanly (exit 2, one line);
//! no file may crash cogtool or make it run away. Skips, with a printed
//! reason, when the corpus (or, for the gdalinfo part, GDAL) is absent.

use crate::common;
use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Far above what any corpus file needs (all finish in well under a second);
/// a file that takes longer is a hang, not a slow file.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Run a command, killing it after `limit`. None on timeout.
fn run_limited(cmd: &mut Command, limit: Duration) -> Option<Output> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(Output { status, stdout: to.join().unwrap(), stderr: te.join().unwrap() });
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn cogtool_json(path: &Path) -> Option<Output> {
    run_limited(Command::new(env!("CARGO_BIN_EXE_cogtool")).arg("info").arg("--json").arg(path), TIME_LIMIT)
}

/// Run `f` over `items` on a few threads (the corpus has ~470 files).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 8);
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.unwrap()).collect()
}

/// GDAL opened the file without complaint: cogtool must open it and agree.
fn gdal_clean(row: &HashMap<String, String>) -> bool {
    row["gdalinfo_ok"] == "ok"
}

/// GDAL opened the file but warned (`ok (warn: ...)`): often about broken
/// structure it worked around (IFD loops, unreadable next IFD, bogus counts).
/// cogtool may refuse those (exit 2, one line: the rule for loops and
/// offsets past the end); when it describes them, it must agree with GDAL.
fn gdal_warned(row: &HashMap<String, String>) -> bool {
    row["gdalinfo_ok"].starts_with("ok (warn")
}

/// TIFF compression codes GDAL's COMPRESSION name can stand for.
fn gdal_compression_codes(name: &str) -> Option<&'static [u64]> {
    Some(match name {
        "NONE" => &[1],
        "CCITTRLE" => &[2],
        "CCITTFAX3" => &[3],
        "CCITTFAX4" => &[4],
        "LZW" => &[5],
        "OJPEG" => &[6],
        "JPEG" | "YCbCr JPEG" => &[7],
        "DEFLATE" => &[8, 32946],
        "PACKBITS" => &[32773],
        "NEXT" => &[32766],
        "THUNDERSCAN" => &[32809],
        "SGILOG" => &[34676],
        "SGILOG24" => &[34677],
        "LERC" | "LERC_DEFLATE" | "LERC_ZSTD" => &[34887],
        "LZMA" => &[34925],
        "ZSTD" => &[50000],
        "WEBP" => &[50001],
        "JXL" => &[50002],
        _ => return None,
    })
}

/// A nodata value as JSON (number, "nan", "inf", "-inf") as f64.
fn json_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn gdal_f64(s: &str) -> Option<f64> {
    match s {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// Same value, allowing for GDAL printing Float32 nodata with float precision.
fn same_nodata(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || ((a - b).abs() <= 1e-6 * a.abs().max(b.abs()))
}

/// The EPSG code at the top level of a WKT2 string (its last `ID["EPSG",n]`
/// closing the outermost node), or None for a CRS without one.
fn wkt_epsg(wkt: &str) -> Option<u64> {
    let t = wkt.trim_end();
    let t = t.strip_suffix(']')?.trim_end();
    let t = t.strip_suffix(']')?;
    let i = t.rfind("ID[\"EPSG\",")?;
    // The ID must be a direct child of the root: it is followed only by the
    // two closing brackets we stripped.
    t[i + 10..].trim().parse().ok()
}

struct Oracle {
    overviews: Vec<(u64, u64)>,
    epsg: Option<u64>,
    wkt: String,
    geotransform: Option<Vec<f64>>,
}

fn gdalinfo(path: &Path) -> Option<Oracle> {
    let o = run_limited(Command::new("gdalinfo").arg("-json").arg("-nomd").arg(path), Duration::from_secs(60))?;
    if !o.status.success() {
        return None;
    }
    let j: Value = serde_json::from_slice(&o.stdout).ok()?;
    let overviews = j["bands"][0]["overviews"]
        .as_array()
        .map(|a| a.iter().map(|o| (o["size"][0].as_u64().unwrap(), o["size"][1].as_u64().unwrap())).collect())
        .unwrap_or_default();
    // A georeferenced-by-GCPs file has its CRS under "gcps".
    let wkt = j["coordinateSystem"]["wkt"].as_str().or(j["gcps"]["coordinateSystem"]["wkt"].as_str()).unwrap_or("");
    let geotransform = j["geoTransform"].as_array().map(|a| a.iter().map(|v| v.as_f64().unwrap()).collect());
    Some(Oracle { overviews, epsg: wkt_epsg(wkt), wkt: wkt.to_string(), geotransform })
}

/// Facts of one file as cogtool sees it (from `info --json`).
struct Ours {
    width: u64,
    height: u64,
    bands: u64,
    dtype: String,
    block: String,
    compression_code: u64,
    overviews: Vec<(u64, u64)>,
    nodata: Option<f64>,
    epsg: Option<u64>,
    photometric: String,
    geotransform: Option<Vec<f64>>,
    single_strip: bool,
    /// Uncompressed bytes of one strip (0 when tiled).
    strip_bytes: u64,
    has_subifds: bool,
}

fn ours(j: &Value) -> Ours {
    let m = j["ifds"].as_array().unwrap().iter().find(|i| i["kind"] == "image").unwrap_or(&j["ifds"][0]);
    Ours {
        width: m["width"].as_u64().unwrap(),
        height: m["height"].as_u64().unwrap(),
        bands: m["bands"].as_u64().unwrap(),
        dtype: m["dtype"].as_str().unwrap_or("null").to_string(),
        block: format!("{}x{}", m["block_width"], m["block_height"]),
        compression_code: m["compression_code"].as_u64().unwrap(),
        overviews: j["overviews"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["width"].as_u64().unwrap(), o["height"].as_u64().unwrap()))
            .collect(),
        nodata: json_f64(&j["geo"]["nodata"]),
        epsg: j["geo"]["crs"].as_str().and_then(|s| s.strip_prefix("EPSG:")).and_then(|s| s.parse().ok()),
        photometric: m["photometric"].as_str().unwrap_or("").to_string(),
        geotransform: j["geo"]["geotransform"].as_array().map(|a| a.iter().map(|v| json_f64(v).unwrap()).collect()),
        single_strip: m["tiled"] == false && m["blocks"] == 1,
        strip_bytes: if m["tiled"] == false {
            let bits: u64 = m["bits_per_sample"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap()).sum();
            (m["block_width"].as_u64().unwrap() * bits).div_ceil(8) * m["block_height"].as_u64().unwrap()
        } else {
            0
        },
        has_subifds: m["tags"].as_array().unwrap().iter().any(|t| t["code"] == 330),
    }
}

/// Compare one file; the list of disagreements (empty when all agree).
fn compare(dir: &Path, row: &HashMap<String, String>, j: &Value, oracle: Option<&Oracle>) -> Vec<String> {
    let path = &row["path"];
    let o = ours(j);
    let mut bad = Vec::new();
    let mut check = |what: &str, ok: bool, ours: String, gdal: String| {
        if !ok {
            bad.push(format!("{}: {} cogtool={} gdal={}", path, what, ours, gdal));
        }
    };
    check("width", o.width.to_string() == row["width"], o.width.to_string(), row["width"].clone());
    check("height", o.height.to_string() == row["height"], o.height.to_string(), row["height"].clone());
    // GDAL reads CIELab through libtiff's RGBA interface: 3 samples become
    // 4 bands (R, G, B, A).
    let bands_ok =
        o.bands.to_string() == row["bands"] || (o.photometric == "cielab" && o.bands == 3 && row["bands"] == "4");
    check("bands", bands_ok, o.bands.to_string(), row["bands"].clone());
    // GDAL 3.6 has no Int8 type: it shows signed 8-bit data as Byte.
    let dtype_ok = o.dtype == row["dtype"] || (o.dtype == "Int8" && row["dtype"] == "Byte");
    check("dtype", dtype_ok, o.dtype.clone(), row["dtype"].clone());
    // A single strip is shown by GDAL as smaller blocks: libtiff "chops"
    // uncompressed single-strip images into ~8 KiB strips, and GDAL reads
    // other big single strips one row at a time ("split band"). cogtool
    // reports RowsPerStrip as stored, so only the width must match there.
    // GDAL also splits strips of 2 GiB or more.
    let block_ok = o.block == row["blocksize"]
        || ((o.single_strip || o.strip_bytes >= 1 << 31)
            && row["blocksize"].split_once('x').is_some_and(|(w, h)| {
                w == o.block.split('x').next().unwrap() && h.parse::<u64>().is_ok_and(|h| h < o.height)
            }));
    check("block size", block_ok, o.block.clone(), row["blocksize"].clone());
    let codes = gdal_compression_codes(&row["compression"]);
    check(
        "compression",
        codes.is_some_and(|c| c.contains(&o.compression_code)),
        o.compression_code.to_string(),
        row["compression"].clone(),
    );
    // GDAL adds the overviews of an external .ovr sidecar; cogtool describes
    // the file it was given, so those files are compared on internal ones only.
    let external_ovr = dir.join(format!("{}.ovr", path)).is_file();
    // GDAL also takes reduced-resolution SubIFDs (tag 330) as overviews;
    // cogtool lists the main IFD chain only and shows the SubIFDs tag.
    if !external_ovr && !o.has_subifds {
        check(
            "overview count",
            o.overviews.len().to_string() == row["overviews"],
            o.overviews.len().to_string(),
            row["overviews"].clone(),
        );
        if let Some(or) = oracle {
            check(
                "overview sizes",
                o.overviews == or.overviews,
                format!("{:?}", o.overviews),
                format!("{:?}", or.overviews),
            );
        }
    }
    let gdal_nodata = gdal_f64(&row["nodata"]);
    let nodata_ok = match (o.nodata, gdal_nodata) {
        (None, None) => true,
        (Some(a), Some(b)) => same_nodata(a, b),
        _ => false,
    };
    check("nodata", nodata_ok, format!("{:?}", o.nodata), row["nodata"].clone());
    // tifffile's reading of the raw IFD chain and the first IFD's tags.
    if row["tifffile"] == "ok" {
        // The raw chain: SubIFDs that info lists after it are not tifffile's pages.
        let ifds: Vec<&Value> =
            j["ifds"].as_array().unwrap().iter().filter(|i| i["sub_ifd"] != Value::Bool(true)).collect();
        let first = ifds[0];
        // A tag whose value cannot be read (count past the end of the file)
        // is shown by cogtool with an error; tifffile drops it.
        let tag_of = |code: u64| {
            first["tags"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["code"] == code)
                .map(|t| t["value"].clone())
                .filter(|v| v.get("error").is_none())
        };
        let reduced = ifds.iter().filter(|i| i["new_subfile_type"].as_u64().unwrap() & 5 == 1).count();
        let facts = [
            ("IFD count", ifds.len().to_string(), &row["ifds"]),
            ("reduced-resolution IFDs", reduced.to_string(), &row["reduced_res_ifds"]),
            ("tiled", (if first["tiled"] == true { "yes" } else { "no" }).to_string(), &row["tiled"]),
            ("compression tag", first["compression_code"].to_string(), &row["tiff_compression_tag"]),
            ("predictor", first["predictor"].to_string(), &row["predictor"]),
            ("photometric tag", tag_of(262).map(|v| v.to_string()).unwrap_or_default(), &row["photometric"]),
            ("planar tag", tag_of(284).map(|v| v.to_string()).unwrap_or_else(|| "1".into()), &row["planar"]),
        ];
        // Where the chain loops, libtiff (and cogtool) read every IFD up to
        // the repeat; tifffile stops one earlier on some loops.
        let loops = row.values().any(|v| v.contains("IFD looping"));
        for (what, ours, theirs) in facts {
            let ok = &ours == theirs || (what == "IFD count" && loops);
            check(&format!("{} (tifffile)", what), ok, ours, theirs.clone());
        }
    }
    if let Some(or) = oracle {
        let epsg_ok = o.epsg == or.epsg
            // A compound CRS (horizontal + vertical) has no code of its own in
            // GDAL's WKT; cogtool reports the horizontal one, which must be there.
            || (or.wkt.starts_with("COMPOUNDCRS[")
                && o.epsg.is_some_and(|c| or.wkt.contains(&format!("ID[\"EPSG\",{}]", c))))
            // GDAL drops the code when the GeoKeys override parameters of the
            // EPSG definition they name (and warns); cogtool reports the code
            // the keys declare, which is the one GDAL's warning names.
            || (row["gdalinfo_ok"].contains("got from GeoTIFF keys is not the same")
                && o.epsg.is_some_and(|c| row["gdalinfo_ok"].contains(&format!("EPSG:{} ", c))))
            // GDAL drops the whole CRS when a GeoKey's ASCII value is missing.
            || row["gdalinfo_ok"].contains("GeoAsciiParams is missing or corrupted")
            // This grid declares GeographicType 8255 (NAD83(CSRS)v7, 3D) and
            // VerticalCSType 8254 (the same datum in 2D); GDAL reports the 2D
            // code, cogtool the GeographicType key as written.
            || (path.ends_with("ca_nrc_NAD83v70VG.tif") && o.epsg == Some(8255) && or.epsg == Some(8254));
        check("EPSG", epsg_ok, format!("{:?}", o.epsg), format!("{:?}", or.epsg));
        let close = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0))
        };
        let gt_ok = match (&o.geotransform, &or.geotransform) {
            (Some(a), Some(b)) => close(a, b),
            (None, None) => true,
            _ => false,
        };
        check("geotransform", gt_ok, format!("{:?}", o.geotransform), format!("{:?}", or.geotransform));
    }
    bad
}

enum Outcome {
    Agrees,
    Disagrees(Vec<String>),
    FailedCleanly,
    Problem(String),
}

#[test]
fn info_agrees_with_gdal_on_the_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let with_gdal =
        common::oracles(&[common::Oracle::GdalTools], "partly: overview sizes and EPSG codes against gdalinfo");
    let rows = manifest(&dir);
    let started = Instant::now();
    let outcomes = par_map(&rows, |row| {
        let path: PathBuf = dir.join(&row["path"]);
        let t = Instant::now();
        let Some(out) = cogtool_json(&path) else {
            return Outcome::Problem(format!("{}: no answer within {:?}", row["path"], TIME_LIMIT));
        };
        let took = t.elapsed();
        let err = stderr(&out);
        match out.status.code() {
            None => return Outcome::Problem(format!("{}: killed by a signal; stderr: {}", row["path"], err)),
            Some(101) => return Outcome::Problem(format!("{}: panic: {}", row["path"], err)),
            _ => {}
        }
        if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            return Outcome::Problem(format!("{}: panic text on stderr: {}", row["path"], err));
        }
        let code = out.status.code().unwrap();
        let line: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        if code == 2 {
            if err.lines().count() != 1 {
                return Outcome::Problem(format!(
                    "{}: exit 2 with {} stderr lines: {}",
                    row["path"],
                    err.lines().count(),
                    err
                ));
            }
            if line.as_ref().is_none_or(|j| !j["error"].is_string()) {
                return Outcome::Problem(format!("{}: exit 2 without a JSON error object", row["path"]));
            }
            // GDAL opened a non-TIFF with another driver (a PNG named .jpg):
            // cogtool must refuse it, cleanly.
            if gdal_clean(row) && row["gdal_driver"] == "GTiff" {
                return Outcome::Disagrees(vec![format!(
                    "{}: GDAL opens it, cogtool: {}",
                    row["path"],
                    err.trim_end()
                )]);
            }
            return Outcome::FailedCleanly;
        }
        if code != 0 {
            return Outcome::Problem(format!("{}: exit {} ({})", row["path"], code, err));
        }
        let Some(j) = line else {
            return Outcome::Problem(format!("{}: exit 0 but stdout is not one JSON object", row["path"]));
        };
        if !gdal_clean(row) && !gdal_warned(row) {
            // GDAL refused the file. cogtool only describes structure, so it
            // may succeed where GDAL's refusal is about pixel access: a codec
            // this GDAL build lacks, or GDAL's own size limits. Anything else
            // GDAL cannot open must be an error for cogtool too.
            let reason = &row["gdalinfo_ok"];
            let pixel_only = [
                "missing codec",
                "Too large",
                "Too many blocks",
                "Unsupported TIFF configuration",
                "YCbCr, subsampling",
                // libtiff refuses a core tag stored with the wrong count;
                // info shows the tag as stored (reading the chain leniently,
                // it no longer stops earlier at a broken next-IFD pointer).
                "Incorrect count for",
            ]
            .iter()
            .any(|r| reason.contains(r));
            return if pixel_only {
                Outcome::Agrees
            } else {
                Outcome::Disagrees(vec![format!("{}: GDAL fails ({}) but cogtool exits 0", row["path"], reason)])
            };
        }
        if took > Duration::from_secs(10) {
            eprintln!("note: {} took {:?}", row["path"], took);
        }
        let oracle = if with_gdal { gdalinfo(&path) } else { None };
        let bad = compare(&dir, row, &j, oracle.as_ref());
        if bad.is_empty() { Outcome::Agrees } else { Outcome::Disagrees(bad) }
    });
    let (mut agree, mut clean, mut disagreements, mut problems) = (0, 0, Vec::new(), Vec::new());
    for o in outcomes {
        match o {
            Outcome::Agrees => agree += 1,
            Outcome::FailedCleanly => clean += 1,
            Outcome::Disagrees(d) => disagreements.extend(d),
            Outcome::Problem(p) => problems.push(p),
        }
    }
    eprintln!(
        "corpus: {} files, {} agree with GDAL, {} fail cleanly, {} disagreements, {} problems, {:?}",
        rows.len(),
        agree,
        clean,
        disagreements.len(),
        problems.len(),
        started.elapsed()
    );
    for p in &problems {
        eprintln!("PROBLEM {}", p);
    }
    for d in &disagreements {
        eprintln!("DISAGREE {}", d);
    }
    assert!(problems.is_empty() && disagreements.is_empty(), "see the PROBLEM/DISAGREE lines above");
}
