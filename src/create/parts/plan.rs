//! How a distributed run (`create --part I/N`, then `assemble`) divides the
//! work; every worker derives the same plan from the levels alone.
//!
//! Full resolution is cut into N stripes of whole *units*, full-width runs
//! of rows whose height is a multiple of 2^l x (tile side of level l) for
//! every level l <= k. So a stripe's tiles at each of those levels are one
//! contiguous run in GDAL's row-major order, and the file's level blob is
//! the parts' blobs end to end. Parts encode levels 0..=k and stage the
//! pixels of level k; `assemble` computes the levels above k from them.
//!
//! k is the highest level (at most 3: above it the pixels left to compute
//! are 1/64 of the total or less) that still leaves at least one unit per
//! part, and at least 2 (or the top level) even when that leaves parts
//! without a unit: a lower k would move a quarter or more of the work (and
//! of the staged pixels) to the assembly. Then k goes up while the busiest
//! part (ceil(units / N) units) holds no more rows at the higher k: fewer,
//! taller units leave some parts idle but cost no time, and leave less to
//! the assembly (12288 rows at block 512 in 4 parts: 6 units of 2048 rows
//! at k = 2, 2 for the busiest part, or 3 units of 4096 at k = 3: the same
//! 4096 rows, with 1/64 of the work left to the assembly instead of 1/16).
//!
//! An input whose own overviews are kept (GDAL's default) computes no
//! level from another: every level is read. Then each level's tile rows
//! are shared out on their own, part i taking rows [i T / N, (i + 1) T / N)
//! of the level's T tile rows, k is the top level and nothing is staged
//! for the assembly but tiles.
//!
//! A part reads and computes more rows than it cuts: the rows its
//! resampling kernel needs from the neighbouring stripes (the halo), level
//! by level down to full resolution, with the same footprints as a single
//! run ([`resample::src_rows_for`]), so its tiles are a single run's bytes.

use crate::create::pipeline::levels::LevelGeom;
use crate::create::pipeline::pyramid::LevelWindow;
use crate::create::pipeline::resample::{self, Level, Method};

/// The highest level parts compute.
const MAX_K: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartPlan {
    /// Parts compute levels 0..=k.
    pub k: usize,
    /// Full-resolution rows of each part: [start, end), empty for a part
    /// with nothing at full resolution.
    pub stripes: Vec<(u64, u64)>,
    /// Every level is read, none computed (the input's overviews kept):
    /// each level's tile rows are shared out on their own.
    pub fed: bool,
}

impl PartPlan {
    /// Rows of level `l` that part `part` cuts.
    pub fn rows(&self, levels: &[LevelGeom], l: usize, part: usize) -> (u64, u64) {
        if self.fed { share(levels[l], part, self.stripes.len()) } else { level_rows(levels, l, self.stripes[part]) }
    }

    /// Whether part `part` has no tile to cut at any level up to k.
    pub fn idle(&self, levels: &[LevelGeom], part: usize) -> bool {
        (0..=self.k).all(|l| {
            let (a, b) = self.rows(levels, l, part);
            b <= a
        })
    }
}

