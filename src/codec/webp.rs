//! WebP (TIFF 50001, GDAL's code) through libwebp-sys (vendored libwebp,
//! built with cc): the only maintained binding with both lossy and lossless
//! encoding. Blocks are 8-bit RGB (3 samples) or RGBA (4 samples).

use super::BlockLayout;
use crate::{Error, Result};
use libwebp_sys as w;

fn check(layout: &BlockLayout) -> Result<()> {
    if layout.bits_per_sample != 8 || !matches!(layout.samples, 3 | 4) {
        return Err(Error::unsupported(format!(
            "WebP holds 3 or 4 bands of 8 bits, not {} of {}",
            layout.samples, layout.bits_per_sample
        )));
    }
    if layout.width > 16383 || layout.height > 16383 {
        return Err(Error::unsupported(format!("a {}x{} block is too large for WebP", layout.width, layout.height)));
    }
    Ok(())
}

pub fn decode(data: &[u8], layout: &BlockLayout, expected: usize) -> Result<Vec<u8>> {
    check(layout)?;
    let (mut wd, mut ht) = (0i32, 0i32);
    // SAFETY: libwebp reads at most data.len() bytes and writes two ints.
    let ok = unsafe { w::WebPGetInfo(data.as_ptr(), data.len(), &mut wd, &mut ht) };
    if ok == 0 {
        return Err(Error::format("WebP stream is corrupt (no valid header)"));
    }
    if wd as usize != layout.width || ht as usize != layout.height {
        return Err(Error::format(format!(
            "WebP image is {}x{}, the block {}x{}",
            wd, ht, layout.width, layout.height
        )));
    }
    let mut out = vec![0u8; expected];
    let stride = (layout.width * layout.samples) as i32;
    // SAFETY: the output buffer is exactly height*stride bytes, which libwebp checks.
    let p = unsafe {
        if layout.samples == 4 {
            w::WebPDecodeRGBAInto(data.as_ptr(), data.len(), out.as_mut_ptr(), out.len(), stride)
        } else {
            w::WebPDecodeRGBInto(data.as_ptr(), data.len(), out.as_mut_ptr(), out.len(), stride)
        }
    };
    if p.is_null() {
        return Err(Error::format("WebP stream is corrupt or truncated"));
    }
    Ok(out)
}

/// Quality 1..=99 is lossy, 100 lossless (GDAL's rule for WEBP_LEVEL=100
/// with WEBP_LOSSLESS); lossless keeps RGB under transparent pixels exact.
pub fn encode(data: &[u8], layout: &BlockLayout, quality: u8) -> Result<Vec<u8>> {
    check(layout)?;
    if !(1..=100).contains(&quality) {
        return Err(Error::usage(format!("WebP quality {} is outside 1..100", quality)));
    }
    let mut config = w::WebPConfig::new().map_err(|_| Error::format("libwebp version mismatch"))?;
    if quality == 100 {
        config.lossless = 1;
        config.exact = 1;
        config.quality = 75.0; // effort, not fidelity, in lossless mode
    } else {
        config.quality = quality as f32;
    }
    let mut pic = w::WebPPicture::new().map_err(|_| Error::format("libwebp version mismatch"))?;
    pic.width = layout.width as i32;
    pic.height = layout.height as i32;
    pic.use_argb = config.lossless;
    let stride = (layout.width * layout.samples) as i32;
    // SAFETY: standard libwebp encode sequence; writer memory freed below on every path.
    unsafe {
        let mut writer = std::mem::zeroed::<w::WebPMemoryWriter>();
        w::WebPMemoryWriterInit(&mut writer);
        pic.writer = Some(w::WebPMemoryWrite);
        pic.custom_ptr = &mut writer as *mut _ as *mut std::ffi::c_void;
        let imported = if layout.samples == 4 {
            w::WebPPictureImportRGBA(&mut pic, data.as_ptr(), stride)
        } else {
            w::WebPPictureImportRGB(&mut pic, data.as_ptr(), stride)
        };
        let ok = imported != 0 && w::WebPEncode(&config, &mut pic) != 0;
        let code = pic.error_code;
        w::WebPPictureFree(&mut pic);
        let out = if ok { std::slice::from_raw_parts(writer.mem, writer.size).to_vec() } else { Vec::new() };
        w::WebPMemoryWriterClear(&mut writer);
        if !ok {
            return Err(Error::format(format!("WebP encoding failed (libwebp error {:?})", code)));
        }
        Ok(out)
    }
}
