//! What `create` does with inputs and options only GDAL can serve. Without
//! the `gdal` cargo feature they are refused with a clear "rebuild" message
//! (exit 2) rather than a parse error, so scripts get the same CLI in both
//! builds; with it they are handed to [`crate::create::input::gdal`].

use crate::create::convert::{Progress, Summary};
use crate::create::input::tms;
use crate::create::input::tms::{Scheme, Tiling};
use crate::create::options::CreateOptions;
use crate::create::options::{Flags, Interleave, ZoomLevelStrategy};
use crate::create::pipeline::resample::Method as Resampling;
use crate::source::OpenOptions;
use crate::{Error, Result};

/// The tile-matrix-set options given on the command line, by flag name.
pub fn tms_flags(a: &Flags) -> Vec<&'static str> {
    let mut v = Vec::new();
    if a.web_optimized {
        v.push("--web-optimized");
    }
    if a.tms.is_some() {
        v.push("--tms");
    }
    if a.warp_resampling.is_some() {
        v.push("--warp-resampling");
    }
    if a.zoom_level.is_some() {
        v.push("--zoom-level");
    }
    if a.zoom_level_strategy.is_some() {
        v.push("--zoom-level-strategy");
    }
    if a.aligned_levels.is_some() {
        v.push("--aligned-levels");
    }
    v
}

/// The tiling asked for, if any. Tiling options without `--web-optimized` or
/// `--tms` are a usage error, as is any of them in a build without GDAL.
pub fn tiling_of(a: &Flags) -> Result<Option<Tiling>> {
    let used = tms_flags(a);
    if used.is_empty() {
        return Ok(None);
    }
    if !cfg!(feature = "gdal") {
        return Err(Error::usage(format!("{} needs GDAL's warper: rebuild with --features gdal", used.join(", "))));
    }
    let scheme = match (&a.tms, a.web_optimized) {
        (Some(p), _) => Scheme::File(p.clone()),
        (None, true) => Scheme::WebMercator,
        (None, false) => {
            return Err(Error::usage(format!("{} needs --web-optimized or --tms FILE", used.join(", "))));
        }
    };
    let strategy = match a.zoom_level_strategy {
        None | Some(ZoomLevelStrategy::Auto) => tms::Strategy::Auto,
        Some(ZoomLevelStrategy::Lower) => tms::Strategy::Lower,
        Some(ZoomLevelStrategy::Upper) => tms::Strategy::Upper,
    };
    if a.interleave == Some(Interleave::Band) {
        return Err(Error::usage("--interleave band is not supported with a tile matrix set"));
    }
    Ok(Some(Tiling {
        scheme,
        warp_resampling: a.warp_resampling.unwrap_or(Resampling::Nearest),
        request: tms::Request {
            zoom_level: a.zoom_level,
            strategy,
            aligned_levels: a.aligned_levels,
            overview_count: None,
        },
    }))
}

/// Output checks of the plain path, then the warp (feature `gdal`).
pub fn create_tiled(
    input: &str,
    output: &str,
    o: &CreateOptions,
    t: &Tiling,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    crate::create::convert::check_local_output(output, o)?;
    #[cfg(feature = "gdal")]
    {
        crate::create::input::warp::create_tiled(input, output, o, t, progress)
    }
    #[cfg(not(feature = "gdal"))]
    {
        let _ = (input, t, progress);
        Err(Error::usage("a tile matrix set needs GDAL's warper: rebuild with --features gdal"))
    }
}

/// The first bytes are a TIFF or BigTIFF byte-order mark and version. An input
/// we cannot open or read is left to the native path, which reports why.
pub fn looks_like_tiff(path: &str) -> bool {
    let Ok(r) = crate::source::open(path, &OpenOptions::default()) else {
        // GDAL-only names (NETCDF:file:var subdatasets, /vsi paths) exist for
        // GDAL only; a plain missing file keeps the native message.
        let gdal_name = path.starts_with("/vsi")
            || (path.contains(':') && !path.contains("://") && !std::path::Path::new(path).exists());
        return !(cfg!(feature = "gdal") && gdal_name);
    };
    match r.len().and_then(|n| r.read(0, 4.min(n) as usize)) {
        Ok(b) if b.len() == 4 => is_tiff_magic(&b),
        // Empty or tiny files: the native parser's message is the clearest.
        _ => true,
    }
}

pub fn is_tiff_magic(b: &[u8]) -> bool {
    matches!(b, [b'I', b'I', 42 | 43, 0] | [b'M', b'M', 0, 42 | 43])
}

/// A non-TIFF input: through GDAL when compiled in, else a usage error.
pub fn create_from_other(input: &str, output: &str, o: &CreateOptions, progress: &mut dyn Progress) -> Result<Summary> {
    #[cfg(feature = "gdal")]
    {
        crate::create::input::gdal::create(input, output, o, progress)
    }
    #[cfg(not(feature = "gdal"))]
    {
        let _ = (input, output, o, progress);
        Err(Error::usage("not a TIFF; rebuild with --features gdal to read other formats"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn tiff_magic() {
        assert!(is_tiff_magic(b"II*\0"));
        assert!(is_tiff_magic(b"MM\0*"));
        assert!(is_tiff_magic(b"II+\0"));
        assert!(is_tiff_magic(b"MM\0+"));
        assert!(!is_tiff_magic(b"\x89PNG"));
        assert!(!is_tiff_magic(b"II*"));
    }
}
