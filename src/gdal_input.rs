//! `create` from any raster GDAL opens (feature `gdal`): JPEG 2000, VRT,
//! PNG/JPEG with world files, NetCDF/HDF subdatasets, `/vsi...` paths.
//!
//! Pixels are read with GDAL in bands of full-width rows (one tile row at a
//! time, as the native reader does) and fed to the same streaming pipeline.
//!
//! Georeferencing, nodata, band descriptions, colour interpretation, palette
//! and metadata are carried over by letting GDAL itself write them: a 1x1
//! window of the input (`gdal_translate -srcwin 0 0 1 1`, which keeps the
//! origin and pixel size) is written as a tiny GeoTIFF to a temporary file,
//! and the native [`input::describe`] reads its tags. So the GeoKeys are
//! exactly the ones GDAL writes for the CRS, whatever it is, not only EPSG
//! codes.

use crate::cli::Resampling;
use crate::cog::create::{Progress, Summary, write_cog};
use crate::cog::gdal_gate::{Scheme, Tiling};
use crate::cog::input::{self, InputInfo};
use crate::cog::options::{CreateOptions, OverviewChoice};
use crate::cog::rows::RowSource;
use crate::cog::tms;
use crate::source::OpenOptions;
use crate::tiff::gdal_metadata::Item;
use crate::tiff::{Image, SampleFormat, Tiff};
use crate::{Error, Result};
use gdal::Dataset;
use gdal_sys::{GDALDataType, GDALRWFlag};
use std::ffi::{CStr, CString, c_int};
use std::sync::{Arc, Mutex};

/// GDAL's last error message, for our one-line reports.
fn last_error() -> String {
    // SAFETY: CPLGetLastErrorMsg returns a valid, NUL-terminated thread-local string.
    let m = unsafe { CStr::from_ptr(gdal_sys::CPLGetLastErrorMsg()) };
    let m = m.to_string_lossy().trim().to_string();
    if m.is_empty() { "unknown GDAL error".into() } else { m }
}

/// Sample size and TIFF sample format of a GDAL data type.
#[allow(non_upper_case_globals)]
fn dtype_info(t: GDALDataType::Type) -> Result<(usize, SampleFormat)> {
    use GDALDataType::*;
    Ok(match t {
        GDT_Byte => (1, SampleFormat::Uint),
        GDT_UInt16 => (2, SampleFormat::Uint),
        GDT_Int16 => (2, SampleFormat::Int),
        GDT_UInt32 => (4, SampleFormat::Uint),
        GDT_Int32 => (4, SampleFormat::Int),
        GDT_UInt64 => (8, SampleFormat::Uint),
        GDT_Int64 => (8, SampleFormat::Int),
        GDT_Float32 => (4, SampleFormat::Float),
        GDT_Float64 => (8, SampleFormat::Float),
        GDT_CInt16 => (4, SampleFormat::ComplexInt),
        GDT_CInt32 => (8, SampleFormat::ComplexInt),
        GDT_CFloat32 => (8, SampleFormat::ComplexFloat),
        GDT_CFloat64 => (16, SampleFormat::ComplexFloat),
        _ => return Err(Error::unsupported(format!("GDAL data type {} is not supported", t))),
    })
}

/// GDAL's per-dataset mask flag (a real mask, not alpha/nodata/all-valid).
const GMF_PER_DATASET: c_int = 0x02;

/// Rows of a GDAL dataset. GDAL datasets are not thread-safe, so every read
/// holds the lock; the pipeline reads from one thread anyway.
struct GdalRows {
    ds: Mutex<Dataset>,
    width: usize,
    bands: usize,
    sample_bytes: usize,
    dtype: GDALDataType::Type,
    /// Read the dataset's mask band (one byte per pixel) instead of the bands.
    mask: bool,
}

// SAFETY: the dataset is only touched under the mutex (Dataset is Send).
unsafe impl Sync for GdalRows {}

