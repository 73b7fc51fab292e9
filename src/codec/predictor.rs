//! TIFF predictors, applied per row.
//!
//! * 2 (horizontal differencing) works on whole samples of 8, 16, 32 or 64
//!   bits, with wrapping arithmetic, stride = samples per pixel. Callers
//!   hand us little-endian samples (decode swaps before undoing it, as
//!   libtiff does).
//! * 3 (floating point, Adobe technical note 3) stores each row as byte
//!   planes, most significant byte first, then differences the bytes with
//!   stride = samples per pixel. The planes are in value order whatever the
//!   file's byte order, so no byte swapping happens around it.

use crate::tiff::Predictor;
use crate::{Error, Result};

/// Bytes in one row of `width` pixels of `samples` samples of `bits` each.
pub fn row_bytes(width: usize, samples: usize, bits: u16) -> Option<usize> {
    width.checked_mul(samples)?.checked_mul(bits as usize)?.checked_add(7).map(|b| b / 8)
}

fn check(predictor: Predictor, bits: u16) -> Result<()> {
    match predictor {
        Predictor::NONE => Ok(()),
        Predictor::HORIZONTAL if matches!(bits, 8 | 16 | 32 | 64) => Ok(()),
        Predictor::HORIZONTAL => Err(Error::unsupported(format!("horizontal predictor with {} bits per sample", bits))),
        Predictor::FLOATING_POINT if bits.is_multiple_of(8) && bits > 0 => Ok(()),
        Predictor::FLOATING_POINT => {
            Err(Error::unsupported(format!("floating point predictor with {} bits per sample", bits)))
        }
        p => Err(Error::unsupported(format!("predictor {}", p.0))),
    }
}

macro_rules! hor {
    ($t:ty, $row:expr, $stride:expr, $undo:expr) => {{
        const N: usize = std::mem::size_of::<$t>();
        let row: &mut [u8] = $row;
        let n = row.len() / N;
        let get = |r: &[u8], i: usize| <$t>::from_le_bytes(r[i * N..i * N + N].try_into().unwrap());
        if $undo {
            for i in $stride..n {
                let v = get(row, i).wrapping_add(get(row, i - $stride));
                row[i * N..i * N + N].copy_from_slice(&v.to_le_bytes());
            }
        } else {
            for i in (($stride)..n).rev() {
                let v = get(row, i).wrapping_sub(get(row, i - $stride));
                row[i * N..i * N + N].copy_from_slice(&v.to_le_bytes());
            }
        }
    }};
}

fn horizontal(row: &mut [u8], stride: usize, bits: u16, undo: bool) {
    match bits {
        8 => {
            if undo {
                for i in stride..row.len() {
                    row[i] = row[i].wrapping_add(row[i - stride]);
                }
            } else {
                for i in (stride..row.len()).rev() {
                    row[i] = row[i].wrapping_sub(row[i - stride]);
                }
            }
        }
        16 => hor!(u16, row, stride, undo),
        32 => hor!(u32, row, stride, undo),
        64 => hor!(u64, row, stride, undo),
        _ => unreachable!("checked before"),
    }
}

/// Undo predictor 3 on one row: byte accumulation, then planes (MSB first)
/// back to little-endian samples. Written as whole-slice passes (zip,
/// chunks) so the compiler drops the bounds checks: this runs on every
/// float tile read and written. The common sample sizes get their own
/// copy with the size a const parameter (`as_chunks`), which lets the byte
/// (de)interleaving be vectorised; a plain loop with the size passed as a
/// literal is not the same: 7-9% more instructions for Float32 undo and
/// Float64 apply (callgrind). Hence the generic-size loops beside them.
fn float_undo(row: &mut [u8], stride: usize, bps: usize, tmp: &mut Vec<u8>) {
    for i in stride..row.len() {
        row[i] = row[i].wrapping_add(row[i - stride]);
    }
    let wc = row.len() / bps;
    if wc == 0 {
        return;
    }
    tmp.clear();
    tmp.extend_from_slice(row);
    match bps {
        4 => unplane::<4>(row, tmp, wc),
        8 => unplane::<8>(row, tmp, wc),
        2 => unplane::<2>(row, tmp, wc),
        _ => {
            for (b, plane) in tmp.chunks_exact(wc).enumerate().take(bps) {
                // plane 0 holds the most significant bytes; LE puts those last
                for (px, &v) in row.chunks_exact_mut(bps).zip(plane) {
                    px[bps - 1 - b] = v;
                }
            }
        }
    }
}

#[inline(always)]
fn unplane<const N: usize>(row: &mut [u8], planes: &[u8], wc: usize) {
    let (pixels, _) = row.as_chunks_mut::<N>();
    for (b, plane) in planes.chunks_exact(wc).enumerate().take(N) {
        for (px, &v) in pixels.iter_mut().zip(plane) {
            px[N - 1 - b] = v;
        }
    }
}

