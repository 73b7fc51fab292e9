//! `cogtool validate` against the third-party corpus: GDAL's verdict and
//! GDAL's messages (as rule IDs) on every file, rio-cogeo's verdicts with
//! `--rules rio`. Skips with a printed reason when the corpus is absent; runs
//! GDAL's own validator for the full message lists when GDAL is installed.

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

/// Files where a beyond-GDAL error makes cogtool's verdict stricter than
/// GDAL's, with the reason each is right to fail.
const BEYOND_GDAL: &[(&str, &str, &str)] = &[
    // (path, rule that fires, why)
    (
        "DLR-TS__gdal/autotest__gcore__data__byte_truncated.tif",
        "tile-out-of-bounds",
        "truncated: both strips start at or past the end of the 374-byte file",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__corrupted_gtiff_tags.tif",
        "tile-out-of-bounds",
        "the only strip starts at 412 in a 405-byte file",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__excessive-memory-TIFFFillStrip.tif",
        "tile-out-of-bounds",
        "byte counts of ~4 GB in a 1738-byte file",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__excessive-memory-TIFFFillTile.tif",
        "tile-out-of-bounds",
        "tiles of 256 MB declared in a 1426-byte file",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__gtiff__missing_tilebytecounts_and_offsets.tif",
        "tile-out-of-bounds",
        "TileOffsets array at offset 2^31-1 in a 238-byte file: no tile can be read",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__many_blocks_truncated.tif",
        "tile-out-of-bounds",
        "16777215 strip offsets declared in a 167-byte file",
    ),
    (
        "DLR-TS__gdal/autotest__gcore__data__tiled_bad_offset.tif",
        "tile-out-of-bounds",
        "the tile offset is 4294967167 in a 170-byte file",
    ),
    (
        "image-rs__image-tiff/tests__fuzz_images__oor_panic__sample-get-lzw-stuck.tiff",
        "tile-out-of-bounds",
        "fuzzed: all 3 strips run past the end of the file",
    ),
    (
        "rasterio__rasterio/tests__data__corrupt.tif",
        "tile-out-of-bounds",
        "truncated upload: the last tile ends 8854 bytes past the end of the file",
    ),
];

/// GDAL's message to cogtool's rule ID.
fn gdal_rule(msg: &str) -> &'static str {
    let m = msg;
    if m.starts_with("Overviews found in external .ovr") {
        "external-overviews"
    } else if m.contains("but is not tiled") {
        "not-tiled"
    } else if m.contains("recommended to include internal overviews") {
        "no-overviews"
    } else if m.starts_with("KNOWN_INCOMPATIBLE_EDITION=YES") {
        "incompatible-edition"
    } else if m.starts_with("The offset of the main IFD") {
        "main-ifd-offset"
    } else if m.starts_with("First overview has larger dimension") {
        "overview-larger-than-main"
    } else if m.starts_with("Overview of index") && m.contains("has larger dimension") {
        "overview-size-order"
    } else if m.starts_with("Overview of index") && m.contains("is not tiled") {
        "overview-not-tiled"
    } else if m.starts_with("The offset of the IFD for overview") {
        "ifd-order"
    } else if m.starts_with("The offset of the first block") && m.contains("after its IFD") {
        "first-block-before-ifd"
    } else if m.starts_with("The offset of the first block") {
        "data-order"
    } else if m.contains("offset of block") && m.contains("smaller than previous block") {
        "block-order"
    } else if m.contains("size in leader bytes") {
        "leader-size"
    } else if m.contains("trailer bytes are invalid") {
        "trailer-bytes"
    } else if m.contains("mask block size is different") {
        "mask-block-size"
    } else if m.contains("was expected") {
        "mask-offset"
    } else {
        panic!("unmapped GDAL message: {}", m)
    }
}

fn is_gdal_rule(id: &str) -> bool {
    !matches!(
        id,
        "tile-out-of-bounds"
            | "tile-overlap"
            | "overview-decimation"
            | "overview-tile-size"
            | "mask-ifd-order"
            | "header-size"
            | "float-no-nodata"
            | "ifd-chain"
    )
}

/// Run cogtool once over every corpus file; JSON reports by path.
fn run_all(dir: &Path, paths: &[String], extra: &[&str]) -> HashMap<String, Value> {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("list.txt");
    let text: String = paths.iter().map(|p| format!("{}\n", dir.join(p).display())).collect();
    std::fs::write(&list, text).unwrap();
    let mut args: Vec<String> = vec!["validate".into(), "--json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("@{}", list.display()));
    let out = cogtool(&args);
    let code = out.status.code().expect("cogtool exited by signal (crash?)");
    assert!(code == 0 || code == 1, "exit {}: {}", code, stderr(&out));
    let mut map = HashMap::new();
    let prefix = format!("{}/", dir.display());
    for line in stdout(&out).lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {}: {}", line, e));
        let p = v["path"].as_str().unwrap().strip_prefix(&prefix).unwrap().to_string();
        map.insert(p, v);
    }
    assert_eq!(map.len(), paths.len(), "one JSON line per file");
    map
}

