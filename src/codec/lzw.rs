//! LZW (TIFF 5) via weezl, in TIFF's "early change" variant, MSB first.
//! Old-style (pre-TIFF 6) LZW, LSB first without early change, is read too,
//! recognised as libtiff does by its first bytes.

use crate::{Error, Result};
use weezl::{BitOrder, LzwStatus, decode::Decoder, encode::Encoder};

pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let old_style = data.len() >= 2 && data[0] == 0 && data[1] & 0x01 != 0;
    let mut out = vec![0u8; expected];
    let mut dec =
        if old_style { Decoder::new(BitOrder::Lsb, 8) } else { Decoder::with_tiff_size_switch(BitOrder::Msb, 8) };
    let (mut inp, mut done) = (0usize, 0usize);
    loop {
        let r = dec.decode_bytes(&data[inp..], &mut out[done..]);
        inp += r.consumed_in;
        done += r.consumed_out;
        match r.status {
            Err(e) => return Err(Error::format(format!("lzw stream is corrupt: {}", e))),
            Ok(LzwStatus::Done) => break,
            Ok(LzwStatus::NoProgress) => break,
            Ok(LzwStatus::Ok) => {
                if done == expected {
                    break;
                }
                if r.consumed_in == 0 && r.consumed_out == 0 {
                    break;
                }
            }
        }
    }
    if done < expected {
        return Err(Error::format(format!("lzw stream is short: {} of {} bytes", done, expected)));
    }
    // Anything that still decodes to bytes after a full block is a bomb or garbage.
    {
        let mut probe = [0u8; 1];
        let r = dec.decode_bytes(&data[inp..], &mut probe);
        if r.consumed_out > 0 {
            return Err(Error::format(format!("lzw stream expands beyond the block size of {} bytes", expected)));
        }
    }
    Ok(out)
}

pub fn encode(data: &[u8]) -> Result<Vec<u8>> {
    Encoder::with_tiff_size_switch(BitOrder::Msb, 8)
        .encode(data)
        .map_err(|e| Error::format(format!("lzw compression failed: {}", e)))
}
