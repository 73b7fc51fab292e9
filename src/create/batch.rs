//! Many inputs per call, with `cp`'s convention: when OUTPUT is a
//! directory (an existing one, or a name ending in `/`, `s3://bucket/prefix/`
//! included), each INPUT becomes `OUTPUT/<its file name>`. Each conversion
//! is a [`Request`] of its own, with its own guarantees (no partial file,
//! nothing left behind); a failed one does not stop the others.
//!
//! The cores are shared out: inputs of at most [`SMALL_BYTES`] run several
//! at a time, each with a share of the threads (their pipelines are too
//! short to keep every core busy alone); larger ones, and remote ones, run
//! one after the other with every thread.

use crate::create::convert::{Progress, Summary};
use crate::create::run::{Request, create};
use crate::source::{Scheme, scheme};
use crate::{Cancel, Error, Result};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Inputs up to this size share the cores with each other.
pub const SMALL_BYTES: u64 = 32 << 20;

/// Whether OUTPUT names a directory that receives the inputs: it ends with
/// `/`, or it is an existing local directory.
pub fn is_directory(output: &str) -> bool {
    output.ends_with('/') || (scheme(output) == Scheme::Local && Path::new(output).is_dir())
}

/// The file name an input keeps in the output directory: its last path
/// segment (for URLs without query or fragment).
pub fn file_name(input: &str) -> Option<&str> {
    let path = input.split(['?', '#']).next().unwrap_or(input);
    path.trim_end_matches('/').rsplit(['/', '\\']).next().filter(|n| !n.is_empty() && *n != "." && *n != "..")
}

/// (input, output) for every input, refusing what `cp` refuses: several
/// inputs into something that is not a directory, an input without a file
/// name, two inputs with the same file name.
pub fn plan(inputs: &[String], output: &str) -> Result<Vec<(String, String)>> {
    if inputs.is_empty() {
        return Err(Error::usage("no INPUT given"));
    }
    if !is_directory(output) {
        if inputs.len() > 1 {
            return Err(Error::usage(format!(
                "{} inputs need a directory OUTPUT (an existing directory, or a name ending in /); {} is not one",
                inputs.len(),
                output
            )));
        }
        return Ok(vec![(inputs[0].clone(), output.to_string())]);
    }
    let dir = output.trim_end_matches('/');
    let mut seen: std::collections::HashMap<&str, &str> = Default::default();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name =
            file_name(input).ok_or_else(|| Error::usage(format!("{}: no file name to write it under", input)))?;
        if let Some(first) = seen.insert(name, input) {
            return Err(Error::usage(format!(
                "{} and {} would both be written to {}/{}; convert them in separate calls",
                first, input, dir, name
            )));
        }
        out.push((input.clone(), format!("{}/{}", dir, name)));
    }
    Ok(out)
}

/// Convert every request, sharing `threads` cores (see the module doc).
/// `progress` makes the hooks of one conversion; `done` hears of each one
/// as it ends (from any thread), with its index in `reqs`. Returns how
/// many failed.
pub fn run(
    reqs: &[Request],
    threads: usize,
    cancel: &Cancel,
    progress: &(dyn Fn() -> Box<dyn Progress> + Sync),
    done: &(dyn Fn(usize, &Result<Summary>) + Sync),
) -> usize {
    let threads = threads.max(1);
    let small = |r: &Request| {
        scheme(&r.input) == Scheme::Local && std::fs::metadata(&r.input).is_ok_and(|m| m.len() <= SMALL_BYTES)
    };
    let (small_ones, big_ones): (Vec<usize>, Vec<usize>) = (0..reqs.len()).partition(|&i| small(&reqs[i]));
    let failed = AtomicUsize::new(0);
    let one = |i: usize, t: usize| {
        let mut req = reqs[i].clone();
        req.options.threads = Some(req.options.threads.unwrap_or(t).min(t).max(1));
        let r = if cancel.is_cancelled() {
            Err(Error::interrupted(format!("{}: not started", req.input)))
        } else {
            create(&req, progress().as_mut(), cancel)
        };
        if r.is_err() {
            failed.fetch_add(1, Ordering::SeqCst);
        }
        done(i, &r);
    };
    for &i in &big_ones {
        one(i, threads);
    }
    let jobs = threads.min(small_ones.len()).max(1);
    let per_job = (threads / jobs).max(1);
    let queue = Mutex::new(small_ones.into_iter());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(i) = next else { break };
                    one(i, per_job);
                }
            });
        }
    });
    failed.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refusals() {
        assert_eq!(file_name("a/b/c.tif"), Some("c.tif"));
        assert_eq!(file_name("https://h/x/scene.tif?sig=1"), Some("scene.tif"));
        assert_eq!(file_name("s3://bucket/k/"), Some("k"));
        assert_eq!(file_name("/"), None);
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let p = plan(&v(&["a/x.tif", "b/y.tif"]), "out/").unwrap();
        assert_eq!(p, vec![("a/x.tif".into(), "out/x.tif".into()), ("b/y.tif".into(), "out/y.tif".into())]);
        let p = plan(&v(&["x.tif"]), "s3://b/p/").unwrap();
        assert_eq!(p[0].1, "s3://b/p/x.tif");
        assert!(plan(&v(&["a/x.tif", "b/x.tif"]), "out/").unwrap_err().message.contains("both be written"));
        assert!(plan(&v(&["a.tif", "b.tif"]), "one.tif").unwrap_err().message.contains("need a directory OUTPUT"));
        assert_eq!(plan(&v(&["a.tif"]), "one.tif").unwrap(), vec![("a.tif".into(), "one.tif".into())]);
    }
}
