//! Palette bands under AVERAGE, RMS and GAUSS: the colours are averaged, not
//! the indices, and the result is the palette entry nearest to that colour.
//!
//! Averaging indices would invent classes (the mean of "water" = 1 and
//! "forest" = 5 is "urban" = 3). GDAL 3.6 averages the entries' RGB values
//! instead, skipping transparent entries (the nodata entry counts as
//! transparent), rounds the mean, and picks the opaque entry at the smallest
//! squared RGB distance (the first on ties). Its footprints are whole pixels
//! (no fractional edge weights) for AVERAGE and RMS, GAUSS's kernel weights
//! for GAUSS. Other methods work on indices (NEAREST and MODE are exact;
//! kernels blend indices in GDAL too).

use super::{Dst, Geometry, Pixel, Src, boxes, gauss};

/// A colour table as GDAL reads it from a TIFF ColorMap, with the entries
/// that never enter a result (or come out of one) marked transparent.
#[derive(Clone, Debug, PartialEq)]
pub struct Palette {
    rgb: Vec<[i64; 3]>,
    opaque: Vec<bool>,
}

impl Palette {
    /// From a TIFF ColorMap (all reds, then greens, then blues; 16 bits each,
    /// read as GDAL does: value / 257) and the band's nodata, whose entry is
    /// transparent.
    pub fn from_color_map(color_map: &[u16], nodata: Option<f64>) -> Palette {
        let n = color_map.len() / 3;
        let rgb = (0..n).map(|i| [0, 1, 2].map(|c| i64::from(color_map[c * n + i] / 257))).collect();
        let mut opaque = vec![true; n];
        if let Some(nd) = nodata.filter(|nd| *nd >= 0.0 && *nd < n as f64) {
            opaque[nd as usize] = false;
        }
        Palette { rgb, opaque }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.rgb.len()
    }

    /// True for a table without entries.
    pub fn is_empty(&self) -> bool {
        self.rgb.is_empty()
    }

    /// The entry of index value `v`, if it is a colour that counts.
    #[inline]
    fn colour(&self, v: f64) -> Option<[i64; 3]> {
        if v < 0.0 || v >= self.rgb.len() as f64 {
            return None;
        }
        let i = v as usize;
        self.opaque[i].then(|| self.rgb[i])
    }

    /// The opaque entry nearest to `c` (squared RGB distance, first wins).
    fn nearest(&self, c: [i64; 3]) -> usize {
        let mut best = (i64::MAX, 0);
        for (i, e) in self.rgb.iter().enumerate() {
            if !self.opaque[i] {
                continue;
            }
            let d: i64 = (0..3).map(|k| (c[k] - e[k]) * (c[k] - e[k])).sum();
            if d < best.0 {
                best = (d, i);
            }
        }
        best.1
    }
}

/// Whether `method` resamples a palette band through its colours.
pub fn applies(method: super::Method) -> bool {
    matches!(method, super::Method::Average | super::Method::Rms | super::Method::Gauss)
}

/// AVERAGE or RMS of the footprint's colours (whole pixels, as GDAL's
/// palette path reads them), mapped back to the nearest entry.
pub(crate) fn average<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, p: &Palette, rms: bool) {
    let xs: Vec<(usize, usize)> = (0..g.dst.width).map(|d| boxes::span(d, g.rx, g.src.width)).collect();
    for dy in g.dst_y0..g.dst_y1 {
        let (ya, yb) = boxes::span(dy, g.ry, g.src.height);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, &(xa, xb)) in xs.iter().enumerate() {
            let (mut tot, mut count, mut any) = ([0i64; 3], 0i64, false);
            for y in ya..yb {
                let r = s.row(y);
                let row = s.row_data(r);
                any |= s.row_mask(r).is_none_or(|m| m[xa..xb].iter().any(|&v| v != 0));
                for &v in &row[xa * s.bands..xb * s.bands] {
                    if let Some(c) = p.colour(v.to_f64()) {
                        for k in 0..3 {
                            tot[k] += if rms { c[k] * c[k] } else { c[k] };
                        }
                        count += 1;
                    }
                }
            }
            if count > 0 {
                // GDAL: integer division, then (for RMS) the square root
                // rounded half up.
                let mean =
                    tot.map(|t| if rms { (((t / count) as f64).sqrt() + 0.5) as i64 } else { (t + count / 2) / count });
                out.data[o_row + dx] = T::from_f64(p.nearest(mean) as f64);
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any { 255 } else { 0 };
            }
        }
    }
}

