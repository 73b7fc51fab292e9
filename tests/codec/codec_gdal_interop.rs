//! GDAL reads what our encoders write: each codec x predictor x type is
//! wrapped in a minimal one-strip TIFF (written here by hand) and decoded by
//! GDAL (`gdal_translate` to raw). Lossless codecs must give back the exact
//! samples, JPEG exactly what we decode (same library family as GDAL's),
//! lossy WebP close. And the other way: JPEG TIFFs GDAL writes, converted
//! by `cogtool create`, keep exactly the pixels GDAL reads from them.
//! Skips when GDAL is absent.

use crate::common;
use common::Oracle;

use cogtool::codec::{self, BlockLayout, EncodeOptions};
use cogtool::tiff::{ByteOrder, SampleFormat};
use cogtool::tiff::{Compression as C, Photometric, Predictor};

/// (tag, type, values) -> a little-endian classic TIFF with one strip.
fn tiff_with_strip(
    w: u32,
    h: u32,
    l: &BlockLayout,
    compression: C,
    predictor: u16,
    strip: &[u8],
    tables: Option<&[u8]>,
) -> Vec<u8> {
    let fmt = match l.sample_format {
        SampleFormat::Int => 2u32,
        SampleFormat::Float => 3,
        _ => 1,
    };
    let n = l.samples as u32;
    // values stored after the IFD: bits per sample, sample format, tables, strip
    let mut entries: Vec<(u16, u16, u32, Vec<u8>)> = vec![
        (256, 4, 1, w.to_le_bytes().to_vec()),
        (257, 4, 1, h.to_le_bytes().to_vec()),
        (258, 3, n, (0..n).flat_map(|_| l.bits_per_sample.to_le_bytes()).collect()),
        (259, 3, 1, compression.0.to_le_bytes().to_vec()),
        (262, 3, 1, l.photometric.0.to_le_bytes().to_vec()),
        (273, 4, 1, vec![0; 4]), // patched below
        (277, 3, 1, (n as u16).to_le_bytes().to_vec()),
        (278, 4, 1, h.to_le_bytes().to_vec()),
        (279, 4, 1, (strip.len() as u32).to_le_bytes().to_vec()),
        (284, 3, 1, 1u16.to_le_bytes().to_vec()),
        (317, 3, 1, predictor.to_le_bytes().to_vec()),
        (339, 3, n, (0..n).flat_map(|_| (fmt as u16).to_le_bytes()).collect()),
    ];
    if let Some(t) = tables {
        entries.push((347, 7, t.len() as u32, t.to_vec()));
    }
    if l.photometric == Photometric::YCBCR {
        entries.push((530, 3, 2, [2u16.to_le_bytes(), 2u16.to_le_bytes()].concat()));
    }
    entries.sort_by_key(|e| e.0);
    let ifd_at = 8u32;
    let ifd_len = 2 + 12 * entries.len() as u32 + 4;
    let mut extra = Vec::new();
    let extra_at = ifd_at + ifd_len;
    let mut ifd = (entries.len() as u16).to_le_bytes().to_vec();
    let mut strip_entry = 0;
    for (i, (tag, ty, count, val)) in entries.iter().enumerate() {
        ifd.extend_from_slice(&tag.to_le_bytes());
        ifd.extend_from_slice(&ty.to_le_bytes());
        ifd.extend_from_slice(&count.to_le_bytes());
        if *tag == 273 {
            strip_entry = i;
        }
        if val.len() <= 4 {
            let mut v = val.clone();
            v.resize(4, 0);
            ifd.extend_from_slice(&v);
        } else {
            ifd.extend_from_slice(&(extra_at + extra.len() as u32).to_le_bytes());
            extra.extend_from_slice(val);
            if extra.len() % 2 == 1 {
                extra.push(0);
            }
        }
    }
    ifd.extend_from_slice(&0u32.to_le_bytes());
    let strip_at = extra_at + extra.len() as u32;
    let p = 2 + 12 * strip_entry + 8;
    ifd[p..p + 4].copy_from_slice(&strip_at.to_le_bytes());
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&ifd_at.to_le_bytes());
    out.extend_from_slice(&ifd);
    out.extend_from_slice(&extra);
    out.extend_from_slice(strip);
    out
}

