//! Masking by an alpha band, as GDAL 3.6.2 builds overviews (measured pixel
//! for pixel against `gdal_translate -of COG` 3.6.2; the rules below are
//! what its GDALRegenerateOverviewsMultiBand, GDALRasterBand::GetMaskBand
//! and GDALRescaledAlphaBand do together):
//!
//! * When band 1 has a mask (an alpha, a nodata value or an internal mask),
//!   every band is resampled with a mask: a colour band with its mask band,
//!   the alpha band with its own samples read as Byte (saturated at 255).
//! * A colour band's mask band is the alpha band only for 2 bands
//!   (gray+alpha) or 4 bands (bands 1-3 + alpha) with a Byte or UInt16
//!   alpha and neither nodata nor internal mask (GMF_ALPHA |
//!   GMF_PER_DATASET): the alpha sample for Byte, for UInt16 a * 255 / 65535
//!   with 1..256 raised to 1. Otherwise it is the nodata or internal mask,
//!   handled by the plain path.
//! * Each level is computed from the previous one, whose resampled alpha
//!   is then the mask.
//! * AVERAGE, RMS, GAUSS and MODE take a pixel whole when its mask is
//!   non-zero; the kernels weigh each tap by its mask value (0-255);
//!   NEAREST ignores masks, and so does MODE on Byte (GDAL's histogram path
//!   for Byte never looks at the mask).
//! * A footprint with nothing unmasked gives nodata, or 0 without one.

use super::{Dst, Geometry, Method, Pixel, Src, Window, run, src_rows_needed};

/// The alpha band of a pyramid and how it masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alpha {
    /// Component index of the alpha band.
    pub index: usize,
    /// The alpha is the mask of the other bands (RGBA / gray+alpha without
    /// nodata or internal mask); otherwise only the alpha band itself is
    /// masked by its samples, the others by nodata or the internal mask.
    pub masks_colour: bool,
}

/// Whether `method` uses masks at all (for `byte` samples or wider).
pub(crate) fn masks(method: Method, byte: bool) -> bool {
    match method {
        Method::Nearest => false,
        Method::Mode => !byte,
        _ => true,
    }
}

/// Resample with an alpha band (the window is all of `win`; `out` is pre-
/// filled with `fill`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_alpha<T: Pixel>(
    method: Method,
    win: &Window<T>,
    bands: usize,
    geo: &Geometry,
    nodata: Option<f64>,
    fill: T,
    out: &mut Dst<T>,
    alpha: Alpha,
) {
    let a = alpha.index;
    let byte = T::MAX <= 255.0;
    // The masks cover only the rows this call reads: the window may be
    // shared by several calls running in parallel.
    let (r0, r1) = src_rows_needed(method, geo.src, geo.dst, geo.dst_y0, geo.dst_y1);
    let r0 = r0.clamp(win.y0, win.y0 + win.rows - 1);
    let r1 = r1.clamp(r0 + 1, win.y0 + win.rows);
    let row_len = geo.src.width * bands;
    let data = &win.data[(r0 - win.y0) * row_len..(r1 - win.y0) * row_len];
    let valid = win.valid.map(|v| &v[(r0 - win.y0) * geo.src.width..(r1 - win.y0) * geo.src.width]);
    let rows = r1 - r0;
    if alpha.masks_colour && valid.is_none() {
        let colour_mask: Vec<u8> = data.chunks_exact(bands).map(|px| colour_mask_value(px[a])).collect();
        let s = Src::new(data, Some(&colour_mask), r0, rows, geo.src.width, bands, nodata);
        run(method, &s, geo, out);
        if byte {
            // The alpha's own mask is the same bytes: done.
            return;
        }
    } else {
        let s = Src::new(data, valid, r0, rows, geo.src.width, bands, nodata);
        run(method, &s, geo, out);
    }
    // The alpha band on its own, under its own samples as mask: nodata is
    // not a reason to skip one of them, but still what an empty footprint
    // gives (and what a computed value is kept off).
    let alpha_data: Vec<T> = data.chunks_exact(bands).map(|px| px[a]).collect();
    let own_mask: Vec<u8> = alpha_data.iter().map(|&v| self_mask_value(v)).collect();
    let mut s = Src::new(&alpha_data, Some(&own_mask), r0, rows, geo.src.width, 1, nodata);
    s.nodata = None;
    let n = out.data.len() / bands;
    let mut own = Dst { data: vec![fill; n], valid: None };
    run(method, &s, geo, &mut own);
    for (px, &v) in out.data.chunks_exact_mut(bands).zip(&own.data) {
        px[a] = v;
    }
}

/// A colour band's mask value for an alpha sample: Byte as it is; UInt16
/// through GDALRescaledAlphaBand (a * 255 / 65535, except that 1..256 give
/// 1 so that a faint pixel still counts).
#[inline]
fn colour_mask_value<T: Pixel>(v: T) -> u8 {
    let f = v.to_f64();
    if f.is_nan() || f <= 0.0 {
        return 0;
    }
    if T::MAX <= 255.0 {
        return f as u8;
    }
    let a = f.min(65535.0) as u32;
    if a < 257 { 1 } else { (a * 255 / 65535) as u8 }
}

/// The alpha band's own mask value: its sample read as Byte (GDAL's
/// conversion rounds and saturates; NaN gives 0).
#[inline]
fn self_mask_value<T: Pixel>(v: T) -> u8 {
    let f = v.to_f64();
    if f >= 255.0 {
        255
    } else if f >= 0.5 {
        (f + 0.5) as u8
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_values_follow_gdal_conversions() {
        assert_eq!(colour_mask_value(0u8), 0);
        assert_eq!(colour_mask_value(7u8), 7);
        assert_eq!(colour_mask_value(1u16), 1);
        assert_eq!(colour_mask_value(256u16), 1);
        assert_eq!(colour_mask_value(257u16), 1);
        assert_eq!(colour_mask_value(513u16), 1);
        assert_eq!(colour_mask_value(514u16), 2);
        assert_eq!(colour_mask_value(65535u16), 255);
        assert_eq!(self_mask_value(300u16), 255);
        assert_eq!(self_mask_value(42u16), 42);
        assert_eq!(self_mask_value(-3i16), 0);
        assert_eq!(self_mask_value(0.4f32), 0);
        assert_eq!(self_mask_value(0.6f32), 1);
        assert_eq!(self_mask_value(f32::NAN), 0);
    }

    #[test]
    fn mode_and_nearest_ignore_masks_where_gdal_does() {
        assert!(!masks(Method::Nearest, true));
        assert!(!masks(Method::Nearest, false));
        assert!(!masks(Method::Mode, true));
        assert!(masks(Method::Mode, false));
        assert!(masks(Method::Average, true));
        assert!(masks(Method::Lanczos, true));
    }
}
