//! A distributed run, `create --part I/N` then `assemble`: byte-identical to
//! one `create` run whatever the resampling kernel, mask, sparse tiles,
//! interleave, odd sizes and part count, with the parts run concurrently;
//! and refused, never wrong, when a part is missing, made with other
//! options, or made from another version of INPUT.

use crate::common::{cogtool, stderr, testdata};
use crate::create_support;
use std::path::{Path, PathBuf};

fn input(dir: &Path, name: &str, w: usize, h: usize, bands: usize) -> PathBuf {
    let p = dir.join(name);
    create_support::write_tiff(&p, w, h, bands, 1, 1, &create_support::pixels(w, h, bands, 1, 1), Vec::new());
    p
}

/// Run the N parts (two at a time, as `xargs -P2` would), then assemble;
/// returns assemble's output.
fn parts_then_assemble(input: &Path, out: &Path, opts: &[&str], n: usize) -> std::process::Output {
    let run_part = |i: usize| {
        let spec = format!("{}/{}", i, n);
        let mut args = vec!["create", input.to_str().unwrap(), out.to_str().unwrap(), "--part", spec.as_str()];
        args.extend_from_slice(opts);
        let o = cogtool(&args);
        assert!(o.status.success(), "part {}: {}", spec, stderr(&o));
    };
    let parts: Vec<usize> = (0..n).collect();
    for pair in parts.chunks(2) {
        std::thread::scope(|s| {
            for &i in pair {
                s.spawn(move || run_part(i));
            }
        });
    }
    cogtool(["assemble", out.to_str().unwrap()])
}

