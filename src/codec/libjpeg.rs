//! The libjpeg calls behind [`super::jpeg`]: one compression and one
//! decompression of an in-memory stream through the libjpeg API of
//! MozJPEG (`mozjpeg-sys`) set to behave as plain libjpeg-turbo, the
//! library GDAL's libtiff uses.
//!
//! libjpeg reports a fatal error by calling `error_exit`, which must not
//! return. Ours formats libjpeg's message and unwinds (the C is built with
//! `-fexceptions` for this) back to [`guarded`], which turns it into an
//! error string; warnings (a corrupt but decodable stream) are ignored, as
//! GDAL only warns about them. The unwind is `resume_unwind`, so no panic
//! message is printed, and the libjpeg objects are destroyed either way.

use mozjpeg_sys as j;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// libjpeg's JMSG_LENGTH_MAX: the longest message `format_message` writes.
const JMSG_LENGTH_MAX: usize = 200;

/// A fatal libjpeg error on its way from `error_exit` to [`guarded`].
struct Fatal(String);

unsafe extern "C-unwind" fn error_exit(cinfo: &mut j::jpeg_common_struct) {
    let mut buf = [0u8; JMSG_LENGTH_MAX + 1];
    // SAFETY: `err` is the manager made by `error_mgr`; format_message
    // writes at most JMSG_LENGTH_MAX bytes, NUL included (the binding
    // types the buffer as 80 bytes, libjpeg's is 200).
    unsafe {
        if let Some(format) = (*cinfo.err).format_message {
            let format: unsafe extern "C-unwind" fn(&mut j::jpeg_common_struct, *mut u8) = std::mem::transmute(format);
            format(cinfo, buf.as_mut_ptr());
        }
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    resume_unwind(Box::new(Fatal(String::from_utf8_lossy(&buf[..end]).into_owned())));
}

/// Warnings: dropped (libjpeg's default prints them on stderr).
unsafe extern "C-unwind" fn output_message(_: &mut j::jpeg_common_struct) {}

fn error_mgr() -> Box<j::jpeg_error_mgr> {
    // SAFETY: an all-zero error manager is what jpeg_std_error fills in.
    let mut err: Box<j::jpeg_error_mgr> = Box::new(unsafe { std::mem::zeroed() });
    unsafe { j::jpeg_std_error(&mut err) };
    err.error_exit = Some(error_exit);
    err.output_message = Some(output_message);
    err
}

/// Run libjpeg calls; a fatal libjpeg error becomes `Err(message)`.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| match p.downcast::<Fatal>() {
        Ok(fatal) => fatal.0,
        Err(_) => "libjpeg stopped unexpectedly".to_string(),
    })
}

/// What [`compress`] makes: a baseline JPEG stream, all tables included.
pub struct CompressParams {
    pub width: u32,
    pub height: u32,
    /// Components of the input pixels (1 or 3).
    pub components: i32,
    pub in_color_space: j::J_COLOR_SPACE,
    pub jpeg_color_space: j::J_COLOR_SPACE,
    /// Sampling factors of the first component (2, 2 subsamples chroma).
    pub luma_sampling: (i32, i32),
    pub quality: i32,
}

/// The output buffer libjpeg writes into, growing a Vec.
#[repr(C)]
struct VecDest {
    mgr: j::jpeg_destination_mgr,
    buf: Vec<u8>,
}

unsafe extern "C-unwind" fn init_destination(cinfo: &mut j::jpeg_compress_struct) {
    // SAFETY: `dest` points at the `mgr` of a live VecDest (first field).
    let d = unsafe { &mut *(cinfo.dest as *mut VecDest) };
    d.mgr.next_output_byte = d.buf.as_mut_ptr();
    d.mgr.free_in_buffer = d.buf.len();
}

unsafe extern "C-unwind" fn empty_output_buffer(cinfo: &mut j::jpeg_compress_struct) -> j::boolean {
    // SAFETY: as in init_destination; libjpeg calls this with the buffer full.
    let d = unsafe { &mut *(cinfo.dest as *mut VecDest) };
    let used = d.buf.len();
    d.buf.resize(used * 2, 0);
    d.mgr.next_output_byte = unsafe { d.buf.as_mut_ptr().add(used) };
    d.mgr.free_in_buffer = used;
    1
}

unsafe extern "C-unwind" fn term_destination(cinfo: &mut j::jpeg_compress_struct) {
    // SAFETY: as in init_destination.
    let d = unsafe { &mut *(cinfo.dest as *mut VecDest) };
    let used = d.buf.len() - d.mgr.free_in_buffer;
    d.buf.truncate(used);
}

