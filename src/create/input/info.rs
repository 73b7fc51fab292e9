//! What `create` keeps from its input: pixel type and band layout, and the
//! tags that carry georeferencing and GDAL metadata, copied value for value.

use crate::tiff::gdal_metadata::{self, Item};
use crate::tiff::tags::*;
use crate::tiff::write::OutTag;
use crate::tiff::{Entry, FieldType, Ifd, Image, Kind, Photometric, SampleFormat, Tiff, Value};
use crate::{Error, Result};

/// The input image as `create` sees it.
#[derive(Debug, Clone)]
pub struct InputInfo {
    /// Index of the full-resolution image in `Image::all`.
    pub image: usize,
    /// Index of its internal mask, if any.
    pub mask: Option<usize>,
    /// Its mask is in INPUT.msk instead (GDAL's external mask).
    pub sidecar_mask: bool,
    pub width: u64,
    pub height: u64,
    pub bands: usize,
    /// Bytes of one decoded sample (complex types count both parts).
    pub sample_bytes: usize,
    pub sample_format: SampleFormat,
    pub photometric: Photometric,
    /// ExtraSamples values (2 = unassociated alpha, 1 = associated, 0 = unspecified).
    pub extra_samples: Vec<u16>,
    pub color_map: Option<Vec<u16>>,
    /// GeoTIFF tags as found (pixel scale, tiepoints, transformation, keys).
    pub geo_tags: Vec<OutTag>,
    /// The TIFF tags GDAL reads as TIFFTAG_* metadata or RPCs and writes
    /// back on the full-resolution IFD (see [`kept_tiff_tags`]).
    pub tiff_tags: Vec<OutTag>,
    pub metadata: Vec<Item>,
    /// GDAL_NODATA text, as found.
    pub nodata_text: Option<String>,
    /// Unsigned samples of an odd bit width (GDAL's NBITS: 1-7, 9-15,
    /// 17-31), which GDAL keeps in the COG; decoded widened to 8/16/32 bits.
    pub nbits: Option<u16>,
    /// The input's own overviews, largest first, as GDAL lists them.
    pub overviews: Vec<InputOverview>,
}

/// One of the input's own overview levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputOverview {
    /// Index of its IFD in `Image::all`.
    pub image: usize,
    /// Its mask overview, if the input has one of this size.
    pub mask: Option<usize>,
    pub width: u64,
    pub height: u64,
    /// It is in INPUT.ovr (GDAL's external overviews), not in the input.
    pub external: bool,
}

/// The reduced-resolution images GDAL takes as overviews of `main`: same
/// bands and sample type, smaller; each with the mask overview of its size.
/// Largest first: GDAL 3.6 keeps a file's order, and so writes a COG its
/// own validator rejects when the input's overviews are out of order; a
/// second overview of a size already seen is left out.
fn overviews_of(images: &[Image], main: &Image) -> Vec<InputOverview> {
    overviews_among(images, main, false)
}

/// The overviews in an INPUT.ovr file (`images`: its IFDs), for `main`.
pub fn external_overviews(images: &[Image], main: &Image) -> Vec<InputOverview> {
    overviews_among(images, main, true)
}

/// [`overviews_of`] among `images`; in an .ovr file every image IFD is
/// an overview, whatever its NewSubfileType says.
fn overviews_among(images: &[Image], main: &Image, external: bool) -> Vec<InputOverview> {
    let mut out: Vec<InputOverview> = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let overview = img.kind == Kind::Overview || (external && img.kind == Kind::Image);
        let same_kind = overview
            && img.samples == main.samples
            && img.sample_format == main.sample_format
            && img.bits_per_sample == main.bits_per_sample;
        let smaller = img.width < main.width || img.height < main.height;
        if !same_kind || !smaller || img.width == 0 || img.height == 0 {
            continue;
        }
        let mask = images.iter().position(|m| {
            matches!(m.kind, Kind::OverviewMask | Kind::Mask) && m.width == img.width && m.height == img.height
        });
        if out.iter().any(|o| (o.width, o.height) == (img.width, img.height)) {
            continue;
        }
        out.push(InputOverview { image: i, mask, width: img.width, height: img.height, external });
    }
    out.sort_by_key(|o| std::cmp::Reverse((o.width, o.height)));
    out
}

