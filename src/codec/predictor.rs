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

use crate::{Error, Result};

/// Bytes in one row of `width` pixels of `samples` samples of `bits` each.
pub fn row_bytes(width: usize, samples: usize, bits: u16) -> Option<usize> {
    width.checked_mul(samples)?.checked_mul(bits as usize)?.checked_add(7).map(|b| b / 8)
}

fn check(predictor: u16, bits: u16) -> Result<()> {
    match predictor {
        1 => Ok(()),
        2 if matches!(bits, 8 | 16 | 32 | 64) => Ok(()),
        2 => Err(Error::unsupported(format!("horizontal predictor with {} bits per sample", bits))),
        3 if bits.is_multiple_of(8) && bits > 0 => Ok(()),
        3 => Err(Error::unsupported(format!("floating point predictor with {} bits per sample", bits))),
        p => Err(Error::unsupported(format!("predictor {}", p))),
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
/// float tile read and written.
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
    for (b, plane) in tmp.chunks_exact(wc).enumerate().take(bps) {
        // plane 0 holds the most significant bytes; LE puts those last
        for (px, &v) in row.chunks_exact_mut(bps).zip(plane) {
            px[bps - 1 - b] = v;
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
    tmp.clear();
    tmp.resize(row.len(), 0);
    for (b, plane) in tmp.chunks_exact_mut(wc).enumerate().take(bps) {
        for (d, px) in plane.iter_mut().zip(row.chunks_exact(bps)) {
            *d = px[bps - 1 - b];
        }
    }
    let stride = stride.min(row.len());
    row[..stride].copy_from_slice(&tmp[..stride]);
    for ((d, &cur), &prev) in row[stride..].iter_mut().zip(&tmp[stride..]).zip(&tmp[..]) {
        *d = cur.wrapping_sub(prev);
    }
}

/// Undo `predictor` in place over `data` (rows of `width` pixels).
pub fn undo(predictor: u16, data: &mut [u8], width: usize, samples: usize, bits: u16) -> Result<()> {
    run(predictor, data, width, samples, bits, true)
}

/// Apply `predictor` in place over little-endian `data`.
pub fn apply(predictor: u16, data: &mut [u8], width: usize, samples: usize, bits: u16) -> Result<()> {
    run(predictor, data, width, samples, bits, false)
}

fn run(predictor: u16, data: &mut [u8], width: usize, samples: usize, bits: u16, undo: bool) -> Result<()> {
    check(predictor, bits)?;
    if predictor == 1 || data.is_empty() {
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
            (2, u) => horizontal(row, samples, bits, u),
            (3, true) => float_undo(row, samples, bits as usize / 8, &mut tmp),
            (3, false) => float_apply(row, samples, bits as usize / 8, &mut tmp),
            _ => unreachable!(),
        }
    }
    Ok(())
}
