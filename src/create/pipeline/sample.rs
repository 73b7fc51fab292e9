//! The sample types the write pipeline carries: resamplable ([`Pixel`])
//! and (de)serialisable as little-endian bytes. A leaf shared by the
//! pyramid, the tile encoder, the encode queue and `--verify`.

use crate::create::pipeline::resample::Pixel;
use rayon::prelude::*;

/// A sample type the pipeline can carry: resamplable, and (de)serialisable
/// as little-endian bytes. On a little-endian machine those bytes *are* the
/// samples, so the conversions below are casts or plain copies there.
pub trait Sample: Pixel + bytemuck::Pod {
    const BYTES: usize;
    fn read_le(b: &[u8]) -> Self;
    fn write_le(self, out: &mut [u8]);
    /// Little-endian bytes seen as samples without a copy, where the
    /// machine's byte order and the buffer's alignment allow.
    fn le_slice(bytes: &[u8]) -> Option<&[Self]> {
        if cfg!(target_endian = "little") { bytemuck::try_cast_slice(bytes).ok() } else { None }
    }
    /// The samples as their little-endian bytes, in place, where the
    /// machine's byte order is little-endian.
    fn le_bytes_mut(v: &mut [Self]) -> Option<&mut [u8]> {
        if cfg!(target_endian = "little") { Some(bytemuck::cast_slice_mut(v)) } else { None }
    }
    /// Little-endian bytes of samples (Byte data is given as it is).
    fn into_le_bytes(v: Vec<Self>) -> Vec<u8> {
        if cfg!(target_endian = "little") {
            return bytemuck::cast_slice(&v).to_vec();
        }
        let mut bytes = vec![0u8; v.len() * Self::BYTES];
        for (x, o) in v.iter().zip(bytes.chunks_exact_mut(Self::BYTES)) {
            x.write_le(o);
        }
        bytes
    }
}

macro_rules! sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn read_le(b: &[u8]) -> Self { <$t>::from_le_bytes(b.try_into().unwrap()) }
            #[inline(always)]
            fn write_le(self, out: &mut [u8]) { out.copy_from_slice(&self.to_le_bytes()) }
        }
    )*};
}
sample!(i8, u16, i16, u32, i32, u64, i64, f32, f64);

impl Sample for u8 {
    const BYTES: usize = 1;
    #[inline(always)]
    fn read_le(b: &[u8]) -> Self {
        b[0]
    }
    #[inline(always)]
    fn write_le(self, out: &mut [u8]) {
        out[0] = self
    }
    fn into_le_bytes(v: Vec<u8>) -> Vec<u8> {
        v
    }
    fn le_slice(bytes: &[u8]) -> Option<&[u8]> {
        Some(bytes)
    }
}

/// Samples of little-endian `bytes` into `out`, whose allocation is reused.
pub fn from_le_into<T: Sample>(bytes: &[u8], out: &mut Vec<T>) {
    out.clear();
    out.par_extend(bytes.par_chunks_exact(T::BYTES).with_min_len(1 << 16).map(T::read_le));
}

/// Evaluate `$body` with the type `$t` standing for the Rust type of
/// samples of `$format` (a [`crate::tiff::SampleFormat`]) that are `$bytes`
/// bytes wide (complex samples: one part); `$none` when there is no such
/// type. The one place where a sample format picks a generic instance.
macro_rules! for_sample_type {
    ($format:expr, $bytes:expr, $t:ident => $body:expr, _ => $none:expr) => {{
        use $crate::tiff::SampleFormat as F;
        let kind = match $format {
            F::Float | F::ComplexFloat => 'f',
            F::Int | F::ComplexInt => 'i',
            _ => 'u',
        };
        match (kind, $bytes) {
            ('u', 1) => {
                type $t = u8;
                $body
            }
            ('i', 1) => {
                type $t = i8;
                $body
            }
            ('u', 2) => {
                type $t = u16;
                $body
            }
            ('i', 2) => {
                type $t = i16;
                $body
            }
            ('u', 4) => {
                type $t = u32;
                $body
            }
            ('i', 4) => {
                type $t = i32;
                $body
            }
            ('u', 8) => {
                type $t = u64;
                $body
            }
            ('i', 8) => {
                type $t = i64;
                $body
            }
            ('f', 4) => {
                type $t = f32;
                $body
            }
            ('f', 8) => {
                type $t = f64;
                $body
            }
            _ => $none,
        }
    }};
}
pub(crate) use for_sample_type;
