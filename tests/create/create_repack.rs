//! Lossless repack: levels whose stored tiles are what the output asks for
//! are copied, not re-encoded. Checked by bytes (a COG of ours repacks to
//! itself), by pixels at every level (image and mask), by the verdict of the
//! validator (ours, and GDAL's full check when present), by `-v`'s account
//! of each level, and on hostile input (a tile past the end of the file).

use crate::common::{self, Oracle, PY, cogtool, stderr, testdata};
use cogtool::raster::RasterReader;
use cogtool::tiff::{Image, Tiff};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-repack-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `create IN OUT ARGS -v --overwrite`, which must succeed and give a valid
/// COG; its stderr (the per-level account).
fn create(input: &Path, out: &Path, args: &[&str]) -> String {
    let mut a: Vec<String> = vec!["create".into(), input.display().to_string(), out.display().to_string()];
    a.extend(args.iter().map(|s| s.to_string()));
    a.extend(["-v".into(), "--overwrite".into()]);
    let o = cogtool(&a);
    assert_eq!(o.status.code(), Some(0), "create {} {:?}: {}", input.display(), args, stderr(&o));
    let v = cogtool(["validate", "--full-check=yes", &out.display().to_string()]);
    assert_eq!(v.status.code(), Some(0), "{:?}: not a valid COG: {}", args, common::stdout(&v));
    stderr(&o)
}

/// Each level's line of `-v`: copied (true) or encoded.
fn copied(log: &str) -> Vec<bool> {
    log.lines().filter(|l| l.contains(": level ")).map(|l| l.ends_with("tiles copied from the input")).collect()
}

/// Every IFD of `path` decoded: (size, pixels), in file order.
fn decoded(path: &Path) -> Vec<((u64, u64), Vec<u8>)> {
    let r = cogtool::source::open(&path.to_string_lossy(), &Default::default()).unwrap();
    let t = Tiff::open(Arc::new(r)).unwrap();
    let mut v: Vec<_> = Image::all(&t)
        .unwrap()
        .iter()
        .map(|i| ((i.width, i.height), RasterReader::new(&t, i).unwrap().read_rows(0, i.height).unwrap()))
        .collect();
    // File order differs between an edited input and a COG: compare by size.
    v.sort_by_key(|(s, px)| std::cmp::Reverse((*s, px.len())));
    v
}

