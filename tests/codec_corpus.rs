//! Decode-compare against GDAL: every corpus file GDAL decodes, with a codec
//! we support, must give GDAL's `gdalinfo -checksum` for every band
//! (manifest.tsv column `checksums`). This is the proof that decoding
//! (codecs, predictors, byte order, layouts, bit depths) is right.

mod common;

use cogtool::codec;
use cogtool::raster::RasterReader;
use cogtool::source::{self, OpenOptions};
use cogtool::tiff::{Image, Tiff};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    ("quad-lzw-old-style.tif", "old-style (pre-TIFF 6) LZW not supported"),
    ("hpredict-1c-12b.tiff", "horizontal predictor on 12-bit samples (libtiff refuses it too)"),
    ("minimum_tiff_tags_with_warning.tif", "no StripByteCounts: libtiff guesses them, we refuse"),
    ("one_strip_nobytecount.tif", "no StripByteCounts: libtiff guesses them, we refuse"),
    ("size_of_stripbytecount_at_1_and_lower_than_stripcount.tif", "fewer byte counts than strips"),
    ("size_of_stripbytecount_lower_than_stripcount.tif", "fewer byte counts than strips"),
    ("cramps-tile.tif", "TIFF parser refuses the IFD (no TileOffsets)"),
    ("test_ifd_loop_subifd.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
    ("test_ifd_loop_to_first.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
    ("test_ifd_loop_to_self.tif", "TIFF parser refuses IFD loops; GDAL reads the first IFD"),
];

#[test]
fn corpus_checksums_match_gdal() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    for row in common::manifest(&dir) {
        let path = &row["path"];
        if !row["gdal_decode"].starts_with("ok") || row["checksums"].is_empty() {
            continue;
        }
        let Ok(comp) = row["tiff_compression_tag"].parse::<u16>() else { continue };
        if !codec::can_decode(comp) {
            *unsupported.entry(codec::name(comp)).or_default() += 1;
            continue;
        }
        if let Some((_, why)) = KNOWN.iter().find(|(name, _)| path.ends_with(name)) {
            eprintln!("known difference: {}: {}", path, why);
            continue;
        }
        let full = dir.join(path);
        // GDAL 3.6 (which made the manifest) has no Int8: signed bytes read as Byte
        let int8_signed = row["dtype"] == "Int8";
        // the manifest lists at most a few bands, then "..."
        let want: Vec<u16> = row["checksums"].split(',').filter_map(|s| s.trim().parse().ok()).collect();
        let truncated = row["checksums"].ends_with("...");
        match checksums_of(full.to_str().unwrap(), int8_signed) {
            Ok(got) if got == want || (truncated && got.len() > want.len() && got[..want.len()] == want[..]) => {
                checked += 1
            }
            Ok(got) => failures.push(format!("{}: checksums {:?}, GDAL {:?}", path, got, want)),
            Err(e) => failures.push(format!("{}: error: {}", path, e)),
        }
    }
    eprintln!("corpus decode: {} files match GDAL's checksums", checked);
    for (name, n) in &unsupported {
        eprintln!("corpus decode: skipped {} file(s) with unsupported codec {}", n, name);
    }
    for f in &failures {
        eprintln!("MISMATCH {}", f);
    }
    assert!(failures.is_empty(), "{} of {} files differ from GDAL", failures.len(), checked + failures.len());
    assert!(checked > 100, "only {} corpus files were checked", checked);
}
