//! One COG from many workers: `create --part I/N` computes and stages a
//! share of the work, `assemble` writes the COG from the staged parts, byte
//! for byte what a single run writes. [`plan`] divides the work, [`stage`]
//! keeps each part beside OUTPUT; the pipeline itself
//! ([`crate::create::convert`]) runs in part or assembly mode.

pub mod plan;
pub(crate) mod run;
pub mod stage;

use crate::create::config::Config;
use crate::create::options::CreateOptions;
use crate::{Error, Result};

pub use crate::create::options::Distributed;

/// What a distributed run cannot do (yet), refused before any work.
pub fn check_supported(o: &CreateOptions) -> Result<()> {
    let refuse = |what: &str| Err(Error::usage(format!("--part: {}", what)));
    if o.verify {
        return refuse("--verify reads the finished file; validate the assembled COG instead");
    }
    Ok(())
}

/// The fingerprint every part and the assembly must share: the cogtool
/// version, the options that shape the output (not threads, temp
/// directory, overwrite), the IFDs of the plan and the part count.
pub fn fingerprint(o: &CreateOptions, ifds_debug: &str, cfg: &Config, k: usize, count: usize) -> String {
    let shape =
        CreateOptions { threads: None, tmpdir: None, overwrite: false, verify: false, distributed: None, ..o.clone() };
    stage::fingerprint(&format!(
        "{}|format={}|{:?}|{}|{:?}|{:?}|k={}|n={}",
        env!("CARGO_PKG_VERSION"),
        stage::MANIFEST_FORMAT,
        shape,
        ifds_debug,
        cfg.method,
        cfg.levels,
        k,
        count
    ))
}

/// How many parts are staged for `output`, and the recipe recorded with
/// them (the caller rebuilds its request from it). Parts staged with
/// different counts are named in the error. `remote`: how an S3 OUTPUT's
/// staging is reached.
pub fn staged_recipe(output: &str, remote: &crate::source::OpenOptions) -> Result<Option<(usize, Vec<String>)>> {
    // (part directory name, manifest bytes) of every finished part.
    let mut manifests: Vec<(String, Vec<u8>)> = Vec::new();
    let place = match stage::staging_url(output) {
        Some(prefix) => {
            for (url, len) in crate::source::list_objects(&prefix, remote)? {
                if let Some(rest) = url.strip_prefix(&prefix).and_then(|r| r.strip_suffix("/manifest.json")) {
                    let src = crate::source::open(&url, remote)?;
                    manifests.push((rest.to_string(), src.read_direct(0, len as usize)?));
                }
            }
            prefix
        }
        None => {
            let dir = stage::staging_dir(output);
            let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(None) };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let (true, Ok(text)) = (name.starts_with("part-"), std::fs::read(e.path().join("manifest.json"))) {
                    manifests.push((name, text));
                }
            }
            dir.display().to_string()
        }
    };
    let mut found: Vec<(String, usize, Vec<String>)> = Vec::new();
    for (name, text) in manifests {
        let Ok(m) = serde_json::from_slice::<serde_json::Value>(&text) else { continue };
        let count = m["parts"].as_u64().unwrap_or(0) as usize;
        let recipe = m["recipe"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect());
        found.push((name, count, recipe.unwrap_or_default()));
    }
    found.sort();
    let Some(first) = found.first() else {
        if stage::staging_url(output).is_some() {
            return Ok(None);
        }
        return Err(Error::usage(format!("{}: no staged part (none has finished)", place)));
    };
    let odd: Vec<&str> = found.iter().filter(|f| f.1 != first.1).map(|f| f.0.as_str()).collect();
    if !odd.is_empty() {
        return Err(Error::usage(format!(
            "{}: parts of runs with different part counts: {} and {}",
            place,
            first.0,
            odd.join(", ")
        )));
    }
    Ok(Some((first.1, first.2.clone())))
}
