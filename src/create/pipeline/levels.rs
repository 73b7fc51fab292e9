//! Pyramid geometry: how many overviews, their sizes and their tile size,
//! exactly as GDAL 3.6's COG driver decides them (checked against
//! `gdal_translate -of COG` output, see tests below and tests/create/create_gdal.rs).

use crate::create::options::OverviewMode;

/// One level of the pyramid: level 0 is full resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelGeom {
    pub width: u64,
    pub height: u64,
    /// Square tile side of this level.
    pub block: u64,
}

impl LevelGeom {
    pub fn tiles_across(&self) -> u64 {
        self.width.div_ceil(self.block)
    }
    pub fn tiles_down(&self) -> u64 {
        self.height.div_ceil(self.block)
    }
    pub fn tiles(&self) -> u64 {
        self.tiles_across() * self.tiles_down()
    }
}

/// GDAL's overview tile size: the main block size when it is a square power
/// of two from 64 to 4096, else 128 (`GTIFFGetOverviewBlockSize`).
pub fn overview_block(main: u32, requested: Option<u32>) -> u32 {
    if let Some(r) = requested {
        return r;
    }
    if main.is_power_of_two() && (64..=4096).contains(&main) { main } else { 128 }
}

/// Overview sizes, largest first. GDAL halves with integer division until
/// both sides fit in one main block (or `count` levels are made, stopping
/// at 1x1). Level k of W x H is max(1, W >> k) x max(1, H >> k): GDAL
/// rounds down (1001 gives 500, 777 gives 388, 7 gives 3 then 1).
pub fn overview_sizes(width: u64, height: u64, blocksize: u32, count: Option<u32>) -> Vec<(u64, u64)> {
    let bs = blocksize as u64;
    let mut out = Vec::new();
    let (mut w, mut h) = (width, height);
    loop {
        let more = match count {
            None => !(w <= bs && h <= bs),
            Some(n) => (out.len() as u32) < n && !(w == 1 && h == 1),
        };
        if !more || out.len() >= 60 {
            break;
        }
        w = (w / 2).max(1);
        h = (h / 2).max(1);
        out.push((w, h));
    }
    out
}

/// Where a level's pixels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelSource {
    /// The input's full-resolution image (level 0).
    Input,
    /// Computed from another level by the resampling method.
    Computed,
    /// Copied from the input's own overview number `i` (0 = largest).
    Copied(usize),
}

/// Overview sizes, largest first, each with where its pixels come from.
pub type OverviewPlan = Vec<((u64, u64), LevelSource)>;

/// Which overviews the output gets, as GDAL 3.6's COG driver decides:
/// an input's own overviews (`existing`, largest first) are kept unless
/// they are to be ignored (IGNORE_EXISTING) and the image does not fit in
/// one block, in which case, or when there are none, they are computed
/// (AUTO, IGNORE_EXISTING) for an image larger than one block or when a
/// count is given; FORCE_USE_EXISTING never computes, NONE writes none.
/// A count keeps at most that many of the input's levels.
pub fn overview_plan(
    width: u64,
    height: u64,
    blocksize: u32,
    mode: OverviewMode,
    count: Option<u32>,
    existing: &[(u64, u64)],
) -> OverviewPlan {
    let bs = blocksize as u64;
    let big = width > bs || height > bs || count.is_some_and(|n| n > 0);
    let compute = match mode {
        OverviewMode::None | OverviewMode::ForceUseExisting => false,
        OverviewMode::IgnoreExisting => big,
        OverviewMode::Auto => big && existing.is_empty(),
    };
    if compute {
        return overview_sizes(width, height, blocksize, count)
            .into_iter()
            .map(|s| (s, LevelSource::Computed))
            .collect();
    }
    if mode == OverviewMode::None {
        return Vec::new();
    }
    let keep = count.map_or(existing.len(), |n| existing.len().min(n as usize));
    existing[..keep].iter().enumerate().map(|(i, &s)| (s, LevelSource::Copied(i))).collect()
}

