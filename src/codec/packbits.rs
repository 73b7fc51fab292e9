//! PackBits (TIFF compression 32773), ours: it is a few lines.
//! Header byte n: 0..=127 copy the next n+1 bytes; -127..=-1 repeat the next
//! byte 1-n times; -128 is a no-op.

use crate::{Error, Result};

/// Decode into exactly `expected` bytes; more or less output is an error.
pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(expected);
    let mut i = 0;
    while i < data.len() {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let len = n as usize + 1;
            let end = i + len;
            if end > data.len() {
                return Err(Error::format("packbits stream is truncated inside a literal run"));
            }
            if out.len() + len > expected {
                return Err(Error::format("packbits stream expands beyond the block size"));
            }
            out.extend_from_slice(&data[i..end]);
            i = end;
        } else if n != -128 {
            let len = 1 - n as isize;
            let Some(&b) = data.get(i) else {
                return Err(Error::format("packbits stream is truncated inside a repeat run"));
            };
            i += 1;
            if out.len() + len as usize > expected {
                return Err(Error::format("packbits stream expands beyond the block size"));
            }
            out.resize(out.len() + len as usize, b);
        }
        if out.len() == expected {
            // what follows may only be no-ops (-128) or nothing at all
            if data[i..].iter().any(|&b| b != 0x80) {
                return Err(Error::format("packbits stream expands beyond the block size"));
            }
            break;
        }
    }
    if out.len() < expected {
        return Err(Error::format(format!("packbits stream is short: {} of {} bytes", out.len(), expected)));
    }
    Ok(out)
}

/// Encode row by row (runs never cross rows, as TIFF 6 asks).
pub fn encode(data: &[u8], row_bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 128 + 8);
    let rb = row_bytes.max(1);
    for row in data.chunks(rb) {
        encode_row(row, &mut out);
    }
    out
}

fn encode_row(row: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let n = row.len();
    while i < n {
        // length of the run of equal bytes starting at i
        let mut run = 1;
        while i + run < n && run < 128 && row[i + run] == row[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((1 - run as isize) as i8 as u8);
            out.push(row[i]);
            i += run;
            continue;
        }
        // literal: up to the next run of 3 (a run of 2 inside a literal is cheaper kept)
        let start = i;
        while i < n && i - start < 128 {
            if i + 2 < n && row[i] == row[i + 1] && row[i] == row[i + 2] {
                break;
            }
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&row[start..i]);
    }
}
