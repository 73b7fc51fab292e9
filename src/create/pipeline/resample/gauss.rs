//! GAUSS: a binomial (Pascal-triangle) kernel of 3x3, 5x5 or 7x7 integer
//! weights, chosen from the vertical downsampling factor, centred on the
//! destination pixel's footprint. Kernel cells outside the image or on an
//! invalid sample are dropped and the remaining weights renormalised.

use super::{Dst, Geometry, Pixel, Src};

/// One row of each binomial kernel; the 2-D weight is the product.
const K3: [u32; 3] = [1, 2, 1];
const K5: [u32; 5] = [1, 4, 6, 4, 1];
const K7: [u32; 7] = [1, 6, 15, 20, 15, 6, 1];

/// Kernel size for a vertical ratio (GDAL uses the Y factor for both axes).
pub(crate) fn matrix_dim(ry: f64) -> usize {
    let f = (0.5 + ry) as usize;
    if f <= 2 {
        3
    } else if f <= 4 {
        5
    } else {
        7
    }
}

pub(crate) fn kernel(dim: usize) -> &'static [u32] {
    match dim {
        3 => &K3,
        5 => &K5,
        _ => &K7,
    }
}

/// Source span [a, b) read for destination index d and the offset into the
/// kernel of its first cell (non-zero when the kernel sticks out at 0).
pub(crate) fn span(d: usize, ratio: f64, n: usize, dim: usize) -> ((usize, usize), usize) {
    let a0 = (0.5 + d as f64 * ratio) as i64;
    let b0 = (0.5 + (d + 1) as f64 * ratio) as i64 + 1;
    let size = b0 - a0;
    let mut a = a0 + size / 2 - dim as i64 / 2;
    let b = (a + dim as i64).min(n as i64);
    let mut shift = 0;
    if a < 0 {
        shift = (-a) as usize;
        a = 0;
    }
    let a = (a as usize).min(n);
    ((a, (b.max(0) as usize).max(a)), shift)
}

pub(crate) fn run<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>) {
    let bands = s.bands;
    let dim = matrix_dim(g.ry);
    let k = kernel(dim);
    let xs: Vec<((usize, usize), usize)> = (0..g.dst.width).map(|d| span(d, g.rx, g.src.width, dim)).collect();
    if !s.check {
        return separable(s, g, out, k, dim, &xs);
    }
    let mut sum = vec![0f64; bands];
    let mut wsum = vec![0u64; bands];
    for dy in g.dst_y0..g.dst_y1 {
        let ((ya, yb), ysh) = span(dy, g.ry, g.src.height, dim);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, &((xa, xb), xsh)) in xs.iter().enumerate() {
            sum.fill(0.0);
            wsum.fill(0);
            let mut any_mask = false;
            for y in ya..yb {
                let wy = k[y - ya + ysh];
                let r = s.row(y);
                let row = s.row_data(r);
                let mrow = s.row_mask(r);
                for x in xa..xb {
                    if mrow.is_some_and(|m| m[x] == 0) {
                        continue;
                    }
                    any_mask = true;
                    let w = wy * k[x - xa + xsh];
                    for b in 0..bands {
                        let v = row[x * bands + b];
                        if s.check && !s.value_ok(v) {
                            continue;
                        }
                        sum[b] += v.to_f64() * w as f64;
                        wsum[b] += w as u64;
                    }
                }
            }
            let o = (o_row + dx) * bands;
            for b in 0..bands {
                if wsum[b] > 0 {
                    let v = T::from_f64(sum[b] / wsum[b] as f64);
                    out.data[o + b] = super::computed(v, s.nodata_repl);
                }
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any_mask { 255 } else { 0 };
            }
        }
    }
}

/// Nothing to skip: the binomial kernel is an outer product, so combine the
/// kernel's rows into one line first, then filter that line. Integer data
/// gives the same sums as the 2-D loop exactly.
fn separable<T: Pixel>(
    s: &Src<T>,
    g: &Geometry,
    out: &mut Dst<T>,
    k: &[u32],
    dim: usize,
    xs: &[((usize, usize), usize)],
) {
    let bands = s.bands;
    let mut line = vec![0f64; g.src.width * bands];
    for dy in g.dst_y0..g.dst_y1 {
        let ((ya, yb), ysh) = span(dy, g.ry, g.src.height, dim);
        line.fill(0.0);
        let mut wy_total = 0u64;
        for y in ya..yb {
            let wy = k[y - ya + ysh];
            wy_total += wy as u64;
            let row = s.row_data(s.row(y));
            for (l, &v) in line.iter_mut().zip(row) {
                *l += v.to_f64() * wy as f64;
            }
        }
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, &((xa, xb), xsh)) in xs.iter().enumerate() {
            let wx_total: u64 = (xa..xb).map(|x| k[x - xa + xsh] as u64).sum();
            let total = (wx_total * wy_total) as f64;
            if total == 0.0 {
                continue;
            }
            for b in 0..bands {
                let acc: f64 = (xa..xb).map(|x| line[x * bands + b] * k[x - xa + xsh] as f64).sum();
                out.data[(o_row + dx) * bands + b] = T::from_f64(acc / total);
            }
        }
    }
}
