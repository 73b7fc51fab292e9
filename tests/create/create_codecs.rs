//! `cogtool create` with the lossy codecs, without GDAL (tests/create/create_gdal.rs
//! compares the same outputs with `gdal_translate -of COG`): JPEGTables on
//! every image IFD, YCbCr for 3-band JPEG, alpha to a mask with JPEG, alpha
//! kept with WebP, `--quality`, lossless WebP exact at every level.

use crate::common;
use crate::create_support;

use cogtool::raster::RasterReader;
use cogtool::tiff::tags::{JPEG_TABLES, PHOTOMETRIC};
use cogtool::tiff::write::OutTag;
use cogtool::tiff::{Image, Kind};
use common::{cogtool, stderr};
use create_support::*;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-create-codecs-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn create_ok(input: &Path, output: &Path, extra: &[&str]) {
    let mut a = vec!["create", input.to_str().unwrap(), output.to_str().unwrap(), "--overwrite"];
    a.extend_from_slice(extra);
    let o = cogtool(&a);
    assert!(o.status.success(), "create {:?} failed: {}", extra, stderr(&o));
}

/// Smooth 8-bit bands (photo-like), `bands` per pixel; the last band is
/// alpha 0 on the left quarter when `alpha`.
fn smooth(w: usize, h: usize, bands: usize, alpha: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(w * h * bands);
    for y in 0..h {
        for x in 0..w {
            for b in 0..bands {
                if alpha && b == bands - 1 {
                    v.push(if x < w / 4 { 0 } else { 255 });
                } else {
                    let f = 128.0 + 60.0 * ((x as f64) / 37.0 + b as f64).sin() + 50.0 * ((y as f64) / 23.0).cos();
                    v.push(f.clamp(0.0, 255.0) as u8);
                }
            }
        }
    }
    v
}

fn levels(path: &Path) -> Vec<(Image, Vec<u8>)> {
    let t = open(path);
    Image::all(&t)
        .unwrap()
        .into_iter()
        .map(|i| {
            let r = RasterReader::new(&t, &i).unwrap();
            let px = r.read_rows(0, i.height).unwrap();
            (i, px)
        })
        .collect()
}

fn tag_bytes(path: &Path, ifd: usize, tag: u16) -> Option<String> {
    let t = open(path);
    t.ifds[ifd].entry(tag).map(|e| format!("{:?}", t.entry_value(e).unwrap()))
}

