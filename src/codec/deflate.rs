//! DEFLATE (TIFF 8 and the old 32946): zlib streams, via libdeflater.
//! The decoded size of a block is known, so the one-shot libdeflate API is
//! both the fastest and the safest: it never writes past the buffer we give.

use crate::{Error, Result};
use libdeflater::{CompressionLvl, Compressor, DecompressionError, Decompressor};

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
pub fn encode(data: &[u8], level: i32) -> Result<Vec<u8>> {
    let lvl =
        CompressionLvl::new(level).map_err(|_| Error::usage(format!("deflate level {} is outside 1..12", level)))?;
    let mut c = Compressor::new(lvl);
    let mut out = vec![0u8; c.zlib_compress_bound(data.len())];
    let n = c.zlib_compress(data, &mut out).map_err(|_| Error::format("deflate compression failed"))?;
    out.truncate(n);
    Ok(out)
}
