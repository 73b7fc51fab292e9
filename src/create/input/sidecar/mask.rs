//! GDAL's external mask: a TIFF without an internal mask may keep its mask
//! beside it as `INPUT.msk` (what GDAL writes with
//! `GDAL_TIFF_INTERNAL_MASK=NO`, and what older GDAL wrote by default).
//! GDAL reads that file as the dataset's mask and `gdal_translate -of COG`
//! writes it into the COG as the internal mask, so `create` does the same:
//! leaving it out would silently turn masked pixels into visible ones.

use super::path::beside;
use crate::create::input::rows::RowSource;
use crate::raster::RasterReader;
use crate::tiff::gdal_metadata;
use crate::tiff::tags::GDAL_METADATA;
use crate::tiff::{Image, Kind, SampleFormat, Tiff};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An opened `.msk` file whose first image matches the input's size.
pub struct Sidecar {
    pub path: PathBuf,
    tiff: Tiff,
    image: Image,
    /// One mask per band (GDAL's flags 0, or several samples) rather than
    /// one for the dataset (flags 2).
    pub per_band: bool,
}

/// What sits beside the input.
pub enum Found {
    None,
    /// A `.msk` of another size: GDAL ignores it, and so do we (with a note).
    Ignored(String),
    Mask(Box<Sidecar>),
}

/// The names GDAL tries, in its order: `INPUT.msk`, then `INPUT.MSK`.
fn candidates(input: &Path) -> [PathBuf; 2] {
    [beside(input, ".msk"), beside(input, ".MSK")]
}

/// `e` with the mask file named, so the user knows which file is at fault.
fn named(path: &Path, e: Error) -> Error {
    Error::new(e.kind, format!("mask file {}: {}", path.display(), e.message))
}

/// Look for the mask file of a local INPUT of `width` x `height` pixels.
/// A `.msk` that is there but unreadable is an error naming it: the user
/// expects its mask in the output.
pub fn find(input: &Path, width: u64, height: u64) -> Result<Found> {
    let Some(path) = candidates(input).into_iter().find(|p| p.is_file()) else {
        return Ok(Found::None);
    };
    let named = |e: Error| named(&path, e);
    let source = crate::source::open(&path.to_string_lossy(), &Default::default()).map_err(named)?;
    let tiff = Tiff::open(Arc::new(source)).map_err(named)?;
    let images = Image::all(&tiff).map_err(named)?;
    let Some(first) = images.iter().position(|i| i.kind == Kind::Image) else {
        return Err(named(Error::format("no full-resolution image in the file")));
    };
    let image = images[first].clone();
    if (image.width, image.height) != (width, height) {
        return Ok(Found::Ignored(format!(
            "ignored mask file {}: it is {}x{}, the image {}x{} (as GDAL ignores it)",
            path.display(),
            image.width,
            image.height,
            width,
            height
        )));
    }
    let bits = image.bits_per_sample.first().copied().unwrap_or(0);
    if !matches!(bits, 1 | 8) || !matches!(image.sample_format, SampleFormat::Uint | SampleFormat::Void) {
        return Err(named(Error::unsupported(format!(
            "a mask of {}-bit {:?} samples (masks are 1-bit or Byte)",
            bits, image.sample_format
        ))));
    }
    let flags = crate::create::input::info::ascii_tag(&tiff, &tiff.ifds[first], GDAL_METADATA)
        .map_err(named)?
        .map(|x| gdal_metadata::parse(&x))
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.name == "INTERNAL_MASK_FLAGS_1" && i.sample.is_none())
        .map(|i| i.value.trim().to_string());
    let per_band = image.samples > 1 || flags.is_some_and(|f| f != "2");
    Ok(Found::Mask(Box::new(Sidecar { path, tiff, image, per_band })))
}

impl Sidecar {
    /// The mask's rows, with read errors naming the mask file.
    pub fn reader(&self) -> Result<SidecarRows<'_>> {
        let inner = RasterReader::new(&self.tiff, &self.image).map_err(|e| named(&self.path, e))?;
        Ok(SidecarRows { sidecar: self, inner })
    }
}

pub struct SidecarRows<'a> {
    sidecar: &'a Sidecar,
    inner: RasterReader<'a>,
}

impl RowSource for SidecarRows<'_> {
    fn sample_bytes(&self) -> usize {
        self.inner.sample_bytes()
    }
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        self.inner.read_rows(y0, y1).map_err(|e| named(&self.sidecar.path, e))
    }
}