impl RowSource for GdalRows {
    fn sample_bytes(&self) -> usize {
        if self.mask { 1 } else { self.sample_bytes }
    }
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        let rows = (y1 - y0) as usize;
        let w = self.width;
        let ds = self.ds.lock().unwrap_or_else(|p| p.into_inner());
        let int = |v: usize| c_int::try_from(v).map_err(|_| Error::limit("row band too large for GDAL's RasterIO"));
        if self.mask {
            let mut buf = vec![0u8; w * rows];
            // SAFETY: the band handle belongs to the open dataset; the buffer holds w*rows bytes.
            let err = unsafe {
                let band = gdal_sys::GDALGetRasterBand(ds.c_dataset(), 1);
                let m = gdal_sys::GDALGetMaskBand(band);
                gdal_sys::GDALRasterIO(
                    m,
                    GDALRWFlag::GF_Read,
                    0,
                    int(y0 as usize)?,
                    int(w)?,
                    int(rows)?,
                    buf.as_mut_ptr().cast(),
                    int(w)?,
                    int(rows)?,
                    GDALDataType::GDT_Byte,
                    1,
                    int(w)?,
                )
            };
            if err != gdal_sys::CPLErr::CE_None {
                return Err(Error::io(format!("GDAL cannot read mask rows {}..{}: {}", y0, y1, last_error())));
            }
            return Ok(buf);
        }
        let px = self.bands * self.sample_bytes;
        let mut buf = vec![0u8; w * rows * px];
        // SAFETY: the buffer holds w*rows pixels of `bands` samples of
        // `sample_bytes`, laid out with the spacings passed; band map NULL = all bands.
        let err = unsafe {
            gdal_sys::GDALDatasetRasterIO(
                ds.c_dataset(),
                GDALRWFlag::GF_Read,
                0,
                int(y0 as usize)?,
                int(w)?,
                int(rows)?,
                buf.as_mut_ptr().cast(),
                int(w)?,
                int(rows)?,
                self.dtype,
                int(self.bands)?,
                std::ptr::null_mut(),
                int(px)?,
                int(w * px)?,
                int(self.sample_bytes)?,
            )
        };
        if err != gdal_sys::CPLErr::CE_None {
            return Err(Error::io(format!("GDAL cannot read rows {}..{}: {}", y0, y1, last_error())));
        }
        if cfg!(target_endian = "big") {
            // GDAL gives native order; the pipeline wants little-endian components.
            let comp = if matches!(
                self.dtype,
                GDALDataType::GDT_CInt16
                    | GDALDataType::GDT_CInt32
                    | GDALDataType::GDT_CFloat32
                    | GDALDataType::GDT_CFloat64
            ) {
                self.sample_bytes / 2
            } else {
                self.sample_bytes
            };
            buf.chunks_exact_mut(comp).for_each(|c| c.reverse());
        }
        Ok(buf)
    }
}

/// Removes the temporary description file however we leave.
struct TempPath(std::path::PathBuf);
impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let mut aux = self.0.clone().into_os_string();
        aux.push(".aux.xml");
        let _ = std::fs::remove_file(aux);
    }
}

