//! GDAL_NODATA: the text, the value GDAL holds for a band, and the value
//! that samples are compared with.
//!
//! GDAL keeps nodata as a double but compares it with samples in the
//! band's own type, and real producers write more digits than a Float32
//! band can hold (`-3.39999999999999996e+38`). Every comparison in this
//! project (resampling, nodata nudging, sparse tiles, masks, alpha rules,
//! verification) must use the one value [`band_value`] gives, or a pixel
//! that is nodata on disk is taken for data.

use super::image::SampleFormat;

/// Parse GDAL_NODATA text as GDAL does: a number, or nan / inf.
pub fn parse(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('\0').trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}

/// Whether samples of this format and size (bytes of one component) are
/// stored or read by GDAL as 32-bit floats (Float16 is read as Float32).
fn is_f32(format: SampleFormat, component_bytes: usize) -> bool {
    matches!(format, SampleFormat::Float | SampleFormat::ComplexFloat) && component_bytes <= 4
}

/// The nodata value GDAL holds for a band after reading `v` from
/// GDAL_NODATA (or `-a_nodata`): on a Float32 band a value within 1e-10 of
/// ±FLT_MAX becomes ±FLT_MAX, and then the value is rounded to float, as
/// GTiff's reader does (out of range: ±inf). Other types keep `v`.
pub fn held(v: f64, format: SampleFormat, component_bytes: usize) -> f64 {
    if !is_f32(format, component_bytes) || !v.is_finite() {
        return v;
    }
    let max = f32::MAX as f64;
    let v = if (v.abs() - max).abs() < 1e-10 * max { max.copysign(v) } else { v };
    v as f32 as f64
}

/// The value samples are compared with, in the band's type: the held value
/// for floats, truncated toward zero for integers (C's cast, as GDAL's mask
/// and overview code do: nodata 1.5 on an Int16 band masks the 1s).
/// None when GDAL masks nothing by it (see [`masks`]).
pub fn band_value(v: f64, format: SampleFormat, component_bytes: usize) -> Option<f64> {
    let h = held(v, format, component_bytes);
    if !masks(h, format, component_bytes) {
        return None;
    }
    match format {
        SampleFormat::Float | SampleFormat::ComplexFloat => Some(h),
        _ => Some(h.trunc()),
    }
}

/// Whether GDAL 3.6.2 masks pixels by nodata `v` on these samples: its
/// GetMaskFlags ignores a value outside the band's working type (Byte:
/// 0..255; 16- and 32-bit integers: the 32-bit range of their signedness),
/// and so do its overviews (measured: a Byte band with nodata -10000 and
/// an alpha band is masked by the alpha). Floats, 64-bit and complex
/// samples take any value; NaN masks nothing on integers.
pub fn masks(v: f64, format: SampleFormat, bytes: usize) -> bool {
    let int = !matches!(format, SampleFormat::Float | SampleFormat::ComplexFloat);
    if int && v.is_nan() {
        return false;
    }
    match (format, bytes) {
        (SampleFormat::Uint | SampleFormat::Void, 1) => (0.0..=255.0).contains(&v),
        // GDAL 3.6 reads signed bytes as Byte, 3.7+ as Int8: allow both.
        (SampleFormat::Int, 1) => (-128.0..=255.0).contains(&v),
        (SampleFormat::Uint | SampleFormat::Void, 2 | 4) => (0.0..=u32::MAX as f64).contains(&v),
        (SampleFormat::Int, 2 | 4) => (i32::MIN as f64..=i32::MAX as f64).contains(&v),
        _ => true,
    }
}

/// GDAL_NODATA text as GDAL's GTiff writer formats a value: `nan`, `inf`,
/// `-inf`, else C's `%.18g` (`-9999`, `1.5`, `-3.39999995214436425e+38`).
pub fn text(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    format_g(v, 18)
}

/// C's `%.{precision}g` for a finite value: `precision` significant digits,
/// exponent form when the exponent is below -4 or at least the precision,
/// trailing zeros removed.
pub fn format_g(v: f64, precision: usize) -> String {
    let p = precision.max(1);
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rounding to p digits decides the exponent (9.99..e2 may become 1e3).
    let e_form = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = e_form.split_once('e').unwrap_or((&e_form, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", m, sign, exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_c() {
        assert_eq!(text(-9999.0), "-9999");
        assert_eq!(text(1.5), "1.5");
        assert_eq!(text(0.0), "0");
        assert_eq!(text(1e20), "1e+20");
        assert_eq!(text(-3.3999999521443642e38), "-3.39999995214436425e+38");
        assert_eq!(text(-(f32::MAX as f64)), "-3.4028234663852886e+38");
        assert_eq!(text(0.1f32 as f64), "0.100000001490116119");
        assert_eq!(text(1.0000000200408773e20), "1.00000002004087734e+20");
        assert_eq!(text(0.0001), "0.000100000000000000005");
        assert_eq!(text(0.00001), "1.00000000000000008e-05");
        assert_eq!(format_g(123456.0, 3), "1.23e+05");
        assert_eq!(format_g(999.6, 3), "1e+03");
    }

    #[test]
    fn float32_nodata_is_rounded_once() {
        let f = SampleFormat::Float;
        assert_eq!(band_value(parse("-3.39999999999999996e+38").unwrap(), f, 4), Some(-3.4e38f32 as f64));
        assert_eq!(band_value(-3.40282347e38, f, 4), Some(-(f32::MAX as f64)));
        assert_eq!(band_value(-1e39, f, 4), Some(f64::NEG_INFINITY));
        assert_eq!(band_value(0.1, f, 4), Some(0.1f32 as f64));
        assert_eq!(band_value(0.1, f, 8), Some(0.1));
        assert!(band_value(f64::NAN, f, 4).is_some_and(f64::is_nan));
    }

    #[test]
    fn integer_nodata_is_truncated_and_ranged() {
        assert_eq!(band_value(1.5, SampleFormat::Int, 2), Some(1.0));
        assert_eq!(band_value(-1.5, SampleFormat::Int, 2), Some(-1.0));
        assert_eq!(band_value(-10000.0, SampleFormat::Uint, 1), None);
        assert_eq!(band_value(f64::NAN, SampleFormat::Uint, 2), None);
        assert_eq!(band_value(255.0, SampleFormat::Uint, 1), Some(255.0));
    }
}
