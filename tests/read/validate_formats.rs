//! `validate --format github|junit`: GitHub workflow commands (one per
//! finding, escaped) and JUnit XML read back by a real XML parser
//! (roxmltree): one testcase per source, a failure per invalid one, an
//! error per unreadable one, counts that add up; exit codes as for text.

use crate::common::{cogtool, stdout, testdata};

fn sources() -> Vec<String> {
    ["cog_rgb_deflate.tif", "repack_edited.tif", "bad_empty.tif"]
        .iter()
        .map(|n| testdata(n).display().to_string())
        .collect()
}

#[test]
fn github_annotations_one_per_finding() {
    let s = sources();
    let o =
        cogtool([&["validate", "--format", "github"][..], &s.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    assert_eq!(o.status.code(), Some(1), "an invalid file: exit 1");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")), "{}", out);
    assert!(!out.contains("cog_rgb_deflate.tif"), "a valid file gets no annotation: {}", out);
    let edited: Vec<&&str> = lines.iter().filter(|l| l.contains("repack_edited.tif")).collect();
    assert_eq!(edited.len(), 2, "{}", out);
    assert!(edited.iter().any(|l| l.ends_with("::block-order: Main resolution image: offset of block (2, 0) is smaller than previous block (115198 < 180770)")), "{}", out);
    assert!(lines.iter().any(|l| l.contains("bad_empty.tif") && l.contains("::not-tiff: ")), "{}", out);
    // A file name with ':' and ',' is escaped as GitHub wants.
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("a:b,c.tif");
    std::fs::copy(testdata("repack_edited.tif"), &odd).unwrap();
    let o = cogtool(["validate", "--format", "github", odd.to_str().unwrap()]);
    assert!(stdout(&o).contains("a%3Ab%2Cc.tif,title="), "{}", stdout(&o));
    // Warnings are annotations too, errors under --strict.
    let o = cogtool(["validate", "--format", "github", testdata("cog_3x2_tiles.tif").to_str().unwrap()]);
    let w = stdout(&o);
    if w.contains("::warning") {
        let o =
            cogtool(["validate", "--strict", "--format", "github", testdata("cog_3x2_tiles.tif").to_str().unwrap()]);
        assert!(stdout(&o).contains("::error") && !stdout(&o).contains("::warning"), "{}", stdout(&o));
        assert_eq!(o.status.code(), Some(1));
    }
}

fn child<'a, 'i>(c: &roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
    c.children().find(|n| n.has_tag_name(tag))
}

#[test]
fn junit_is_xml_with_a_testcase_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let unreadable = dir.path().join("missing <&>.tif");
    let mut s = sources();
    s.push(unreadable.display().to_string());
    let o =
        cogtool([&["validate", "--format", "junit"][..], &s.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    assert_eq!(o.status.code(), Some(2), "an unreadable source: exit 2");
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML ({}): {}", e, xml));
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let cases: Vec<roxmltree::Node> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, s.iter().map(String::as_str).collect::<Vec<_>>(), "input order, names unescaped");
    assert!(child(&cases[0], "failure").is_none() && child(&cases[0], "error").is_none());
    let failure = child(&cases[1], "failure").expect("invalid file: a failure");
    assert_eq!(failure.attribute("type"), Some("incompatible-edition"));
    assert!(failure.text().unwrap().contains("error[block-order]: Main resolution image: offset of block (2, 0) is smaller than previous block (115198 < 180770)"));
    assert!(child(&cases[2], "failure").is_some(), "an empty file is not a COG");
    let error = child(&cases[3], "error").expect("unreadable: an error");
    assert_eq!(error.attribute("type"), Some("unreadable"));
    assert!(!error.attribute("message").unwrap().is_empty());
    for node in [suites, suites.children().find(|n| n.has_tag_name("testsuite")).unwrap()] {
        assert_eq!(node.attribute("tests"), Some("4"));
        assert_eq!(node.attribute("failures"), Some("2"));
        assert_eq!(node.attribute("errors"), Some("1"));
    }
}

#[test]
fn json_flag_and_format_json_agree_and_conflict_with_another_format() {
    let f = testdata("repack_edited.tif");
    let a = cogtool(["validate", "--json", f.to_str().unwrap()]);
    let b = cogtool(["validate", "--format", "json", f.to_str().unwrap()]);
    assert_eq!(stdout(&a), stdout(&b));
    let c = cogtool(["validate", "--json", "--format", "junit", f.to_str().unwrap()]);
    assert_eq!(c.status.code(), Some(2), "--json with --format junit is a usage error");
}

#[test]
fn recursive_walks_directories_for_tiffs_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
    for (name, src) in [
        ("b.tif", "cog_rgb_deflate.tif"),
        ("sub/a.TIF", "cog_rgb_deflate.tif"),
        ("sub/deeper/c.tiff", "repack_edited.tif"),
    ] {
        std::fs::copy(testdata(src), d.join(name)).unwrap();
    }
    std::fs::write(d.join("notes.txt"), "not a tiff").unwrap();
    let o = cogtool(["validate", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a directory without --recursive is a usage error");
    assert!(crate::common::stderr(&o).contains("--recursive"), "{}", crate::common::stderr(&o));
    let o = cogtool(["validate", "--recursive", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "repack_edited.tif is not a COG");
    let heads: Vec<String> = stdout(&o).lines().filter(|l| !l.starts_with(' ')).map(String::from).collect();
    let p = |n: &str| d.join(n).display().to_string();
    assert_eq!(heads.len(), 3, "{:?}", heads);
    assert!(
        heads[0].starts_with(&p("b.tif"))
            && heads[1].starts_with(&p("sub/a.TIF"))
            && heads[2].starts_with(&p("sub/deeper/c.tiff")),
        "{:?}",
        heads
    );
    let o = cogtool(["info", "-r", "--json", d.to_str().unwrap()]);
    assert_eq!(stdout(&o).lines().count(), 3);
}