/// GAUSS over the footprint's colours, with GDAL's binomial kernel.
pub(crate) fn gauss<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, p: &Palette) {
    let dim = gauss::matrix_dim(g.ry);
    let k = gauss::kernel(dim);
    let xs: Vec<((usize, usize), usize)> = (0..g.dst.width).map(|d| gauss::span(d, g.rx, g.src.width, dim)).collect();
    for dy in g.dst_y0..g.dst_y1 {
        let ((ya, yb), ysh) = gauss::span(dy, g.ry, g.src.height, dim);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, &((xa, xb), xsh)) in xs.iter().enumerate() {
            let (mut tot, mut weight, mut any) = ([0i64; 3], 0i64, false);
            for y in ya..yb {
                let wy = i64::from(k[y - ya + ysh]);
                let r = s.row(y);
                let row = s.row_data(r);
                any |= s.row_mask(r).is_none_or(|m| m[xa..xb].iter().any(|&v| v != 0));
                for x in xa..xb {
                    if let Some(c) = p.colour(row[x * s.bands].to_f64()) {
                        let w = wy * i64::from(k[x - xa + xsh]);
                        for i in 0..3 {
                            tot[i] += c[i] * w;
                        }
                        weight += w;
                    }
                }
            }
            if weight > 0 {
                let mean = tot.map(|t| (t + weight / 2) / weight);
                out.data[o_row + dx] = T::from_f64(p.nearest(mean) as f64);
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any { 255 } else { 0 };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::create::pipeline::resample::{Level, Method, Rules, Window, resample_with};

    /// Entry 0 black, 1 white, 2 mid grey (128), 3 red; 16-bit ColorMap.
    fn palette(nodata: Option<f64>) -> Palette {
        let r = [0u16, 65535, 128 * 257, 65535];
        let g = [0u16, 65535, 128 * 257, 0];
        let b = [0u16, 65535, 128 * 257, 0];
        Palette::from_color_map(&[r, g, b].concat(), nodata)
    }

    fn run(method: Method, px: &[u8], nodata: Option<f64>) -> Vec<u8> {
        let p = palette(nodata);
        let win = Window { data: px, valid: None, y0: 0, rows: 2 };
        let (out, _) = resample_with(
            method,
            Level { width: 2, height: 2 },
            &win,
            1,
            Level { width: 1, height: 1 },
            0,
            1,
            &Rules { nodata, palette: Some(&p), ..Rules::default() },
        );
        out
    }

    #[test]
    fn average_of_black_and_white_is_the_grey_entry_not_the_mean_index() {
        // Indices 0,0,1,1: the index mean would be 1 (0.5 rounded up);
        // the colour mean is 128 grey, entry 2.
        assert_eq!(run(Method::Average, &[0, 0, 1, 1], None), vec![2]);
    }

    #[test]
    fn the_nodata_entry_neither_counts_nor_comes_out() {
        // Nodata 2 (grey): three whites and one nodata average to white.
        assert_eq!(run(Method::Average, &[1, 1, 2, 1], Some(2.0)), vec![1]);
        // Black and white average to 128 grey, but grey is nodata: the
        // nearest opaque entry is chosen instead (white, 127 away per channel).
        assert_eq!(run(Method::Average, &[0, 0, 1, 1], Some(2.0)), vec![1]);
        // All nodata: the footprint yields nodata.
        assert_eq!(run(Method::Average, &[2, 2, 2, 2], Some(2.0)), vec![2]);
    }

    #[test]
    fn rms_and_gauss_use_colours_too() {
        // RMS of 0,0,255,255 per channel: sqrt(65025 / 2) = 180.3 -> 180,
        // nearer to 128 grey than to white.
        assert_eq!(run(Method::Rms, &[0, 0, 1, 1], None), vec![2]);
        assert_eq!(run(Method::Gauss, &[0, 0, 1, 1], None), vec![2]);
        // Indices out of the table are skipped.
        assert_eq!(run(Method::Average, &[3, 3, 9, 9], None), vec![3]);
    }
}
