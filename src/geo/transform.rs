//! The affine geotransform (GDAL's order: origin x, pixel width, row
//! rotation, origin y, column rotation, pixel height), read from an IFD's
//! GeoTIFF tags and written back as the tags GDAL writes for it.

use super::keys::{GeoKey, short_key};
use crate::tiff::parse::Ifd;
use crate::tiff::tags::{MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION};
use crate::tiff::types::Value;
use crate::tiff::write::OutTag;

/// The geotransform in GDAL order: origin x, pixel width, row rotation,
/// origin y, column rotation, pixel height (negative for north-up).
pub fn geotransform(ifd: &Ifd, keys: &[GeoKey]) -> Option<[f64; 6]> {
    let point = short_key(keys, 1025) == Some(2);
    let mut gt = if let Some(m) = ifd.value(MODEL_TRANSFORMATION).map(Value::as_f64s).filter(|m| m.len() >= 16) {
        [m[3], m[0], m[1], m[7], m[4], m[5]]
    } else {
        let tp = ifd.value(MODEL_TIEPOINT).map(Value::as_f64s).filter(|t| t.len() >= 6)?;
        let sc = ifd.value(MODEL_PIXEL_SCALE).map(Value::as_f64s).filter(|s| s.len() >= 2)?;
        // A negative ScaleY would mean south-up by the GeoTIFF spec, but GDAL
        // (by default) takes it as a writer's mistake and keeps north-up;
        // follow GDAL so both report the same geotransform.
        let sy = sc[1].abs();
        [tp[3] - tp[0] * sc[0], sc[0], 0.0, tp[4] + tp[1] * sy, 0.0, -sy]
    };
    if point {
        // GDAL reports PixelIsPoint rasters by the corner of the pixel, not its centre.
        gt[0] -= 0.5 * gt[1] + 0.5 * gt[2];
        gt[3] -= 0.5 * gt[4] + 0.5 * gt[5];
    }
    Some(gt)
}

/// The GeoTIFF tags GDAL writes for a geotransform: pixel scale and one
/// tiepoint for a north-up image, else the model transformation.
pub fn geo_tags(gt: [f64; 6]) -> Vec<OutTag> {
    if gt[2] == 0.0 && gt[4] == 0.0 && gt[5] < 0.0 {
        vec![
            OutTag::doubles(MODEL_PIXEL_SCALE, &[gt[1], -gt[5], 0.0]),
            OutTag::doubles(MODEL_TIEPOINT, &[0.0, 0.0, 0.0, gt[0], gt[3], 0.0]),
        ]
    } else {
        vec![OutTag::doubles(
            MODEL_TRANSFORMATION,
            &[gt[1], gt[2], 0.0, gt[0], gt[4], gt[5], 0.0, gt[3], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        )]
    }
}
