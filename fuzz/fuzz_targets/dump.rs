//! `cogtool dump`: locate a tile (level, column, row, mask chosen by the
//! last bytes), read it, strip leader/trailer, splice JPEG tables, facts.
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::read::dump::{facts, render};
use cogtool::read::tiles::{Pyramid, TileId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = common::open(data) else { return };
    let p = match Pyramid::new(&t) {
        Ok(p) => p,
        Err(e) => return common::one_line(&e),
    };
    let tail = |k: usize| data.len().checked_sub(k).map(|s| data[s]).unwrap_or(0) as u64;
    for z in 0..p.levels().min(4) {
        for (x, y, mask) in [(0, 0, false), (tail(1), tail(2), tail(3) & 1 == 1), (u64::MAX, 0, false)] {
            match p.locate(TileId { z, x, y }, mask, 0) {
                Ok(tile) => {
                    let _ = facts(&p, &tile).to_string();
                    match p.read(&tile).and_then(|(payload, _)| render(&p, &tile, payload, false)) {
                        Ok(_) => {}
                        Err(e) => common::one_line(&e),
                    }
                }
                Err(e) => common::one_line(&e),
            }
        }
    }
});