fn rule_ids(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

/// GDAL's verdict on one file: (warnings, errors), or the exception text.
type GdalMessages = Result<(Vec<String>, Vec<String>), String>;

/// GDAL's own validator on some files: (warnings, errors) or an exception.
fn gdal_messages(dir: &Path, paths: &[&String]) -> Option<HashMap<String, GdalMessages>> {
    let py = PY;
    if !oracles(&[Oracle::GdalValidator], "full GDAL message lists") {
        return None;
    }
    let script = r#"
import sys, json
from osgeo import gdal
from osgeo_utils.samples import validate_cloud_optimized_geotiff as v
for p in sys.stdin.read().splitlines():
    try:
        w, e, d = v.validate(p, full_check=True)
        print(json.dumps({"p": p, "w": w, "e": e}))
    except Exception as ex:
        print(json.dumps({"p": p, "x": str(ex)}))
"#;
    let mut child = Command::new(py)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for p in paths {
            writeln!(stdin, "{}", dir.join(p).display()).unwrap();
        }
    }
    let out = child.wait_with_output().ok()?;
    let prefix = format!("{}/", dir.display());
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let p = v["p"].as_str().unwrap().strip_prefix(&prefix).unwrap().to_string();
        let strs = |k: &str| v[k].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        let r =
            if v.get("x").is_some() { Err(v["x"].as_str().unwrap().to_string()) } else { Ok((strs("w"), strs("e"))) };
        map.insert(p, r);
    }
    Some(map)
}

#[test]
fn gdal_verdicts_and_messages_on_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let rows = manifest(&dir);
    let paths: Vec<String> = rows.iter().map(|r| r["path"].clone()).collect();
    let ours = run_all(&dir, &paths, &["--full-check", "yes"]);
    let beyond: BTreeMap<&str, &str> = BEYOND_GDAL.iter().map(|(p, r, _)| (*p, *r)).collect();
    let mut problems = Vec::new();
    let mut need_full: Vec<&String> = Vec::new();
    for r in &rows {
        let p = &r["path"];
        let g = &r["gdal_validate"];
        let v = &ours[p];
        let errors = rule_ids(v, "errors");
        let gdal_errors: Vec<&String> = errors.iter().filter(|id| is_gdal_rule(id)).collect();
        let warnings = rule_ids(v, "warnings");
        let valid = v["valid"].as_bool().unwrap();
        if g == "error: timeout" {
            continue; // GDAL gave no verdict; cogtool only has to finish (it did).
        }
        let (want_valid, first, count) = if let Some(rest) = g.strip_prefix("invalid: ") {
            let (msg, more) = match rest.rfind(" [+") {
                Some(i) => (&rest[..i], rest[i + 3..].trim_end_matches(" more]").parse::<usize>().unwrap()),
                None => (rest, 0),
            };
            (false, gdal_rule(msg), 1 + more)
        } else if g.starts_with("error: ") {
            (false, "not-tiff", 1)
        } else {
            assert!(g.starts_with("valid"), "{}", g);
            (true, "", 0)
        };
        if want_valid {
            let want_warn = g.contains("(warning:");
            if warnings.contains(&"no-overviews".to_string()) != want_warn {
                problems.push(format!("{}: GDAL {:?}, our warnings {:?}", p, g, warnings));
            }
        }
        let gdal_valid = gdal_errors.is_empty();
        if gdal_valid != want_valid
            || gdal_errors.len() != count
            || (!first.is_empty() && !errors.iter().any(|e| e == first))
        {
            problems.push(format!("{}: GDAL {:?}; ours {:?}", p, g, errors));
            continue;
        }
        if valid != want_valid {
            match beyond.get(p.as_str()) {
                Some(rule) if errors.iter().any(|e| e == rule) => {}
                _ => problems.push(format!("{}: GDAL {:?}; ours {:?} (beyond-GDAL error not listed)", p, g, errors)),
            }
        } else if beyond.contains_key(p.as_str()) {
            problems.push(format!("{}: listed in BEYOND_GDAL but verdicts agree", p));
        }
        if count > 1 {
            need_full.push(p);
        }
    }
    if let Some(full) = gdal_messages(&dir, &need_full) {
        assert_eq!(full.len(), need_full.len(), "GDAL's validator answered for every file");
        eprintln!("compared the full GDAL message lists of {} files", full.len());
        for p in &need_full {
            let Some(Ok((_, errs))) = full.get(*p) else { continue };
            let want: BTreeSet<String> = errs.iter().map(|m| gdal_rule(m).to_string()).collect();
            let got: BTreeSet<String> = rule_ids(&ours[*p], "errors").into_iter().filter(|i| is_gdal_rule(i)).collect();
            if want != got {
                problems.push(format!("{}: GDAL rules {:?}, ours {:?}", p, want, got));
            }
        }
    }
    assert!(problems.is_empty(), "{} disagreements with GDAL:\n{}", problems.len(), problems.join("\n"));
}

/// Files where cogtool's `--rules rio` verdict differs from rio-cogeo's, why.
const RIO_DIFFERENCES: &[(&str, &str)] = &[];

fn rio_valid(s: &str) -> Option<bool> {
    if s.contains("timeout") { None } else { Some(s == "valid" || s.starts_with("warnings")) }
}

#[test]
fn rio_verdicts_on_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let rows = manifest(&dir);
    let paths: Vec<String> = rows.iter().map(|r| r["path"].clone()).collect();
    let skip: BTreeSet<&str> = RIO_DIFFERENCES.iter().map(|(p, _)| *p).collect();
    let mut problems = Vec::new();
    for (strict, col) in [(false, "rio_validate"), (true, "rio_validate_strict")] {
        let mut extra = vec!["--rules", "rio"];
        if strict {
            extra.push("--strict");
        }
        let ours = run_all(&dir, &paths, &extra);
        for r in &rows {
            let p = &r["path"];
            let Some(want) = rio_valid(&r[col]) else { continue };
            let want = want && !(strict && r[col].starts_with("warnings"));
            let got = ours[p]["valid"].as_bool().unwrap();
            if got != want && !skip.contains(p.as_str()) {
                problems.push(format!(
                    "{} ({}): rio {:?}; ours {} {:?}",
                    p,
                    col,
                    r[col],
                    got,
                    rule_ids(&ours[p], "errors")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{} disagreements with rio-cogeo:\n{}", problems.len(), problems.join("\n"));
}