/// Part `i` of `n`'s share of a level's tile rows, as rows.
fn share(g: LevelGeom, i: usize, n: usize) -> (u64, u64) {
    let (t, n, i) = (g.tiles_down(), n.max(1) as u64, i as u64);
    let row = |t: u64| (t * g.block).min(g.height);
    (row(i * t / n), row((i + 1) * t / n))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Rows of a unit when parts compute levels 0..=k.
fn unit(levels: &[LevelGeom], k: usize) -> u64 {
    (0..=k).fold(1u64, |u, l| {
        let m = (1u64 << l) * levels[l].block;
        u / gcd(u, m) * m
    })
}

/// The plan for `n` parts of a pyramid with `levels` (full resolution
/// first); `fed`: every level is read, none computed from another.
pub fn plan(levels: &[LevelGeom], n: usize, fed: bool) -> PartPlan {
    let h = levels[0].height;
    if fed {
        let k = levels.len() - 1;
        let stripes = (0..n).map(|i| share(levels[0], i, n)).collect();
        return PartPlan { k, stripes, fed };
    }
    let top = (levels.len() - 1).min(MAX_K);
    let units = |k: usize| h.div_ceil(unit(levels, k));
    let floor = top.min(2);
    let mut k = (floor..=top).rev().find(|&k| units(k) >= n as u64).unwrap_or(floor);
    // Rows of the busiest part at level choice k.
    let busiest = |k: usize| units(k).div_ceil(n.max(1) as u64) * unit(levels, k);
    while k < top && busiest(k + 1) <= busiest(k) {
        k += 1;
    }
    let (u, total) = (unit(levels, k), units(k));
    let stripes = (0..n as u64)
        .map(|i| {
            let (a, b) = (i * total / n as u64, (i + 1) * total / n as u64);
            ((a * u).min(h), (b * u).min(h))
        })
        .collect();
    PartPlan { k, stripes, fed }
}

/// Rows of level `l` a stripe [r0, r1) of full resolution covers: whole
/// tile rows (the last stripe runs to the level's end).
pub fn level_rows(levels: &[LevelGeom], l: usize, (r0, r1): (u64, u64)) -> (u64, u64) {
    let end = if r1 >= levels[0].height { levels[l].height } else { r1 >> l };
    ((r0 >> l).min(end), end)
}

/// Level `l`'s size, as the resampler takes it.
fn level(levels: &[LevelGeom], l: usize) -> Level {
    Level { width: levels[l].width as usize, height: levels[l].height as usize }
}

/// Whether the levels above the first overview are computed from full
/// resolution rather than from the level before (complex samples under
/// NEAREST: see [`resample::source_level`]).
fn from_full(method: Method, complex: bool, levels: usize) -> bool {
    levels > 2 && resample::source_level(method, complex, 2) == 0
}

/// Rows of level `l` whose source row at full resolution is in `stripe`
/// (the last stripe's run to the level's end): a level computed from full
/// resolution, shared out by the rows it reads.
fn owned(levels: &[LevelGeom], l: usize, method: Method, complex: bool, (r0, r1): (u64, u64)) -> (u64, u64) {
    if r1 <= r0 {
        return (0, 0);
    }
    let h = levels[l].height;
    // The first row whose source row is at or past `r`.
    let first = |r: u64| {
        let (mut lo, mut hi) = (0u64, h);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (a, _) = resample::src_rows_for(
                method,
                complex,
                level(levels, 0),
                level(levels, l),
                mid as usize,
                mid as usize + 1,
            );
            if (a as u64) < r { lo = mid + 1 } else { hi = mid }
        }
        lo
    };
    let end = if r1 >= levels[0].height { h } else { first(r1) };
    (if r0 == 0 { 0 } else { first(r0) }.min(end), end)
}

/// The levels whose pixels part `part` stages for the assembly, with the
/// rows of each: level k's rows when the levels above it are computed
/// from it, else (complex samples under NEAREST) each level above k's own.
/// None when nothing is computed at assembly.
pub fn staged(
    levels: &[LevelGeom],
    p: &PartPlan,
    part: usize,
    method: Method,
    complex: bool,
) -> Vec<(usize, (u64, u64))> {
    if p.k + 1 >= levels.len() {
        Vec::new()
    } else if from_full(method, complex, levels.len()) {
        (p.k + 1..levels.len()).map(|j| (j, owned(levels, j, method, complex, p.stripes[part]))).collect()
    } else {
        vec![(p.k, p.rows(levels, p.k, part))]
    }
}

