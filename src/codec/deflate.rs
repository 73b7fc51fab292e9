//! DEFLATE (TIFF 8 and the old 32946): zlib streams, via libdeflater.
//! The decoded size of a block is known, so the one-shot libdeflate API is
//! both the fastest and the safest: it never writes past the buffer we give.

use crate::{Error, Result};
use libdeflater::{CompressionLvl, Compressor, DecompressionError, Decompressor};
use std::cell::RefCell;

pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; expected];
    let mut d = Decompressor::new();
    match d.zlib_decompress(data, &mut out) {
        Ok(n) if n == expected => Ok(out),
        Ok(n) => Err(Error::format(format!("deflate stream is short: {} of {} bytes", n, expected))),
        Err(DecompressionError::InsufficientSpace) => {
            Err(Error::format(format!("deflate stream expands beyond the block size of {} bytes", expected)))
        }
        Err(DecompressionError::BadData) => Err(Error::format("deflate stream is corrupt or truncated")),
    }
}

/// The libdeflate level that GDAL's `LEVEL` (libtiff's ZIPQUALITY) runs.
/// libtiff asks libdeflate for one level more than zlib's 6..9, because
/// libdeflate's level N compresses a little worse than zlib's level N
/// (its own comment: "to get results as good as zlib"). Doing the same
/// makes `--level 6` the work and the output of GDAL's `LEVEL=6`:
/// tile for tile the same bytes (tests/create/create_gdal.rs).
pub fn libdeflate_level(gdal_level: i32) -> i32 {
    if (6..=9).contains(&gdal_level) { gdal_level + 1 } else { gdal_level }
}

/// Level 1..=12 on GDAL's scale (`LEVEL`, default 6; 12 the smallest),
/// run as [`libdeflate_level`] says. Each thread keeps its compressor and
/// output buffer: allocating them per tile cost page faults on every tile
/// of `create`.
pub fn encode(data: &[u8], gdal_level: i32) -> Result<Vec<u8>> {
    let level = libdeflate_level(gdal_level);
    let lvl = CompressionLvl::new(level)
        .map_err(|_| Error::usage(format!("deflate level {} is outside 1..12", gdal_level)))?;
    thread_local! {
        static STATE: RefCell<Option<(i32, Compressor, Vec<u8>)>> = const { RefCell::new(None) };
    }
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if state.as_ref().is_none_or(|(l, _, _)| *l != level) {
            *state = Some((level, Compressor::new(lvl), Vec::new()));
        }
        let (_, c, out) = state.as_mut().expect("just set");
        let bound = c.zlib_compress_bound(data.len());
        if out.len() < bound {
            out.resize(bound, 0);
        }
        let n = c.zlib_compress(data, &mut out[..bound]).map_err(|_| Error::format("deflate compression failed"))?;
        Ok(out[..n].to_vec())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words drawn by an LCG: data where libdeflate's levels 6 and 7 differ
    /// (deeper match searches pay off on it).
    fn sample() -> Vec<u8> {
        let words = ["tile", "offset", "overview", "mask", "ghost", "leader", "trailer", "deflate", "level", "band"];
        let mut x = 12345u32;
        let mut out = Vec::new();
        while out.len() < 200_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            out.extend_from_slice(words[(x >> 16) as usize % words.len()].as_bytes());
            out.push(b' ');
        }
        out
    }

    fn libdeflate_at(data: &[u8], level: i32) -> Vec<u8> {
        let mut c = Compressor::new(CompressionLvl::new(level).unwrap());
        let mut out = vec![0; c.zlib_compress_bound(data.len())];
        let n = c.zlib_compress(data, &mut out).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn gdal_levels_run_libtiffs_libdeflate_levels() {
        let data = sample();
        assert_ne!(libdeflate_at(&data, 6), libdeflate_at(&data, 7), "the sample must tell 6 from 7");
        for (gdal, lib) in [(1, 1), (5, 5), (6, 7), (7, 8), (9, 10), (10, 10), (12, 12)] {
            assert_eq!(encode(&data, gdal).unwrap(), libdeflate_at(&data, lib), "LEVEL={}", gdal);
        }
        assert!(encode(&data, -1).is_err() && encode(&data, 13).is_err());
    }
}
