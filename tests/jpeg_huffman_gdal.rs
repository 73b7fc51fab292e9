//! The JPEG Huffman re-optimisation (src/codec/jpeg_huffman.rs) against
//! libjpeg and GDAL: the tables equal what libjpeg's own builder makes for
//! the same counts; libjpeg (through GDAL) decodes an optimised stream to
//! exactly the pixels of the original; and `cogtool create --compress jpeg`
//! is now within a few per mille of `gdal_translate -of COG -co
//! COMPRESS=JPEG` (tiles byte-identical where both encoders produce the
//! same coefficients). Skips, with a printed reason, without Python's GDAL
//! bindings or libjpeg.

mod common;
mod create_support;

use cogtool::codec::jpeg_huffman::{HuffmanSpec, optimal_table, optimize};
use cogtool::tiff::Image;
use common::{cogtool, have, stderr};
use create_support::open;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PY: &str = "/usr/bin/python3";

fn python_can(import: &str) -> bool {
    let ok = Command::new(PY).args(["-c", import]).status().map(|s| s.success()).unwrap_or(false);
    if !ok {
        crate::skip!("SKIP: {} cannot run `{}`", PY, import);
    }
    ok
}

/// Run a Python snippet with `args`, feeding `input`; its stdout.
fn python(code: &str, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(PY)
        .arg("-c")
        .arg(code)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "python: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cogtool-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// libjpeg's `jpeg_gen_optimal_table` (exported by libjpeg.so) run on each
/// count set. It only touches the compressor object on an error (a code
/// longer than 32 bits, impossible for the totals used here), so a zeroed
/// buffer stands in for it.
const LIBJPEG_TABLES: &str = r#"
import ctypes, ctypes.util, json, sys
lib = ctypes.CDLL(ctypes.util.find_library("jpeg"))
class Table(ctypes.Structure):
    _fields_ = [("bits", ctypes.c_uint8 * 17), ("huffval", ctypes.c_uint8 * 256), ("sent_table", ctypes.c_int)]
cinfo = ctypes.create_string_buffer(8192)
out = []
for counts in json.load(sys.stdin):
    freq = (ctypes.c_long * 257)(*counts)
    t = Table()
    lib.jpeg_gen_optimal_table(cinfo, ctypes.byref(t), freq)
    bits = list(t.bits)[1:17]
    out.append([bits, list(t.huffval)[:sum(bits)]])
json.dump(out, sys.stdout)
"#;

#[test]
fn optimal_tables_equal_libjpegs() {
    if !python_can("import ctypes, ctypes.util; assert ctypes.util.find_library('jpeg'); import json") {
        return;
    }
    let mut seed = 0xD1B54A32D192ED03u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut sets: Vec<Vec<u32>> = Vec::new();
    for round in 0..400 {
        let mut f = vec![0u32; 257];
        match round % 4 {
            // AC-like: run/size symbols, counts falling with run and size
            0 => {
                for run in 0..16u32 {
                    for size in 1..11u32 {
                        if next(3) > 0 {
                            f[(run * 16 + size) as usize] = (5000 >> (run + size).min(12)) as u32 + next(20) as u32;
                        }
                    }
                }
                f[0] = 1000 + next(4000) as u32;
                f[0xF0] = next(50) as u32;
            }
            // sparse and skewed: powers of two up to 2^12 (totals stay far
            // below what a 33-bit code would need)
            1 => {
                for _ in 0..1 + next(200) {
                    f[next(256) as usize] = 1 << next(13);
                }
            }
            // Fibonacci counts: Huffman codes far beyond 16 bits
            2 => {
                let (mut a, mut b) = (1u32, 1u32);
                for _ in 0..17 + next(10) {
                    f[next(256) as usize] = a;
                    (a, b) = (b, a + b);
                }
            }
            // a few symbols with many ties
            _ => {
                for _ in 0..1 + next(5) {
                    f[next(256) as usize] = 1 + next(3) as u32;
                }
            }
        }
        sets.push(f);
    }
    let json = serde_json::to_string(&sets).unwrap();
    let theirs: Vec<(Vec<u8>, Vec<u8>)> = serde_json::from_str(&python(LIBJPEG_TABLES, &[], &json)).unwrap();
    let mut limited = 0;
    for (i, (f, (bits, values))) in sets.iter().zip(theirs).enumerate() {
        let mut counts = [0u32; 257];
        counts.copy_from_slice(f);
        let ours = optimal_table(&counts);
        let want = HuffmanSpec { bits: bits.try_into().unwrap(), values };
        assert_eq!(ours, want, "count set {}: {:?}", i, f);
        limited += (ours.bits[15] > 0) as usize;
    }
    eprintln!("{} count sets equal libjpeg's tables, {} with 16-bit codes", sets.len(), limited);
    assert!(limited >= 50, "the 16-bit limit was exercised {} times only", limited);
}

fn test_image(w: usize, h: usize, samples: usize, noisy: bool) -> Vec<u8> {
    let mut seed = 0x9E3779B97F4A7C15u64;
    let mut out = Vec::with_capacity(w * h * samples);
    for y in 0..h {
        for x in 0..w {
            for s in 0..samples {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let v = 128.0 + 70.0 * ((x as f64) / 23.0 + s as f64).sin() * ((y as f64) / 31.0).cos();
                let n = if noisy { (seed % 48) as f64 - 24.0 } else { 0.0 };
                out.push((v + n).clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

/// GDAL's JPEG driver (libjpeg) decodes the original and the optimised
/// stream: the same pixels, by SHA-256 of every band.
#[test]
fn libjpeg_decodes_optimised_streams_to_the_same_pixels() {
    if !python_can("from osgeo import gdal") {
        return;
    }
    let dir = temp_dir("jpeg-huffman-decode");
    let cases = [
        ("gray", ColorType::Luma, SamplingFactor::F_1_1, 1, 512, 512, 75, 0),
        ("gray_odd_noisy", ColorType::Luma, SamplingFactor::F_1_1, 1, 301, 77, 95, 0),
        ("rgb_2x2", ColorType::Rgb, SamplingFactor::F_2_2, 3, 512, 512, 75, 0),
        ("rgb_2x2_odd_noisy_restarts", ColorType::Rgb, SamplingFactor::F_2_2, 3, 333, 129, 90, 5),
        ("ycbcr_1x1", ColorType::Ycbcr, SamplingFactor::F_1_1, 3, 256, 200, 60, 0),
    ];
    let mut paths = Vec::new();
    for (name, color, sampling, samples, w, h, q, restart) in cases {
        let px = test_image(w, h, samples, name.contains("noisy"));
        let mut old = Vec::new();
        let mut enc = Encoder::new(&mut old, q);
        enc.set_sampling_factor(sampling);
        enc.set_restart_interval(restart);
        enc.encode(&px, w as u16, h as u16, color).unwrap();
        let new = optimize(&old).unwrap();
        assert!(new.len() < old.len(), "{}: {} vs {}", name, new.len(), old.len());
        eprintln!("{}: {} -> {} bytes ({:.3})", name, old.len(), new.len(), new.len() as f64 / old.len() as f64);
        for (tag, bytes) in [("old", &old), ("new", &new)] {
            let p = dir.join(format!("{}_{}.jpg", name, tag));
            std::fs::write(&p, bytes).unwrap();
            paths.push(p.to_string_lossy().into_owned());
        }
    }
    let code = "import sys, hashlib\nfrom osgeo import gdal\nfor p in sys.argv[1:]:\n    ds = gdal.Open(p)\n    print(ds.RasterXSize, ds.RasterYSize, ds.RasterCount, hashlib.sha256(ds.ReadRaster()).hexdigest())";
    let args: Vec<&str> = paths.iter().map(|s| s.as_str()).collect();
    let out = python(code, &args, "");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), paths.len());
    for (i, pair) in lines.chunks(2).enumerate() {
        assert_eq!(pair[0], pair[1], "{}: libjpeg decodes the optimised stream differently", cases[i].0);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Full-resolution tiles of a COG as stored.
fn full_res_tiles(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let t = open(path);
    let img = &Image::all(&t).unwrap()[0];
    (0..img.blocks)
        .map(|i| {
            let (o, n) = img.block(&t, i).unwrap();
            bytes[o as usize..(o + n) as usize].to_vec()
        })
        .collect()
}

/// `cogtool create --compress jpeg` and `gdal_translate -of COG -co
/// COMPRESS=JPEG` on the same inputs (defaults otherwise): sizes within 5%.
/// On the smooth test images jpeg-encoder's coefficients equal libjpeg's,
/// so the full-resolution tiles, Huffman tables included, are identical.
/// Natural images from the corpus (when present) differ only where the two
/// DCTs round differently.
#[test]
fn jpeg_cog_size_matches_gdal_translate() {
    if !have("gdal_translate") {
        crate::skip!("SKIP: gdal_translate not found");
        return;
    }
    if !python_can("from osgeo import gdal; import numpy") {
        return;
    }
    let dir = temp_dir("jpeg-huffman-size");
    let helper = common::root().join("tests/create_support/gdal_helper.py");
    let st = Command::new(PY).arg(&helper).arg("make").arg(&dir).status().unwrap();
    assert!(st.success(), "gdal_helper make");
    let mut inputs: Vec<(String, PathBuf, bool)> = vec![
        ("smooth RGB 1000x700".into(), dir.join("smooth.tif"), true),
        ("smooth gray 777x513".into(), dir.join("smooth_gray.tif"), true),
    ];
    if let Some(corpus) = common::corpus_dir() {
        for (name, rel) in [
            ("HiRISE RGB 1118x1683", "cogeotiff__rio-tiler/tests__fixtures__cog_hirise_mars.tif"),
            ("photo RGB 1500x1500", "cogeotiff__rio-cogeo/tests__fixtures__image_2000px.tif"),
            ("hillshade gray 1024x1024", "rasterio__rasterio/tests__data__shade.tif"),
        ] {
            let p = corpus.join(rel);
            if p.is_file() {
                inputs.push((name.into(), p, false));
            } else {
                eprintln!("SKIP: {} not in the corpus", rel);
            }
        }
    }
    for (i, (name, input, identical)) in inputs.iter().enumerate() {
        let ours = dir.join(format!("ours_{}.tif", i));
        let theirs = dir.join(format!("gdal_{}.tif", i));
        let o = cogtool(["create", input.to_str().unwrap(), ours.to_str().unwrap(), "--compress", "jpeg"]);
        assert!(o.status.success(), "{}: {}", name, stderr(&o));
        let st = Command::new("gdal_translate")
            .args(["-q", "-of", "COG", "-co", "COMPRESS=JPEG"])
            .arg(input)
            .arg(&theirs)
            .status()
            .unwrap();
        assert!(st.success(), "gdal_translate {}", name);
        let (os, gs) = (std::fs::metadata(&ours).unwrap().len(), std::fs::metadata(&theirs).unwrap().len());
        let ratio = os as f64 / gs as f64;
        let (ot, gt) = (full_res_tiles(&ours), full_res_tiles(&theirs));
        let same = ot.iter().zip(&gt).filter(|(a, b)| a == b).count();
        let tile_ratio =
            ot.iter().map(|t| t.len()).sum::<usize>() as f64 / gt.iter().map(|t| t.len()).sum::<usize>() as f64;
        eprintln!(
            "{}: {} bytes, GDAL {} bytes, ratio {:.4}; full-resolution tiles {:.4}, {} of {} identical",
            name,
            os,
            gs,
            ratio,
            tile_ratio,
            same,
            gt.len()
        );
        assert!(ratio <= 1.05, "{}: {} bytes vs GDAL's {}", name, os, gs);
        if *identical {
            assert_eq!(same, gt.len(), "{}: full-resolution tiles differ from GDAL's", name);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
