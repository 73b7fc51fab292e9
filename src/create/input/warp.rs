//! `--web-optimized` / `--tms FILE` (feature `gdal`): reproject onto a tile
//! matrix set with GDAL's warper, as GDAL's COG driver does for
//! TILING_SCHEME. The geometry (zoom level, aligned extent, overviews) is
//! [`crate::create::input::tms`]'s pure arithmetic; GDAL gives the CRS facts (units,
//! axis order), the warp suggestion, and the warped pixels, as a warped VRT
//! read in bands of tile rows by [`crate::create::input::gdal`]'s row source.

use crate::create::convert::{Progress, Summary};
use crate::create::input::gdal::{create_from_dataset, last_error, open_dataset, quiet_errors};
use crate::create::input::tms;
use crate::create::input::tms::{Scheme, Tiling};
use crate::create::options::{CreateOptions, OverviewMode};
use crate::create::pipeline::resample::Method as Resampling;
use crate::tiff::gdal_metadata::Item;
use crate::{Error, Result};
use gdal::Dataset;
use std::ffi::{CStr, CString, c_int};

/// Strings as a NULL-terminated `char **` for GDAL (valid while `self` lives).
struct CStrList {
    _owned: Vec<CString>,
    ptrs: Vec<*mut std::ffi::c_char>,
}

impl CStrList {
    fn new<S: AsRef<str>>(items: &[S]) -> Result<CStrList> {
        let owned: Vec<CString> = items
            .iter()
            .map(|s| CString::new(s.as_ref()).map_err(|_| Error::usage("an argument has a NUL byte")))
            .collect::<Result<_>>()?;
        let mut ptrs: Vec<*mut std::ffi::c_char> = owned.iter().map(|c| c.as_ptr() as *mut _).collect();
        ptrs.push(std::ptr::null_mut());
        Ok(CStrList { _owned: owned, ptrs })
    }
    fn as_ptr(&mut self) -> *mut *mut std::ffi::c_char {
        self.ptrs.as_mut_ptr()
    }
}

/// An OGR spatial reference, freed on drop.
struct Srs(gdal_sys::OGRSpatialReferenceH);
impl Drop for Srs {
    fn drop(&mut self) {
        // SAFETY: created by OSRNewSpatialReference, freed once.
        unsafe { gdal_sys::OSRDestroySpatialReference(self.0) }
    }
}

/// What the tile matrix set's CRS is, as GDAL's COG driver uses it: the
/// target SRS as AUTH:CODE when it has one, metres per unit, axis order.
struct TargetCrs {
    srs: String,
    meters_per_unit: f64,
    invert_axis: bool,
}

fn target_crs(crs: &str) -> Result<TargetCrs> {
    // OSRSetFromUserInput would also read files and fetch URLs: accept only
    // CRS forms that resolve offline (AUTH:CODE, OGC URIs and URNs, WKT).
    let lower = crs.to_ascii_lowercase();
    let offline = lower.starts_with("http://www.opengis.net/def/crs/")
        || lower.starts_with("https://www.opengis.net/def/crs/")
        || lower.starts_with("urn:ogc:def:crs:")
        || crs.contains('[')
        || crs.split_once(':').is_some_and(|(a, c)| {
            !a.is_empty()
                && a.chars().all(|ch| ch.is_ascii_alphabetic())
                && !c.is_empty()
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.')
        });
    if !offline {
        return Err(Error::usage(format!("tile matrix set CRS {:?} is not an AUTH:CODE, OGC URI or WKT", crs)));
    }
    let c = CString::new(crs).map_err(|_| Error::usage("the CRS has a NUL byte"))?;
    // SAFETY: the handle is checked, then owned by Srs; strings returned by
    // OSR are copied before the handle goes.
    unsafe {
        let h = gdal_sys::OSRNewSpatialReference(std::ptr::null());
        if h.is_null() {
            return Err(Error::io("GDAL cannot create a spatial reference"));
        }
        let srs = Srs(h);
        if gdal_sys::OSRSetFromUserInput(srs.0, c.as_ptr()) != gdal_sys::OGRErr::OGRERR_NONE {
            return Err(Error::usage(format!(
                "GDAL does not know the tile matrix set CRS {:?}: {}",
                crs,
                last_error()
            )));
        }
        let meters_per_unit = if gdal_sys::OSRIsProjected(srs.0) != 0 {
            gdal_sys::OSRGetLinearUnits(srs.0, std::ptr::null_mut())
        } else if gdal_sys::OSRIsGeographic(srs.0) != 0 {
            gdal_sys::OSRGetSemiMajor(srs.0, std::ptr::null_mut()) * std::f64::consts::PI / 180.0
        } else {
            1.0
        };
        let invert_axis =
            gdal_sys::OSREPSGTreatsAsLatLong(srs.0) != 0 || gdal_sys::OSREPSGTreatsAsNorthingEasting(srs.0) != 0;
        let name = gdal_sys::OSRGetAuthorityName(srs.0, std::ptr::null());
        let code = gdal_sys::OSRGetAuthorityCode(srs.0, std::ptr::null());
        let srs_text = if !name.is_null() && !code.is_null() {
            format!("{}:{}", CStr::from_ptr(name).to_string_lossy(), CStr::from_ptr(code).to_string_lossy())
        } else {
            crs.to_string()
        };
        Ok(TargetCrs { srs: srs_text, meters_per_unit, invert_axis })
    }
}