/// Every level: full resolution first, then the overviews largest to
/// smallest, with where each one's pixels come from.
pub fn pyramid(
    width: u64,
    height: u64,
    blocksize: u32,
    ovr_block: Option<u32>,
    overviews: &[((u64, u64), LevelSource)],
) -> (Vec<LevelGeom>, Vec<LevelSource>) {
    let ob = overview_block(blocksize, ovr_block) as u64;
    let mut geoms = vec![LevelGeom { width, height, block: blocksize as u64 }];
    let mut sources = vec![LevelSource::Input];
    for &((w, h), src) in overviews {
        geoms.push(LevelGeom { width: w, height: h, block: ob });
        sources.push(src);
    }
    (geoms, sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(w: u64, h: u64) -> Vec<(u64, u64)> {
        overview_sizes(w, h, 512, None)
    }

    #[test]
    fn matches_gdal_cog_driver() {
        // Figures read from gdal_translate -of COG (GDAL 3.6.2) output.
        assert_eq!(sizes(1500, 1100), vec![(750, 550), (375, 275)]);
        assert_eq!(sizes(513, 513), vec![(256, 256)]);
        assert_eq!(sizes(1001, 1001), vec![(500, 500)]);
        assert_eq!(sizes(1025, 777), vec![(512, 388)]);
        assert_eq!(sizes(3000, 7), vec![(1500, 3), (750, 1), (375, 1)]);
        assert_eq!(sizes(5, 2000), vec![(2, 1000), (1, 500)]);
        assert_eq!(sizes(2049, 2049), vec![(1024, 1024), (512, 512)]);
        assert_eq!(sizes(1023, 3), vec![(511, 1)]);
        assert!(sizes(512, 512).is_empty());
        assert!(sizes(1, 1).is_empty());
        assert_eq!(overview_sizes(1000, 900, 384, None), vec![(500, 450), (250, 225)]);
    }

    #[test]
    fn count_and_none() {
        assert_eq!(overview_sizes(100, 80, 512, Some(2)), vec![(50, 40), (25, 20)]);
        assert_eq!(overview_sizes(2, 1, 512, Some(5)), vec![(1, 1)]);
        assert!(overview_plan(5000, 5000, 512, OverviewMode::None, None, &[]).is_empty());
    }

    /// The levels gdal_translate -of COG (GDAL 3.6.2) wrote for inputs with
    /// overviews of their own (AVERAGE overviews made by gdaladdo), in each
    /// OVERVIEWS mode.
    #[test]
    fn existing_overviews_as_gdal() {
        use LevelSource::{Computed, Copied};
        let sizes = |w, h, mode, count, existing: &[(u64, u64)]| -> Vec<(u64, u64, bool)> {
            overview_plan(w, h, 512, mode, count, existing)
                .into_iter()
                .map(|((w, h), s)| (w, h, matches!(s, Copied(_))))
                .collect()
        };
        let five = [(1024, 1024), (512, 512), (256, 256), (128, 128), (64, 64)];
        let all_copied: Vec<_> = five.iter().map(|&(w, h)| (w, h, true)).collect();
        // 2048x2048 with 5 levels: kept (more than GDAL's rule would make),
        // and recomputed by the rule when they are to be ignored.
        assert_eq!(sizes(2048, 2048, OverviewMode::Auto, None, &five), all_copied);
        assert_eq!(sizes(2048, 2048, OverviewMode::ForceUseExisting, None, &five), all_copied);
        assert_eq!(
            sizes(2048, 2048, OverviewMode::IgnoreExisting, None, &five),
            vec![(1024, 1024, false), (512, 512, false)]
        );
        assert!(sizes(2048, 2048, OverviewMode::None, None, &five).is_empty());
        // 1000x1000 with one 250x250 level (factor 4): kept as it is.
        assert_eq!(sizes(1000, 1000, OverviewMode::Auto, None, &[(250, 250)]), vec![(250, 250, true)]);
        assert_eq!(sizes(1000, 1000, OverviewMode::IgnoreExisting, None, &[(250, 250)]), vec![(500, 500, false)]);
        // 256x256 with 128x128: kept even when ignored (the image fits in a block).
        for mode in [OverviewMode::Auto, OverviewMode::IgnoreExisting, OverviewMode::ForceUseExisting] {
            assert_eq!(sizes(256, 256, mode, None, &[(128, 128)]), vec![(128, 128, true)], "{:?}", mode);
        }
        // 3000x2000 with 2 levels: kept; a count keeps the first ones.
        let two = [(1500, 1000), (750, 500)];
        assert_eq!(sizes(3000, 2000, OverviewMode::Auto, None, &two).len(), 2);
        assert_eq!(sizes(3000, 2000, OverviewMode::Auto, Some(1), &two), vec![(1500, 1000, true)]);
        assert_eq!(sizes(3000, 2000, OverviewMode::IgnoreExisting, None, &two).len(), 3);
        // Without overviews of its own: computed, or none when forced.
        assert_eq!(overview_plan(3000, 2000, 512, OverviewMode::Auto, None, &[])[0].1, Computed);
        assert!(overview_plan(3000, 2000, 512, OverviewMode::ForceUseExisting, None, &[]).is_empty());
    }

    #[test]
    fn overview_block_rule() {
        assert_eq!(overview_block(512, None), 512);
        assert_eq!(overview_block(256, None), 256);
        assert_eq!(overview_block(384, None), 128);
        assert_eq!(overview_block(16, None), 128);
        assert_eq!(overview_block(384, Some(256)), 256);
    }
}