/// GDAL writes a 1x1 GeoTIFF window of `ds`; we read its tags as any input's.
fn describe_through_gtiff(ds: &Dataset) -> Result<InputInfo> {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = TempPath(std::env::temp_dir().join(format!(
        "cogtool-describe-{}-{}.tif",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )));
    let args = ["-of", "GTiff", "-srcwin", "0", "0", "1", "1", "-co", "PROFILE=GDALGeoTIFF", "-q"];
    let cargs: Vec<CString> = args.iter().map(|a| CString::new(*a).unwrap()).collect();
    let mut argv: Vec<*mut std::ffi::c_char> = cargs.iter().map(|c| c.as_ptr() as *mut _).collect();
    argv.push(std::ptr::null_mut());
    let dest =
        CString::new(tmp.0.to_string_lossy().as_bytes()).map_err(|_| Error::io("temporary path has a NUL byte"))?;
    // SAFETY: argv is a NULL-terminated array of C strings that outlive the call;
    // the returned dataset is closed right away.
    unsafe {
        let opts = gdal_sys::GDALTranslateOptionsNew(argv.as_mut_ptr(), std::ptr::null_mut());
        if opts.is_null() {
            return Err(Error::io(format!("GDAL translate options: {}", last_error())));
        }
        let mut usage_error: c_int = 0;
        let out = gdal_sys::GDALTranslate(dest.as_ptr(), ds.c_dataset(), opts, &mut usage_error);
        gdal_sys::GDALTranslateOptionsFree(opts);
        if out.is_null() {
            return Err(Error::format(format!("GDAL cannot copy the georeferencing: {}", last_error())));
        }
        gdal_sys::GDALClose(out);
    }
    let r = crate::source::open(&tmp.0.to_string_lossy(), &OpenOptions::default())?;
    let tiff = Tiff::open(Arc::new(r))?;
    let images = Image::all(&tiff)?;
    let mut inp = input::describe(&tiff, &images)?;
    // Tags are read now; the file can go.
    inp.mask = None;
    Ok(inp)
}