/// GDAL block cache while warping (see `create_tiled`).
const WARP_CACHE_BYTES: i64 = 32 << 20;

/// Latitude of the edge of WebMercatorQuad's square.
const MAX_WEB_MERCATOR_LAT: f64 = 85.0511287798066;

/// For EPSG:3857, a north-up geographic input reaching beyond +/-85.05
/// degrees is clipped (as a VRT window) before GDAL suggests the output, as
/// GDAL's COG driver does: PROJ cannot project the poles, and the suggestion
/// would be much too coarse. The warp itself still reads the whole input.
fn clip_to_web_mercator(ds: &Dataset) -> Result<Option<Dataset>> {
    let mut gt = [0f64; 6];
    // SAFETY: reading the dataset's geotransform and borrowing its SRS handle.
    let geographic = unsafe {
        if gdal_sys::GDALGetGeoTransform(ds.c_dataset(), gt.as_mut_ptr()) != gdal_sys::CPLErr::CE_None {
            return Ok(None);
        }
        let srs = gdal_sys::GDALGetSpatialRef(ds.c_dataset());
        !srs.is_null() && gdal_sys::OSRIsGeographic(srs) != 0 && gdal_sys::OSRIsDerivedGeographic(srs) == 0
    };
    if !geographic || gt[2] != 0.0 || gt[4] != 0.0 || gt[5] >= 0.0 {
        return Ok(None);
    }
    let (w, h) = ds.raster_size();
    let max_lat = gt[3];
    let min_lat = gt[3] + h as f64 * gt[5];
    if max_lat <= MAX_WEB_MERCATOR_LAT && min_lat >= -MAX_WEB_MERCATOR_LAT {
        return Ok(None);
    }
    let f = |v: f64| format!("{:.17e}", v);
    let args = [
        "-of".to_string(),
        "VRT".into(),
        "-projwin".into(),
        f(gt[0]),
        f(max_lat.min(MAX_WEB_MERCATOR_LAT)),
        f(gt[0] + w as f64 * gt[1]),
        f(min_lat.max(-MAX_WEB_MERCATOR_LAT)),
    ];
    let mut argv = CStrList::new(&args)?;
    let dest = CString::new("").unwrap_or_default();
    // SAFETY: argv outlives the options; the result is owned by the Dataset.
    unsafe {
        let opts = gdal_sys::GDALTranslateOptionsNew(argv.as_ptr(), std::ptr::null_mut());
        if opts.is_null() {
            return Err(Error::format(format!("GDAL translate options: {}", last_error())));
        }
        let out = gdal_sys::GDALTranslate(dest.as_ptr(), ds.c_dataset(), opts, std::ptr::null_mut());
        gdal_sys::GDALTranslateOptionsFree(opts);
        if out.is_null() {
            return Err(Error::format(format!("GDAL cannot clip the input to +/-85 degrees: {}", last_error())));
        }
        Ok(Some(Dataset::from_c_dataset(out)))
    }
}

