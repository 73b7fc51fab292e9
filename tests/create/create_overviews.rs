//! An input's own overviews, kept as GDAL keeps them (OVERVIEWS=AUTO by
//! default; IGNORE_EXISTING, FORCE_USE_EXISTING, NONE; OVERVIEW_COUNT):
//! which levels the output gets, and that kept levels hold the input's
//! pixels exactly, inside the file, in INPUT.ovr, with masks, out of order.
//! Against GDAL: the same level sizes and overview checksums in every mode.

use crate::common::{self, Oracle, cogtool, stderr, testdata};
use cogtool::raster::RasterReader;
use cogtool::tiff::{Image, Kind, Tiff};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-ovr-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn open(path: &Path) -> (Tiff, Vec<Image>) {
    let r = cogtool::source::open(&path.to_string_lossy(), &Default::default()).unwrap();
    let t = Tiff::open(Arc::new(r)).unwrap();
    let imgs = Image::all(&t).unwrap();
    (t, imgs)
}

/// Every overview level (and its mask, if any) of `path` as (size, pixels,
/// mask pixels), largest first.
type Level = ((u64, u64), Vec<u8>, Option<Vec<u8>>);
fn levels(path: &Path, kinds: &[Kind]) -> Vec<Level> {
    let (t, imgs) = open(path);
    let mut out: Vec<Level> = imgs
        .iter()
        .filter(|i| kinds.contains(&i.kind))
        .map(|i| {
            let px = RasterReader::new(&t, i).unwrap().read_rows(0, i.height).unwrap();
            let mask = imgs
                .iter()
                .find(|m| matches!(m.kind, Kind::OverviewMask) && (m.width, m.height) == (i.width, i.height))
                .map(|m| RasterReader::new(&t, m).unwrap().read_rows(0, m.height).unwrap());
            ((i.width, i.height), px, mask)
        })
        .collect();
    out.sort_by_key(|l| std::cmp::Reverse(l.0));
    out
}

fn create(input: &str, out: &Path, args: &[&str]) -> String {
    let mut a = vec!["create".to_string(), testdata(input).to_string_lossy().into_owned()];
    a.push(out.to_string_lossy().into_owned());
    a.extend(args.iter().map(|s| s.to_string()));
    a.push("--overwrite".into());
    let o = cogtool(&a);
    assert_eq!(o.status.code(), Some(0), "create {} {:?}: {}", input, args, stderr(&o));
    let v = cogtool(["validate", &out.to_string_lossy()]);
    assert_eq!(v.status.code(), Some(0), "{} {:?}: not a valid COG: {}", input, args, common::stdout(&v));
    stderr(&o)
}

fn sizes(path: &Path) -> Vec<(u64, u64)> {
    levels(path, &[Kind::Overview]).into_iter().map(|l| l.0).collect()
}