/// Compress `pixels` (rows of `width * components` bytes) as libtiff does
/// for one block: libjpeg-turbo's defaults (`JCP_FASTEST`: baseline,
/// Annex K tables scaled by `jpeg_set_quality(q, FALSE)`, ISLOW DCT),
/// Huffman tables optimised for the block, no JFIF or Adobe marker.
pub fn compress(p: &CompressParams, pixels: &[u8]) -> Result<Vec<u8>, String> {
    let row = p.width as usize * p.components as usize;
    assert_eq!(pixels.len(), row * p.height as usize, "compress: pixel buffer size");
    let mut err = error_mgr();
    // SAFETY: zeroed structs are what jpeg_create_compress expects (with `err` set).
    let mut cinfo: Box<j::jpeg_compress_struct> = Box::new(unsafe { std::mem::zeroed() });
    cinfo.common.err = &mut *err;
    let mut dest = Box::new(VecDest {
        mgr: j::jpeg_destination_mgr {
            next_output_byte: std::ptr::null_mut(),
            free_in_buffer: 0,
            init_destination: Some(init_destination),
            empty_output_buffer: Some(empty_output_buffer),
            term_destination: Some(term_destination),
        },
        buf: vec![0; (pixels.len() / 4).max(4096)],
    });
    let done = guarded(|| unsafe {
        j::jpeg_create_compress(&mut *cinfo);
        // Before jpeg_set_defaults: MozJPEG's own defaults (progressive,
        // trellis, its quantisation tables) are off, libjpeg-turbo's on.
        j::jpeg_c_set_int_param(&mut cinfo, j::JINT_COMPRESS_PROFILE, j::JCP_FASTEST as i32);
        cinfo.dest = &mut dest.mgr;
        cinfo.image_width = p.width;
        cinfo.image_height = p.height;
        cinfo.input_components = p.components;
        cinfo.in_color_space = p.in_color_space;
        j::jpeg_set_defaults(&mut cinfo);
        j::jpeg_set_colorspace(&mut cinfo, p.jpeg_color_space);
        (*cinfo.comp_info).h_samp_factor = p.luma_sampling.0;
        (*cinfo.comp_info).v_samp_factor = p.luma_sampling.1;
        cinfo.write_JFIF_header = 0;
        cinfo.write_Adobe_marker = 0;
        j::jpeg_set_quality(&mut cinfo, p.quality, 0);
        cinfo.optimize_coding = 1;
        j::jpeg_start_compress(&mut cinfo, 1);
        let rows: Vec<j::JSAMPROW> = pixels.chunks_exact(row).map(|r| r.as_ptr()).collect();
        while (cinfo.next_scanline as usize) < rows.len() {
            let rest = &rows[cinfo.next_scanline as usize..];
            j::jpeg_write_scanlines(&mut cinfo, rest.as_ptr(), rest.len() as j::JDIMENSION);
        }
        j::jpeg_finish_compress(&mut cinfo);
    });
    // SAFETY: destroying a created (or still zeroed) object is always valid.
    unsafe { j::jpeg_destroy_compress(&mut cinfo) };
    done.map(|()| std::mem::take(&mut dest.buf))
}

/// The frame of a stream, read before any pixel is decoded.
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub components: usize,
}

/// Colour handling of [`decompress`], as libtiff sets it.
pub enum Output {
    /// YCbCr converted to RGB (libtiff's JPEGCOLORMODE_RGB).
    Rgb,
    /// Samples as stored (libtiff's JCS_UNKNOWN in and out).
    AsStored,
}

/// Decompress `stream` (a complete JPEG: tables, frame, scan). `check`
/// sees the frame header before anything is allocated for it and either
/// refuses it or says how to output colour. Returns the frame and its
/// pixels, `width * components` bytes per row.
pub fn decompress(
    stream: &[u8],
    check: impl FnOnce(&Frame) -> Result<Output, String>,
) -> Result<(Frame, Vec<u8>), String> {
    let mut err = error_mgr();
    // SAFETY: as in compress.
    let mut cinfo: Box<j::jpeg_decompress_struct> = Box::new(unsafe { std::mem::zeroed() });
    cinfo.common.err = &mut *err;
    let done = guarded(|| unsafe {
        j::jpeg_create_decompress(&mut *cinfo);
        j::jpeg_mem_src(&mut cinfo, stream.as_ptr(), stream.len() as _);
        j::jpeg_read_header(&mut cinfo, 1);
        let frame = Frame {
            width: cinfo.image_width as usize,
            height: cinfo.image_height as usize,
            components: cinfo.num_components as usize,
        };
        let (jpeg_cs, out_cs) = match check(&frame)? {
            Output::Rgb => (j::JCS_YCbCr, j::JCS_RGB),
            Output::AsStored => (j::JCS_UNKNOWN, j::JCS_UNKNOWN),
        };
        cinfo.jpeg_color_space = jpeg_cs;
        cinfo.out_color_space = out_cs;
        j::jpeg_start_decompress(&mut cinfo);
        let row = cinfo.output_width as usize * cinfo.output_components as usize;
        if row != frame.width * frame.components || cinfo.output_height as usize != frame.height {
            return Err("JPEG output does not match its frame".to_string());
        }
        let mut pixels = vec![0u8; row * frame.height];
        let mut rows: Vec<j::JSAMPROW_MUT> = pixels.chunks_exact_mut(row).map(|r| r.as_mut_ptr()).collect();
        while (cinfo.output_scanline as usize) < rows.len() {
            let rest = &mut rows[cinfo.output_scanline as usize..];
            if j::jpeg_read_scanlines(&mut cinfo, rest.as_mut_ptr(), rest.len() as j::JDIMENSION) == 0 {
                return Err("JPEG stream stopped before the end of the frame".to_string());
            }
        }
        j::jpeg_finish_decompress(&mut cinfo);
        Ok((frame, pixels))
    });
    // SAFETY: as in compress.
    unsafe { j::jpeg_destroy_decompress(&mut cinfo) };
    done.and_then(|r| r)
}