impl InputInfo {
    pub fn is_complex(&self) -> bool {
        matches!(self.sample_format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat)
    }
    pub fn is_float(&self) -> bool {
        matches!(self.sample_format, SampleFormat::Float | SampleFormat::ComplexFloat)
    }
    /// It has a mask of its own, internal or in INPUT.msk.
    pub fn has_mask(&self) -> bool {
        self.mask.is_some() || self.sidecar_mask
    }
    /// The last band is alpha (ExtraSamples says so for the band after the colour ones).
    pub fn has_alpha(&self) -> bool {
        matches!(self.extra_samples.last(), Some(1 | 2)) && self.bands >= 2
    }
    /// The first band ExtraSamples marks as alpha (1 associated, 2
    /// unassociated), wherever it is among the extra bands.
    pub fn alpha_band(&self) -> Option<usize> {
        let first_extra = self.bands.checked_sub(self.extra_samples.len())?;
        let i = self.extra_samples.iter().position(|&e| matches!(e, 1 | 2))?;
        (self.bands >= 2).then_some(first_extra + i)
    }
    /// TIFF SampleFormat code.
    pub fn sample_format_code(&self) -> u16 {
        match self.sample_format {
            SampleFormat::Uint | SampleFormat::Void => 1,
            SampleFormat::Int => 2,
            SampleFormat::Float => 3,
            SampleFormat::ComplexInt => 5,
            SampleFormat::ComplexFloat => 6,
        }
    }
}

/// An input tag as an output tag of the same type.
pub fn copy_tag(tiff: &Tiff, e: &Entry) -> Result<Option<OutTag>> {
    let Some(ft) = e.field_type else { return Ok(None) };
    let v = tiff.entry_value(e)?;
    let bytes: Vec<u8> = match (&v, ft) {
        (Value::Unsigned(x), FieldType::Byte) => x.iter().map(|&b| b as u8).collect(),
        (Value::Unsigned(x), FieldType::Short) => x.iter().flat_map(|&s| (s as u16).to_le_bytes()).collect(),
        (Value::Unsigned(x), FieldType::Long) => x.iter().flat_map(|&s| (s as u32).to_le_bytes()).collect(),
        (Value::Signed(x), FieldType::SShort) => x.iter().flat_map(|&s| (s as i16).to_le_bytes()).collect(),
        (Value::Signed(x), FieldType::SLong) => x.iter().flat_map(|&s| (s as i32).to_le_bytes()).collect(),
        (Value::Float(x), FieldType::Double) => x.iter().flat_map(|&f| f.to_le_bytes()).collect(),
        (Value::Float(x), FieldType::Float) => x.iter().flat_map(|&f| (f as f32).to_le_bytes()).collect(),
        (Value::Ascii(s), FieldType::Ascii) => return Ok(Some(OutTag::ascii(e.tag, s))),
        (Value::Bytes(b), _) => b.clone(),
        _ => return Ok(None),
    };
    Ok(Some(OutTag { tag: e.tag, field_type: ft, count: e.count, bytes }))
}

/// The tags GDAL 3.6 carries from a GeoTIFF into its COG (as TIFFTAG_*
/// metadata and RPCs): the text tags, resolution, min/max sample value and
/// the RPC coefficients, in the types GDAL writes them. Dropping them would
/// lose a satellite image's RPCs, its only georeferencing. A tag that
/// cannot be read (its data past the end of the file) is left out, as
/// libtiff ignores it with a warning: the pixels are still good.
pub fn kept_tiff_tags(tiff: &Tiff, ifd: &Ifd) -> Vec<OutTag> {
    let mut out = Vec::new();
    for tag in [DOCUMENT_NAME, IMAGE_DESCRIPTION, SOFTWARE, DATE_TIME, ARTIST, HOST_COMPUTER, COPYRIGHT] {
        if let Ok(Some(text)) = ascii_tag(tiff, ifd, tag) {
            out.push(OutTag::ascii(tag, text.trim_end_matches('\0')));
        }
    }
    let value = |tag: u16| -> Option<(FieldType, Value)> {
        let e = ifd.entry(tag)?;
        Some((e.field_type?, tiff.entry_value(e).ok()?))
    };
    for tag in [X_RESOLUTION, Y_RESOLUTION] {
        if let Some((_, v)) = value(tag)
            && let Some(&f) = v.as_f64s().first()
            && let Some(t) = resolution_tag(tag, f)
        {
            out.push(t);
        }
    }
    // One SHORT each: GDAL reads one value (a per-sample tag is
    // written once per output band, where the IFD is built).
    for tag in [RESOLUTION_UNIT, MIN_SAMPLE_VALUE, MAX_SAMPLE_VALUE] {
        if let Some((_, v)) = value(tag)
            && let Some(&x) = v.as_u64s().first()
            && x <= u16::MAX as u64
        {
            out.push(OutTag::short(tag, x as u16));
        }
    }
    if let Some((FieldType::Double, Value::Float(x))) = value(RPC_COEFFICIENT)
        && x.len() == 92
    {
        out.push(OutTag::doubles(RPC_COEFFICIENT, &x));
    }
    out
}

