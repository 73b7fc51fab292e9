//! Complex samples under AVERAGE, as GDAL 3.6 resamples them: its complex
//! path has footprints of its own (edges rounded to the nearest pixel
//! boundary, the last row and column reaching the image's end, no
//! fractional weights), averages the real and imaginary parts separately in
//! double precision, stores the mean as a 32-bit float (whatever the type)
//! and, like GDAL there, lets every sample in (nodata is not skipped).
//! Under NEAREST the pick is the usual one, but every level is taken from
//! full resolution (see [`super::source_level`]).

use super::{Dst, Geometry, Method, Pixel, Src};

/// Whether complex samples take this module's path under `method`.
pub(crate) fn applies(method: Method) -> bool {
    method == Method::Average
}

/// Source pixels [a, b) averaged for destination index `d` of `dst_n`
/// along an axis of `n` source pixels at scale `ratio`.
pub(crate) fn span(d: usize, ratio: f64, n: usize, dst_n: usize) -> (usize, usize) {
    let mut a = (0.5 + d as f64 * ratio) as usize;
    let mut b = (0.5 + (d + 1) as f64 * ratio) as usize;
    if b == a {
        b += 1;
    }
    if b > n || d + 1 == dst_n {
        if a >= n {
            a = n.saturating_sub(1);
        }
        b = n;
    }
    (a.min(n.saturating_sub(1)), b.min(n).max(a + 1))
}

pub(crate) fn average<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>) {
    let comps = s.bands;
    let xs: Vec<(usize, usize)> = (0..g.dst.width).map(|d| span(d, g.rx, g.src.width, g.dst.width)).collect();
    let mut sum = vec![0f64; comps];
    for dy in g.dst_y0..g.dst_y1 {
        let (ya, yb) = span(dy, g.ry, g.src.height, g.dst.height);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, &(xa, xb)) in xs.iter().enumerate() {
            sum.fill(0.0);
            let mut any = false;
            for y in ya..yb {
                let r = s.row(y);
                let row = s.row_data(r);
                any |= s.row_mask(r).is_none_or(|m| m[xa..xb].iter().any(|&v| v != 0));
                for x in xa..xb {
                    for (c, acc) in sum.iter_mut().enumerate() {
                        *acc += row[x * comps + c].to_f64();
                    }
                }
            }
            let count = ((yb - ya) * (xb - xa)) as f64;
            let o = (o_row + dx) * comps;
            for (c, acc) in sum.iter().enumerate() {
                out.data[o + c] = T::from_f64(f64::from((acc / count) as f32));
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

    #[test]
    fn footprints_round_edges_and_the_last_one_reaches_the_end() {
        // 547 -> 273 (ratio 2.0037): pixel 1 reads [2, 4), not the box
        // method's [2, 5) with a fractional weight on pixel 4.
        let r = 547.0 / 273.0;
        assert_eq!(span(1, r, 547, 273), (2, 4));
        assert_eq!(span(0, r, 547, 273), (0, 2));
        // The last destination pixel takes everything to the end.
        assert_eq!(span(272, r, 547, 273), (545, 547));
        // Footprints tile the axis without gaps or overlaps.
        let mut next = 0;
        for d in 0..273 {
            let (a, b) = span(d, r, 547, 273);
            assert_eq!(a, next);
            next = b;
        }
        assert_eq!(next, 547);
    }
}