fn single(input: &Path, out: &Path, opts: &[&str]) -> Vec<u8> {
    let mut args = vec!["create", input.to_str().unwrap(), out.to_str().unwrap(), "--overwrite"];
    args.extend_from_slice(opts);
    let o = cogtool(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

#[test]
fn parts_then_assemble_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let rgb = input(dir.path(), "rgb.tif", 2101, 1703, 3);
    let gray = input(dir.path(), "gray.tif", 1500, 1337, 1);
    let sparse = testdata("codec_sparse_nodata.tif");
    // Float32 samples, one in 13 the nodata value.
    let float = dir.path().join("float.tif");
    let fw = 1013usize;
    let fpx: Vec<u8> = (0..fw * 1201)
        .flat_map(|i| (if i % 13 == 0 { -9999.0f32 } else { ((i * 7919) % 1009) as f32 * 0.731 + 1e4 }).to_le_bytes())
        .collect();
    create_support::write_tiff(&float, fw, 1201, 1, 4, 3, &fpx, Vec::new());
    // Complex samples (CInt16, odd sizes): under NEAREST every overview is
    // computed from full resolution, so parts stage their rows of each
    // level above k instead of level k's pixels.
    let cint = dir.path().join("cint.tif");
    let (cw, ch) = (1501usize, 1337usize);
    let cpx: Vec<u8> = (0..cw * ch)
        .flat_map(|i| {
            let (x, y) = ((i % cw) as i16, (i / cw) as i16);
            let (re, im) = (x.wrapping_mul(3).wrapping_sub(y), y.wrapping_mul(5) ^ x);
            [re.to_le_bytes(), im.to_le_bytes()].concat()
        })
        .collect();
    create_support::write_tiff(&cint, cw, ch, 1, 4, 5, &cpx, Vec::new());
    // Tiles the output can take as they are: full resolution is copied.
    let tiled = dir.path().join("tiled.tif");
    let (r, t) = (rgb.to_str().unwrap(), tiled.to_str().unwrap());
    let o = cogtool(["create", "--overviews", "none", "--compress", "deflate", "--blocksize", "256", r, t]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Inputs with overviews of their own, kept as GDAL keeps them (every
    // level read, none computed): a COG of the RGB image, and one of the
    // gray image with a mask and mask overviews.
    let cog = dir.path().join("cog.tif");
    let o = cogtool(["create", "--compress", "deflate", "--blocksize", "256", r, cog.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let masked = dir.path().join("masked.tif");
    let g = gray.to_str().unwrap();
    let o = cogtool(["create", "--nodata", "0", "--add-mask", "--blocksize", "128", g, masked.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Overviews with sizes GDAL's rule would not make (a factor of 4,
    // unsorted), in an external .ovr, with and without mask overviews.
    let own: Vec<PathBuf> = ["ovr_external", "ovr_factor4", "ovr_internal_mask", "ovr_mask_no_ovr", "ovr_unsorted"]
        .iter()
        .map(|f| testdata(&format!("{}.tif", f)))
        .collect();
    let mut cases: Vec<(&Path, Vec<&str>, usize)> = vec![
        // Every level's tiles copied as they are, or decoded and encoded again.
        (&cog, vec!["--compress", "deflate", "--blocksize", "256"], 3),
        (&cog, vec!["--compress", "zstd", "--blocksize", "256", "--statistics", "yes"], 4),
        (&masked, vec!["--blocksize", "128", "--compress", "lzw"], 7),
        (&cint, vec!["--blocksize", "128", "--overview-resampling", "nearest"], 3),
        (&cint, vec!["--blocksize", "128", "--compress", "deflate", "--statistics", "yes"], 5),
        (&cint, vec!["--blocksize", "128", "--overview-resampling", "average"], 2),
        (&rgb, vec!["--blocksize", "256", "--overview-resampling", "cubic"], 4),
        (&rgb, vec!["--blocksize", "256", "--overview-resampling", "lanczos", "--compress", "zstd"], 3),
        (&rgb, vec!["--blocksize", "256", "--overview-resampling", "average", "--interleave", "band"], 4),
        (&rgb, vec!["--blocksize", "128", "--overview-resampling", "nearest", "--compress", "jpeg"], 5),
        // A mask (nodata 0 turned into one), cut from odd-sized levels.
        (&gray, vec!["--blocksize", "128", "--nodata", "0", "--add-mask", "--overview-resampling", "bilinear"], 4),
        // More parts than stripes: some parts have nothing to do.
        (&gray, vec!["--blocksize", "512", "--compress", "deflate"], 9),
        (&sparse, vec!["--sparse", "--blocksize", "64"], 3),
        (&tiled, vec!["--compress", "deflate", "--blocksize", "256"], 3),
        // Statistics: the parts' 16-row blocks merged in order, as a single
        // run merges them: exact sums for bytes, float moments for floats.
        (&rgb, vec!["--blocksize", "256", "--statistics", "yes"], 4),
        (
            &float,
            vec![
                "--blocksize",
                "128",
                "--statistics",
                "yes",
                "--nodata",
                "-9999",
                "--predictor",
                "float",
                "--compress",
                "deflate",
            ],
            5,
        ),
    ];
    cases.extend(own.iter().map(|p| (p.as_path(), vec!["--blocksize", "128"], 3)));
    for (i, (inp, opts, n)) in cases.iter().enumerate() {
        let want = single(inp, &dir.path().join(format!("single{}.tif", i)), opts);
        let out = dir.path().join(format!("out{}.tif", i));
        let o = parts_then_assemble(inp, &out, opts, *n);
        assert!(o.status.success(), "{:?}: {}", opts, stderr(&o));
        let got = std::fs::read(&out).unwrap();
        assert!(
            got == want,
            "{:?} in {} parts: differs from a single run ({} vs {} bytes)",
            opts,
            n,
            got.len(),
            want.len()
        );
        assert!(!dir.path().join(format!("out{}.tif.parts", i)).exists(), "the staging is removed");
        // A second assemble is harmless.
        let again = cogtool(["assemble", out.to_str().unwrap()]);
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert!(std::fs::read(&out).unwrap() == want);
    }
}

#[test]
fn assemble_refuses_missing_foreign_and_stale_parts() {
    let dir = tempfile::tempdir().unwrap();
    let inp = input(dir.path(), "in.tif", 1200, 1100, 3);
    let out = dir.path().join("out.tif");
    let (o, s) = (out.to_str().unwrap(), inp.to_str().unwrap());
    let part = |i: usize, extra: &[&str]| {
        let spec = format!("{}/3", i);
        let mut args = vec!["create", s, o, "--blocksize", "128", "--part", spec.as_str()];
        args.extend_from_slice(extra);
        let r = cogtool(&args);
        assert!(r.status.success(), "{}", stderr(&r));
    };
    part(0, &[]);
    part(2, &[]);
    // Part 1 killed (never finished): named as missing.
    let r = cogtool(["assemble", o]);
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    assert!(err.contains("part(s) 1 of 3 missing"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.exists(), "no OUTPUT");
    // Part 1 made with other options: refused, named.
    part(1, &["--compress", "zstd"]);
    let r = cogtool(["assemble", o]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("1 (made with other options)"), "{}", stderr(&r));
    // Run again right: a part run twice replaces the first.
    part(1, &[]);
    part(1, &[]);
    // INPUT changed after the parts: refused.
    let data = std::fs::read(&inp).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&inp, &data).unwrap();
    let r = cogtool(["assemble", o]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("INPUT changed"), "{}", stderr(&r));
    assert!(!out.exists(), "no OUTPUT");
    // Every part again from this INPUT: assembled, equal to a single run.
    for i in 0..3 {
        part(i, &[]);
    }
    let r = cogtool(["assemble", o]);
    assert!(r.status.success(), "{}", stderr(&r));
    let want = single(&inp, &dir.path().join("single.tif"), &["--blocksize", "128"]);
    assert!(std::fs::read(&out).unwrap() == want);
    // Nothing staged and no OUTPUT: a clear error.
    let r = cogtool(["assemble", dir.path().join("none.tif").to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("--part I/N"), "{}", stderr(&r));
}

#[test]
fn part_index_comes_from_array_job_variables_and_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inp = input(dir.path(), "in.tif", 600, 600, 1);
    let out = dir.path().join("out.tif");
    for (var, i) in [("AWS_BATCH_JOB_ARRAY_INDEX", "0"), ("JOB_COMPLETION_INDEX", "1")] {
        let r = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"))
            .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env(var, i)
            .args(["create", inp.to_str().unwrap(), out.to_str().unwrap(), "--part", "auto/2", "--blocksize", "256"])
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", stderr(&r));
    }
    let r = cogtool(["assemble", out.to_str().unwrap()]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(std::fs::read(&out).unwrap() == single(&inp, &dir.path().join("s.tif"), &["--blocksize", "256"]));
    // What a distributed run cannot do is refused before any work.
    for (extra, want) in [
        (vec!["--part", "2/2"], "expected I/N"),
        (vec!["--part", "0/2", "--verify"], "--verify"),
        (vec!["--part", "0/2", "--web-optimized"], "--web-optimized"),
    ] {
        let x = dir.path().join("x.tif");
        let mut args = vec!["create", inp.to_str().unwrap(), x.to_str().unwrap()];
        args.extend(extra.iter());
        let r = cogtool(&args);
        assert_eq!(r.status.code(), Some(2), "{:?}", extra);
        assert!(stderr(&r).contains(want), "{want}: {}", stderr(&r));
        assert!(!dir.path().join("x.tif.parts").join("part-00000-of-00002").exists());
    }
    // Not a TIFF (a single run reads it through GDAL with the `gdal`
    // feature): one line, naming INPUT once.
    let png = dir.path().join("in.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n not really").unwrap();
    let r = cogtool(["create", png.to_str().unwrap(), dir.path().join("y.tif").to_str().unwrap(), "--part", "0/2"]);
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    assert!(err.contains("--part needs a TIFF input"), "{err}");
    assert_eq!((err.lines().count(), err.matches(png.to_str().unwrap()).count()), (1, 1), "{err}");
    assert!(!dir.path().join("y.tif.parts").exists());
}

#[test]
fn interrupted_parts_and_damaged_staging_never_make_a_wrong_cog() {
    let dir = tempfile::tempdir().unwrap();
    let inp = input(dir.path(), "in.tif", 3000, 2600, 3);
    let out = dir.path().join("out.tif");
    let staging = dir.path().join("out.tif.parts");
    let (o, s) = (out.to_str().unwrap(), inp.to_str().unwrap());
    // A part interrupted mid-run (SIGINT): exit 130, nothing of it staged.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .args(["create", s, o, "--blocksize", "128", "--compress", "zstd", "--part", "0/2"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !std::fs::read_dir(&staging).is_ok_and(|d| d.count() > 0) {
        assert!(t0.elapsed().as_secs() < 60, "the part never started staging");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let r = child.wait_with_output().unwrap();
    if r.status.code() == Some(130) {
        let left: Vec<_> = std::fs::read_dir(&staging).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(left.is_empty(), "an interrupted part leaves nothing: {:?}", left);
    } else {
        // It finished before the signal: then it is whole.
        assert!(r.status.success(), "{}", stderr(&r));
    }
    for i in 0..2 {
        let spec = format!("{}/2", i);
        let r = cogtool(["create", s, o, "--blocksize", "128", "--compress", "zstd", "--part", spec.as_str()]);
        assert!(r.status.success(), "{}", stderr(&r));
    }
    // Tile sizes cut short, then level k's pixels cut short: refused.
    let part1 = staging.join("part-00001-of-00002");
    let counts = std::fs::read(part1.join("counts.bin")).unwrap();
    std::fs::write(part1.join("counts.bin"), &counts[..counts.len() - 8]).unwrap();
    let r = cogtool(["assemble", o]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(stderr(&r).contains("tile sizes"), "{}", stderr(&r));
    assert!(!out.exists(), "no OUTPUT");
    std::fs::write(part1.join("counts.bin"), &counts).unwrap();
    let staged = std::fs::read_dir(&part1)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("pixels-"))
        .expect("staged pixels");
    let pixels = std::fs::read(&staged).unwrap();
    std::fs::write(&staged, &pixels[..pixels.len() / 2]).unwrap();
    let r = cogtool(["assemble", o]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(stderr(&r).lines().count(), 1, "{}", stderr(&r));
    assert!(!out.exists(), "no OUTPUT");
    std::fs::write(&staged, &pixels).unwrap();
    let r = cogtool(["assemble", o]);
    assert!(r.status.success(), "{}", stderr(&r));
    let want = single(&inp, &dir.path().join("single.tif"), &["--blocksize", "128", "--compress", "zstd"]);
    assert!(std::fs::read(&out).unwrap() == want);
}
