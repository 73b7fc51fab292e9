//! `cogtool create` against GDAL 3.6's COG driver: same input, same options,
//! then the same IFD offsets, tags (types, counts, values; apart from tile
//! offsets and byte counts), ghost bytes; GDAL's validator says valid with
//! no warning; full-resolution pixels equal; NEAREST overviews identical and
//! AVERAGE within 1; georeferencing, nodata, metadata, palette equal per GDAL.
//! Skips (with a printed reason) when GDAL or its Python bindings are absent.

use crate::common;
use crate::create_support;

use common::{PY, cogtool, stderr};
use create_support::{check_cog_structure, open};
use std::path::{Path, PathBuf};
use std::process::Command;

fn helper() -> PathBuf {
    common::root().join("tests/create_support/gdal_helper.py")
}

fn py(args: &[&str]) -> String {
    let o = Command::new(PY).arg(helper()).args(args).output().expect("python");
    assert!(o.status.success(), "gdal_helper {:?}: {}", args, String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// One IFD entry as (tag, type, count, value text).
type EntrySig = (u16, u16, u64, String);

/// Every IFD as (offset, [(tag, type, count, value)]), strile values blanked.
fn ifd_signature(path: &Path) -> Vec<(u64, Vec<EntrySig>)> {
    let t = open(path);
    t.ifds
        .iter()
        .map(|ifd| {
            let entries = ifd
                .entries
                .iter()
                .map(|e| {
                    let v = if e.tag == 324 || e.tag == 325 {
                        String::new()
                    } else {
                        format!("{:?}", t.entry_value(e).unwrap())
                    };
                    (e.tag, e.type_code, e.count, v)
                })
                .collect();
            (ifd.offset, entries)
        })
        .collect()
}

/// The helper's inputs, made in a fresh temp dir named after `what`; None
/// (the reason printed) when GDAL or its Python bindings are absent.
fn gdal_inputs(what: &str) -> Option<PathBuf> {
    if !common::oracles(common::GDAL_PYTHON, "create against GDAL") {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("cogtool-create-{}-{}", what, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    py(&["make", dir.to_str().unwrap()]);
    Some(dir)
}

fn validate_clean(path: &Path) {
    let o = Command::new(PY)
        .args(["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", "--full-check=yes"])
        .arg(path)
        .output()
        .expect("validator");
    let text = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && text.contains("is a valid cloud optimized GeoTIFF"), "{}: {}", path.display(), text);
    assert!(!text.to_lowercase().contains("warning"), "{}: {}", path.display(), text);
}

struct Case {
    name: &'static str,
    input: &'static str,
    ours: &'static [&'static str],
    gdal: &'static [&'static str],
    /// Largest overview difference allowed (0 = identical).
    ovr_tolerance: f64,
    /// Largest full-resolution difference from GDAL's output: 0 for lossless
    /// codecs (and then the input must come back exactly too); for JPEG and
    /// WebP the two encoders' results must agree within this (lossy: the
    /// input does not come back).
    full_tolerance: f64,
}

const CASES: &[Case] = &[
    Case {
        name: "rgb_average_deflate",
        input: "rgb.tif",
        ours: &["--resampling", "average", "--compress", "deflate"],
        gdal: &["-co", "RESAMPLING=AVERAGE", "-co", "COMPRESS=DEFLATE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "dem_nearest_pred3",
        input: "dem.tif",
        ours: &["--compress", "deflate", "--predictor", "auto", "--resampling", "nearest"],
        gdal: &["-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=YES", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    Case { name: "palette_defaults", input: "pal.tif", ours: &[], gdal: &[], ovr_tolerance: 0.0, full_tolerance: 0.0 },
    // An alpha band before another extra band moves into the mask.
    Case {
        name: "alpha_not_last_to_mask",
        input: "rgbax.tif",
        ours: &["--add-mask", "--resampling", "nearest"],
        gdal: &["-b", "1", "-b", "2", "-b", "3", "-b", "5", "-mask", "4", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // INPUT.aux.xml merged as GDAL merges it (items, roles, nodata).
    Case {
        name: "pam_sidecar",
        input: "pam.tif",
        ours: &["--compress", "deflate", "--resampling", "nearest"],
        gdal: &["-co", "COMPRESS=DEFLATE", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // A world file's georeferencing, north-up and rotated.
    Case { name: "world_file", input: "world.tif", ours: &[], gdal: &[], ovr_tolerance: 1.0, full_tolerance: 0.0 },
    Case {
        name: "world_file_rotated",
        input: "worldrot.tif",
        ours: &["--resampling", "nearest"],
        gdal: &["-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // RPCs from an .RPB sidecar into the RPCCoefficientTag.
    Case {
        name: "rpb_sidecar",
        input: "rpb.tif",
        ours: &["--resampling", "nearest"],
        gdal: &["-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // Gray Byte bands stored as RGB(A) with COLORINTERP items, as GDAL does.
    Case {
        name: "gray3_as_rgb",
        input: "gray3.tif",
        ours: &["--compress", "deflate", "--resampling", "average"],
        gdal: &["-co", "COMPRESS=DEFLATE", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "gray4_as_rgba",
        input: "gray4.tif",
        ours: &["--resampling", "nearest"],
        gdal: &["-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // INPUT.msk becomes the internal mask, as GDAL reads it.
    Case {
        name: "external_msk_average",
        input: "extmask.tif",
        ours: &["--compress", "deflate", "--resampling", "average"],
        gdal: &["-co", "COMPRESS=DEFLATE", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "rgba_alpha_to_mask",
        input: "rgba.tif",
        ours: &["--add-mask", "--resampling", "nearest"],
        gdal: &["-b", "1", "-b", "2", "-b", "3", "-mask", "4", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // The PAM sidecar's CRS and geotransform win over the file's own.
    Case { name: "pam_georef", input: "pamgeo.tif", ours: &[], gdal: &[], ovr_tolerance: 1.0, full_tolerance: 0.0 },
    Case {
        name: "pam_georef_wkt2",
        input: "pamgeo2.tif",
        ours: &[],
        gdal: &[],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    // Nodata outside Byte's range: kept, but the alpha masks the overviews.
    Case {
        name: "rgba_nodata_out_of_range",
        input: "rgba_nd.tif",
        ours: &["--resampling", "average"],
        gdal: &["-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "i16_zstd_count2",
        input: "i16.tif",
        ours: &["--co", "COMPRESS=ZSTD", "--co", "OVERVIEW_COUNT=2", "--resampling", "average"],
        gdal: &["-co", "COMPRESS=ZSTD", "-co", "OVERVIEW_COUNT=2", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "f64_nan_bigendian_bigtiff_in",
        input: "f64nan.tif",
        ours: &["--compress", "lzw", "--predictor", "float", "--resampling", "nearest"],
        gdal: &["-co", "COMPRESS=LZW", "-co", "PREDICTOR=FLOATING_POINT", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "u16_1x1",
        input: "u16_1x1.tif",
        ours: &["--compress", "none"],
        gdal: &["-co", "COMPRESS=NONE"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "rgb_bigtiff_256",
        input: "rgb.tif",
        ours: &["--bigtiff", "yes", "--blocksize", "256", "--resampling", "nearest"],
        gdal: &["-co", "BIGTIFF=YES", "-co", "BLOCKSIZE=256", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // NBITS inputs keep their bit depth (GDAL passes NBITS on); a 1-bit
    // gray image becomes a black/white palette, so NEAREST by default.
    Case { name: "nbits1_palette", input: "nbits1.tif", ours: &[], gdal: &[], ovr_tolerance: 0.0, full_tolerance: 0.0 },
    Case {
        name: "nbits12_average",
        input: "nbits12.tif",
        ours: &["--compress", "deflate", "--resampling", "average"],
        gdal: &["-co", "COMPRESS=DEFLATE", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    // Complex types. Our default resampling for them is NEAREST (GDAL >= 3.7's
    // rule; 3.6.2 defaults to CUBIC and then fails, so it is told NEAREST).
    Case {
        name: "cint16",
        input: "cint16.tif",
        ours: &["--blocksize", "256"],
        gdal: &["-co", "BLOCKSIZE=256", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "cint32_deflate",
        input: "cint32.tif",
        ours: &["--blocksize", "256", "--compress", "deflate", "--resampling", "average"],
        gdal: &["-co", "BLOCKSIZE=256", "-co", "COMPRESS=DEFLATE", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 1.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "cfloat32_zstd",
        input: "cfloat32.tif",
        ours: &["--blocksize", "256", "--compress", "zstd", "--resampling", "average"],
        gdal: &["-co", "BLOCKSIZE=256", "-co", "COMPRESS=ZSTD", "-co", "RESAMPLING=AVERAGE"],
        ovr_tolerance: 0.001,
        full_tolerance: 0.0,
    },
    Case {
        name: "cfloat64_none",
        input: "cfloat64.tif",
        ours: &["--blocksize", "256", "--compress", "none"],
        gdal: &["-co", "BLOCKSIZE=256", "-co", "COMPRESS=NONE", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // JPEG: YCbCr with 2x2 subsampling for 3 bands, JPEGTables with the same
    // quantisation tables, edge tiles padded as GDAL pads them. The same
    // libjpeg-turbo code as GDAL's: decoded, our tiles and GDAL's are equal
    // (see also jpeg_tiles_are_gdals_bytes_on_sharp_edges).
    Case {
        name: "jpeg_rgb",
        input: "smooth.tif",
        ours: &["--compress", "jpeg"],
        gdal: &["-co", "COMPRESS=JPEG"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    // Partial edge tiles: we always pad by repeating the last column and
    // row (what GDAL's GTiff writer does for JPEG); GDAL 3.6 does so for
    // some edge tiles and leaves zeros in others (its decoded edge pixels
    // then ring by up to 9 from the input, ours by 4), hence the tolerance.
    Case {
        name: "jpeg_gray_edges",
        input: "smooth_gray.tif",
        ours: &["--compress", "jpeg", "--blocksize", "256"],
        gdal: &["-co", "COMPRESS=JPEG", "-co", "BLOCKSIZE=256"],
        ovr_tolerance: 10.0,
        full_tolerance: 10.0,
    },
    // RGBA with JPEG: the alpha band becomes an internal mask by itself.
    Case {
        name: "jpeg_rgba_q90_mask",
        input: "smooth_rgba.tif",
        ours: &["--compress", "jpeg", "--quality", "90"],
        gdal: &["-co", "COMPRESS=JPEG", "-co", "QUALITY=90"],
        ovr_tolerance: 0.0,
        full_tolerance: 0.0,
    },
    Case {
        name: "webp_rgb",
        input: "smooth.tif",
        ours: &["--compress", "webp"],
        gdal: &["-co", "COMPRESS=WEBP"],
        ovr_tolerance: 2.0,
        full_tolerance: 2.0,
    },
    // WebP keeps alpha as a fourth band.
    Case {
        name: "webp_rgba_q60",
        input: "smooth_rgba.tif",
        ours: &["--co", "COMPRESS=WEBP", "--quality", "60", "--resampling", "nearest"],
        gdal: &["-co", "COMPRESS=WEBP", "-co", "QUALITY=60", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 2.0,
        full_tolerance: 2.0,
    },
    // QUALITY=100 is lossless WebP. GDAL 3.6.2 writes the overviews lossy
    // anyway (they are lossless here: see webp_lossless_all_levels in
    // tests/create/create_codecs.rs), so only full resolution is compared.
    Case {
        name: "webp_lossless",
        input: "rgb.tif",
        ours: &["--compress", "webp", "--quality", "100", "--resampling", "nearest"],
        gdal: &["-co", "COMPRESS=WEBP", "-co", "QUALITY=100", "-co", "RESAMPLING=NEAREST"],
        ovr_tolerance: 255.0,
        full_tolerance: 0.0,
    },
];

#[test]
fn same_file_structure_and_pixels_as_gdal_translate() {
    let Some(dir) = gdal_inputs("gdal") else {
        return;
    };
    for c in CASES {
        let input = dir.join(c.input);
        let ours = dir.join(format!("ours_{}.tif", c.name));
        let theirs = dir.join(format!("gdal_{}.tif", c.name));
        let mut a = vec!["create", input.to_str().unwrap(), ours.to_str().unwrap()];
        a.extend_from_slice(c.ours);
        let o = cogtool(&a);
        assert!(o.status.success(), "{}: {}", c.name, stderr(&o));
        let mut g = vec!["-q", "-of", "COG"];
        g.extend_from_slice(c.gdal);
        let st = Command::new("gdal_translate").args(&g).arg(&input).arg(&theirs).status().unwrap();
        assert!(st.success(), "gdal_translate for {}", c.name);

        validate_clean(&ours);
        check_cog_structure(&ours);
        let (os, gs) = (std::fs::metadata(&ours).unwrap().len(), std::fs::metadata(&theirs).unwrap().len());
        eprintln!("{}: {} bytes, GDAL {} bytes", c.name, os, gs);
        // Lossless WebP: GDAL's overviews are lossy (see the case); JPEG:
        // GDAL leaves zeros in some partial edge tiles, which cost less
        // (jpeg_gray_edges 1.11; the other JPEG cases are the same size).
        let most = 1.15;
        if c.name != "webp_lossless" {
            let r = os as f64 / gs as f64;
            // Smaller is fine (GDAL's NBITS edge tiles carry padding bits).
            assert!(r <= most, "{}: size {} vs GDAL's {}", c.name, os, gs);
        }
        // Ghost area and everything up to the first IFD, byte for byte.
        let (ob, gb) = (std::fs::read(&ours).unwrap(), std::fs::read(&theirs).unwrap());
        let first = open(&theirs).first_ifd as usize;
        assert_eq!(&ob[..first], &gb[..first], "{}: header and ghost", c.name);
        assert_eq!(ifd_signature(&ours), ifd_signature(&theirs), "{}: IFDs", c.name);
        // Pixels, per band and level.
        let cmp: serde_json::Value =
            serde_json::from_str(&py(&["compare", theirs.to_str().unwrap(), ours.to_str().unwrap()])).unwrap();
        for r in cmp.as_array().unwrap() {
            assert!(r.get("error").is_none(), "{}: {}", c.name, r);
            let level = r["level"].as_u64().unwrap();
            let d = r["max_diff"].as_f64().unwrap();
            let tol = if level == 0 { c.full_tolerance } else { c.ovr_tolerance };
            assert!(d <= tol, "{}: band {} level {} differs by {} (allowed {})", c.name, r["band"], level, d, tol);
            assert_eq!(r["mask_diff"].as_u64().unwrap(), 0, "{}: mask of band {} level {}", c.name, r["band"], level);
        }
        // Georeferencing, nodata, metadata, palette as GDAL reads them.
        assert_eq!(
            py(&["meta", ours.to_str().unwrap()]),
            py(&["meta", theirs.to_str().unwrap()]),
            "{}: metadata",
            c.name
        );
        if c.full_tolerance > 0.0 || c.gdal.contains(&"COMPRESS=JPEG") {
            continue;
        }
        // Full resolution equals the input (lossless codecs), per GDAL; with
        // gdal_translate's -b, our bands are the input's bands it selects.
        let selected: Vec<&str> = c.gdal.windows(2).filter(|w| w[0] == "-b").map(|w| w[1]).collect();
        let mut args = vec!["compare", input.to_str().unwrap(), ours.to_str().unwrap(), "full"];
        let joined = selected.join(",");
        if !selected.is_empty() {
            args.push(&joined);
        }
        let cmp: serde_json::Value = serde_json::from_str(&py(&args)).unwrap();
        for r in cmp.as_array().unwrap() {
            assert_eq!(r["max_diff"].as_f64(), Some(0.0), "{}: band {} differs from the input", c.name, r["band"]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--interleave band`. GDAL 3.6's COG driver ignores INTERLEAVE (it warns
/// and writes pixel interleave), so the reference is GDAL's GTiff writer with
/// COPY_SRC_OVERVIEWS=YES and INTERLEAVE=BAND (what the COG driver is built
/// on): same IFD entries apart from offsets (ours also carry the ghost area,
/// leaders and trailers), tile data band by band within each level; GDAL's
/// validator clean with --full-check=yes (with a mask: each mask tile right
/// after band 1's tile, where it checks); pixels of every level equal to
/// the pixel-interleaved COG GDAL makes with NEAREST.
#[test]
fn band_interleave_matches_gdal_gtiff_layout() {
    let Some(dir) = gdal_inputs("band") else {
        return;
    };
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    for (name, input, extra_ours, gdal_mask) in [
        ("rgb", "rgb.tif", vec!["--compress", "deflate"], false),
        ("rgba_mask", "rgba.tif", vec!["--compress", "zstd", "--add-mask"], true),
        ("i16", "i16.tif", vec!["--compress", "lzw", "--predictor", "horizontal"], false),
        ("dem_one_band", "dem.tif", vec!["--compress", "deflate", "--predictor", "float"], false),
    ] {
        // Sizes that halve exactly: gdaladdo rounds overview sizes up, the
        // COG rule (ours) down.
        let input = {
            let src = dir.join(input);
            let crop = dir.join(format!("crop_{}.tif", name));
            let (cw, ch) = if name == "dem_one_band" { ("512", "512") } else { ("1024", "512") };
            if name == "i16" {
                src
            } else {
                let st = Command::new("gdal_translate")
                    .args(["-q", "-srcwin", "0", "0", cw, ch])
                    .arg(&src)
                    .arg(&crop)
                    .status()
                    .unwrap();
                assert!(st.success());
                crop
            }
        };
        let ours = dir.join(format!("ours_band_{}.tif", name));
        let mut a = vec!["create".to_string(), s(&input), s(&ours), "--interleave".into(), "band".into()];
        a.extend(extra_ours.iter().map(|x| x.to_string()));
        a.extend(["--resampling", "nearest", "--blocksize", "256"].map(String::from));
        let o = cogtool(&a);
        assert!(o.status.success(), "{}: {}", name, stderr(&o));
        validate_clean(&ours);
        let v = cogtool(["validate", "--full-check", "yes", ours.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(0), "{}: {}", name, common::stdout(&v));

        // GDAL: overviews into a band-interleaved tiled copy, then COPY_SRC_OVERVIEWS.
        let tmp = dir.join(format!("tmp_{}.tif", name));
        let theirs = dir.join(format!("gdal_band_{}.tif", name));
        let codec = extra_ours[1].to_uppercase();
        let mut t =
            vec!["-q", "-co", "TILED=YES", "-co", "BLOCKXSIZE=256", "-co", "BLOCKYSIZE=256", "-co", "INTERLEAVE=BAND"];
        if gdal_mask {
            t.extend(["-b", "1", "-b", "2", "-b", "3", "-mask", "4"]);
        }
        let st = Command::new("gdal_translate")
            .args(&t)
            .args(["--config", "GDAL_TIFF_INTERNAL_MASK", "YES"])
            .arg(&input)
            .arg(&tmp)
            .status()
            .unwrap();
        assert!(st.success());
        let levels = open(&ours).ifds.len() / if gdal_mask { 2 } else { 1 } - 1;
        let factors: Vec<String> = (1..=levels).map(|k| (1u32 << k).to_string()).collect();
        if !factors.is_empty() {
            let st = Command::new("gdaladdo")
                .args([
                    "-q",
                    "--config",
                    "GDAL_TIFF_OVR_BLOCKSIZE",
                    "256",
                    "--config",
                    "GDAL_TIFF_INTERNAL_MASK",
                    "YES",
                ])
                .args(["-r", "nearest"])
                .arg(&tmp)
                .args(&factors)
                .status()
                .unwrap();
            assert!(st.success());
        }
        let mut g = vec!["-q", "-co", "COPY_SRC_OVERVIEWS=YES", "-co", "TILED=YES", "-co", "BLOCKXSIZE=256"];
        g.extend(["-co", "BLOCKYSIZE=256", "-co", "INTERLEAVE=BAND"]);
        let cco = format!("COMPRESS={}", codec);
        g.extend(["-co", cco.as_str()]);
        if name == "i16" {
            g.extend(["-co", "PREDICTOR=2"]);
        }
        if name == "dem_one_band" {
            g.extend(["-co", "PREDICTOR=3"]);
        }
        let st = Command::new("gdal_translate")
            .args(&g)
            .args(["--config", "GDAL_TIFF_INTERNAL_MASK", "YES"])
            .arg(&tmp)
            .arg(&theirs)
            .status()
            .unwrap();
        assert!(st.success());
        let strip = |v: Vec<(u64, Vec<EntrySig>)>| -> Vec<Vec<EntrySig>> { v.into_iter().map(|(_, e)| e).collect() };
        assert_eq!(strip(ifd_signature(&ours)), strip(ifd_signature(&theirs)), "{}: IFD entries", name);

        // Tile order: band by band within a level, levels smallest first.
        let t = open(&ours);
        let imgs = cogtool::tiff::Image::all(&t).unwrap();
        let mut last = 0;
        for i in imgs.iter().filter(|i| i.kind == cogtool::tiff::Kind::Overview).rev().chain(std::iter::once(&imgs[0]))
        {
            let (offs, _) = i.block_arrays(&t).unwrap();
            for o in offs.into_iter().filter(|&o| o != 0) {
                assert!(o > last, "{}: tile at {} before {}", name, o, last);
                last = o;
            }
        }
        let cmp: serde_json::Value =
            serde_json::from_str(&py(&["compare", theirs.to_str().unwrap(), ours.to_str().unwrap()])).unwrap();
        for r in cmp.as_array().unwrap() {
            assert!(r.get("error").is_none(), "{}: {}", name, r);
            assert_eq!(r["max_diff"].as_f64(), Some(0.0), "{}: {}", name, r);
            assert_eq!(r["mask_diff"].as_u64(), Some(0), "{}: {}", name, r);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--level N` runs the libdeflate level that GDAL's `LEVEL=N` runs (libtiff
/// adds one for 6..9), so with the same predictor every compressed tile is
/// byte for byte GDAL's (partial tiles padded with zeros as GDAL pads them).
/// The float DEM is where libdeflate's levels 6 and 7 differ. Levels 10-12
/// are left out: their near-optimal parser changed between Debian's
/// libdeflate 1.14 (GDAL's) and our 1.26, so a few bytes differ there.
#[test]
fn deflate_tiles_are_gdals_bytes_at_every_level() {
    let Some(dir) = gdal_inputs("levels") else {
        return;
    };
    let input = dir.join("dem.tif");
    let tiles = |path: &Path| -> Vec<Vec<u8>> {
        let t = open(path);
        let img = &cogtool::tiff::Image::all(&t).unwrap()[0];
        let (offsets, counts) = img.block_arrays(&t).unwrap();
        let bytes = std::fs::read(path).unwrap();
        offsets.iter().zip(&counts).map(|(&o, &n)| bytes[o as usize..(o + n) as usize].to_vec()).collect()
    };
    for level in ["1", "5", "6", "7", "9"] {
        let (ours, theirs) = (dir.join(format!("ours_{}.tif", level)), dir.join(format!("gdal_{}.tif", level)));
        let o = cogtool([
            "create",
            input.to_str().unwrap(),
            ours.to_str().unwrap(),
            "--compress",
            "deflate",
            "--predictor",
            "float",
            "--level",
            level,
            "--overviews",
            "none",
        ]);
        assert!(o.status.success(), "LEVEL={}: {}", level, stderr(&o));
        let co = format!("LEVEL={}", level);
        let st = Command::new("gdal_translate")
            .args(["-q", "-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=FLOATING_POINT"])
            .args(["-co", &co, "-co", "OVERVIEWS=NONE"])
            .arg(&input)
            .arg(&theirs)
            .status()
            .unwrap();
        assert!(st.success());
        let (a, b) = (tiles(&ours), tiles(&theirs));
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(x == y, "LEVEL={}: tile {} is {} bytes, GDAL's {}", level, i, x.len(), y.len());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `create --compress jpeg` on sharp 0/255 edges, RGB (YCbCr, chroma 2x2)
/// and gray, qualities 10 (16-bit quantisation tables), 75 and 90: every
/// tile of every level is GDAL's byte for byte (the same libjpeg-turbo
/// colour conversion, downsampling, DCT, quantisation and optimised
/// Huffman tables; partial edge tiles padded as GDAL pads them at the
/// default block size), so GDAL decodes ours and its own identically.
#[test]
fn jpeg_tiles_are_gdals_bytes_on_sharp_edges() {
    if !common::oracles(common::GDAL_PYTHON, "create against GDAL") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tiles = |path: &Path| -> Vec<Vec<Vec<u8>>> {
        let t = open(path);
        let bytes = std::fs::read(path).unwrap();
        let imgs = cogtool::tiff::Image::all(&t).unwrap();
        imgs.iter()
            .map(|img| {
                let (offsets, counts) = img.block_arrays(&t).unwrap();
                offsets.iter().zip(&counts).map(|(&o, &n)| bytes[o as usize..(o + n) as usize].to_vec()).collect()
            })
            .collect()
    };
    for (name, w, h, bands, quality) in
        [("rgb_q75", 1000, 700, 3, "75"), ("rgb_q10", 1000, 700, 3, "10"), ("gray_q90", 777, 513, 1, "90")]
    {
        let input = dir.path().join(format!("edges_{}.tif", name));
        create_support::write_tiff(&input, w, h, bands, 1, 1, &common::sharp_edges(w, h, bands), vec![]);
        let (ours, theirs) =
            (dir.path().join(format!("ours_{}.tif", name)), dir.path().join(format!("gdal_{}.tif", name)));
        let o = cogtool([
            "create",
            input.to_str().unwrap(),
            ours.to_str().unwrap(),
            "--compress",
            "jpeg",
            "--quality",
            quality,
        ]);
        assert!(o.status.success(), "{}: {}", name, stderr(&o));
        let q = format!("QUALITY={}", quality);
        let st = Command::new("gdal_translate")
            .args(["-q", "-of", "COG", "-co", "COMPRESS=JPEG", "-co", &q])
            .arg(&input)
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(st.status.success(), "{}: {}", name, String::from_utf8_lossy(&st.stderr));
        assert_eq!(ifd_signature(&ours), ifd_signature(&theirs), "{}: IFDs (JPEGTables included)", name);
        let (a, b) = (tiles(&ours), tiles(&theirs));
        assert_eq!(a.len(), b.len(), "{}: images", name);
        for (level, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x.len(), y.len(), "{}: tiles of image {}", name, level);
            for (i, (s, g)) in x.iter().zip(y).enumerate() {
                assert!(s == g, "{}: image {} tile {} is {} bytes, GDAL's {}", name, level, i, s.len(), g.len());
            }
        }
        let cmp: serde_json::Value =
            serde_json::from_str(&py(&["compare", theirs.to_str().unwrap(), ours.to_str().unwrap()])).unwrap();
        for r in cmp.as_array().unwrap() {
            assert_eq!(r["max_diff"].as_f64(), Some(0.0), "{}: band {} level {}", name, r["band"], r["level"]);
        }
    }
}
