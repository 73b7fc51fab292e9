//! `cogtool validate` on its own fixtures (testdata/gen/validate.sh): one
//! fault per file, exact rule IDs, exit codes, input forms and output order.

use crate::common;

use common::*;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn json_report(args: &[&str]) -> (i32, Vec<Value>) {
    let out = cogtool(args);
    let lines = stdout(&out).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    (out.status.code().expect("exit code"), lines)
}

fn rules(v: &Value, key: &str) -> Vec<String> {
    let mut r: Vec<String> =
        v[key].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    r.sort();
    r
}

fn fixture(name: &str) -> String {
    testdata(name).display().to_string()
}

/// (fixture, error rules, warning rules, exit code) with GDAL's rules and the full check.
const EXPECTED: &[(&str, &[&str], &[&str], i32)] = &[
    ("validate_good.tif", &[], &[], 0),
    ("validate_mask.tif", &[], &[], 0),
    ("validate_no_overviews.tif", &[], &["no-overviews"], 0),
    ("validate_wrong_leader.tif", &["leader-size"], &[], 1),
    ("validate_bad_trailer.tif", &["trailer-bytes"], &[], 1),
    ("validate_mask_offset.tif", &["mask-offset"], &[], 1),
    ("validate_tiles_out_of_order.tif", &["block-order"], &[], 1),
    ("validate_incompatible.tif", &["incompatible-edition"], &[], 1),
    ("validate_ifd_order.tif", &["ifd-order", "main-ifd-offset"], &[], 1),
    ("validate_overview_not_tiled.tif", &["not-tiled", "overview-not-tiled"], &[], 1),
    ("validate_overlap.tif", &["tile-overlap"], &[], 1),
    // Readers stop at the loop (GDAL too, with a warning); the layout is wrong.
    ("validate_ifd_loop.tif", &["ifd-chain"], &[], 1),
    ("validate_not_tiff.tif", &["not-tiff"], &[], 1),
];

#[test]
fn each_fixture_gives_exact_rules_and_exit_code() {
    for (name, errors, warnings, code) in EXPECTED {
        let (got_code, reports) = json_report(&["validate", "--json", "--full-check", "yes", &fixture(name)]);
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(rules(r, "errors"), errors.to_vec(), "{}: {}", name, r);
        assert_eq!(rules(r, "warnings"), warnings.to_vec(), "{}: {}", name, r);
        assert_eq!(got_code, *code, "{}", name);
        assert_eq!(r["valid"].as_bool().unwrap(), *code == 0, "{}", name);
    }
}

#[test]
fn truncated_upload_fails_with_out_of_bounds_and_full_check_errors() {
    let (code, r) = json_report(&["validate", "--json", &fixture("validate_truncated.tif")]);
    assert_eq!(code, 1);
    let e = rules(&r[0], "errors");
    assert!(e.contains(&"tile-out-of-bounds".to_string()), "{:?}", e);
    let msg = r[0]["errors"].as_array().unwrap().iter().find(|f| f["rule"] == "tile-out-of-bounds").unwrap();
    assert!(
        msg["message"].as_str().unwrap().contains("6 of 9 blocks reach past the end of the file (4236 bytes)"),
        "{}",
        msg
    );
    // Without the full check only the beyond-GDAL rule catches it.
    let (code, r) = json_report(&["validate", "--json", "--full-check", "no", &fixture("validate_truncated.tif")]);
    assert_eq!(code, 1);
    assert_eq!(rules(&r[0], "errors"), vec!["tile-out-of-bounds"]);
}

#[test]
fn messages_carry_gdal_facts() {
    let (_, r) = json_report(&["validate", "--json", &fixture("validate_mask_offset.tif")]);
    assert_eq!(
        r[0]["errors"][0]["message"],
        "Mask of Main resolution image: for block (0, 0), offset is 5390, whereas 5040 was expected"
    );
    let (_, r) = json_report(&["validate", "--json", &fixture("validate_ifd_order.tif")]);
    assert_eq!(r[0]["errors"][0]["message"], "The offset of the main IFD should be 192. It is 5648 instead");
    assert_eq!(r[0]["details"]["ifd_offsets"]["main"], 5648);
    assert_eq!(r[0]["details"]["ifd_offsets"]["overview_0"], 354);
}

#[test]
fn json_shape() {
    let (_, r) = json_report(&["validate", "--json", &fixture("validate_good.tif")]);
    let v = &r[0];
    for k in ["path", "valid", "errors", "warnings", "infos", "details"] {
        assert!(v.get(k).is_some(), "missing {}: {}", k, v);
    }
    let d = &v["details"];
    assert_eq!(d["ifd_offsets"].as_object().unwrap().len(), 3, "{}", d);
    assert_eq!(d["data_offsets"].as_object().unwrap().len(), 3, "{}", d);
    // GDAL prints the header size as the smallest first-block offset.
    let min = d["data_offsets"].as_object().unwrap().values().map(|x| x.as_u64().unwrap()).min().unwrap();
    assert_eq!(d["header_bytes"].as_u64().unwrap(), min);
}