/// GDAL prints errors on stderr by default; we report them in our one line.
fn quiet_errors() {
    // SAFETY: installing GDAL's own quiet handler is always valid.
    unsafe { gdal_sys::CPLSetErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
}

fn open_dataset(input_path: &str) -> Result<Dataset> {
    Dataset::open(input_path).map_err(|_| Error::format(format!("GDAL cannot open it: {}", last_error())))
}

/// Convert INPUT (anything GDAL opens) to a COG at OUTPUT.
pub fn create(input_path: &str, output: &str, o: &CreateOptions, progress: &mut dyn Progress) -> Result<Summary> {
    quiet_errors();
    let ds = Dataset::open(input_path)
        .map_err(|_| Error::format(format!("not a TIFF, and GDAL cannot open it: {}", last_error())))?;
    let reopen = || Dataset::open(input_path).map_err(|e| Error::format(format!("GDAL: {}", e)));
    create_from_dataset(ds, &reopen, output, o, progress, Vec::new())
}

/// The pipeline from an open GDAL dataset. `reopen` gives a second handle
/// for the mask reader; `extra_metadata` is appended to the dataset items.
fn create_from_dataset(
    ds: Dataset,
    reopen: &dyn Fn() -> Result<Dataset>,
    output: &str,
    o: &CreateOptions,
    progress: &mut dyn Progress,
    extra_metadata: Vec<Item>,
) -> Result<Summary> {
    let (w, h) = ds.raster_size();
    let bands = ds.raster_count();
    if bands == 0 {
        return Err(Error::format("GDAL opens it but it has no raster band (a container? name a subdataset)"));
    }
    if w == 0 || h == 0 {
        return Err(Error::format(format!("{}x{} pixels: nothing to write", w, h)));
    }
    // SAFETY: band indices 1..=bands exist.
    let types: Vec<GDALDataType::Type> = (1..=bands)
        .map(|b| unsafe { gdal_sys::GDALGetRasterDataType(gdal_sys::GDALGetRasterBand(ds.c_dataset(), b as c_int)) })
        .collect();
    if types.iter().any(|&t| t != types[0]) {
        return Err(Error::unsupported("bands of different data types (a TIFF holds one type for all bands)"));
    }
    let (sample_bytes, sample_format) = dtype_info(types[0])?;
    let mut inp = describe_through_gtiff(&ds)?;
    if inp.bands != bands || inp.sample_bytes != sample_bytes || inp.sample_format != sample_format {
        return Err(Error::format("GDAL's GeoTIFF copy of the input disagrees with the input on bands or type"));
    }
    inp.width = w as u64;
    inp.height = h as u64;
    // Dataset items go before band items, in the order given.
    for item in extra_metadata {
        inp.metadata.retain(|i| !(i.sample.is_none() && i.name == item.name && i.domain == item.domain));
        let at = inp.metadata.iter().position(|i| i.sample.is_some()).unwrap_or(inp.metadata.len());
        inp.metadata.insert(at, item);
    }
    // SAFETY: band 1 exists.
    let mask_flags = unsafe { gdal_sys::GDALGetMaskFlags(gdal_sys::GDALGetRasterBand(ds.c_dataset(), 1)) };
    let has_mask = mask_flags == GMF_PER_DATASET;
    let rows = GdalRows { ds: Mutex::new(ds), width: w, bands, sample_bytes, dtype: types[0], mask: false };
    let mask_rows = if has_mask {
        inp.mask = Some(0);
        Some(GdalRows {
            ds: Mutex::new(reopen()?),
            width: w,
            bands: 1,
            sample_bytes: 1,
            dtype: GDALDataType::GDT_Byte,
            mask: true,
        })
    } else {
        None
    };
    write_cog(output, o, progress, &inp, &rows, mask_rows.as_ref().map(|r| r as &dyn RowSource))
}

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
        Resampling::Cubicspline => "cubicspline",
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
    let (raw, name) = match &t.scheme {
        Scheme::WebMercator => (None, tms::TileMatrixSet::web_mercator_quad().id),
        Scheme::File(p) => {
            let r = read_tms_file(p)?;
            let name = if r.id.is_empty() {
                p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            } else {
                r.id.clone()
            };
            (Some(r), name)
        }
    };
    let set = match raw {
        Some(r) => {
            let crs = target_crs(&r.crs)?;
            (r.with_units(crs.meters_per_unit)?, crs)
        }
        None => {
            let w = tms::TileMatrixSet::web_mercator_quad();
            let crs = target_crs(&w.crs)?;
            (w, crs)
        }
    };
    let (set, crs) = set;
    let src = open_dataset(input_path)?;
    let suggested = suggested_output(&src, &crs.srs)?;
    let mut req = t.request;
    req.overview_count = match o.overviews {
        OverviewChoice::Count(n) => Some(n),
        _ => None,
    };
    let grid = tms::grid(&set, &suggested, crs.invert_axis, &req)?;
    // The pyramid halves each level: the TMS's own ratios must be 2 (or
    // round to the same sizes) for GDAL's overview sizes to come out.
    let mut o2 = o.clone();
    o2.blocksize = grid.tile;
    if o.overviews != OverviewChoice::None {
        o2.overviews = OverviewChoice::Count(grid.overviews.len() as u32);
        let ours = crate::cog::levels::overview_sizes(grid.width, grid.height, grid.tile, o2.overviews);
        if ours != grid.overviews {
            return Err(Error::unsupported(format!(
                "{}: overview sizes {:?} (the tile matrix set's resolution ratios) are not halvings",
                name, grid.overviews
            )));
        }
    }
    if src.raster_count() == 0 {
        return Err(Error::format("GDAL opens it but it has no raster band (a container? name a subdataset)"));
    }
    // Without nodata, the warp adds an alpha band so that the padding
    // outside the footprint is transparent, never opaque black (GDAL's ADD_ALPHA).
    // SAFETY: band 1 exists (checked above).
    let has_nodata = unsafe {
        let mut ok: c_int = 0;
        gdal_sys::GDALGetRasterNoDataValue(gdal_sys::GDALGetRasterBand(src.c_dataset(), 1), &mut ok);
        ok != 0
    };
    let method = warp_method(t.warp_resampling)?;
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

/// Read a TMS JSON file, bounded in size.
fn read_tms_file(p: &std::path::Path) -> Result<tms::RawTms> {
    let what = |e: std::io::Error| Error::io(format!("--tms {}: {}", p.display(), e));
    let len = std::fs::metadata(p).map_err(what)?.len();
    if len > tms::MAX_JSON_BYTES {
        return Err(Error::limit(format!("--tms {}: {} bytes, more than {}", p.display(), len, tms::MAX_JSON_BYTES)));
    }
    let text = std::fs::read_to_string(p).map_err(what)?;
    tms::parse_json(&text).map_err(|e| Error { kind: e.kind, message: format!("--tms {}: {}", p.display(), e.message) })
}
