//! The create test matrix: data types x 1, 3, 4, 5 bands x codecs
//! (JPEG and WebP where they apply) x sizes 1x1, 100x80, 513x513 x plain,
//! nodata, NaN, alpha and palette inputs, written at run time by our own
//! writer. Every output must pass our validator and, when GDAL is installed,
//! GDAL's validator with `--full-check=yes` and no warning, with per-band
//! `gdalinfo -checksum` equal to the input's for lossless codecs. Without
//! GDAL the GDAL half is skipped with a printed reason (our decoder still
//! checks the pixels).

use crate::common;
use crate::create_support;

use cogtool::tiff::write::OutTag;
use common::{Oracle, PY, cogtool, stderr};
use create_support::*;
use std::io::Write;
use std::process::{Command, Stdio};

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Plain,
    Nodata,
    Nan,
    Alpha,
    Palette,
}

fn gdal_ready() -> bool {
    common::oracles(
        &[Oracle::GdalTools, Oracle::GdalPython, Oracle::Numpy, Oracle::GdalValidator],
        "GDAL half of the create matrix",
    )
}

#[test]
fn matrix_validates_and_keeps_pixels() {
    let dir = std::env::temp_dir().join(format!("cogtool-create-matrix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sizes = [(1usize, 1usize), (100, 80), (513, 513)];
    let lossless = ["deflate", "lzw", "zstd", "packbits", "none"];
    let mut jobs = Vec::new(); // (input, output, lossless)
    let mut n = 0usize;
    for (di, &(name, bytes, fmt)) in DTYPES.iter().enumerate() {
        for (bi, &bands) in [1usize, 3, 4, 5].iter().enumerate() {
            for (vi, variant) in [Variant::Plain, Variant::Nodata, Variant::Nan, Variant::Alpha, Variant::Palette]
                .into_iter()
                .enumerate()
            {
                // Variants only where they mean something.
                match variant {
                    Variant::Nan if fmt != 3 => continue,
                    Variant::Alpha if bands != 4 => continue,
                    Variant::Palette if !(bands == 1 && name == "u8") => continue,
                    _ => {}
                }
                let k = di + 3 * bi + 7 * vi;
                let (w, h) = sizes[k % sizes.len()];
                let mut codec = lossless[k % lossless.len()];
                // JPEG / WebP for Byte RGB(A), alternating.
                if name == "u8" && (bands == 3 || bands == 4) && variant != Variant::Nodata {
                    codec = if (k / 2) % 2 == 0 { "jpeg" } else { "webp" };
                }
                let data = pixels(w, h, bands, bytes, fmt);
                let mut extra = Vec::new();
                let mut args: Vec<String> = vec!["--compress".into(), codec.into()];
                match variant {
                    Variant::Nodata => {
                        // the first sample's value is nodata somewhere in every image
                        extra.push(OutTag::ascii(42113, if fmt == 2 { "-60" } else { "0" }));
                    }
                    Variant::Nan => extra.push(OutTag::ascii(42113, "nan")),
                    Variant::Alpha => extra.push(OutTag::shorts(338, &[2])),
                    Variant::Palette => {
                        extra.push(OutTag::short(262, 3));
                        let cm: Vec<u16> = (0..768u32).map(|i| ((i * 97) % 65536) as u16).collect();
                        extra.push(OutTag::shorts(320, &cm));
                    }
                    Variant::Plain => {}
                }
                if matches!(codec, "deflate" | "zstd" | "lzw") && (k % 2 == 0) {
                    args.extend(["--predictor".into(), "auto".into()]);
                }
                if variant != Variant::Palette {
                    args.extend(["--resampling".into(), ["average", "nearest", "bilinear"][k % 3].into()]);
                }
                let tag = format!("{}_{}b_{}x{}_{:?}_{}", name, bands, w, h, variant as u8, codec);
                let input = dir.join(format!("in_{}.tif", tag));
                let output = dir.join(format!("out_{}.tif", tag));
                write_tiff(&input, w, h, bands, bytes, fmt, &data, extra);
                let mut a = vec!["create".to_string(), input.to_string_lossy().into(), output.to_string_lossy().into()];
                a.extend(args);
                let o = cogtool(&a);
                assert!(o.status.success(), "{}: {}", tag, stderr(&o));
                check_cog_structure(&output);
                let v = cogtool(["validate", "--full-check", "yes", output.to_str().unwrap()]);
                assert_eq!(v.status.code(), Some(0), "{}: {}", tag, common::stdout(&v));
                let is_lossless = !matches!(codec, "jpeg" | "webp");
                let moved_alpha = codec == "jpeg" && bands == 4;
                if is_lossless {
                    assert!(read_all(&output) == data, "{}: pixels differ from the input", tag);
                }
                jobs.push((input, output, is_lossless && !moved_alpha));
                n += 1;
            }
        }
    }
    eprintln!("create matrix: {} outputs", n);
    assert!(n >= 50, "only {} cases", n);
    if gdal_ready() {
        let mut child = Command::new(PY)
            .arg(common::root().join("tests/create_support/gdal_helper.py"))
            .arg("check")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for (i, o, l) in &jobs {
                writeln!(stdin, "{} {} {}", i.display(), o.display(), if *l { "lossless" } else { "lossy" }).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let mut seen = 0;
        for line in text.lines() {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(r["errors"].as_array().unwrap().len(), 0, "GDAL validator: {}", r);
            assert_eq!(r["warnings"].as_array().unwrap().len(), 0, "GDAL validator: {}", r);
            if let Some(cin) = r.get("in") {
                assert_eq!(cin, &r["out"], "checksums of {}", r["output"]);
            }
            seen += 1;
        }
        assert_eq!(seen, jobs.len());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
