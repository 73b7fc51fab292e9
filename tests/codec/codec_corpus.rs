//! Decode-compare against GDAL: every corpus file GDAL decodes, with a codec
//! we support, must give GDAL's `gdalinfo -checksum` for every band
//! (manifest.tsv column `checksums`). This is the proof that decoding
//! (codecs, predictors, byte order, layouts, bit depths) is right.

use crate::common;
use common::Oracle;

use cogtool::raster::RasterReader;
use cogtool::source::{self, OpenOptions};
use cogtool::tiff::Compression as C;
use cogtool::tiff::{Image, Tiff};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// GDAL's decoded pixels (pixel-interleaved bytes), through gdal_translate.
fn gdal_pixels(path: &std::path::Path) -> Option<Vec<u8>> {
    if !Oracle::GdalTools.present() {
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let out = dir.path().join("x.raw");
    let st = std::process::Command::new("gdal_translate")
        .args(["-q", "-of", "ENVI", "-co", "INTERLEAVE=BIP"])
        .arg(path)
        .arg(&out)
        .status()
        .ok()?;
    if !st.success() {
        return None;
    }
    std::fs::read(&out).ok()
}

fn our_pixels(path: &str) -> cogtool::Result<Vec<u8>> {
    let reader = Arc::new(source::open(path, &OpenOptions::default())?);
    let tiff = Tiff::open(reader)?;
    let image = Image::from_ifd(0, &tiff.ifds[0], false)?;
    RasterReader::new(&tiff, &image)?.read_rows(0, image.height)
}

/// A JPEG file whose checksums differ: how far its pixels are from GDAL's.
/// We decode with libjpeg-turbo's code as GDAL does, so none may differ.
/// Returns (max abs difference, mean abs difference).
fn jpeg_difference(path: &std::path::Path) -> Option<cogtool::Result<(u8, f64)>> {
    let theirs = gdal_pixels(path)?;
    Some(our_pixels(path.to_str().unwrap()).map(|ours| {
        if ours.len() != theirs.len() {
            return (255, 255.0);
        }
        let mut max = 0u8;
        let mut sum = 0u64;
        for (a, b) in ours.iter().zip(&theirs) {
            let d = a.abs_diff(*b);
            max = max.max(d);
            sum += d as u64;
        }
        (max, sum as f64 / ours.len() as f64)
    }))
}

fn checksums_of(path: &str, int8_signed: bool) -> cogtool::Result<Vec<u16>> {
    let reader = Arc::new(source::open(path, &OpenOptions::default())?);
    let tiff = Tiff::open(reader)?;
    let image = Image::from_ifd(0, &tiff.ifds[0], false)?;
    let r = RasterReader::new(&tiff, &image)?;
    r.gdal_checksums(int8_signed)
}

/// Files GDAL decodes that we knowingly do not, each with the reason.
const KNOWN: &[(&str, &str)] = &[
    ("cielab.tif", "CIELab: GDAL converts to RGBA through libtiff's RGBA interface"),
    ("rgbsmall_cmyk.tif", "CMYK: GDAL converts to RGBA"),
    ("cmyk-3c-8b.tiff", "CMYK: GDAL converts to RGBA"),
    ("tiled-cmyk-i8.tif", "CMYK: GDAL converts to RGBA"),
    ("ycbcr_22_lzw.tif", "subsampled YCbCr outside JPEG not supported"),
    ("ycbcr_42_lzw.tif", "subsampled YCbCr outside JPEG not supported"),
    ("ycbcr_42_lzw_optimized.tif", "subsampled YCbCr outside JPEG not supported"),
    ("ycbcr-cat.tif", "subsampled YCbCr outside JPEG not supported"),
    ("minimum_tiff_tags_with_warning.tif", "no StripByteCounts: libtiff guesses them, we refuse"),
    ("one_strip_nobytecount.tif", "no StripByteCounts: libtiff guesses them, we refuse"),
    ("size_of_stripbytecount_at_1_and_lower_than_stripcount.tif", "fewer byte counts than strips"),
    ("size_of_stripbytecount_lower_than_stripcount.tif", "fewer byte counts than strips"),
    ("cramps-tile.tif", "TIFF parser refuses the IFD (no TileOffsets)"),
    ("test_ifd_loop_subifd.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
    ("test_ifd_loop_to_first.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
    ("test_ifd_loop_to_self.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
];

enum Outcome {
    Exact,
    JpegClose,
    Skipped,
    Fail(String),
}

fn check_file(full: &std::path::Path, path: &str, comp: C, dtype: &str, sums: &str) -> Outcome {
    // GDAL 3.6 (which made the manifest) has no Int8: signed bytes read as Byte
    let int8_signed = dtype == "Int8";
    // the manifest lists at most a few bands, then "..."
    let want: Vec<u16> = sums.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    let truncated = sums.ends_with("...");
    match checksums_of(full.to_str().unwrap(), int8_signed) {
        Ok(got) if got == want || (truncated && got.len() > want.len() && got[..want.len()] == want[..]) => {
            Outcome::Exact
        }
        Ok(_) if comp == C::JPEG => match jpeg_difference(full) {
            None if !common::oracles(&[Oracle::GdalTools], &format!("{}: JPEG checksum differs", path)) => {
                Outcome::Skipped
            }
            None => Outcome::Fail(format!("{}: gdal_translate cannot read it", path)),
            Some(Ok((max, mean))) => {
                eprintln!("jpeg {}: max diff {} mean {:.3}", path, max, mean);
                if max == 0 {
                    Outcome::JpegClose
                } else {
                    Outcome::Fail(format!("{}: JPEG pixels differ from GDAL's: max {} mean {:.3}", path, max, mean))
                }
            }
            Some(Err(e)) => Outcome::Fail(format!("{}: error: {}", path, e)),
        },
        Ok(got) => Outcome::Fail(format!("{}: checksums {:?}, GDAL {:?}", path, got, want)),
        Err(e) => Outcome::Fail(format!("{}: error: {}", path, e)),
    }
}

#[test]
fn corpus_checksums_match_gdal() {
    let Some(dir) = common::corpus_dir() else { return };
    let filter = std::env::var("COGTOOL_CORPUS_FILTER").unwrap_or_default();
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    let mut todo = Vec::new();
    for row in common::manifest(&dir) {
        let path = row["path"].clone();
        if !path.contains(&filter) || !row["gdal_decode"].starts_with("ok") || row["checksums"].is_empty() {
            continue;
        }
        let Ok(comp) = row["tiff_compression_tag"].parse::<u16>().map(C) else { continue };
        if !C::can_decode(comp) {
            *unsupported.entry(C::label(comp)).or_default() += 1;
            continue;
        }
        if let Some((_, why)) = KNOWN.iter().find(|(name, _)| path.ends_with(name)) {
            eprintln!("known difference: {}: {}", path, why);
            continue;
        }
        todo.push((path, comp, row["dtype"].clone(), row["checksums"].clone()));
    }
    // files in parallel (blocks inside a file are parallel too)
    let outcomes: Vec<Outcome> = todo
        .par_iter()
        .map(|(path, comp, dtype, sums)| check_file(&dir.join(path), path, *comp, dtype, sums))
        .collect();
    let checked = outcomes.iter().filter(|o| matches!(o, Outcome::Exact)).count();
    let jpeg_close = outcomes.iter().filter(|o| matches!(o, Outcome::JpegClose)).count();
    let failures: Vec<&String> =
        outcomes.iter().filter_map(|o| if let Outcome::Fail(m) = o { Some(m) } else { None }).collect();
    eprintln!("corpus decode: {} files match GDAL's checksums", checked);
    eprintln!("corpus decode: {} JPEG files with GDAL's pixels but not its checksums", jpeg_close);
    for (name, n) in &unsupported {
        eprintln!("corpus decode: skipped {} file(s) with unsupported codec {}", n, name);
    }
    for f in &failures {
        eprintln!("MISMATCH {}", f);
    }
    assert!(failures.is_empty(), "{} of {} files differ from GDAL", failures.len(), checked + failures.len());
    assert!(!filter.is_empty() || checked > 100, "only {} corpus files were checked", checked);
}
