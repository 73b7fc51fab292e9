//! Stable-Rust mutation testing, in-process: tens of thousands of damaged
//! TIFFs (truncated at every structure boundary, bit flips in the header and
//! IFDs, counts and offsets set to 0/1/2^31/2^32-1/2^63, IFD loops,
//! overlapping structures, random damage) run through the library exactly
//! as the subcommands use it. Each must finish without a panic, quickly, and
//! within an allocation budget enforced by a counting global allocator.
//!
//! Reproduce a case: `MUTATION_DUMP=N cargo test --test read mutation` writes
//! input N to target/tmp/mutation-case-N.tif (N is printed with every failure);
//! `MUTATION_ONLY=N` runs only case N and shows where it panicked.

use crate::mutate;

use cogtool::read::describe::Description;
use cogtool::source::MemSource;
use cogtool::tiff::{Image, Tiff};
use mutate::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The counting allocator. A request beyond the caps is refused (null), which
// makes Rust abort with "memory allocation of N bytes failed" after we print
// which case did it: the test cannot pass with an unbounded allocation.

const MAX_SINGLE: usize = 256 << 20;
const MAX_PEAK: usize = 1 << 30;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static BIGGEST: AtomicUsize = AtomicUsize::new(0);
/// The case being run (for the abort message).
static CASE: AtomicUsize = AtomicUsize::new(usize::MAX);
static REFUSED: AtomicBool = AtomicBool::new(false);

struct Counting;

fn admit(size: usize) -> bool {
    let now = CURRENT.load(Ordering::Relaxed);
    if size > MAX_SINGLE || now.saturating_add(size) > MAX_PEAK {
        if !REFUSED.swap(true, Ordering::Relaxed) {
            use std::io::Write;
            // No allocation here: stderr is unbuffered and integers format in place.
            let _ = std::io::stderr().write_fmt(format_args!(
                "\nmutation: allocation of {} bytes refused (live {} bytes) in case {}; rerun with MUTATION_DUMP={}\n",
                size,
                now,
                CASE.load(Ordering::Relaxed),
                CASE.load(Ordering::Relaxed)
            ));
        }
        return false;
    }
    true
}

