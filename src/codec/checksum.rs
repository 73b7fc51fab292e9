//! GDAL's band checksum, as `gdalinfo -checksum` prints it
//! (GDALChecksumImage in GDAL's alg/gdalchecksum.cpp): every value of the
//! band in row-major order is converted to a 32-bit integer, reduced
//! modulo a cycle of 11 primes, and summed modulo 2^16. Complex bands feed
//! real and imaginary parts in turn.
//!
//! The integer conversion is GDAL's: integers are clamped to the Int32
//! range; floats get +0.5 then floor, clamped to +-2147483647, and NaN or
//! infinity count as i32::MIN.

use crate::tiff::SampleFormat;

const PRIMES: [i32; 11] = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/// Running checksum of one band, fed row by row.
#[derive(Debug, Clone)]
pub struct Checksum {
    format: SampleFormat,
    sample_bytes: usize,
    sum: i64,
    prime: usize,
}

fn int_from_double(v: f64) -> i32 {
    if !v.is_finite() {
        return i32::MIN;
    }
    let v = v + 0.5;
    if v < -2147483647.0 {
        -2147483647
    } else if v > 2147483647.0 {
        2147483647
    } else {
        v.floor() as i32
    }
}

fn clamp_i64(v: i64) -> i32 {
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

impl Checksum {
    /// `sample_bytes` is the size of one decoded sample (both parts for complex).
    /// Note: GDAL 3.6 has no Int8 type and reads signed bytes as Byte; pass
    /// `SampleFormat::Uint` to match it.
    pub fn new(format: SampleFormat, sample_bytes: usize) -> Self {
        Checksum { format, sample_bytes, sum: 0, prime: 0 }
    }

    /// The converter of one sample (or one part of a complex sample) to GDAL's Int32.
    fn converter(format: SampleFormat, n: usize) -> fn(&[u8]) -> i32 {
        match (format, n) {
            (SampleFormat::Float | SampleFormat::ComplexFloat, 4) => {
                |b| int_from_double(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
            }
            (SampleFormat::Float | SampleFormat::ComplexFloat, 8) => {
                |b| int_from_double(f64::from_le_bytes(b[..8].try_into().unwrap()))
            }
            (SampleFormat::Int | SampleFormat::ComplexInt, 1) => |b| b[0] as i8 as i32,
            (SampleFormat::Int | SampleFormat::ComplexInt, 2) => |b| i16::from_le_bytes([b[0], b[1]]) as i32,
            (SampleFormat::Int | SampleFormat::ComplexInt, 4) => |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            (SampleFormat::Int | SampleFormat::ComplexInt, _) => {
                |b| clamp_i64(i64::from_le_bytes(b[..8].try_into().unwrap()))
            }
            (_, 1) => |b| b[0] as i32,
            (_, 2) => |b| u16::from_le_bytes([b[0], b[1]]) as i32,
            (_, 4) => |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]).min(i32::MAX as u32) as i32,
            _ => |b| u64::from_le_bytes(b[..8].try_into().unwrap()).min(i32::MAX as u64) as i32,
        }
    }

    /// Feed band `band` of pixel-interleaved little-endian samples
    /// (`bands` per pixel), in row-major order.
    pub fn update(&mut self, data: &[u8], bands: usize, band: usize) {
        let sb = self.sample_bytes;
        let complex = matches!(self.format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat);
        let part = if complex { sb / 2 } else { sb };
        let conv = Self::converter(self.format, part);
        let pixel = sb * bands;
        let (mut sum, mut prime) = (self.sum as i32, self.prime);
        let mut i = band * sb;
        while i + sb <= data.len() {
            let mut j = i;
            while j < i + sb {
                sum = sum.wrapping_add(conv(&data[j..j + part]) % PRIMES[prime]);
                prime = if prime == 10 { 0 } else { prime + 1 };
                j += part;
            }
            i += pixel;
        }
        self.sum = (sum & 0xffff) as i64;
        self.prime = prime;
    }

    pub fn value_now(&self) -> u16 {
        self.sum as u16
    }
}

/// Checksum of band `band` of a whole image given as pixel-interleaved
/// little-endian samples (what [`crate::raster::RasterReader::read_rows`] returns).
pub fn gdal_checksum(data: &[u8], bands: usize, band: usize, format: SampleFormat, sample_bytes: usize) -> u16 {
    let mut c = Checksum::new(format, sample_bytes);
    c.update(data, bands, band);
    c.value_now()
}
