//! Output bytes pinned: `create` over every fixture in testdata/ and a
//! spread of option sets (tests/create_support/output_hashes.sh) must give
//! exactly the SHA-256s of testdata/create_hashes.tsv. A refactoring must
//! leave them all unchanged; an intended change of output regenerates the
//! file (`tests/create_support/output_hashes.sh target/debug/cogtool >
//! testdata/create_hashes.tsv`) and the diff is reviewed with the commit.

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;

fn table(text: &str) -> BTreeMap<(String, String), String> {
    text.lines()
        .filter_map(|l| {
            let mut p = l.splitn(3, '\t');
            Some(((p.next()?.to_string(), p.next()?.to_string()), p.next()?.to_string()))
        })
        .collect()
}

#[test]
fn create_outputs_are_byte_identical_to_the_pinned_hashes() {
    let root = common::root();
    let o = Command::new("bash")
        .arg(root.join("tests/create_support/output_hashes.sh"))
        .arg(env!("CARGO_BIN_EXE_cogtool"))
        .arg(root.join("testdata"))
        .output()
        .expect("run output_hashes.sh");
    assert!(o.status.success(), "output_hashes.sh: {}", String::from_utf8_lossy(&o.stderr));
    let now = table(&String::from_utf8_lossy(&o.stdout));
    let pinned = table(&std::fs::read_to_string(root.join("testdata/create_hashes.tsv")).unwrap());
    let mut diffs = Vec::new();
    for (k, v) in &pinned {
        match now.get(k) {
            Some(n) if n == v => {}
            Some(n) => diffs.push(format!("{} [{}]: pinned {} now {}", k.0, k.1, v, n)),
            None => diffs.push(format!("{} [{}]: no longer run", k.0, k.1)),
        }
    }
    for k in now.keys().filter(|k| !pinned.contains_key(*k)) {
        diffs.push(format!("{} [{}]: not pinned", k.0, k.1));
    }
    assert!(pinned.len() >= 500, "only {} pinned outputs", pinned.len());
    assert!(diffs.is_empty(), "{} of {} outputs changed:\n{}", diffs.len(), pinned.len(), diffs.join("\n"));
}
