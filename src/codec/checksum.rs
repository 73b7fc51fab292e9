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

    fn add(&mut self, v: i32) {
        self.sum = (self.sum + (v % PRIMES[self.prime]) as i64) & 0xffff;
        self.prime = if self.prime == 10 { 0 } else { self.prime + 1 };
    }

    /// One sample (or one part of a complex sample) as GDAL's Int32.
    fn value(format: SampleFormat, b: &[u8]) -> i32 {
        let n = b.len();
        match (format, n) {
            (SampleFormat::Float | SampleFormat::ComplexFloat, 4) => {
                int_from_double(f32::from_le_bytes(b.try_into().unwrap()) as f64)
            }
            (SampleFormat::Float | SampleFormat::ComplexFloat, 8) => {
                int_from_double(f64::from_le_bytes(b.try_into().unwrap()))
            }
            (SampleFormat::Int | SampleFormat::ComplexInt, _) => {
                let mut a = [if b[n - 1] & 0x80 != 0 { 0xff } else { 0 }; 8];
                a[..n.min(8)].copy_from_slice(&b[..n.min(8)]);
                clamp_i64(i64::from_le_bytes(a))
            }
            _ => {
                let mut a = [0u8; 8];
                a[..n.min(8)].copy_from_slice(&b[..n.min(8)]);
                let v = u64::from_le_bytes(a);
                v.min(i32::MAX as u64) as i32
            }
        }
    }

    /// Feed band `band` of pixel-interleaved little-endian samples
    /// (`bands` per pixel), in row-major order.
    pub fn update(&mut self, data: &[u8], bands: usize, band: usize) {
        let sb = self.sample_bytes;
        let complex = matches!(self.format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat);
        let pixel = sb * bands;
        for px in data.chunks_exact(pixel) {
            let s = &px[band * sb..(band + 1) * sb];
            if complex {
                let h = sb / 2;
                let (re, im) = (Self::value(self.format, &s[..h]), Self::value(self.format, &s[h..]));
                self.add(re);
                self.add(im);
            } else {
                let v = Self::value(self.format, s);
                self.add(v);
            }
        }
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