/// X/YResolution as GDAL writes it: libtiff takes the value as a 32-bit
/// float and stores that float's exact fraction (1/3 becomes
/// 11184811/33554432), or the nearest one with 32-bit terms. None for
/// values that are negative, not finite or from 2^32 up.
pub fn resolution_tag(tag: u16, value: f64) -> Option<OutTag> {
    let v = value as f32 as f64;
    if !v.is_finite() || !(0.0..4294967296.0).contains(&v) {
        return None;
    }
    let exact =
        (0..32).map(|k| (v * (1u64 << k) as f64, 1u64 << k)).find(|(n, _)| n.fract() == 0.0 && *n <= u32::MAX as f64);
    let (n, d) = match exact {
        Some((n, d)) => (n as u32, d as u32),
        None => nearest_fraction(v)?,
    };
    let mut bytes = n.to_le_bytes().to_vec();
    bytes.extend_from_slice(&d.to_le_bytes());
    Some(OutTag { tag, field_type: FieldType::Rational, count: 1, bytes })
}

/// The closest fraction with 32-bit terms (continued fractions).
fn nearest_fraction(x: f64) -> Option<(u32, u32)> {
    let (mut h0, mut h1, mut k0, mut k1) = (0u64, 1u64, 1u64, 0u64);
    let mut r = x;
    for _ in 0..64 {
        let a = r.floor();
        let (h2, k2) = (a as u64 * h1 + h0, a as u64 * k1 + k0);
        if h2 > u32::MAX as u64 || k2 > u32::MAX as u64 {
            break;
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        let frac = r - a;
        if frac == 0.0 {
            break;
        }
        r = 1.0 / frac;
    }
    (k1 > 0).then_some((h1 as u32, k1 as u32))
}

/// The text of an ASCII tag of `ifd`, if it has one of that type.
pub fn ascii_tag(tiff: &Tiff, ifd: &Ifd, tag: u16) -> Result<Option<String>> {
    let value = ifd.entry(tag).map(|e| tiff.entry_value(e)).transpose()?;
    Ok(value.and_then(|v| v.as_str().map(str::to_string)))
}

/// Describe the input's full-resolution image; in a file of overviews
/// only (an external `.ovr`), the first and largest, which is what GDAL
/// opens as the dataset.
pub fn describe(tiff: &Tiff, images: &[Image]) -> Result<InputInfo> {
    let idx = images
        .iter()
        .position(|i| i.kind == Kind::Image)
        .or_else(|| images.iter().position(|i| i.kind == Kind::Overview))
        .ok_or_else(|| Error::format("no image in the file (only masks)"))?;
    let img = &images[idx];
    let ifd = &tiff.ifds[idx];
    let mask = images.iter().position(|i| i.kind == Kind::Mask && i.width == img.width && i.height == img.height);
    let bits = *img.bits_per_sample.first().unwrap_or(&1);
    let sample_bytes = match bits {
        1..=8 => 1,
        9..=16 if img.sample_format != SampleFormat::Float => 2,
        9..=32 => 4,
        33..=64 => 8,
        65..=128 => 16,
        _ => return Err(Error::unsupported(format!("{} bits per sample", bits))),
    };
    if img.gdal_dtype().is_none() {
        return Err(Error::unsupported(format!(
            "{} bits of sample format {} is not a GDAL data type",
            bits,
            img.sample_format.name()
        )));
    }
    let bands = img.samples as usize;
    let photometric = img.photometric.unwrap_or(if bands >= 3 { Photometric::RGB } else { Photometric::MIN_IS_BLACK });
    // JPEG YCbCr decodes to RGB; other photometrics are kept.
    let photometric = if photometric == Photometric::YCBCR { Photometric::RGB } else { photometric };
    let extra_samples =
        ifd.value(EXTRA_SAMPLES).map(|v| v.as_u64s().into_iter().map(|x| x as u16).collect()).unwrap_or_default();
    // GDAL reads a ColorMap whatever the photometric tag says (a MINISBLACK
    // or MINISWHITE band with one is a palette band to it, and its COG says
    // PhotometricInterpretation 3), so the output keeps exactly that table.
    // Outside a palette image a ColorMap counts only on one band of at most
    // 16 bits with its 3 x 2^bits entries, the table libtiff accepts.
    let mut color_map: Option<Vec<u16>> = match ifd.entry(COLOR_MAP) {
        Some(e) if photometric == Photometric::PALETTE => {
            Some(tiff.entry_value(e)?.as_u64s().into_iter().map(|x| x as u16).collect())
        }
        Some(e)
            if bands == 1
                && bits <= 16
                && e.count == 3u64 << bits
                && matches!(photometric, Photometric::MIN_IS_WHITE | Photometric::MIN_IS_BLACK) =>
        {
            Some(tiff.entry_value(e)?.as_u64s().into_iter().map(|x| x as u16).collect())
        }
        _ => None,
    };
    let photometric = if color_map.is_some() { Photometric::PALETTE } else { photometric };
    let nbits = match (img.sample_format, bits) {
        (SampleFormat::Uint | SampleFormat::Void, 1..=7 | 9..=15 | 17..=31) => Some(bits as u16),
        _ => None,
    };
    // GDAL reads a 1-bit gray image as a black/white palette (white/black
    // for MinIsWhite) and writes it so: PhotometricInterpretation 3 and a
    // 2-entry ColorMap.
    let mut photometric = photometric;
    if bits == 1
        && bands == 1
        && color_map.is_none()
        && matches!(photometric, Photometric::MIN_IS_WHITE | Photometric::MIN_IS_BLACK)
    {
        let (a, b) = if photometric == Photometric::MIN_IS_WHITE { (65535, 0) } else { (0, 65535) };
        color_map = Some(vec![a, b, a, b, a, b]);
        photometric = Photometric::PALETTE;
    }
    let mut geo_tags = Vec::new();
    for tag in [
        MODEL_PIXEL_SCALE,
        MODEL_TIEPOINT,
        MODEL_TRANSFORMATION,
        GEO_KEY_DIRECTORY,
        GEO_DOUBLE_PARAMS,
        GEO_ASCII_PARAMS,
    ] {
        if let Some(e) = ifd.entry(tag)
            && let Some(t) = copy_tag(tiff, e)?
        {
            geo_tags.push(t);
        }
    }
    let tiff_tags = kept_tiff_tags(tiff, ifd);
    let text_of = |tag: u16| ascii_tag(tiff, ifd, tag);
    let metadata = text_of(GDAL_METADATA)?.map(|x| gdal_metadata::parse(&x)).unwrap_or_default();
    let nodata_text = text_of(GDAL_NODATA)?.map(|s| s.trim_end_matches('\0').to_string());
    Ok(InputInfo {
        image: idx,
        mask,
        sidecar_mask: false,
        width: img.width,
        height: img.height,
        bands,
        sample_bytes,
        sample_format: img.sample_format,
        photometric,
        extra_samples,
        color_map,
        geo_tags,
        tiff_tags,
        metadata,
        nodata_text,
        nbits,
        overviews: overviews_of(images, img),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(t: &OutTag) -> (u32, u32) {
        let b = &t.bytes;
        (u32::from_le_bytes(b[0..4].try_into().unwrap()), u32::from_le_bytes(b[4..8].try_into().unwrap()))
    }

    /// The pairs libtiff (GDAL 3.6.2) wrote for these values.
    #[test]
    fn resolution_is_the_exact_fraction_of_the_f32() {
        for (v, want) in [
            (300.0, (300, 1)),
            (72.5, (145, 2)),
            (1.0 / 3.0, (11184811, 33554432)),
            (0.7, (11744051, 16777216)),
            (0.3333333, (5592405, 16777216)),
            (0.0, (0, 1)),
        ] {
            assert_eq!(pair(&resolution_tag(X_RESOLUTION, v).unwrap()), want, "{}", v);
        }
        for v in [-1.0, f64::NAN, f64::INFINITY, 5e9] {
            assert!(resolution_tag(X_RESOLUTION, v).is_none(), "{}", v);
        }
        // Too small for an exact 32-bit fraction: the nearest one.
        let (n, d) = pair(&resolution_tag(X_RESOLUTION, 1e-7).unwrap());
        assert!(((n as f64 / d as f64) - 1e-7f32 as f64).abs() < 1e-15, "{}/{}", n, d);
    }
}