/// Apply predictor 3 on one row: little-endian samples to byte planes (MSB
/// first) in `tmp`, then the byte differences written back into `row`.
fn float_apply(row: &mut [u8], stride: usize, bps: usize, tmp: &mut Vec<u8>) {
    let wc = row.len() / bps;
    if wc == 0 {
        return;
    }
    // Every byte of tmp is written below: no need to zero a reused buffer.
    tmp.resize(row.len(), 0);
    // The default x86-64 target stops at SSE2, which has no byte shuffle:
    // the same code built for AVX2 (checked at run time, cached) splits
    // the planes several times faster. Same bytes either way.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present, checked just above.
        return unsafe { float_apply_avx2(row, stride, bps, tmp, wc) };
    }
    float_apply_body(row, stride, bps, tmp, wc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn float_apply_avx2(row: &mut [u8], stride: usize, bps: usize, tmp: &mut [u8], wc: usize) {
    float_apply_body(row, stride, bps, tmp, wc)
}

#[inline(always)]
fn float_apply_body(row: &mut [u8], stride: usize, bps: usize, tmp: &mut [u8], wc: usize) {
    match bps {
        4 => to_planes::<4>(row, tmp, wc),
        8 => to_planes::<8>(row, tmp, wc),
        2 => to_planes::<2>(row, tmp, wc),
        _ => {
            for (b, plane) in tmp.chunks_exact_mut(wc).enumerate().take(bps) {
                for (d, px) in plane.iter_mut().zip(row.chunks_exact(bps)) {
                    *d = px[bps - 1 - b];
                }
            }
        }
    }
    let stride = stride.min(row.len());
    row[..stride].copy_from_slice(&tmp[..stride]);
    for ((d, &cur), &prev) in row[stride..].iter_mut().zip(&tmp[stride..]).zip(&tmp[..]) {
        *d = cur.wrapping_sub(prev);
    }
}

#[inline(always)]
fn to_planes<const N: usize>(row: &[u8], planes: &mut [u8], wc: usize) {
    let (pixels, _) = row.as_chunks::<N>();
    if N == 4 {
        // One pass, four byte stores per sample (the planes as four zipped
        // slices, so no bounds checks): the Float32 case, a DEM's.
        let (p0, rest) = planes.split_at_mut(wc);
        let (p1, rest) = rest.split_at_mut(wc);
        let (p2, p3) = rest.split_at_mut(wc);
        for ((((px, a), b), c), d) in pixels.iter().zip(p0).zip(p1).zip(p2).zip(p3) {
            *a = px[N - 1];
            *b = px[N - 2];
            *c = px[N - 3];
            *d = px[N - 4];
        }
        return;
    }
    for (b, plane) in planes.chunks_exact_mut(wc).enumerate().take(N) {
        for (d, px) in plane.iter_mut().zip(pixels) {
            *d = px[N - 1 - b];
        }
    }
}

/// Undo `predictor` in place over `data` (rows of `width` pixels).
pub fn undo(predictor: Predictor, data: &mut [u8], width: usize, samples: usize, bits: u16) -> Result<()> {
    run(predictor, data, width, samples, bits, true)
}

/// Apply `predictor` in place over little-endian `data`.
pub fn apply(predictor: Predictor, data: &mut [u8], width: usize, samples: usize, bits: u16) -> Result<()> {
    run(predictor, data, width, samples, bits, false)
}

fn run(predictor: Predictor, data: &mut [u8], width: usize, samples: usize, bits: u16, undo: bool) -> Result<()> {
    check(predictor, bits)?;
    if predictor == Predictor::NONE || data.is_empty() {
        return Ok(());
    }
    let rb = row_bytes(width, samples, bits).ok_or_else(|| Error::limit("block row size overflows"))?;
    if rb == 0 {
        return Ok(());
    }
    let mut tmp = Vec::new();
    // a trailing partial row (never produced by decode) is left alone
    for row in data.chunks_exact_mut(rb) {
        match (predictor, undo) {
            (Predictor::HORIZONTAL, u) => horizontal(row, samples, bits, u),
            (Predictor::FLOATING_POINT, true) => float_undo(row, samples, bits as usize / 8, &mut tmp),
            (Predictor::FLOATING_POINT, false) => float_apply(row, samples, bits as usize / 8, &mut tmp),
            _ => unreachable!(),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Predictor 3 as Adobe's note spells it out, one byte at a time.
    fn reference_apply(row: &[u8], width: usize, samples: usize, bps: usize) -> Vec<u8> {
        let n = width * samples;
        let mut planes = vec![0u8; n * bps];
        for i in 0..n {
            for b in 0..bps {
                planes[b * n + i] = row[i * bps + bps - 1 - b];
            }
        }
        let mut out = planes.clone();
        for i in samples..out.len() {
            out[i] = planes[i].wrapping_sub(planes[i - samples]);
        }
        out
    }

    #[test]
    fn float_predictor_matches_the_reference_for_every_sample_size() {
        let mut x = 7u32;
        for bps in [2usize, 3, 4, 8] {
            for (width, samples) in [(1, 1), (37, 1), (64, 3), (513, 2)] {
                let rows = 3;
                let data: Vec<u8> = (0..width * samples * bps * rows)
                    .map(|_| {
                        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        (x >> 24) as u8
                    })
                    .collect();
                let mut applied = data.clone();
                apply(Predictor::FLOATING_POINT, &mut applied, width, samples, (bps * 8) as u16).unwrap();
                let rb = width * samples * bps;
                for (r, row) in data.chunks_exact(rb).enumerate() {
                    let want = reference_apply(row, width, samples, bps);
                    assert_eq!(
                        &applied[r * rb..(r + 1) * rb],
                        &want[..],
                        "bps {} width {} samples {}",
                        bps,
                        width,
                        samples
                    );
                }
                // The build without AVX2 (what the dispatch picks on older
                // CPUs) gives the same bytes.
                let mut plain = data.clone();
                let mut tmp = vec![0u8; rb];
                for row in plain.chunks_exact_mut(rb) {
                    float_apply_body(row, samples, bps, &mut tmp, width * samples);
                }
                assert_eq!(plain, applied, "without AVX2, bps {} width {} samples {}", bps, width, samples);
                undo(Predictor::FLOATING_POINT, &mut applied, width, samples, (bps * 8) as u16).unwrap();
                assert_eq!(applied, data, "round trip, bps {} width {} samples {}", bps, width, samples);
            }
        }
    }
}
