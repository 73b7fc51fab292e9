//! Decoded block rows to output samples: widths that are not 8, 16, 32, 64
//! or 128 bits are widened to the next such size, as GDAL presents them
//! (1-bit to Byte, 12-bit to UInt16, Float16/Float24 to Float32).

use crate::tiff::SampleFormat;

/// How a stored sample becomes an output sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Stored as is (8, 16, 32, 64, 128 bits, little-endian after decode).
    Copy,
    /// A bit stream (MSB first) of `bits`-bit unsigned values, widened.
    Bits { bits: u16 },
    /// Byte-aligned little-endian integers of `bytes` bytes, widened (sign-extended if signed).
    WideInt { bytes: usize, signed: bool },
    /// IEEE half float to f32.
    Half,
    /// 24-bit float (1 sign, 7 exponent, 16 mantissa) to f32.
    Float24,
}

/// Output sample size and conversion for a stored sample.
pub fn plan(bits: u16, format: SampleFormat) -> (usize, Conversion) {
    let out = match bits {
        0..=8 => 1,
        9..=16 => 2,
        17..=32 => 4,
        33..=64 => 8,
        _ => 16,
    };
    match (bits, format) {
        (16, SampleFormat::Float) => (4, Conversion::Half),
        (8 | 16 | 32 | 64 | 128, _) => (out, Conversion::Copy),
        (24, SampleFormat::Float) => (4, Conversion::Float24),
        (b, f) if b % 8 == 0 => (out, Conversion::WideInt { bytes: b as usize / 8, signed: f == SampleFormat::Int }),
        (b, _) => (out, Conversion::Bits { bits: b }),
    }
}

/// Convert one decoded row of `n` samples into `dst` (n * out_bytes bytes).
pub fn convert_row(conv: Conversion, src: &[u8], n: usize, out_bytes: usize, dst: &mut [u8]) {
    match conv {
        Conversion::Copy => dst[..n * out_bytes].copy_from_slice(&src[..n * out_bytes]),
        Conversion::Bits { bits } if 8 % bits == 0 => {
            // 1, 2, 4 bits: several samples per byte, never straddling
            let per = 8 / bits as usize;
            let mask = (1u8 << bits) - 1;
            for (i, d) in dst[..n].iter_mut().enumerate() {
                let shift = 8 - bits as usize * (i % per + 1);
                *d = (src[i / per] >> shift) & mask;
            }
        }
        Conversion::Bits { bits } => {
            let bits = bits as usize;
            for i in 0..n {
                let mut v: u64 = 0;
                let start = i * bits;
                for b in start..start + bits {
                    let bit = (src[b / 8] >> (7 - (b % 8))) & 1;
                    v = (v << 1) | bit as u64;
                }
                dst[i * out_bytes..(i + 1) * out_bytes].copy_from_slice(&v.to_le_bytes()[..out_bytes]);
            }
        }
        Conversion::WideInt { bytes, signed } => {
            for i in 0..n {
                let s = &src[i * bytes..(i + 1) * bytes];
                let negative = signed && s[bytes - 1] & 0x80 != 0;
                let d = &mut dst[i * out_bytes..(i + 1) * out_bytes];
                d.fill(if negative { 0xff } else { 0 });
                d[..bytes].copy_from_slice(s);
            }
        }
        Conversion::Half => {
            for i in 0..n {
                let h = u16::from_le_bytes([src[2 * i], src[2 * i + 1]]);
                dst[4 * i..4 * i + 4].copy_from_slice(&half_to_f32(h).to_le_bytes());
            }
        }
        Conversion::Float24 => {
            for i in 0..n {
                let v = u32::from_le_bytes([src[3 * i], src[3 * i + 1], src[3 * i + 2], 0]);
                dst[4 * i..4 * i + 4].copy_from_slice(&f24_to_f32(v).to_le_bytes());
            }
        }
    }
}

pub fn half_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as i32;
    let man = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if man == 0 => sign,
        0 => {
            // subnormal: value = man * 2^-24
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        31 => sign | 0x7f80_0000 | (man << 13),
        e => sign | (((e - 15 + 127) as u32) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

fn f24_to_f32(v: u32) -> f32 {
    let sign = (v >> 23) & 1;
    let exp = ((v >> 16) & 0x7f) as i32;
    let man = v & 0xffff;
    let bits = match exp {
        0 if man == 0 => sign << 31,
        0 => {
            let x = man as f64 * 2f64.powi(1 - 63 - 16);
            return if sign != 0 { -x as f32 } else { x as f32 };
        }
        127 => (sign << 31) | 0x7f80_0000 | (man << 7),
        e => (sign << 31) | (((e - 63 + 127) as u32) << 23) | (man << 7),
    };
    f32::from_bits(bits)
}

/// Little-endian bytes of `value` as one output sample (for nodata fill).
pub fn sample_bytes_of(value: f64, out_bytes: usize, format: SampleFormat) -> Vec<u8> {
    match (format, out_bytes) {
        (SampleFormat::Float, 4) => (value as f32).to_le_bytes().to_vec(),
        (SampleFormat::Float, 8) => value.to_le_bytes().to_vec(),
        (SampleFormat::Int, n) => {
            let v = value.round() as i64;
            v.to_le_bytes()[..n.min(8)].to_vec()
        }
        (SampleFormat::ComplexFloat, 8) => {
            let mut b = (value as f32).to_le_bytes().to_vec();
            b.extend_from_slice(&0f32.to_le_bytes());
            b
        }
        (SampleFormat::ComplexFloat, 16) => {
            let mut b = value.to_le_bytes().to_vec();
            b.extend_from_slice(&0f64.to_le_bytes());
            b
        }
        (SampleFormat::ComplexInt, n) => {
            let half = n / 2;
            let mut b = (value.round() as i64).to_le_bytes()[..half].to_vec();
            b.resize(n, 0);
            b
        }
        (_, n) => {
            let v = value.round().max(0.0) as u64;
            let mut b = v.to_le_bytes().to_vec();
            b.resize(n, 0);
            b.truncate(n);
            b
        }
    }
}