#[test]
fn text_output_lines() {
    let out = cogtool([
        "validate",
        &fixture("validate_good.tif"),
        &fixture("validate_no_overviews.tif"),
        &fixture("validate_ifd_order.tif"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{}: valid", fixture("validate_good.tif")));
    assert_eq!(lines[1], format!("{}: valid, 1 warning", fixture("validate_no_overviews.tif")));
    assert!(lines[2].starts_with("  warning[no-overviews]: The file is greater than 512xH or Wx512"), "{}", lines[2]);
    assert_eq!(lines[3], format!("{}: INVALID (2 errors)", fixture("validate_ifd_order.tif")));
    assert!(lines[4].starts_with("  error[main-ifd-offset]: "), "{}", lines[4]);
}

#[test]
fn strict_counts_warnings() {
    assert_eq!(cogtool(["validate", &fixture("validate_no_overviews.tif")]).status.code(), Some(0));
    let (code, r) = json_report(&["validate", "--json", "--strict", &fixture("validate_no_overviews.tif")]);
    assert_eq!(code, 1);
    assert_eq!(r[0]["valid"], false);
}

#[test]
fn full_check_can_be_turned_off() {
    assert_eq!(
        cogtool(["validate", "--full-check", "no", &fixture("validate_wrong_leader.tif")]).status.code(),
        Some(0)
    );
    assert_eq!(
        cogtool(["validate", "--full-check", "auto", &fixture("validate_wrong_leader.tif")]).status.code(),
        Some(1)
    );
}

#[test]
fn rio_rules() {
    let (code, r) = json_report(&["validate", "--json", "--rules", "rio", &fixture("validate_overview_not_tiled.tif")]);
    assert_eq!(code, 1);
    assert_eq!(rules(&r[0], "errors"), vec!["not-tiled", "overview-not-tiled"]);
    assert_eq!(r[0]["errors"][0]["message"], "The file is greater than 512xH or 512xW, but is not tiled");
    // rio accepts a main IFD anywhere below byte 300 and does no full check.
    let (code, r) = json_report(&["validate", "--json", "--rules", "rio", &fixture("validate_wrong_leader.tif")]);
    assert_eq!((code, rules(&r[0], "errors")), (0, vec![]));
    let (_, r) = json_report(&["validate", "--json", "--rules", "rio", &fixture("validate_incompatible.tif")]);
    assert_eq!(
        r[0]["errors"][0]["message"],
        "This file used to have optimizations in its layout, but those have been, at least partly, invalidated by later changes"
    );
}

#[test]
fn missing_file_exits_2_and_others_still_reported() {
    let out = cogtool(["validate", "--json", "/nonexistent/x.tif", &fixture("validate_good.tif")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cogtool: /nonexistent/x.tif: no such file or directory"), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["error"], "no such file or directory");
    assert_eq!(lines[1]["valid"], true);
    // A missing @list is a usage error.
    assert_eq!(cogtool(["validate", "@/nonexistent/list.txt"]).status.code(), Some(2));
}

#[test]
fn stdin_and_list_keep_input_order() {
    let mut names: Vec<String> = EXPECTED.iter().map(|(n, ..)| fixture(n)).collect();
    names.reverse();
    names.extend(names.clone()); // repeats are validated again, in place
    let input = names.join("\n") + "\n\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .args(["validate", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let got: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, names);

    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, &input).unwrap();
    let out = cogtool(["validate", &format!("@{}", list.display())]);
    let heads: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(": ").next().unwrap().to_string())
        .collect();
    assert_eq!(heads, names);
}

/// Every truncation of a COG and a few hostile edits: a verdict, never a crash.
#[test]
fn hostile_inputs_never_crash() {
    use cogtool::read::validate::{Options, Rule, validate_source};
    let good = std::fs::read(testdata("validate_mask.tif")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tif");
    let opts = Options { full_check: cogtool::read::validate::FullCheck::Yes, ..Default::default() };
    let open = cogtool::source::OpenOptions::default();
    for cut in (0..good.len()).step_by(37) {
        std::fs::write(&path, &good[..cut]).unwrap();
        let r = validate_source(path.to_str().unwrap(), &open, &opts).expect("content problems are findings");
        assert!(!r.is_valid(false), "truncated at {} must not pass", cut);
        if cut < 8 {
            assert!(r.has(Rule::NotTiff));
        }
    }
    // Flip every byte of the header area in turn (IFDs, counts, offsets).
    for i in 0..600.min(good.len()) {
        let mut b = good.clone();
        b[i] ^= 0xA5;
        std::fs::write(&path, &b).unwrap();
        validate_source(path.to_str().unwrap(), &open, &opts).expect("no I/O error");
    }
}

/// A truncated COG: the cause (blocks past the end of the file) comes first,
/// and the leader/trailer findings it would cause for those blocks are not
/// piled on top of it.
#[test]
fn truncation_is_reported_before_and_instead_of_its_consequences() {
    let (code, reports) =
        json_report(&["validate", "--json", "--full-check", "yes", &fixture("readside_truncated.tif")]);
    assert_eq!(code, 1);
    let errors = rules(&reports[0], "errors");
    assert_eq!(errors, vec!["tile-out-of-bounds", "tile-out-of-bounds"], "{}", reports[0]);
    let o = cogtool(["validate", "--full-check", "yes", &fixture("readside_truncated.tif")]);
    let text = stdout(&o);
    assert!(text.lines().nth(1).unwrap().starts_with("  error[tile-out-of-bounds]: "), "{}", text);
}