/// GDAL's suggestion for warping `ds` to `srs` (GDALSuggestedWarpOutput2).
fn suggested_output(ds: &Dataset, srs: &str) -> Result<tms::Suggested> {
    let clipped = if srs.eq_ignore_ascii_case("EPSG:3857") { clip_to_web_mercator(ds)? } else { None };
    let ds = clipped.as_ref().unwrap_or(ds);
    let mut opts = CStrList::new(&[format!("DST_SRS={}", srs)])?;
    let mut gt = [0f64; 6];
    let mut ext = [0f64; 4];
    let (mut nx, mut ny): (c_int, c_int) = (0, 0);
    // SAFETY: the transformer is created for this dataset, used once and freed.
    let err = unsafe {
        let t = gdal_sys::GDALCreateGenImgProjTransformer2(ds.c_dataset(), std::ptr::null_mut(), opts.as_ptr());
        if t.is_null() {
            return Err(Error::format(format!("GDAL cannot transform the input to {}: {}", srs, last_error())));
        }
        let e = gdal_sys::GDALSuggestedWarpOutput2(
            ds.c_dataset(),
            Some(gdal_sys::GDALGenImgProjTransform),
            t,
            gt.as_mut_ptr(),
            &mut nx,
            &mut ny,
            ext.as_mut_ptr(),
            0,
        );
        gdal_sys::GDALDestroyGenImgProjTransformer(t);
        e
    };
    if err != gdal_sys::CPLErr::CE_None {
        return Err(Error::format(format!("GDAL cannot find the input's extent in {}: {}", srs, last_error())));
    }
    Ok(tms::Suggested { res: gt[1], min_x: ext[0], min_y: ext[1], max_x: ext[2], max_y: ext[3] })
}

/// gdalwarp's name for a resampling method.
fn warp_method(r: Resampling) -> Result<&'static str> {
    Ok(match r {
        Resampling::Nearest => "near",
        Resampling::Bilinear => "bilinear",
        Resampling::Cubic => "cubic",
        Resampling::CubicSpline => "cubicspline",
        Resampling::Lanczos => "lanczos",
        Resampling::Average => "average",
        Resampling::Mode => "mode",
        Resampling::Rms => "rms",
        Resampling::Gauss => return Err(Error::usage("--warp-resampling gauss: GDAL's warper has no gauss")),
    })
}

/// A warped VRT of `src` on `grid` (nothing is computed until rows are read):
/// the arguments GDAL's COG driver passes to gdalwarp, with VRT output
/// instead of a temporary GeoTIFF, so pixels stream block by block.
fn warped_vrt(src: &Dataset, crs: &str, g: &tms::Grid, method: &str, add_alpha: bool) -> Result<Dataset> {
    let f = |v: f64| format!("{:.17e}", v);
    let mut args: Vec<String> = vec!["-of".into(), "VRT".into(), "-t_srs".into(), crs.into(), "-te".into()];
    args.extend([f(g.min_x), f(g.min_y), f(g.max_x), f(g.max_y)]);
    args.extend(["-ts".into(), g.width.to_string(), g.height.to_string()]);
    // Exactly square pixels when extent, size and resolution agree (GDAL's test).
    let tol = 1e-8;
    if ((g.max_x - g.min_x) / g.res - g.width as f64).abs() <= tol
        && ((g.max_y - g.min_y) / g.res - g.height as f64).abs() <= tol
    {
        args.extend(["-tr".into(), f(g.res), f(g.res)]);
    }
    if add_alpha {
        args.push("-dstalpha".into());
    }
    args.extend(["-r".into(), method.into(), "-wo".into(), "SAMPLE_GRID=YES".into(), "-q".into()]);
    let mut argv = CStrList::new(&args)?;
    let dest = CString::new("").unwrap_or_default();
    // SAFETY: argv outlives the options; the source handle array holds one
    // open dataset; the returned handle is owned by the Dataset we build.
    unsafe {
        let opts = gdal_sys::GDALWarpAppOptionsNew(argv.as_ptr(), std::ptr::null_mut());
        if opts.is_null() {
            return Err(Error::usage(format!("GDAL warp options: {}", last_error())));
        }
        let mut srcs = [src.c_dataset()];
        let mut usage_error: c_int = 0;
        let out = gdal_sys::GDALWarp(dest.as_ptr(), std::ptr::null_mut(), 1, srcs.as_mut_ptr(), opts, &mut usage_error);
        gdal_sys::GDALWarpAppOptionsFree(opts);
        if out.is_null() {
            return Err(Error::format(format!("GDAL cannot reproject the input: {}", last_error())));
        }
        Ok(Dataset::from_c_dataset(out))
    }
}

