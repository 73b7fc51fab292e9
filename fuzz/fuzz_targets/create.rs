//! `create` end to end on small arbitrary TIFFs: the input bytes are written
//! to a private temp directory (create takes paths, as the CLI does), the
//! last byte picks codec, block size, resampling, sparse and mask options.
//! A success must leave exactly OUTPUT; a failure must leave no file at all
//! and a one-line error.
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::create::convert::NoProgress;
use cogtool::create::run::{Request, create};
use cogtool::create::options::{Codec, CreateOptions, OverviewMode, PredictorChoice};
use cogtool::tiff::Image;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
        let d = base.join(format!("cogtool-fuzz-create-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

fn options(b: u8) -> CreateOptions {
    let codecs = [Codec::None, Codec::Deflate, Codec::Lzw, Codec::Zstd, Codec::Packbits, Codec::Jpeg, Codec::Webp];
    let mut o = CreateOptions {
        codec: codecs[(b % 7) as usize],
        blocksize: if b & 0x08 != 0 { 16 } else { 32 },
        sparse: b & 0x10 != 0,
        add_mask: b & 0x20 != 0,
        overwrite: true,
        threads: Some(1),
        ..CreateOptions::default()
    };
    if b & 0x40 != 0 {
        o.overview_count = Some(2);
        o.overviews = if b & 0x04 != 0 { OverviewMode::IgnoreExisting } else { OverviewMode::Auto };
    }
    if b & 0x80 != 0 && o.codec.takes_predictor() {
        o.predictor = PredictorChoice::Auto;
    }
    o
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let (tiff_bytes, last) = data.split_at(data.len() - 1);
    // Only images small enough that a correct conversion is quick: the
    // fuzzer looks for crashes and wrong files, not for slow big inputs.
    let Ok(t) = common::open(tiff_bytes) else { return };
    let Ok(images) = Image::all(&t) else { return };
    if images.iter().any(|i| i.width.saturating_mul(i.height).saturating_mul(i.samples) > 1 << 18) {
        return;
    }
    let d = dir();
    let input = d.join("in.tif");
    let output = d.join("out.tif");
    std::fs::write(&input, tiff_bytes).unwrap();
    let _ = std::fs::remove_file(&output);
    let o = options(last[0]);
    let r = create(&Request::new(input.to_str().unwrap(), output.to_str().unwrap(), o), &mut NoProgress, &cogtool::Cancel::new());
    let left: Vec<_> = std::fs::read_dir(d).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    match r {
        Ok(_) => assert_eq!(left.len(), 2, "files left beside OUTPUT: {:?}", left),
        Err(e) => {
            common::one_line(&e);
            assert_eq!(left.len(), 1, "a failed create left files: {:?}", left);
        }
    }
});
