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

/// Level 1..=12 (libdeflate's scale; 6 is zlib's default, 12 the smallest).
/// Each thread keeps its compressor and output buffer: allocating them per
/// tile cost page faults on every tile of `create`.
pub fn encode(data: &[u8], level: i32) -> Result<Vec<u8>> {
    let lvl =
        CompressionLvl::new(level).map_err(|_| Error::usage(format!("deflate level {} is outside 1..12", level)))?;
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
