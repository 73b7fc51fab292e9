//! GDAL's external overviews: when an input has no overviews inside, GDAL
//! uses those of `INPUT.ovr` (or `.OVR`) beside it, a TIFF whose IFDs are
//! the reduced-resolution levels. Local inputs only, as GDAL looks for it.

use crate::create::input::info::{self, InputInfo};
use crate::tiff::{Image, Tiff};
use crate::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// When `inp` has no overviews of its own and `INPUT.ovr` exists: open it,
/// list its overviews in `inp` (marked external) and return the file and
/// its images, which the row readers of those levels borrow.
pub fn attach(input: &str, inp: &mut InputInfo, images: &[Image]) -> Result<Option<(Tiff, Vec<Image>)>> {
    if !inp.overviews.is_empty() {
        return Ok(None);
    }
    let Some(path) = [".ovr", ".OVR"].iter().map(|e| format!("{}{}", input, e)).find(|p| Path::new(p).is_file()) else {
        return Ok(None);
    };
    let named = |e: Error| Error::new(e.kind, format!("{}: {}", path, e.message));
    let reader = crate::source::open(&path, &Default::default()).map_err(named)?;
    let t = Tiff::open_lenient(Arc::new(reader)).map_err(named)?;
    let imgs = Image::all(&t).map_err(named)?;
    inp.overviews = info::external_overviews(&imgs, &images[inp.image]);
    Ok(Some((t, imgs)))
}