fn gdal_raw(tif: &[u8]) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.tif");
    let dst = dir.path().join("out.raw");
    std::fs::write(&src, tif).unwrap();
    let st = std::process::Command::new("gdal_translate")
        .args(["-q", "-of", "ENVI", "-co", "INTERLEAVE=BIP"])
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    if !st.status.success() {
        eprintln!("gdal_translate failed: {}", String::from_utf8_lossy(&st.stderr));
        return None;
    }
    std::fs::read(&dst).ok()
}

fn layout(
    w: usize,
    h: usize,
    samples: usize,
    format: SampleFormat,
    bits: u16,
    predictor: u16,
    photometric: u16,
) -> BlockLayout {
    BlockLayout {
        width: w,
        height: h,
        samples,
        bits_per_sample: bits,
        sample_format: format,
        byte_order: ByteOrder::Little,
        predictor: Predictor(predictor),
        photometric: Photometric(photometric),
        jpeg_tables: None,
    }
}

fn samples(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7) ^ (i / 13)) as u8).collect()
}

#[test]
fn gdal_decodes_our_lossless_encodings() {
    if !common::oracles(&[Oracle::GdalTools], "GDAL decodes our tiles") {
        return;
    }
    let types = [
        (SampleFormat::Uint, 8u16),
        (SampleFormat::Int, 16),
        (SampleFormat::Uint, 32),
        (SampleFormat::Float, 32),
        (SampleFormat::Float, 64),
    ];
    let mut n = 0;
    for comp in [C::NONE, C::LZW, C::DEFLATE, C::PACKBITS, C::ZSTD] {
        for (fmt, bits) in types {
            for predictor in [1u16, 2, 3] {
                if (matches!(comp, C::PACKBITS | C::NONE) && predictor != 1)
                    || (predictor == 3 && fmt != SampleFormat::Float)
                {
                    continue;
                }
                let (w, h, s) = (13, 7, 3);
                let l = layout(w, h, s, fmt, bits, predictor, 2);
                let mut data = samples(l.decoded_bytes().unwrap());
                if fmt == SampleFormat::Float {
                    // finite floats only (GDAL would still copy NaN bits, but keep it plain)
                    let sz = bits as usize / 8;
                    for (i, c) in data.chunks_mut(sz).enumerate() {
                        let v = (i as f64 * 0.37 - 3.0).sin() * 1000.0;
                        if sz == 4 {
                            c.copy_from_slice(&(v as f32).to_le_bytes())
                        } else {
                            c.copy_from_slice(&v.to_le_bytes())
                        }
                    }
                }
                let strip = codec::encode(
                    &EncodeOptions { compression: comp, level: None, quality: None, predictor: Predictor(predictor) },
                    &data,
                    &l,
                )
                .unwrap();
                let tif = tiff_with_strip(w as u32, h as u32, &l, comp, predictor, &strip, None);
                let got = gdal_raw(&tif).unwrap_or_else(|| {
                    panic!("GDAL could not read codec {} predictor {} {:?}/{}", comp, predictor, fmt, bits)
                });
                assert_eq!(got, data, "codec {} predictor {} {:?}/{}", comp, predictor, fmt, bits);
                n += 1;
            }
        }
    }
    assert!(n >= 30);
}

#[test]
fn gdal_decodes_our_jpeg_and_webp() {
    if !common::oracles(&[Oracle::GdalTools], "GDAL decodes our tiles") {
        return;
    }
    let (w, h) = (40usize, 24usize);
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i % w * 6) as u8, (i / w * 10) as u8, 128]).collect();
    let close = |a: &[u8], b: &[u8], max: u8| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= max);
    // JPEG, YCbCr with 2x2 subsampling, tables split as libtiff stores them
    for (samples_n, photometric) in [(3usize, 6u16), (3, 2), (1, 1)] {
        let l = layout(w, h, samples_n, SampleFormat::Uint, 8, 1, photometric);
        let data: Vec<u8> = if samples_n == 3 { rgb.clone() } else { rgb.iter().step_by(3).copied().collect() };
        let full = codec::encode(
            &EncodeOptions { compression: C::JPEG, level: None, quality: Some(95), predictor: Predictor::NONE },
            &data,
            &l,
        )
        .unwrap();
        let (tables, block) = codec::split_jpeg_tables(&full).unwrap();
        let tif = tiff_with_strip(w as u32, h as u32, &l, C::JPEG, 1, &block, Some(&tables));
        let theirs = gdal_raw(&tif).expect("GDAL reads our JPEG");
        let mut ours_l = l.clone();
        ours_l.jpeg_tables = Some(tables);
        let ours = codec::decode(C::JPEG, &block, &ours_l).unwrap();
        assert!(theirs == ours, "photometric {}: GDAL and we decode our JPEG alike", photometric);
        assert!(close(&theirs, &data, 40), "photometric {}: JPEG close to the input", photometric);
    }
    // WebP lossless is exact, lossy close
    for q in [100u8, 90] {
        let l = layout(w, h, 3, SampleFormat::Uint, 8, 1, 2);
        let strip = codec::encode(
            &EncodeOptions { compression: C::WEBP, level: None, quality: Some(q), predictor: Predictor::NONE },
            &rgb,
            &l,
        )
        .unwrap();
        let tif = tiff_with_strip(w as u32, h as u32, &l, C::WEBP, 1, &strip, None);
        let theirs = gdal_raw(&tif).expect("GDAL reads our WebP");
        if q == 100 {
            assert_eq!(theirs, rgb);
        } else {
            assert_eq!(theirs, codec::decode(C::WEBP, &strip, &l).unwrap());
        }
    }
}

