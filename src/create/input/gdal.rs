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

use crate::create::convert::{Progress, Summary, write_cog};
use crate::create::input::info::{self, InputInfo};
use crate::create::input::rows::{RowSource, Sources};
use crate::create::options::CreateOptions;
use crate::source::OpenOptions;
use crate::tiff::gdal_metadata::Item;
use crate::tiff::{Image, SampleFormat, Tiff};
use crate::{Error, Result};
use gdal::Dataset;
use gdal_sys::{GDALDataType, GDALRWFlag};
use std::ffi::{CStr, CString, c_int};
use std::sync::{Arc, Mutex};

/// GDAL's last error message, for our one-line reports.
pub(crate) fn last_error() -> String {
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
    let mut inp = info::describe(&tiff, &images)?;
    // Tags are read now; the file can go.
    inp.mask = None;
    Ok(inp)
}

/// GDAL prints errors on stderr by default; we report them in our one line.
pub(crate) fn quiet_errors() {
    // SAFETY: installing GDAL's own quiet handler is always valid.
    unsafe { gdal_sys::CPLSetErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
}

pub(crate) fn open_dataset(input_path: &str) -> Result<Dataset> {
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
pub(crate) fn create_from_dataset(
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
    let src =
        Sources { image: &rows, mask: mask_rows.as_ref().map(|r| r as &dyn RowSource), overviews: &[], stored: &[] };
    write_cog(output, o, &crate::source::OpenOptions::default(), progress, &inp, src)
}