#[test]
fn jpeg_rgb_is_ycbcr_with_quant_tables_and_close_to_input() {
    let dir = tmp("jpeg");
    let (w, h) = (700, 530);
    let data = smooth(w, h, 3, false);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    let q75 = dir.join("q75.tif");
    let q95 = dir.join("q95.tif");
    create_ok(&input, &q75, &["--compress", "jpeg"]);
    create_ok(&input, &q95, &["--compress", "jpeg", "--quality", "95"]);
    for out in [&q75, &q95] {
        let imgs = check_cog_structure(out);
        assert_eq!(imgs.len(), 2);
        for (n, i) in imgs.iter().enumerate() {
            assert_eq!(i.compression, cogtool::tiff::Compression::JPEG);
            assert_eq!(tag_bytes(out, n, PHOTOMETRIC).as_deref(), Some("Unsigned([6])"));
            // JPEGTables: SOI, two DQT segments (luma, chroma), EOI.
            let t = open(out);
            let e = t.ifds[n].entry(JPEG_TABLES).expect("JPEGTables on every image IFD");
            assert_eq!(e.count, 2 + 2 * 69 + 2);
        }
    }
    assert_ne!(tag_bytes(&q75, 0, JPEG_TABLES), tag_bytes(&q95, 0, JPEG_TABLES), "--quality changes the tables");
    let (l75, l95) = (levels(&q75), levels(&q95));
    let err = |px: &[u8]| -> f64 {
        px.iter().zip(&data).map(|(&a, &b)| (a as f64 - b as f64).abs()).sum::<f64>() / data.len() as f64
    };
    let (e75, e95) = (err(&l75[0].1), err(&l95[0].1));
    assert!(e75 < 2.0 && e95 < e75, "mean errors q75 {} q95 {}", e75, e95);
    assert!(std::fs::metadata(&q95).unwrap().len() > std::fs::metadata(&q75).unwrap().len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jpeg_rgba_gets_a_mask_and_webp_keeps_alpha() {
    let dir = tmp("alpha");
    let (w, h) = (600, 520);
    let data = smooth(w, h, 4, true);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 4, 1, 1, &data, vec![OutTag::shorts(338, &[2])]);
    let jpeg = dir.join("jpeg.tif");
    create_ok(&input, &jpeg, &["--compress", "jpeg", "--resampling", "nearest"]);
    let imgs = check_cog_structure(&jpeg);
    let kinds: Vec<Kind> = imgs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [Kind::Image, Kind::Mask, Kind::Overview, Kind::OverviewMask]);
    assert_eq!(imgs[0].samples, 3);
    let t = open(&jpeg);
    let m = RasterReader::new(&t, &imgs[1]).unwrap().read_rows(0, h as u64).unwrap();
    let valid: Vec<bool> = data.chunks_exact(4).map(|p| p[3] != 0).collect();
    let decoded: Vec<bool> = if m.len() == w * h {
        m.iter().map(|&b| b != 0).collect()
    } else {
        let rb = w.div_ceil(8);
        (0..w * h).map(|i| m[(i / w) * rb + (i % w) / 8] & (0x80 >> (i % w % 8)) != 0).collect()
    };
    assert_eq!(decoded, valid, "the mask is the alpha band");

    let webp = dir.join("webp.tif");
    create_ok(&input, &webp, &["--compress", "webp", "--quality", "100"]);
    let l = levels(&webp);
    assert_eq!(l[0].0.samples, 4);
    assert!(l.iter().all(|(i, _)| i.kind != Kind::Mask));
    assert_eq!(l[0].1, data, "lossless WebP keeps RGBA exactly, RGB under alpha 0 too");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn webp_lossless_all_levels_equal_a_lossless_codec() {
    let dir = tmp("webp100");
    let (w, h) = (1100, 700);
    let data = pixels(w, h, 3, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    let webp = dir.join("webp.tif");
    let deflate = dir.join("deflate.tif");
    create_ok(&input, &webp, &["--compress", "webp", "--quality", "100", "--resampling", "average"]);
    create_ok(&input, &deflate, &["--compress", "deflate", "--resampling", "average"]);
    check_cog_structure(&webp);
    let (a, b) = (levels(&webp), levels(&deflate));
    assert_eq!(a.len(), 3);
    for (n, ((_, x), (_, y))) in a.iter().zip(&b).enumerate() {
        assert!(x == y, "level {} differs from the DEFLATE output", n);
    }
    let lossy = dir.join("lossy.tif");
    create_ok(&input, &lossy, &["--compress", "webp", "--quality", "90", "--resampling", "average"]);
    assert_ne!(levels(&lossy)[0].1, data, "quality 90 is lossy");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lossy_codecs_refuse_what_they_cannot_hold() {
    let dir = tmp("refuse");
    let input = dir.join("in.tif");
    write_tiff(&input, 20, 20, 1, 2, 1, &pixels(20, 20, 1, 2, 1), vec![]);
    for codec in ["jpeg", "webp"] {
        let o = cogtool(["create", input.to_str().unwrap(), dir.join("o.tif").to_str().unwrap(), "--compress", codec]);
        assert_eq!(o.status.code(), Some(2), "{}", codec);
        assert!(stderr(&o).contains("Byte"), "{}: {}", codec, stderr(&o));
        assert!(!dir.join("o.tif").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
