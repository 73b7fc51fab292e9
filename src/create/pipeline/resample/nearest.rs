//! NEAREST: each destination pixel copies one source pixel. GDAL picks
//! source index trunc(0.5 + d * ratio), i.e. the pixel under the
//! destination pixel's top-left corner, nudged by half a pixel.

use super::{Dst, Geometry, Pixel, Src};

/// Source index for destination index `d` (clamped to the level).
#[inline]
pub(crate) fn index(d: usize, ratio: f64, n: usize) -> usize {
    ((0.5 + d as f64 * ratio) as usize).min(n.saturating_sub(1))
}

/// Source span [i, i+1) read for destination index `d`.
pub(crate) fn span(d: usize, ratio: f64, n: usize) -> (usize, usize) {
    let i = index(d, ratio, n);
    (i, i + 1)
}

pub(crate) fn run<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>) {
    let bands = s.bands;
    let xs: Vec<usize> = (0..g.dst.width).map(|d| index(d, g.rx, g.src.width)).collect();
    let drow_len = g.dst.width * bands;
    for dy in g.dst_y0..g.dst_y1 {
        let r = s.row(index(dy, g.ry, g.src.height));
        let srow = s.row_data(r);
        let o = dy - g.dst_y0;
        let orow = &mut out.data[o * drow_len..(o + 1) * drow_len];
        if bands == 1 {
            for (d, &sx) in orow.iter_mut().zip(&xs) {
                *d = srow[sx];
            }
        } else {
            for (d, &sx) in orow.chunks_exact_mut(bands).zip(&xs) {
                d.copy_from_slice(&srow[sx * bands..(sx + 1) * bands]);
            }
        }
        // Nearest copies values as they are (GDAL does the same: a nodata
        // pixel stays nodata); only the mask follows the chosen pixel.
        if let (Some(vo), Some(mrow)) = (out.valid.as_mut(), s.row_mask(r)) {
            let vrow = &mut vo[o * g.dst.width..(o + 1) * g.dst.width];
            for (v, &sx) in vrow.iter_mut().zip(&xs) {
                *v = if mrow[sx] != 0 { 255 } else { 0 };
            }
        }
    }
}