#[test]
fn a_cog_of_ours_repacks_to_the_same_bytes() {
    let dir = tmp("same");
    let (a, b) = (dir.join("a.tif"), dir.join("b.tif"));
    for (input, args) in [
        ("cog_rgb_deflate.tif", vec!["--compress", "deflate"]),
        ("cog_rgb_deflate.tif", vec!["--compress", "zstd", "--predictor", "horizontal", "--blocksize", "256"]),
        ("cog_rgb_deflate.tif", vec!["--compress", "lzw", "--interleave", "band"]),
        ("cog_float32_nodata.tif", vec!["--compress", "deflate", "--predictor", "float", "--blocksize", "128"]),
        ("ovr_internal_mask.tif", vec!["--compress", "deflate", "--blocksize", "128"]),
        ("codec_nbits12.tif", vec!["--compress", "deflate", "--blocksize", "64"]),
        ("cog_rgb_deflate.tif", vec!["--compress", "jpeg"]),
        ("cog_rgb_deflate.tif", vec!["--compress", "webp", "--quality", "60"]),
    ] {
        create(&testdata(input), &a, &args);
        let log = create(&a, &b, &args);
        let c = copied(&log);
        assert!(!c.is_empty() && c.iter().all(|&x| x), "{} {:?}: not every level copied:\n{}", input, args, log);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{} {:?}: bytes differ", input, args);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn full_resolution_copied_and_missing_overviews_computed() {
    // A tiled DEFLATE file without overviews: level 0 is copied, the
    // overviews computed, and the result is what a conversion of the
    // original makes.
    let dir = tmp("mixed");
    let (flat, direct, repacked) = (dir.join("flat.tif"), dir.join("direct.tif"), dir.join("repacked.tif"));
    let src = testdata("cog_rgb_deflate.tif");
    create(&src, &flat, &["--compress", "deflate", "--overviews", "none"]);
    create(&src, &direct, &["--compress", "deflate", "--regenerate-overviews"]);
    let log = create(&flat, &repacked, &["--compress", "deflate"]);
    assert_eq!(copied(&log), vec![true, false, false], "{}", log);
    assert!(log.contains("level 1 (550x450): computed from level 0 (CUBIC)"), "{}", log);
    assert_eq!(std::fs::read(&direct).unwrap(), std::fs::read(&repacked).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_edited_cog_is_repaired_with_its_pixels() {
    // GDAL appended a rewritten tile at the end: not a COG any more.
    let input = testdata("repack_edited.tif");
    let v = cogtool(["validate", &input.display().to_string()]);
    assert_eq!(v.status.code(), Some(1), "the fixture should not be a valid COG");
    let dir = tmp("edited");
    let (copy, encoded) = (dir.join("copy.tif"), dir.join("encoded.tif"));
    let args = ["--compress", "deflate", "--blocksize", "256", "--verify"];
    let log = create(&input, &copy, &args);
    assert_eq!(copied(&log), vec![true, true, true], "{}", log);
    let log = create(&input, &encoded, &[&args[..], &["--no-copy"]].concat());
    assert_eq!(copied(&log), vec![false, false, false], "{}", log);
    assert!(log.contains("level 0 (768x512): re-encoded (--no-copy)"), "{}", log);
    let want = decoded(&input);
    assert!(decoded(&copy) == want, "copied levels hold other pixels than the input's");
    assert!(decoded(&encoded) == want, "re-encoded levels hold other pixels than the input's");
    if common::oracles(&[Oracle::GdalValidator], "repaired COG against GDAL's validator") {
        let o = std::process::Command::new(PY)
            .args(["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", "--full-check=yes"])
            .arg(&copy)
            .output()
            .unwrap();
        assert!(o.status.success(), "GDAL's validator: {}", String::from_utf8_lossy(&o.stdout));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn levels_that_do_not_fit_are_encoded_and_say_why() {
    let dir = tmp("why");
    let out = dir.join("out.tif");
    let input = testdata("repack_edited.tif");
    let want = decoded(&input)[0].clone();
    for (args, why) in [
        (vec!["--blocksize", "256"], "the input's tiles are DEFLATE, the output's LZW"),
        (
            vec!["--compress", "deflate", "--blocksize", "256", "--level", "9"],
            "--level asks for a new compression level",
        ),
        (vec!["--compress", "deflate"], "the input has 256x256 tiles, the output 512x512 tiles"),
        (vec!["--compress", "deflate", "--blocksize", "256", "--predictor", "horizontal"], "the input's predictor is"),
        (vec!["--compress", "deflate", "--blocksize", "256", "--interleave", "band"], "interleave differs"),
        (vec!["--compress", "deflate", "--blocksize", "256", "--add-mask", "--nodata", "0"], "the mask is made from"),
    ] {
        let log = create(&input, &out, &args);
        let line = log.lines().find(|l| l.contains(": level 0 ")).unwrap_or("");
        assert!(line.contains(why), "{:?}: level 0 should be re-encoded because {:?}:\n{}", args, why, log);
        assert!(decoded(&out)[0] == want, "{:?}: other pixels than the input's", args);
    }
    // Stored empty tiles are copied only into a SPARSE_OK output.
    let sparse = testdata("codec_sparse_nodata.tif");
    let args = ["--compress", "packbits", "--blocksize", "16"];
    let log = create(&sparse, &out, &args);
    assert!(log.contains("level 0 (40x40): re-encoded: it has empty (sparse) tiles"), "{}", log);
    let log = create(&sparse, &out, &[&args[..], &["--sparse"]].concat());
    assert_eq!(copied(&log), vec![true, false, false], "{}", log);
    assert!(decoded(&out)[0] == decoded(&sparse)[0], "sparse copy: other pixels");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jpeg_and_webp_tiles_are_copied_only_with_the_same_settings() {
    // A JPEG COG written by GDAL (quality 80, with a mask) repacks to its
    // own bytes when the quality, hence the JPEG tables, are the same.
    let dir = tmp("lossy");
    let (out, webp) = (dir.join("out.tif"), dir.join("webp.tif"));
    let input = testdata("cog_mask_jpeg.tif");
    let log = create(&input, &out, &["--compress", "jpeg", "--blocksize", "256", "--quality", "80"]);
    assert_eq!(copied(&log), vec![true, true], "{}", log);
    assert_eq!(std::fs::read(&input).unwrap(), std::fs::read(&out).unwrap());
    let log = create(&input, &out, &["--compress", "jpeg", "--blocksize", "256"]);
    assert!(log.contains("level 0 (512x384): re-encoded: the input's JPEG tables are not the output's"), "{}", log);
    // WebP: the level GDAL_METADATA records must be the output's.
    create(&testdata("cog_rgb_deflate.tif"), &webp, &["--compress", "webp"]);
    let log = create(&webp, &out, &["--compress", "webp", "--quality", "90"]);
    assert!(
        log.contains("level 0 (1100x900): re-encoded: the input does not record the output's WebP level"),
        "{}",
        log
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stored_tile_past_the_end_fails_with_no_output() {
    let dir = tmp("hostile");
    let (good, cut, out) = (dir.join("good.tif"), dir.join("cut.tif"), dir.join("out.tif"));
    create(&testdata("cog_rgb_deflate.tif"), &good, &["--compress", "deflate"]);
    // Full-resolution tiles come last in a COG: cut the last one short.
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let o = cogtool(["create", &cut.display().to_string(), &out.display().to_string(), "--compress", "deflate"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {}", err);
    assert!(err.contains("cut.tif") && err.contains("past end of file"), "{}", err);
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "output or temporary files left: {:?}", left);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Other people's tiled files, converted with their own codec, tile size
/// and predictor so that their stored tiles are candidates for copying:
/// every run ends valid with `--verify` passing (full resolution and kept
/// overviews equal to the input's), or with a one-line error and no output.
#[test]
fn corpus_files_repack_with_their_pixels() {
    let Some(dir) = common::corpus_dir() else { return };
    let work = tmp("corpus");
    let out = work.join("out.tif");
    let (mut converted, mut copied_l0) = (0, 0);
    for row in common::manifest(&dir) {
        let codec = match row["compression"].as_str() {
            "NONE" => "none",
            "DEFLATE" => "deflate",
            "LZW" => "lzw",
            "ZSTD" => "zstd",
            "PACKBITS" => "packbits",
            _ => continue,
        };
        let predictor = match row["predictor"].as_str() {
            "2" => "horizontal",
            "3" => "float",
            _ => "none",
        };
        let Some((w, h)) = row["blocksize"].split_once('x') else { continue };
        let path = dir.join(&row["path"]);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(u64::MAX);
        if row["tiled"] != "yes" || w != h || size > 2 << 20 {
            continue;
        }
        let _ = std::fs::remove_file(&out);
        let o = cogtool([
            "create",
            "-v",
            path.to_str().unwrap(),
            out.to_str().unwrap(),
            "--compress",
            codec,
            "--blocksize",
            w,
            "--predictor",
            predictor,
            "--verify",
        ]);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{}: {}", row["path"], err);
        match o.status.code() {
            Some(0) => {
                converted += 1;
                if err.lines().any(|l| l.contains(": level 0 ") && l.ends_with("tiles copied from the input")) {
                    copied_l0 += 1;
                }
            }
            Some(2) => {
                assert_eq!(err.trim().lines().count(), 1, "{}: {}", row["path"], err);
                assert!(!out.exists(), "{}: output left after an error", row["path"]);
            }
            c => panic!("{}: exit {:?}: {}", row["path"], c, err),
        }
    }
    eprintln!("repack over the corpus: {} converted and verified, {} with level 0 copied", converted, copied_l0);
    assert!(copied_l0 >= 20, "only {} corpus files had their full resolution copied", copied_l0);
    std::fs::remove_dir_all(&work).unwrap();
}