/// JPEG TIFFs made by gdal_translate (YCbCr tiles with partial edge tiles,
/// YCbCr strips, RGB photometric, gray, a coarse quality) on sharp edges:
/// `cogtool create --compress deflate` gives the very pixels GDAL reads
/// from the input (libjpeg-turbo's IDCT, upsampling and colour conversion).
#[test]
fn gdal_jpeg_tiffs_convert_to_the_pixels_gdal_reads() {
    if !common::oracles(&[Oracle::GdalTools], "GDAL decodes our tiles") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (600usize, 333usize);
    for (bands, photometric) in [(3usize, 2u16), (1, 1)] {
        let l = layout(w, h, bands, SampleFormat::Uint, 8, 1, photometric);
        let src = dir.path().join(format!("edges{}.tif", bands));
        std::fs::write(
            &src,
            tiff_with_strip(w as u32, h as u32, &l, C::NONE, 1, &common::sharp_edges(w, h, bands), None),
        )
        .unwrap();
        let variants: &[(&str, &[&str])] = if bands == 3 {
            &[
                (
                    "ycbcr_tiles",
                    &["-co", "TILED=YES", "-co", "BLOCKXSIZE=256", "-co", "BLOCKYSIZE=256", "-co", "PHOTOMETRIC=YCBCR"],
                ),
                ("ycbcr_strips", &["-co", "PHOTOMETRIC=YCBCR"]),
                ("ycbcr_q20", &["-co", "TILED=YES", "-co", "PHOTOMETRIC=YCBCR", "-co", "JPEG_QUALITY=20"]),
                ("rgb_tiles", &["-co", "TILED=YES", "-co", "BLOCKXSIZE=128", "-co", "BLOCKYSIZE=64"]),
            ]
        } else {
            &[
                ("gray_tiles", &["-co", "TILED=YES", "-co", "BLOCKXSIZE=128", "-co", "BLOCKYSIZE=128"]),
                ("gray_strips", &[]),
            ]
        };
        for (name, co) in variants {
            let jpeg = dir.path().join(format!("{}.tif", name));
            let cog = dir.path().join(format!("{}_cog.tif", name));
            let st = std::process::Command::new("gdal_translate")
                .args(["-q", "-co", "COMPRESS=JPEG"])
                .args(*co)
                .arg(&src)
                .arg(&jpeg)
                .output()
                .unwrap();
            assert!(st.status.success(), "{}: {}", name, String::from_utf8_lossy(&st.stderr));
            let o = common::cogtool(["create", "--compress", "deflate", jpeg.to_str().unwrap(), cog.to_str().unwrap()]);
            assert!(o.status.success(), "{}: {}", name, common::stderr(&o));
            let (theirs, ours) = (gdal_raw_file(&jpeg), gdal_raw_file(&cog));
            assert_eq!(theirs.len(), w * h * bands, "{}", name);
            let worst = theirs.iter().zip(&ours).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(theirs == ours, "{}: full resolution differs from GDAL's reading by up to {:?}", name, worst);
        }
    }
}

/// The first image of `path` as GDAL decodes it (band-interleaved by pixel).
fn gdal_raw_file(path: &std::path::Path) -> Vec<u8> {
    let dst = path.with_extension("raw");
    let st = std::process::Command::new("gdal_translate")
        .args(["-q", "-of", "ENVI", "-co", "INTERLEAVE=BIP"])
        .arg(path)
        .arg(&dst)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&st.stderr));
    std::fs::read(&dst).unwrap()
}