fn track(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
    BIGGEST.fetch_max(size, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !admit(l.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            track(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if !admit(l.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            track(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        if new_size > l.size() && !admit(new_size) {
            return std::ptr::null_mut();
        }
        let q = unsafe { System.realloc(p, l, new_size) };
        if !q.is_null() {
            CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
            track(new_size);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---------------------------------------------------------------------------
// What runs on each input: everything a subcommand does with a file.

/// Errors must be one line (they follow `cogtool: FILE: `).
fn check_message(what: &str, e: &cogtool::Error) -> Result<(), String> {
    if e.message.contains('\n') || e.message.is_empty() {
        return Err(format!("{} error is not one non-empty line: {:?}", what, e.message));
    }
    Ok(())
}

/// Run `info`'s library path (and each other subcommand's, as they land) on
/// one input. Returns Err for a contract violation other than a panic.
pub fn exercise(bytes: Vec<u8>) -> Result<(), String> {
    exercise_validate(bytes.clone())?;
    let tiff = match open_mem(bytes) {
        Ok(t) => t,
        Err(e) => return check_message("open", &e),
    };
    exercise_tiff(&tiff)
}

/// `validate`, both rule sets, with the full per-tile check.
fn exercise_validate(bytes: Vec<u8>) -> Result<(), String> {
    use cogtool::read::validate::{FullCheck, Options, Rules, validate_reader};
    let reader =
        std::sync::Arc::new(cogtool::source::Reader::new(std::sync::Arc::new(MemSource::new(bytes)), 16 * 1024, false));
    for rules in [Rules::Gdal, Rules::Rio] {
        let opts = Options { rules, full_check: FullCheck::Yes };
        match validate_reader("mutated.tif", reader.clone(), &opts, &|_| None) {
            Ok(r) => {
                serde_json::to_string(&r.to_json(false)).map_err(|e| e.to_string())?;
                let _ = r.to_text(true, 3);
            }
            Err(e) => check_message("validate", &e)?,
        }
    }
    Ok(())
}

/// `dump`: tile lookup on every level (first, last, outside), read, render.
fn exercise_dump(tiff: &Tiff) -> Result<(), String> {
    use cogtool::read::dump::{facts, render};
    use cogtool::read::tiles::{Pyramid, TileId};
    let p = match Pyramid::new(tiff) {
        Ok(p) => p,
        Err(e) => return check_message("pyramid", &e),
    };
    for z in 0..p.levels().min(4) {
        let Ok(img) = p.level(z) else { continue };
        let (lx, ly) = (img.blocks_across.saturating_sub(1), img.blocks_down.saturating_sub(1));
        for (x, y, mask) in
            [(0, 0, false), (lx, ly, false), (0, 0, true), (lx + 1, 0, false), (u64::MAX, u64::MAX, false)]
        {
            match p.locate(TileId { z, x, y }, mask, 0) {
                Ok(t) => {
                    let _ = facts(&p, &t).to_string();
                    if let Err(e) = p.read(&t).and_then(|(payload, _)| render(&p, &t, payload, false)) {
                        check_message("dump read", &e)?;
                    }
                }
                Err(e) => check_message("locate", &e)?,
            }
        }
    }
    Ok(())
}

/// The decode side of `create`: the first rows of each image through
/// RasterReader (every codec and predictor). Only for images whose row
/// buffer and blocks are of legitimate size: a correct decode of a
/// 2^30-pixel-wide row really needs that memory, which is not a bug.
fn exercise_decode(tiff: &Tiff, images: &[Image]) -> Result<(), String> {
    for img in images.iter().take(4) {
        let row = img.width.saturating_mul(img.samples).saturating_mul(16);
        if row > 4 << 20 || img.block_decoded_bytes() > 16 << 20 {
            continue;
        }
        match cogtool::raster::RasterReader::new(tiff, img) {
            Ok(r) => {
                let y1 = img.height.min(img.block_height.saturating_add(1)).min(64);
                if let Err(e) = r.read_rows(0, y1) {
                    check_message("read_rows", &e)?;
                }
            }
            Err(e) => check_message("raster", &e)?,
        }
    }
    Ok(())
}

fn exercise_tiff(tiff: &Tiff) -> Result<(), String> {
    exercise_dump(tiff)?;
    match Description::new("mutated.tif", tiff) {
        Ok(d) => {
            let j = d.to_json(false);
            serde_json::to_string(&j).map_err(|e| e.to_string())?;
            let _ = d.to_text(false);
            let _ = d.to_json(true);
        }
        Err(e) => check_message("describe", &e)?,
    }
    // Block lookup as dump does it: first, last and an out-of-range block.
    if let Ok(images) = Image::all(tiff) {
        for img in &images {
            for i in [0, img.blocks.saturating_sub(1), img.blocks, u64::MAX] {
                if let Err(e) = img.block(tiff, i) {
                    check_message("block", &e)?;
                }
            }
            let _ = img.block_decoded_bytes();
            let _ = img.gdal_dtype();
            if let Err(e) = img.block_arrays(tiff) {
                check_message("block_arrays", &e)?;
            }
        }
        exercise_decode(tiff, &images)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The driver.

struct Stats {
    cases: usize,
    failures: Vec<String>,
    slowest: (Duration, String),
}

fn time_limit() -> Duration {
    if cfg!(debug_assertions) { Duration::from_secs(5) } else { Duration::from_secs(1) }
}

/// Run every mutation of every seed. Case numbers count across seeds in
/// order, so MUTATION_DUMP=N regenerates exactly input N.
fn run_seeds(seeds: &[(String, Vec<u8>)], random_rounds: usize, max_per_seed: usize, first_case: usize) -> Stats {
    let dump: Option<usize> = std::env::var("MUTATION_DUMP").ok().and_then(|s| s.parse().ok());
    let mut st = Stats { cases: 0, failures: Vec::new(), slowest: (Duration::ZERO, String::new()) };
    // MUTATION_ONLY=N runs case N alone with the normal panic message (file
    // and line of the panic).
    let only: Option<usize> = std::env::var("MUTATION_ONLY").ok().and_then(|s| s.parse().ok());
    let quiet_hook = std::panic::take_hook();
    if only.is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    for (si, (name, seed)) in seeds.iter().enumerate() {
        let Some(m) = map(seed) else {
            eprintln!("mutation: seed {} does not parse; used only as a raw input", name);
            let r = catch_unwind(AssertUnwindSafe(|| exercise(seed.clone())));
            if !matches!(r, Ok(Ok(()))) {
                st.failures.push(format!("seed {} itself fails", name));
            }
            continue;
        };
        // Count first, then run an evenly spread subset so each seed costs at
        // most `max_per_seed` runs while every kind of mutation stays represented.
        let mut total = 0usize;
        mutations(seed, &m, 0x5EED_0000 + si as u64, random_rounds, &mut |_, _| total += 1);
        let keep = max_per_seed.min(total).max(1);
        let mut index = 0usize;
        let mut run_one = |label: String, bytes: Vec<u8>| {
            // Bresenham-style pick: exactly `keep` cases, evenly spread.
            let i = index;
            index += 1;
            if (i + 1) * keep / total == i * keep / total {
                return;
            }
            let case = first_case + st.cases;
            st.cases += 1;
            if only.is_some_and(|n| n != case) {
                return;
            }
            if dump == Some(case) {
                let p = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mutation-case-{}.tif", case));
                std::fs::write(&p, &bytes).unwrap();
                eprintln!("mutation: wrote case {} ({} {}) to {}", case, name, label, p.display());
            }
            CASE.store(case, Ordering::Relaxed);
            if st.cases.is_multiple_of(2000) {
                eprintln!("mutation: {} inputs done ({})", st.cases, name);
            }
            let start = Instant::now();
            let r = catch_unwind(AssertUnwindSafe(|| exercise(bytes)));
            let took = start.elapsed();
            if took > st.slowest.0 {
                st.slowest = (took, format!("case {} ({} {})", case, name, label));
            }
            let what = match r {
                Ok(Ok(())) => None,
                Ok(Err(msg)) => Some(msg),
                Err(p) => Some(format!(
                    "panic: {}",
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                )),
            };
            if let Some(w) = what {
                st.failures.push(format!("case {} ({} {}): {}", case, name, label, w));
            } else if took > time_limit() {
                st.failures.push(format!("case {} ({} {}): took {:?}", case, name, label, took));
            }
        };
        mutations(seed, &m, 0x5EED_0000 + si as u64, random_rounds, &mut run_one);
    }
    std::panic::set_hook(quiet_hook);
    st
}

fn report(what: &str, st: &Stats) {
    eprintln!(
        "mutation[{}]: {} inputs, {} failures, slowest {:?} ({}), peak live {} MiB, largest allocation {} KiB",
        what,
        st.cases,
        st.failures.len(),
        st.slowest.0,
        st.slowest.1,
        PEAK.load(Ordering::Relaxed) >> 20,
        BIGGEST.load(Ordering::Relaxed) >> 10
    );
    for f in st.failures.iter().take(30) {
        eprintln!("  {}", f);
    }
    assert!(
        st.failures.is_empty(),
        "{} of {} mutated inputs failed (first: {})",
        st.failures.len(),
        st.cases,
        st.failures[0]
    );
}

#[test]
fn builtin_seeds_survive_mutation() {
    let seeds = builtin_seeds();
    for (name, s) in &seeds {
        // The seeds themselves must be well-formed, or the mutations test little.
        let t = open_mem(s.clone()).unwrap_or_else(|e| panic!("seed {} does not open: {}", name, e));
        Description::new(name, &t).unwrap_or_else(|e| panic!("seed {} does not describe: {}", name, e));
    }
    let st = run_seeds(&seeds, 500, 1800, 0);
    report("builtin", &st);
    assert!(st.cases >= 10_000, "only {} mutated inputs", st.cases);
}

#[test]
fn fixture_seeds_survive_mutation() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let seeds = file_seeds(&dir, 256 * 1024);
    if seeds.is_empty() {
        crate::skip!("SKIP: no *.tif fixtures under testdata/ yet");
        return;
    }
    let st = run_seeds(&seeds, 100, 250, 1_000_000);
    report("fixtures", &st);
}

/// Inputs that once broke something, kept forever.
#[test]
fn hostile_regressions_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile");
    let files = file_seeds(&dir, 16 << 20);
    let mut failures = Vec::new();
    for (name, bytes) in files {
        let start = Instant::now();
        match catch_unwind(AssertUnwindSafe(|| exercise(bytes))) {
            Ok(Ok(())) => {}
            Ok(Err(m)) => failures.push(format!("{}: {}", name, m)),
            Err(_) => failures.push(format!("{}: panic", name)),
        }
        if start.elapsed() > time_limit() {
            failures.push(format!("{}: took {:?}", name, start.elapsed()));
        }
    }
    assert!(failures.is_empty(), "{:?}", failures);
}