/// What each level of part `part` holds, computes and cuts (None above k,
/// but for levels computed from full resolution, which it computes and
/// stages but does not cut); the full-resolution rows it reads are
/// `windows[0]`'s [start, end).
pub fn windows(
    levels: &[LevelGeom],
    p: &PartPlan,
    part: usize,
    method: Method,
    complex: bool,
) -> Vec<Option<LevelWindow>> {
    let mut out: Vec<Option<LevelWindow>> = vec![None; levels.len()];
    let k = p.k;
    let stripe = p.stripes[part];
    if p.fed {
        // Read levels: a level holds exactly the rows it cuts.
        for (l, w) in out.iter_mut().enumerate().take(k + 1) {
            let (a, b) = p.rows(levels, l, part);
            let (a, b) = (a as usize, b.max(a) as usize);
            *w = Some(LevelWindow { start: a, cut_start: a, cut_end: b, end: b });
        }
        return out;
    }
    // Levels above k computed from full resolution (complex samples under
    // NEAREST) are computed here too, the rows whose source row is in the
    // stripe, and staged whole.
    let top = if from_full(method, complex, levels.len()) { levels.len() - 1 } else { k };
    // From the top down: each level holds its own rows plus what the
    // levels computed from it need.
    let mut need: Vec<(usize, usize)> = vec![(0, 0); top + 1];
    for l in (0..=top).rev() {
        let (c0, c1) = if l <= k { p.rows(levels, l, part) } else { owned(levels, l, method, complex, stripe) };
        let mut n = (c0 as usize, c1 as usize);
        for (j, &(n0, n1)) in need.iter().enumerate().skip(l + 1) {
            if resample::source_level(method, complex, j) == l && n1 > n0 {
                let (a, b) = resample::src_rows_for(method, complex, level(levels, l), level(levels, j), n0, n1);
                if n.1 <= n.0 {
                    n = (a, b);
                } else {
                    n = (n.0.min(a), n.1.max(b));
                }
            }
        }
        need[l] = n;
        out[l] = Some(LevelWindow { start: n.0, cut_start: c0 as usize, cut_end: c1 as usize, end: n.1 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pyramid(w: u64, h: u64, block: u64, n: usize) -> Vec<LevelGeom> {
        (0..n).map(|l| LevelGeom { width: (w >> l).max(1), height: (h >> l).max(1), block }).collect()
    }

    #[test]
    fn stripes_are_whole_units_and_cover_the_image() {
        let levels = pyramid(10_000, 10_000, 256, 6);
        let p = plan(&levels, 4, false);
        // k = 3: units of 2048 rows, 5 of them over 4 parts.
        assert_eq!(p.k, 3);
        assert_eq!(p.stripes, vec![(0, 2048), (2048, 4096), (4096, 6144), (6144, 10_000)]);
        // The same rows for the busiest part at k = 2 and k = 3: the higher
        // k, which leaves less to the assembly (and one part idle).
        let p = plan(&pyramid(12288, 12288, 512, 6), 4, false);
        assert_eq!(p.k, 3);
        assert_eq!(p.stripes, vec![(0, 0), (0, 4096), (4096, 8192), (8192, 12288)]);
        // More parts than units at k = 3, and the busiest part would grow:
        // k stays 2 (489 busy parts of 2048 rows).
        assert_eq!(plan(&pyramid(1_000_000, 1_000_000, 512, 12), 1000, false).k, 2);
        assert_eq!(plan(&pyramid(1_000_000, 1_000_000, 512, 12), 10, false).k, 3);
        // More parts than units even at k = 2: k stays 2, units of 1024
        // rows, some parts empty.
        let levels = pyramid(3000, 3000, 256, 4);
        let p = plan(&levels, 5, false);
        assert_eq!(p.k, 2);
        assert_eq!(p.stripes, vec![(0, 0), (0, 1024), (1024, 1024), (1024, 2048), (2048, 3000)]);
        // A pyramid of two levels: k is its top.
        let p = plan(&pyramid(600, 600, 256, 2), 5, false);
        assert_eq!((p.k, p.stripes[4]), (1, (512, 600)));
        // Blocks that are not powers of two: the unit is a common multiple.
        let levels = vec![
            LevelGeom { width: 3000, height: 3000, block: 500 },
            LevelGeom { width: 1500, height: 1500, block: 128 },
        ];
        let p = plan(&levels, 2, false);
        // 2 x 128 and 500 have 32000 as least common multiple: one unit.
        assert_eq!((p.k, p.stripes.clone()), (1, vec![(0, 0), (0, 3000)]));
    }

    #[test]
    fn read_levels_are_shared_out_level_by_level() {
        // 1000 rows with an overview of its own at 250 (a factor of 4): no
        // level is computed from another, each level's tile rows are shared.
        let levels = vec![
            LevelGeom { width: 1000, height: 1000, block: 256 },
            LevelGeom { width: 250, height: 250, block: 256 },
        ];
        let p = plan(&levels, 3, true);
        assert_eq!((p.k, p.stripes.clone()), (1, vec![(0, 256), (256, 512), (512, 1000)]));
        assert_eq!((0..3).map(|i| p.rows(&levels, 1, i)).collect::<Vec<_>>(), vec![(0, 0), (0, 0), (0, 250)]);
        assert!((0..3).all(|i| !p.idle(&levels, i)));
        let w = windows(&levels, &p, 2, Method::Cubic, false);
        assert_eq!(w[0], Some(LevelWindow { start: 512, cut_start: 512, cut_end: 1000, end: 1000 }));
        assert_eq!(w[1], Some(LevelWindow { start: 0, cut_start: 0, cut_end: 250, end: 250 }));
        // More parts than tile rows: some parts are idle.
        let p = plan(&levels, 6, true);
        assert_eq!((0..6).filter(|&i| p.idle(&levels, i)).count(), 2);
    }

    #[test]
    fn levels_from_full_resolution_are_staged_by_the_rows_they_read() {
        // Complex samples under NEAREST: the levels above k are shared out
        // by their source rows, end to end, and each part's full-resolution
        // window holds the rows they read.
        let levels: Vec<LevelGeom> = [(1501, 1337), (750, 668), (375, 334), (187, 167), (93, 83)]
            .iter()
            .map(|&(width, height)| LevelGeom { width, height, block: 128 })
            .collect();
        let p = plan(&levels, 3, false);
        assert_eq!(p.k, 2);
        for j in 3..5 {
            let mut next = 0;
            for i in 0..3 {
                let st = staged(&levels, &p, i, Method::Nearest, true);
                assert_eq!(st.iter().map(|s| s.0).collect::<Vec<_>>(), vec![3, 4]);
                let (a, b) = st[j - 3].1;
                assert_eq!(a, next, "level {j} part {i}");
                next = b;
                let w = windows(&levels, &p, i, Method::Nearest, true);
                let (l0, lj) = (w[0].unwrap(), w[j].unwrap());
                assert_eq!(
                    (lj.start, lj.end, lj.cut_start, lj.cut_end),
                    (a as usize, b as usize, a as usize, b as usize)
                );
                let (s0, s1) = resample::src_rows_for(
                    Method::Nearest,
                    true,
                    level(&levels, 0),
                    level(&levels, j),
                    a as usize,
                    b as usize,
                );
                assert!(b == a || (s0 >= l0.cut_start && s1 <= l0.cut_end), "{j} {i}: {s0}..{s1} in {l0:?}");
            }
            assert_eq!(next, levels[j].height);
        }
        // Real samples stage level k only.
        assert_eq!(staged(&levels, &p, 1, Method::Nearest, false), vec![(2, p.rows(&levels, 2, 1))]);
    }

    #[test]
    fn windows_hold_the_kernel_halo() {
        let levels = pyramid(4096, 4096, 256, 4);
        let p = PartPlan { k: 2, stripes: vec![(0, 1024), (1024, 2048), (2048, 4096)], fed: false };
        let w = windows(&levels, &p, 1, Method::Cubic, false);
        let l0 = w[0].unwrap();
        assert_eq!((l0.cut_start, l0.cut_end), (1024, 2048));
        assert!(l0.start < 1024 && l0.end > 2048, "{l0:?}");
        let l2 = w[2].unwrap();
        assert_eq!((l2.start, l2.cut_start, l2.cut_end, l2.end), (256, 256, 512, 512));
        assert!(w[3].is_none());
        // Average on even sizes needs nothing beyond the stripe.
        let w = windows(&levels, &p, 1, Method::Average, false);
        assert_eq!(w[0].unwrap(), LevelWindow { start: 1024, cut_start: 1024, cut_end: 2048, end: 2048 });
    }
}
