//! The committed shell completions and man pages must be exactly what the
//! current clap definitions generate; otherwise packagers ship stale help.

use crate::common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const REGENERATE: &str = "regenerate with `cargo run -- gen-assets .` and commit completions/ and man/";

fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap());
        }
    }
    out
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cogtool(["gen-assets", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "gen-assets failed: {}", stderr(&o));
    for sub in ["completions", "man"] {
        let fresh = files_under(&tmp.path().join(sub));
        let committed = files_under(&root().join(sub));
        assert!(!fresh.is_empty(), "gen-assets wrote nothing into {}/", sub);
        for (name, bytes) in &fresh {
            match committed.get(name) {
                None => panic!("{}/{} is not committed; {}", sub, name, REGENERATE),
                Some(c) if c != bytes => panic!("{}/{} is stale; {}", sub, name, REGENERATE),
                _ => {}
            }
        }
        for name in committed.keys() {
            assert!(fresh.contains_key(name), "{}/{} is no longer generated; delete it, or {}", sub, name, REGENERATE);
        }
    }
    // The set we promise: bash, zsh, fish, and a page per subcommand.
    let comp = files_under(&tmp.path().join("completions"));
    for f in ["cogtool.bash", "_cogtool", "cogtool.fish"] {
        assert!(comp.contains_key(f), "missing completion {}", f);
    }
    let man = files_under(&tmp.path().join("man"));
    for f in ["cogtool.1", "cogtool-info.1", "cogtool-create.1", "cogtool-dump.1", "cogtool-validate.1"] {
        assert!(man.contains_key(f), "missing man page {}: {:?}", f, man.keys().collect::<Vec<_>>());
    }
    assert!(!man.keys().any(|k| k.contains("gen-assets")), "the hidden subcommand gets no man page");
}