/// `--web-optimized` / `--tms FILE`: reproject INPUT onto the tile matrix
/// set with GDAL's warper and write a COG aligned with it, as
/// `gdal_translate -of COG -co TILING_SCHEME=...` does.
pub fn create_tiled(
    input_path: &str,
    output: &str,
    o: &CreateOptions,
    t: &Tiling,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    quiet_errors();
    // Each band of output rows is read once, so GDAL's block cache (5 % of
    // RAM by default) only holds source blocks shared by neighbouring bands:
    // 32 MB is plenty and keeps memory flat (GDAL_CACHEMAX still wins).
    if std::env::var_os("GDAL_CACHEMAX").is_none() {
        // SAFETY: a process-wide setting, changed before any read.
        unsafe { gdal_sys::GDALSetCacheMax64(WARP_CACHE_BYTES) };
    }
    let method = warp_method(t.warp_resampling)?;
    let (set, crs, name) = load_scheme(&t.scheme)?;
    let src = open_dataset(input_path)?;
    if src.raster_count() == 0 {
        return Err(Error::format("GDAL opens it but it has no raster band (a container? name a subdataset)"));
    }
    let suggested = suggested_output(&src, &crs.srs)?;
    let mut req = t.request;
    req.overview_count = o.overview_count;
    let grid = tms::grid(&set, &suggested, crs.invert_axis, &req)?;
    // The pyramid halves each level: the TMS's own ratios must be 2 (or
    // round to the same sizes) for GDAL's overview sizes to come out.
    let mut o2 = o.clone();
    o2.blocksize = grid.tile;
    if o.overviews != OverviewMode::None {
        o2.overview_count = Some(grid.overviews.len() as u32);
        let ours =
            crate::create::pipeline::levels::overview_sizes(grid.width, grid.height, grid.tile, o2.overview_count);
        if ours != grid.overviews {
            return Err(Error::unsupported(format!(
                "{}: overview sizes {:?} (the tile matrix set's resolution ratios) are not halvings",
                name, grid.overviews
            )));
        }
    }
    // Without nodata, the warp adds an alpha band so that the padding
    // outside the footprint is transparent, never opaque black (GDAL's ADD_ALPHA).
    // SAFETY: band 1 exists (checked above).
    let has_nodata = unsafe {
        let mut ok: c_int = 0;
        gdal_sys::GDALGetRasterNoDataValue(gdal_sys::GDALGetRasterBand(src.c_dataset(), 1), &mut ok);
        ok != 0
    };
    let warped = warped_vrt(&src, &crs.srs, &grid, method, !has_nodata)?;
    let item = |n: &str, v: String| Item {
        name: n.into(),
        value: v,
        sample: None,
        role: None,
        domain: Some("TILING_SCHEME".into()),
    };
    let mut meta = vec![item("NAME", name), item("ZOOM_LEVEL", grid.zoom.to_string())];
    if grid.aligned_levels > 0 {
        meta.push(item("ALIGNED_LEVELS", grid.aligned_levels.to_string()));
    }
    let no_reopen = || Err(Error::unsupported("a warped dataset with its own per-dataset mask"));
    create_from_dataset(warped, &no_reopen, output, &o2, progress, meta)
}

/// The tile matrix set, its CRS as GDAL knows it, and the name written in
/// TILING_SCHEME_NAME (GoogleMapsCompatible, or the file's identifier).
fn load_scheme(scheme: &Scheme) -> Result<(tms::TileMatrixSet, TargetCrs, String)> {
    match scheme {
        Scheme::WebMercator => {
            let w = tms::TileMatrixSet::web_mercator_quad();
            let crs = target_crs(&w.crs)?;
            let name = w.id.clone();
            Ok((w, crs, name))
        }
        Scheme::File(p) => {
            let r = read_tms_file(p)?;
            let name = if r.id.is_empty() {
                p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            } else {
                r.id.clone()
            };
            let crs = target_crs(&r.crs)?;
            Ok((r.with_units(crs.meters_per_unit)?, crs, name))
        }
    }
}

/// Read a TMS JSON file, bounded in size.
fn read_tms_file(p: &std::path::Path) -> Result<tms::RawTms> {
    let what = |e: std::io::Error| Error::io(format!("--tms {}: {}", p.display(), e));
    let len = std::fs::metadata(p).map_err(what)?.len();
    if len > tms::MAX_JSON_BYTES {
        return Err(Error::limit(format!("--tms {}: {} bytes, more than {}", p.display(), len, tms::MAX_JSON_BYTES)));
    }
    let text = std::fs::read_to_string(p).map_err(what)?;
    tms::parse_json(&text).map_err(|e| Error { message: format!("--tms {}: {}", p.display(), e.message), ..e })
}
