//! ZSTD (TIFF 50000, GDAL's code) via the zstd crate (bundled libzstd).

use crate::{Error, Result};

pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; expected];
    let mut d = ::zstd::bulk::Decompressor::new().map_err(|e| Error::format(format!("zstd: {}", e)))?;
    match d.decompress_to_buffer(data, &mut out[..]) {
        Ok(n) if n == expected => Ok(out),
        Ok(n) => Err(Error::format(format!("zstd stream is short: {} of {} bytes", n, expected))),
        Err(e) => {
            let m = e.to_string();
            if m.contains("too small") {
                Err(Error::format(format!("zstd stream expands beyond the block size of {} bytes", expected)))
            } else {
                Err(Error::format(format!("zstd stream is corrupt: {}", m.to_lowercase())))
            }
        }
    }
}

/// Level 1..=22 (GDAL's default ZSTD_LEVEL is 9).
pub fn encode(data: &[u8], level: i32) -> Result<Vec<u8>> {
    if !(1..=22).contains(&level) {
        return Err(Error::usage(format!("zstd level {} is outside 1..22", level)));
    }
    ::zstd::bulk::compress(data, level).map_err(|e| Error::format(format!("zstd compression failed: {}", e)))
}
