//! Pyramid geometry: how many overviews, their sizes and their tile size,
//! exactly as GDAL 3.6's COG driver decides them (checked against
//! `gdal_translate -of COG` output, see tests below and tests/create/create_gdal.rs).

use crate::create::options::OverviewChoice;

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
/// both sides fit in one main block (or `OVERVIEW_COUNT` levels are made,
/// stopping at 1x1). Level k of W x H is max(1, W >> k) x max(1, H >> k):
/// GDAL rounds down (1001 gives 500, 777 gives 388, 7 gives 3 then 1).
pub fn overview_sizes(width: u64, height: u64, blocksize: u32, choice: OverviewChoice) -> Vec<(u64, u64)> {
    let bs = blocksize as u64;
    let mut out = Vec::new();
    let (mut w, mut h) = (width, height);
    loop {
        let more = match choice {
            OverviewChoice::None => false,
            OverviewChoice::Auto => !(w <= bs && h <= bs),
            OverviewChoice::Count(n) => (out.len() as u32) < n && !(w == 1 && h == 1),
        };
        if !more {
            break;
        }
        w = (w / 2).max(1);
        h = (h / 2).max(1);
        out.push((w, h));
        if out.len() >= 60 {
            break;
        }
    }
    out
}

/// Every level: full resolution first, then the overviews largest to smallest.
pub fn pyramid(
    width: u64,
    height: u64,
    blocksize: u32,
    ovr_block: Option<u32>,
    choice: OverviewChoice,
) -> Vec<LevelGeom> {
    let ob = overview_block(blocksize, ovr_block) as u64;
    let mut v = vec![LevelGeom { width, height, block: blocksize as u64 }];
    v.extend(overview_sizes(width, height, blocksize, choice).into_iter().map(|(w, h)| LevelGeom {
        width: w,
        height: h,
        block: ob,
    }));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(w: u64, h: u64) -> Vec<(u64, u64)> {
        overview_sizes(w, h, 512, OverviewChoice::Auto)
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
        assert_eq!(overview_sizes(1000, 900, 384, OverviewChoice::Auto), vec![(500, 450), (250, 225)]);
    }

    #[test]
    fn count_and_none() {
        assert_eq!(overview_sizes(100, 80, 512, OverviewChoice::Count(2)), vec![(50, 40), (25, 20)]);
        assert_eq!(overview_sizes(2, 1, 512, OverviewChoice::Count(5)), vec![(1, 1)]);
        assert!(overview_sizes(5000, 5000, 512, OverviewChoice::None).is_empty());
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