#[test]
fn own_overviews_are_copied_pixel_for_pixel() {
    let dir = tmp("copy");
    let out = dir.join("out.tif");
    // (input, where its overviews are read from)
    let ext = testdata("ovr_external.tif.ovr");
    let cases: [(&str, PathBuf, &[Kind]); 4] = [
        ("ovr_internal_mask.tif", testdata("ovr_internal_mask.tif"), &[Kind::Overview]),
        ("ovr_factor4.tif", testdata("ovr_factor4.tif"), &[Kind::Overview]),
        ("ovr_unsorted.tif", testdata("ovr_unsorted.tif"), &[Kind::Overview]),
        // In an .ovr file every IFD is an overview of the input.
        ("ovr_external.tif", ext, &[Kind::Image, Kind::Overview]),
    ];
    for (input, source, kinds) in cases {
        for args in [&[][..], &["--compress", "zstd", "--predictor", "auto"][..], &["--interleave", "band"][..]] {
            create(input, &out, args);
            let want = levels(&source, kinds);
            let got = levels(&out, &[Kind::Overview]);
            let ws: Vec<_> = want.iter().map(|l| l.0).collect();
            let gs: Vec<_> = got.iter().map(|l| l.0).collect();
            assert_eq!(gs, ws, "{} {:?}: the output's levels are the input's, largest first", input, args);
            for (w, g) in want.iter().zip(&got) {
                assert!(w.1 == g.1, "{} {:?}: level {:?} differs from the input's", input, args, w.0);
                if w.2.is_some() {
                    assert!(w.2 == g.2, "{} {:?}: mask of level {:?} differs from the input's", input, args, w.0);
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn modes_and_counts_choose_levels_as_gdal() {
    let dir = tmp("modes");
    let out = dir.join("out.tif");
    // 700x500 with one level at factor 4 (GDAL 3.6.2's choices).
    create("ovr_factor4.tif", &out, &[]);
    assert_eq!(sizes(&out), vec![(175, 125)]);
    create("ovr_factor4.tif", &out, &["--overviews", "force-use-existing"]);
    assert_eq!(sizes(&out), vec![(175, 125)]);
    for regenerate in
        [&["--overviews", "ignore-existing"][..], &["--regenerate-overviews"], &["--co", "OVERVIEWS=IGNORE_EXISTING"]]
    {
        create("ovr_factor4.tif", &out, regenerate);
        assert_eq!(sizes(&out), vec![(350, 250)], "{:?}", regenerate);
    }
    // Fits in one block: kept even when ignored, as GDAL does.
    create("ovr_unsorted.tif", &out, &["--overviews", "ignore-existing"]);
    assert_eq!(sizes(&out), vec![(150, 150), (75, 75)]);
    // A count keeps the first levels; none writes none.
    create("ovr_internal_mask.tif", &out, &["--overview-count", "1"]);
    assert_eq!(sizes(&out), vec![(300, 200)]);
    create("ovr_internal_mask.tif", &out, &["--co", "OVERVIEWS=NONE"]);
    assert!(sizes(&out).is_empty());
    // No overviews of its own: computed by GDAL's rule, or none when forced.
    create("cog_3x2_tiles.tif", &out, &["--overviews", "force-use-existing", "--blocksize", "64"]);
    assert!(sizes(&out).is_empty());
    // OVERVIEWS and OVERVIEW_COUNT are separate options now.
    create("ovr_factor4.tif", &out, &["--co", "OVERVIEWS=AUTO", "--co", "OVERVIEW_COUNT=1"]);
    assert_eq!(sizes(&out), vec![(175, 125)]);
    let o = cogtool(["create", "x.tif", "y.tif", "--co", "OVERVIEWS=SOMETIMES"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected AUTO, IGNORE_EXISTING, FORCE_USE_EXISTING or NONE"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_mask_without_overviews_recomputes_the_levels_and_says_so() {
    let dir = tmp("masknoovr");
    let out = dir.join("out.tif");
    let err = create("ovr_mask_no_ovr.tif", &out, &["--verify"]);
    assert!(err.contains("the input's mask has no overviews of its own"), "{}", err);
    assert_eq!(sizes(&out), vec![(300, 200), (150, 100)], "the input's sizes");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_checks_copied_levels_against_the_input() {
    let dir = tmp("verify");
    let out = dir.join("out.tif");
    for input in ["ovr_internal_mask.tif", "ovr_external.tif", "ovr_factor4.tif"] {
        create(input, &out, &["--verify", "--compress", "deflate"]);
        cogtool::create::verify::verify_cog(&out, &testdata(input).to_string_lossy(), &Default::default())
            .unwrap_or_else(|e| panic!("{}: {}", input, e));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `gdalinfo -checksum`'s overview lines: sizes and checksums per band,
/// and the mask's.
fn gdal_overviews(path: &Path) -> Vec<String> {
    let o = std::process::Command::new("gdalinfo").arg("-checksum").arg(path).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Overviews") || l.starts_with("Checksum="))
        .map(String::from)
        .collect()
}

#[test]
fn same_levels_and_pixels_as_gdal_translate_in_every_mode() {
    if !common::oracles(&[Oracle::GdalTools], "overviews against gdal_translate") {
        return;
    }
    let dir = tmp("gdal");
    let (ours, theirs) = (dir.join("ours.tif"), dir.join("gdal.tif"));
    let mut compared = 0;
    for input in
        ["ovr_internal_mask.tif", "ovr_factor4.tif", "ovr_external.tif", "ovr_unsorted.tif", "cog_float32_nodata.tif"]
    {
        for (mode, co) in [
            ("auto", "AUTO"),
            ("ignore-existing", "IGNORE_EXISTING"),
            ("force-use-existing", "FORCE_USE_EXISTING"),
            ("none", "NONE"),
        ] {
            let _ = std::fs::remove_file(&theirs);
            let g = std::process::Command::new("gdal_translate")
                .args(["-q", "-of", "COG", "-co", &format!("OVERVIEWS={}", co)])
                .arg(testdata(input))
                .arg(&theirs)
                .env("GDAL_PAM_ENABLED", "NO")
                .status()
                .unwrap();
            assert!(g.success());
            create(input, &ours, &["--overviews", mode]);
            let (mut a, mut b) = (gdal_overviews(&ours), gdal_overviews(&theirs));
            if input == "ovr_unsorted.tif" {
                // Known difference: GDAL 3.6 copies overviews in file order
                // (its COG then fails its own validator); cogtool sorts them.
                a.sort();
                b.sort();
                let fix = |v: &mut Vec<String>| {
                    for l in v.iter_mut() {
                        let (head, tail) = l.split_once(':').unwrap_or((l.as_str(), ""));
                        let mut parts: Vec<&str> = tail.split(',').map(str::trim).collect();
                        parts.sort();
                        *l = format!("{}: {}", head, parts.join(", "));
                    }
                };
                fix(&mut a);
                fix(&mut b);
            }
            assert_eq!(a, b, "{} --overviews {}: cogtool (left) against gdal_translate (right)", input, mode);
            compared += 1;
        }
    }
    eprintln!("create_overviews: {} conversions agree with gdal_translate on levels and checksums", compared);
    std::fs::remove_dir_all(&dir).unwrap();
}
