//! `cogtool create` without GDAL: inputs are written at test time, outputs
//! are checked with our own parser (layout, leaders/trailers, tile order)
//! and our own decoder (full-resolution pixels equal the input).

use crate::common;
use crate::create_support;

use cogtool::tiff::Kind;
use cogtool::tiff::write::OutTag;
use common::{cogtool, stderr};
use create_support::*;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-create-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> std::process::Output {
    cogtool(args)
}

fn create_ok(input: &Path, output: &Path, extra: &[&str]) {
    let mut a = vec!["create", input.to_str().unwrap(), output.to_str().unwrap(), "--overwrite"];
    a.extend_from_slice(extra);
    let o = run(&a);
    assert!(o.status.success(), "create {:?} failed: {}", extra, stderr(&o));
}

#[test]
fn matrix_types_bands_codecs_sizes() {
    let dir = tmp("matrix");
    let codecs = ["none", "deflate", "lzw", "zstd", "packbits"];
    let mut n = 0;
    for (di, &(name, bytes, fmt)) in DTYPES.iter().enumerate() {
        for (bi, &bands) in [1usize, 3, 4, 5].iter().enumerate() {
            // Every codec for every type and band count would be 200 runs;
            // rotate codecs and sizes so each pair still appears.
            let codec = codecs[(di + bi) % codecs.len()];
            let (w, h) = [(1, 1), (100, 80), (513, 513), (100, 80)][(di + 2 * bi) % 4];
            let input = dir.join(format!("in_{}_{}.tif", name, bands));
            let data = pixels(w, h, bands, bytes, fmt);
            write_tiff(&input, w, h, bands, bytes, fmt, &data, vec![]);
            let out = dir.join(format!("out_{}_{}_{}.tif", name, bands, codec));
            let mut extra = vec!["--compress", codec, "--resampling", "average"];
            if codec == "deflate" || codec == "zstd" || codec == "lzw" {
                extra.extend_from_slice(&["--predictor", "auto"]);
            }
            create_ok(&input, &out, &extra);
            let imgs = check_cog_structure(&out);
            assert_eq!((imgs[0].width, imgs[0].height), (w as u64, h as u64));
            assert_eq!(imgs[0].samples, bands as u64);
            assert_eq!(read_all(&out), data, "pixels of {} {} bands {}", name, bands, codec);
            n += 1;
        }
    }
    assert_eq!(n, 40);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn large_odd_size_has_gdal_pyramid() {
    let dir = tmp("large");
    let (w, h) = (1500, 1100);
    let data = pixels(w, h, 3, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--compress", "deflate", "--resampling", "nearest"]);
    let imgs = check_cog_structure(&out);
    let sizes: Vec<(u64, u64, u64)> = imgs.iter().map(|i| (i.width, i.height, i.block_width)).collect();
    assert_eq!(sizes, vec![(1500, 1100, 512), (750, 550, 512), (375, 275, 512)]);
    assert_eq!(read_all(&out), data);
    // NEAREST overview pixel (x, y) is source pixel (2x, 2y) for a ratio of exactly 2.
    let t = open(&out);
    let r = cogtool::raster::RasterReader::new(&t, &imgs[1]).unwrap();
    let ovr = r.read_rows(0, 550).unwrap();
    for &(x, y) in &[(0usize, 0usize), (10, 7), (749, 549), (300, 200)] {
        for b in 0..3 {
            assert_eq!(ovr[(y * 750 + x) * 3 + b], data[((2 * y) * w + 2 * x) * 3 + b]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdout_output_is_the_same_file() {
    let dir = tmp("stdout");
    let data = pixels(600, 300, 1, 2, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 600, 300, 1, 2, 1, &data, vec![]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--compress", "zstd"]);
    let o = run(&["create", input.to_str().unwrap(), "-", "--compress", "zstd"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, std::fs::read(&out).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nodata_mask_sparse_and_metadata() {
    let dir = tmp("nodata");
    let (w, h) = (700, 600);
    let mut data = pixels(w, h, 1, 4, 3);
    // The left 520 columns are NaN: whole tiles of nothing.
    for y in 0..h {
        for x in 0..520 {
            data[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        }
    }
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 1, 4, 3, &data, vec![OutTag::ascii(42113, "nan")]);
    let out = dir.join("out.tif");
    create_ok(
        &input,
        &out,
        &[
            "--compress",
            "deflate",
            "--add-mask",
            "--sparse",
            "--description",
            "1=height",
            "--tag",
            "SOURCE=test",
            "--resampling",
            "average",
        ],
    );
    let imgs = check_cog_structure(&out);
    let kinds: Vec<Kind> = imgs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, vec![Kind::Image, Kind::Mask, Kind::Overview, Kind::OverviewMask]);
    let t = open(&out);
    // Tile 0 (all NaN) is sparse in the image and in the mask.
    assert_eq!(imgs[0].block(&t, 0).unwrap(), (0, 0));
    assert_eq!(imgs[1].block(&t, 0).unwrap(), (0, 0));
    assert_ne!(imgs[0].block(&t, 1).unwrap().1, 0);
    assert_eq!(t.ifds[0].str_of(42113), Some("nan"));
    assert_eq!(t.ifds[2].str_of(42113), Some("nan"), "overviews carry GDAL_NODATA too");
    let md = t.ifds[0].str_of(42112).unwrap();
    assert!(md.contains("<Item name=\"SOURCE\">test</Item>"), "{}", md);
    assert!(md.contains("<Item name=\"DESCRIPTION\" sample=\"0\" role=\"description\">height</Item>"), "{}", md);
    let back = read_all(&out);
    assert_eq!(back.len(), data.len());
    // NaN == NaN bitwise, since sparse tiles read back as the nodata value.
    for (a, b) in back.chunks_exact(4).zip(data.chunks_exact(4)) {
        let (a, b) = (f32::from_le_bytes(a.try_into().unwrap()), f32::from_le_bytes(b.try_into().unwrap()));
        assert!(a == b || (a.is_nan() && b.is_nan()));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--sparse` omits a partial edge tile whose pixels are all nodata, as
/// GDAL's SPARSE_OK does, although its padding holds zeros.
#[test]
fn sparse_omits_all_nodata_edge_tiles() {
    let dir = tmp("sparse_edges");
    let (w, h) = (600, 600);
    let mut data = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            let v: f32 = if x < 100 && y < 100 { (x + y) as f32 } else { -9999.0 };
            data.extend_from_slice(&v.to_le_bytes());
        }
    }
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 1, 4, 3, &data, vec![OutTag::ascii(42113, "-9999")]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--compress", "deflate", "--sparse", "--overviews", "none"]);
    let imgs = check_cog_structure(&out);
    let t = open(&out);
    assert_ne!(imgs[0].block(&t, 0).unwrap().1, 0, "the tile with data is written");
    for i in 1..4 {
        assert_eq!(imgs[0].block(&t, i).unwrap(), (0, 0), "edge tile {} holds only nodata", i);
    }
    assert_eq!(read_all(&out), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn alpha_band_becomes_mask_with_add_mask() {
    let dir = tmp("alpha");
    let (w, h) = (600, 520);
    let mut data = pixels(w, h, 4, 1, 1);
    for (i, px) in data.chunks_exact_mut(4).enumerate() {
        px[3] = if (i % w) < 100 { 0 } else { 255 };
    }
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 4, 1, 1, &data, vec![OutTag::shorts(338, &[2])]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--add-mask", "--compress", "lzw"]);
    let imgs = check_cog_structure(&out);
    assert_eq!(imgs[0].samples, 3);
    assert_eq!(imgs[1].kind, Kind::Mask);
    let rgb: Vec<u8> = data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    assert_eq!(read_all(&out), rgb);
    // Without --add-mask the alpha band stays a band with ExtraSamples=2.
    create_ok(&input, &out, &[]);
    let imgs = check_cog_structure(&out);
    assert_eq!(imgs[0].samples, 4);
    let t = open(&out);
    assert_eq!(t.ifds[0].u64_of(338), Some(2));

    // An alpha band that is not the last band (ExtraSamples 2, 0) moves into
    // the mask too; the band after it stays, as an unspecified extra band.
    let five: Vec<u8> = data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2], p[3], p[0] ^ 0x5a]).collect();
    write_tiff(&input, w, h, 5, 1, 1, &five, vec![OutTag::shorts(338, &[2, 0])]);
    create_ok(&input, &out, &["--add-mask"]);
    let imgs = check_cog_structure(&out);
    assert_eq!((imgs[0].samples, imgs[1].kind), (4, Kind::Mask));
    assert_eq!(open(&out).ifds[0].u64_of(338), Some(0));
    let kept: Vec<u8> = five.chunks_exact(5).flat_map(|p| [p[0], p[1], p[2], p[4]]).collect();
    assert_eq!(read_all(&out), kept);
    let mask = cogtool::raster::RasterReader::new(&open(&out), &imgs[1]).unwrap().read_rows(0, h as u64).unwrap();
    assert!(mask.iter().zip(five.chunks_exact(5)).all(|(&m, p)| (m != 0) == (p[3] != 0)));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A wrong ExtraSamples count describes the last bands, as GDAL reads it
/// ("Wrong number of ExtraSamples": 6 RGB bands with 5 values, the last
/// one alpha): the output keeps band 6 as alpha.
#[test]
fn wrong_extrasamples_count_is_aligned_to_the_last_bands() {
    let dir = tmp("extra5");
    let (w, h) = (40, 30);
    let data = pixels(w, h, 6, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 6, 1, 1, &data, vec![OutTag::shorts(338, &[0, 0, 0, 0, 2])]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &[]);
    let t = open(&out);
    assert_eq!(t.entry_u64_range(t.ifds[0].entry(338).unwrap(), 0, 3).unwrap(), vec![0, 0, 2]);
    assert_eq!(read_all(&out), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Nodata outside the samples' range (Byte, -10000) is written, but masks
/// nothing (GDAL ignores it too): an alpha band still masks the overviews
/// of the colour bands, and a note says so.
#[test]
fn nodata_outside_the_sample_range_masks_nothing() {
    let dir = tmp("ndrange");
    let (w, h) = (1100, 600);
    let mut data = pixels(w, h, 4, 1, 1);
    for (i, px) in data.chunks_exact_mut(4).enumerate() {
        let transparent = (i % w) < 301;
        px[3] = if transparent { 0 } else { 255 };
        if transparent {
            px[..3].copy_from_slice(&[0, 0, 0]);
        } else {
            px[..3].copy_from_slice(&[200, 100, 50]);
        }
    }
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 4, 1, 1, &data, vec![OutTag::shorts(338, &[2]), OutTag::ascii(42113, "-10000")]);
    let out = dir.join("out.tif");
    let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--resampling", "average"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nodata -10000 is outside the range of 8-bit"), "{}", stderr(&o));
    let t = open(&out);
    assert_eq!(t.ifds[0].str_of(42113), Some("-10000"));
    // Overview column 150 averages source columns 300 (transparent) and 301:
    // with the alpha masking, only the opaque one counts.
    let imgs = check_cog_structure(&out);
    let ovr = cogtool::raster::RasterReader::new(&t, &imgs[1]).unwrap().read_rows(0, 1).unwrap();
    assert_eq!(&ovr[150 * 4..150 * 4 + 4], &[200, 100, 50, 255]);
    // --add-mask cannot build a mask from it (a gray band, no alpha).
    let gray = dir.join("gray.tif");
    write_tiff(&gray, 20, 20, 1, 1, 1, &pixels(20, 20, 1, 1, 1), vec![]);
    let m = dir.join("m.tif");
    let o = cogtool(["create", gray.to_str().unwrap(), m.to_str().unwrap(), "--add-mask", "--nodata", "-10000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nodata -10000 is outside the range"), "{}", stderr(&o));
    assert!(!m.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Offset and entry count of the first IFD of a little-endian classic TIFF
/// (for tests that patch entries in place).
fn first_ifd(bytes: &[u8]) -> (usize, usize) {
    let first = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    (first, u16::from_le_bytes([bytes[first], bytes[first + 1]]) as usize)
}

/// An IFD chain that loops after the first IFD: libtiff (and so GDAL)
/// reads the image anyway; so does create, with a note.
#[test]
fn ifd_loop_after_the_first_ifd_is_converted_with_a_note() {
    let dir = tmp("ifdloop");
    let data = pixels(30, 20, 1, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 30, 20, 1, 1, 1, &data, vec![]);
    // Point the IFD's next-IFD offset (after its 12-byte entries) back at itself.
    let mut bytes = std::fs::read(&input).unwrap();
    let (first, entries) = first_ifd(&bytes);
    let next = first + 2 + 12 * entries;
    bytes[next..next + 4].copy_from_slice(&(first as u32).to_le_bytes());
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.join("out.tif");
    let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("note: the IFD chain ends early (IFD chain loops back"), "{}", stderr(&o));
    assert_eq!(read_all(&out), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Strip byte counts missing (minimal writers omit the tag) or fewer than
/// the strips: read as libtiff and GDAL read them, estimated from the
/// strip size, and missing entries as empty strips (zeros).
#[test]
fn missing_or_short_strip_byte_counts_are_read_as_gdal_reads_them() {
    let dir = tmp("nocounts");
    let (w, h) = (30, 40); // 16 rows per strip: 3 strips
    let data = pixels(w, h, 1, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 1, 1, 1, &data, vec![]);
    let bytes = std::fs::read(&input).unwrap();
    let (first, entries) = first_ifd(&bytes);
    let entry = |tag: u16| {
        (0..entries).map(|i| first + 2 + 12 * i).find(|&at| u16::from_le_bytes([bytes[at], bytes[at + 1]]) == tag)
    };
    let counts_at = entry(279).unwrap();
    let out = dir.join("out.tif");
    // Tag 279 renamed to a private tag: no StripByteCounts at all.
    let mut none = bytes.clone();
    none[counts_at..counts_at + 2].copy_from_slice(&65000u16.to_le_bytes());
    std::fs::write(&input, &none).unwrap();
    let o = cogtool(["create", "-q", input.to_str().unwrap(), out.to_str().unwrap(), "--overwrite"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read_all(&out), data);
    // A count of 1 for 3 strips: strips 2 and 3 read as zeros.
    let mut short = bytes.clone();
    short[counts_at + 4..counts_at + 8].copy_from_slice(&1u32.to_le_bytes());
    let first_count = 16 * w as u32;
    short[counts_at + 8..counts_at + 12].copy_from_slice(&first_count.to_le_bytes());
    std::fs::write(&input, &short).unwrap();
    let o = cogtool(["create", "-q", input.to_str().unwrap(), out.to_str().unwrap(), "--overwrite"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut expect = data.clone();
    expect[16 * w..].fill(0);
    assert_eq!(read_all(&out), expect);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file of overviews only (an external .ovr): its first, largest image
/// is the one converted, the dataset GDAL opens.
#[test]
fn overview_only_file_converts_its_first_image() {
    let dir = tmp("ovronly");
    let data = pixels(30, 20, 1, 1, 1);
    let input = dir.join("in.tif.ovr");
    write_tiff(&input, 30, 20, 1, 1, 1, &data, vec![OutTag::long(254, 1)]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &[]);
    assert_eq!(read_all(&out), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn overview_options() {
    let dir = tmp("ovr");
    let data = pixels(300, 200, 1, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 300, 200, 1, 1, 1, &data, vec![]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--overview-count", "2", "--blocksize", "128"]);
    let imgs = check_cog_structure(&out);
    let v: Vec<_> = imgs.iter().map(|i| (i.width, i.height, i.block_width)).collect();
    assert_eq!(v, vec![(300, 200, 128), (150, 100, 128), (75, 50, 128)]);
    create_ok(&input, &out, &["--blocksize", "96"]);
    let v: Vec<_> = check_cog_structure(&out).iter().map(|i| (i.width, i.block_width)).collect();
    assert_eq!(
        v,
        vec![(300, 96), (150, 128), (75, 128)],
        "GDAL: overview tiles are 128 unless the block size is a power of 2"
    );
    create_ok(&input, &out, &["--co", "BLOCKSIZE=96", "--overviews", "none"]);
    assert_eq!(check_cog_structure(&out).len(), 1);
    create_ok(&input, &out, &["--bigtiff", "yes"]);
    let t = open(&out);
    assert!(t.bigtiff);
    check_cog_structure(&out);
    assert_eq!(read_all(&out), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_one_line_exit_2_and_leave_nothing() {
    let dir = tmp("errors");
    let data = pixels(50, 40, 1, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 50, 40, 1, 1, 1, &data, vec![]);
    let out = dir.join("out.tif");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    // Existing output without --overwrite.
    std::fs::write(&out, b"keep me").unwrap();
    let r = run(&["create", i, o]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("exists; use --overwrite"), "{}", stderr(&r));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    std::fs::remove_file(&out).unwrap();
    // Unknown or inapplicable creation options.
    for bad in [
        &["--co", "FOO=BAR"][..],
        &["--co", "TARGET_SRS=EPSG:4326"],
        &["--compress", "packbits", "--predictor", "horizontal"],
        &["--level", "3"],
    ] {
        let mut a = vec!["create", i, o];
        a.extend_from_slice(bad);
        let r = run(&a);
        assert_eq!(r.status.code(), Some(2), "{:?}", bad);
        assert_eq!(stderr(&r).lines().count(), 1, "{}", stderr(&r));
        assert!(!out.exists());
    }
    // A truncated input: one-line error, no output, no temp files.
    let bytes = std::fs::read(&input).unwrap();
    let bad = dir.join("bad.tif");
    std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
    let r = run(&["create", bad.to_str().unwrap(), o]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(stderr(&r).lines().count(), 1, "{}", stderr(&r));
    // Unwritable directory.
    let r = run(&["create", i, "/proc/nonexistent-dir/out.tif"]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(stderr(&r).lines().count(), 1, "{}", stderr(&r));
    let left: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.starts_with('.')), "temp files left: {:?}", left);
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_passes_on_lossless_output() {
    let dir = tmp("verify");
    let data = pixels(530, 530, 3, 2, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 530, 530, 3, 2, 1, &data, vec![]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--verify", "--compress", "zstd", "--predictor", "horizontal", "--threads", "1"]);
    check_cog_structure(&out);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ctrl_c_removes_temporary_files() {
    let dir = tmp("sigint");
    let (w, h) = (3000, 3000);
    let data = pixels(w, h, 3, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    let out = dir.join("out.tif");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .args([
            "create",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--compress",
            "deflate",
            "--level",
            "12",
            "--threads",
            "1",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The spills have no name (see the signals test below): interrupt
    // once the run is under way.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let spill_seen = true;
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    if spill_seen && o.status.code() == Some(130) {
        assert!(String::from_utf8_lossy(&o.stderr).contains("interrupted"));
        assert!(!out.exists(), "no output after an interrupt");
    } else {
        eprintln!("NOTE: the run finished before the interrupt ({:?}); only the cleanup is checked", o.status.code());
    }
    let left: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.starts_with('.')), "temp files left: {:?}", left);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn http_output_is_refused_not_written_as_a_local_path() {
    // (s3:// outputs are uploads: tests/remote_s3.rs.) Port 9 (discard):
    // nothing must be sent anyway.
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .current_dir(dir.path())
        .args(["create", common_testdata("striped.tif").to_str().unwrap(), "http://127.0.0.1:9/out.tif"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not supported"), "{err}");
    assert!(!dir.path().join("http:").exists(), "a local http: directory was created");
}

fn common_testdata(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// GDAL's external mask: INPUT.msk becomes the internal mask (with mask
/// overviews) when INPUT has none; one of another size is ignored with a
/// note, as GDAL ignores it; an unreadable one is a one-line error naming
/// it, and no output is left.
#[test]
fn external_msk_becomes_the_internal_mask() {
    let dir = tmp("msk");
    let (w, h) = (700, 600);
    let data = pixels(w, h, 3, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    let valid = |x: usize, y: usize| (50..400).contains(&y) && (30..650).contains(&x) && y != 200;
    let mask: Vec<u8> = (0..h).flat_map(|y| (0..w).map(move |x| if valid(x, y) { 255 } else { 0 })).collect();
    let flags = |f: u8| {
        OutTag::ascii(
            42112,
            &format!("<GDALMetadata>\n  <Item name=\"INTERNAL_MASK_FLAGS_1\">{}</Item>\n</GDALMetadata>\n", f),
        )
    };
    let msk = dir.join("in.tif.msk");
    write_tiff(&msk, w, h, 1, 1, 1, &mask, vec![flags(2)]);
    let out = dir.join("out.tif");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let r = run(&["create", i, o, "--compress", "deflate"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(stderr(&r), "", "a matching per-dataset mask needs no note");
    let imgs = check_cog_structure(&out);
    let kinds: Vec<Kind> = imgs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, vec![Kind::Image, Kind::Mask, Kind::Overview, Kind::OverviewMask]);
    assert_eq!(read_all(&out), data);
    let t = open(&out);
    let bits = cogtool::raster::RasterReader::new(&t, &imgs[1]).unwrap().read_rows(0, h as u64).unwrap();
    // Our reader widens the 1-bit mask to a byte per pixel.
    assert_eq!(bits.len(), w * h);
    for y in 0..h {
        for x in 0..w {
            assert_eq!(bits[y * w + x] != 0, valid(x, y), "mask bit at {},{}", x, y);
        }
    }
    let ovr = cogtool::raster::RasterReader::new(&t, &imgs[3]).unwrap().read_rows(0, imgs[3].height).unwrap();
    assert!(ovr.iter().any(|&b| b != 0) && ovr.contains(&0), "the mask overview follows the mask");

    // One mask per band: merged (valid where any band is), with a note; -q
    // silences it.
    let per_band: Vec<u8> = mask.iter().flat_map(|&m| [m, 0, 0]).collect();
    write_tiff(&msk, w, h, 3, 1, 1, &per_band, vec![flags(0)]);
    let r = run(&["create", i, o, "--overwrite"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stderr(&r).contains("one mask per band"), "{}", stderr(&r));
    assert_eq!(check_cog_structure(&out)[1].kind, Kind::Mask);
    let r = run(&["create", i, o, "--overwrite", "-q"]);
    assert!(r.status.success() && stderr(&r).is_empty(), "{}", stderr(&r));

    // Another size: ignored, as GDAL does, and said.
    write_tiff(&msk, 100, 100, 1, 1, 1, &vec![255; 100 * 100], vec![flags(2)]);
    let r = run(&["create", i, o, "--overwrite"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stderr(&r).contains("ignored mask file"), "{}", stderr(&r));
    assert!(check_cog_structure(&out).iter().all(|i| i.kind != Kind::Mask));

    // Unreadable: an error naming the mask file; no output.
    std::fs::remove_file(&out).unwrap();
    std::fs::write(&msk, b"not a tiff at all").unwrap();
    let r = run(&["create", i, o]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(stderr(&r).lines().count(), 1, "{}", stderr(&r));
    assert!(stderr(&r).contains("in.tif.msk"), "{}", stderr(&r));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two ways of masking in one output get a note: GDAL's readers use the
/// mask before nodata before alpha, and ignore the rest.
#[test]
fn nodata_beside_alpha_or_mask_gets_a_note() {
    let dir = tmp("masking_notes");
    let (w, h) = (300, 200);
    let mut data = pixels(w, h, 4, 1, 1);
    for (i, px) in data.chunks_exact_mut(4).enumerate() {
        px[3] = if i % w < 50 { 0 } else { 255 };
    }
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 4, 1, 1, &data, vec![OutTag::shorts(338, &[2]), OutTag::ascii(42113, "0")]);
    let out = dir.join("out.tif");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let note = |extra: &[&str]| {
        let mut a = vec!["create", i, o, "--overwrite"];
        a.extend_from_slice(extra);
        let r = run(&a);
        assert!(r.status.success(), "{:?}: {}", extra, stderr(&r));
        stderr(&r)
    };
    let s = note(&[]);
    assert!(s.contains("both an alpha band and nodata 0") && s.contains("ignores the alpha band"), "{}", s);
    let s = note(&["--add-mask"]);
    assert!(s.contains("both a mask and nodata 0") && s.contains("ignores the nodata value"), "{}", s);
    assert_eq!(note(&["--nodata", "none"]), "");
    assert_eq!(note(&["--add-mask", "--nodata", "none"]), "");
    assert_eq!(note(&["-q"]), "");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The TIFF tags GDAL keeps (text tags, resolution, min/max sample value,
/// RPCs) are on the full-resolution IFD of the COG, in GDAL's types, and
/// on no overview.
#[test]
fn tiff_tags_and_rpcs_are_kept() {
    let dir = tmp("tifftags");
    let (w, h) = (600, 520);
    let data = pixels(w, h, 3, 1, 1);
    let input = dir.join("in.tif");
    let rpc: Vec<f64> = (0..92).map(|i| i as f64 * 0.5 - 3.0).collect();
    let mut res = Vec::new();
    res.extend_from_slice(&145u32.to_le_bytes());
    res.extend_from_slice(&2u32.to_le_bytes());
    let extra = vec![
        OutTag::ascii(270, "an image"),
        OutTag::ascii(305, "maker"),
        OutTag::ascii(33432, "(c) nobody"),
        OutTag { tag: 282, field_type: cogtool::tiff::FieldType::Rational, count: 1, bytes: res.clone() },
        OutTag::long(296, 3),
        OutTag::shorts(280, &[2, 5, 9]),
        OutTag::doubles(50844, &rpc),
    ];
    write_tiff(&input, w, h, 3, 1, 1, &data, extra);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--add-mask", "--nodata", "0"]);
    let t = open(&out);
    let main = &t.ifds[0];
    assert_eq!(main.str_of(270), Some("an image"));
    assert_eq!(main.str_of(305), Some("maker"));
    assert_eq!(main.str_of(33432), Some("(c) nobody"));
    let v = |tag: u16| t.entry_value(main.entry(tag).unwrap()).unwrap();
    assert_eq!(format!("{:?}", v(282)), "Rational([(145, 2)])", "72.5 is exact in an f32");
    // ResolutionUnit as GDAL writes it (SHORT), MinSampleValue's first
    // value once per band (GDAL reads one value).
    assert_eq!(main.entry(296).unwrap().type_code, 3);
    assert_eq!(v(296).as_u64s(), vec![3]);
    assert_eq!(v(280).as_u64s(), vec![2, 2, 2]);
    assert_eq!(v(50844).as_f64s(), rpc);
    for ifd in &t.ifds[1..] {
        for tag in [270, 282, 280, 50844] {
            assert!(ifd.entry(tag).is_none(), "tag {} only on the full resolution", tag);
        }
    }
    // `--tag TIFFTAG_*=...` (any case) sets the tag itself, as gdal_translate
    // -mo does; a resolution is libtiff's exact fraction of the f32.
    create_ok(
        &input,
        &out,
        &["--tag", "TIFFTAG_IMAGEDESCRIPTION=other", "--tag", "tifftag_xresolution=0.7", "--tag", "FOO=bar"],
    );
    let t = open(&out);
    let main = &t.ifds[0];
    assert_eq!(main.str_of(270), Some("other"));
    assert_eq!(format!("{:?}", t.entry_value(main.entry(282).unwrap()).unwrap()), "Rational([(11744051, 16777216)])");
    let md = main.str_of(42112).unwrap();
    assert!(md.contains("FOO") && !md.to_uppercase().contains("TIFFTAG"), "{}", md);
    // An ImageDescription whose text lies past the end of the file is left
    // out (libtiff ignores it with a warning); the image still converts.
    let mut bytes = std::fs::read(&input).unwrap();
    let ifd = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(bytes[ifd..ifd + 2].try_into().unwrap()) as usize;
    let at = (0..n).map(|i| ifd + 2 + 12 * i).find(|&e| bytes[e..e + 2] == 270u16.to_le_bytes()).unwrap();
    bytes[at + 8..at + 12].copy_from_slice(&0xffff_ff00u32.to_le_bytes());
    let broken = dir.join("broken.tif");
    std::fs::write(&broken, &bytes).unwrap();
    create_ok(&broken, &out, &[]);
    let t = open(&out);
    assert!(t.ifds[0].entry(270).is_none() && t.ifds[0].str_of(305) == Some("maker"));
    assert_eq!(read_all(&out), data);
    let r = run(&[
        "create",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--overwrite",
        "--tag",
        "TIFFTAG_RESOLUTIONUNIT=cm",
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("TIFFTAG_RESOLUTIONUNIT=cm: a whole number"), "{}", stderr(&r));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// GDAL escapes GDAL_METADATA values twice and unescapes them twice:
/// values with & < > " must be stored as GDAL stores them, or GDAL reads
/// them cut short ("a & b" as "a ").
#[test]
fn metadata_values_are_escaped_as_gdal_does() {
    let dir = tmp("escape");
    let data = pixels(40, 30, 1, 1, 1);
    let input = dir.join("in.tif");
    let md = "<GDALMetadata>\n  <Item name=\"K\">a &amp;amp; b &amp;lt;c&amp;gt;</Item>\n</GDALMetadata>\n";
    write_tiff(&input, 40, 30, 1, 1, 1, &data, vec![OutTag::ascii(42112, md)]);
    let out = dir.join("out.tif");
    create_ok(&input, &out, &["--description", "1=x & \"y\""]);
    let got = open(&out).ifds[0].str_of(42112).unwrap().to_string();
    assert!(got.contains("<Item name=\"K\">a &amp;amp; b &amp;lt;c&amp;gt;</Item>"), "{}", got);
    assert!(got.contains("role=\"description\">x &amp;amp; &amp;quot;y&amp;quot;</Item>"), "{}", got);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// INPUT.aux.xml (GDAL's PAM sidecar) is merged into GDAL_METADATA; one
/// that does not parse is ignored with a note naming it.
#[test]
fn pam_sidecar_is_merged_or_noted() {
    let dir = tmp("pam");
    let data = pixels(60, 50, 1, 2, 2);
    let input = dir.join("in.tif");
    write_tiff(&input, 60, 50, 1, 2, 2, &data, vec![]);
    let aux = dir.join("in.tif.aux.xml");
    std::fs::write(
        &aux,
        "<PAMDataset><PAMRasterBand band=\"1\"><Description>depth</Description><NoDataValue>-1</NoDataValue>\
         <Metadata><MDI key=\"STATISTICS_MEAN\">4.5</MDI></Metadata></PAMRasterBand></PAMDataset>",
    )
    .unwrap();
    let out = dir.join("out.tif");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let r = run(&["create", i, o]);
    assert!(r.status.success() && stderr(&r).is_empty(), "{}", stderr(&r));
    let t = open(&out);
    let md = t.ifds[0].str_of(42112).unwrap();
    assert!(md.contains("<Item name=\"STATISTICS_MEAN\" sample=\"0\">4.5</Item>"), "{}", md);
    assert!(md.contains("role=\"description\">depth</Item>"), "{}", md);
    assert_eq!(t.ifds[0].str_of(42113), Some("-1"));
    std::fs::write(&aux, "<PAMDataset><Metadata>").unwrap();
    let r = run(&["create", i, o, "--overwrite"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("note: ignored PAM sidecar") && stderr(&r).contains("in.tif.aux.xml"),
        "{}",
        stderr(&r)
    );
    assert!(open(&out).ifds[0].str_of(42112).is_none());

    // Its georeferencing is applied (GDAL reads it first); a CRS without an
    // EPSG code cannot become GeoKeys here: a note, the geotransform still.
    let gt = "<GeoTransform>5, 0.5, 0, 45, 0, -0.5</GeoTransform>";
    let epsg = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]"#;
    std::fs::write(&aux, format!("<PAMDataset><SRS>{}</SRS>{}</PAMDataset>", epsg, gt)).unwrap();
    let r = run(&["create", i, o, "--overwrite"]);
    assert!(r.status.success() && stderr(&r).is_empty(), "{}", stderr(&r));
    let info = common::stdout(&run(&["info", "--json", o]));
    assert!(info.contains("\"crs\":\"EPSG:4326\""), "{}", info);
    let t = open(&out);
    assert_eq!(t.ifds[0].value(33550).unwrap().as_f64s(), vec![0.5, 0.5, 0.0]);
    assert_eq!(t.ifds[0].value(33922).unwrap().as_f64s(), vec![0.0, 0.0, 0.0, 5.0, 45.0, 0.0]);
    let esri = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],UNIT["Degree",0.0174532925199433]]"#;
    std::fs::write(&aux, format!("<PAMDataset><SRS>{}</SRS>{}</PAMDataset>", esri, gt)).unwrap();
    let r = run(&["create", i, o, "--overwrite"]);
    assert!(stderr(&r).contains("has no EPSG code cogtool can write"), "{}", stderr(&r));
    assert_eq!(open(&out).ifds[0].value(33922).unwrap().as_f64s(), vec![0.0, 0.0, 0.0, 5.0, 45.0, 0.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A TIFF without georeferencing takes its world file's (INPUT.tfw), as
/// GDAL does: the corner of the first pixel from the centre the file names.
#[test]
fn world_file_georeferences_a_plain_tiff() {
    let dir = tmp("world");
    let data = pixels(50, 40, 1, 1, 1);
    let input = dir.join("in.tif");
    write_tiff(&input, 50, 40, 1, 1, 1, &data, vec![]);
    std::fs::write(dir.join("in.tfw"), "2.5\n0\n0\n-2.5\n101.25\n198.75\n").unwrap();
    let out = dir.join("out.tif");
    create_ok(&input, &out, &[]);
    let t = open(&out);
    let v = |tag: u16| t.entry_value(t.ifds[0].entry(tag).unwrap()).unwrap().as_f64s();
    assert_eq!(v(33550), vec![2.5, 2.5, 0.0]);
    assert_eq!(v(33922), vec![0.0, 0.0, 0.0, 100.0, 200.0, 0.0]);
    // Georeferencing inside the TIFF wins over the world file.
    let scale = OutTag::doubles(33550, &[1.0, 1.0, 0.0]);
    let tie = OutTag::doubles(33922, &[0.0, 0.0, 0.0, 7.0, 9.0, 0.0]);
    write_tiff(&input, 50, 40, 1, 1, 1, &data, vec![scale, tie]);
    create_ok(&input, &out, &[]);
    let t = open(&out);
    let v = |tag: u16| t.entry_value(t.ifds[0].entry(tag).unwrap()).unwrap().as_f64s();
    assert_eq!(v(33922), vec![0.0, 0.0, 0.0, 7.0, 9.0, 0.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Inputs of the `--verify` tests, 300x260 (with 64-pixel tiles: overviews
/// of 150x130, 75x65 and 37x32, odd ratios included): Float32 with nodata
/// -9999 in two regions and a NaN stripe, Int16 with nodata -32768, Byte
/// RGBA whose alpha is 0 on the left.
fn verify_inputs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (w, h) = (300, 260);
    let hole = |x: usize, y: usize| (x < 90 && y > 40) || (x > 200 && x < 230 && y < 100);
    let mut f = pixels(w, h, 1, 4, 3);
    let mut i = pixels(w, h, 1, 2, 2);
    for y in 0..h {
        for x in 0..w {
            let p = y * w + x;
            if hole(x, y) {
                f[p * 4..p * 4 + 4].copy_from_slice(&(-9999f32).to_le_bytes());
                i[p * 2..p * 2 + 2].copy_from_slice(&i16::MIN.to_le_bytes());
            } else if y == 150 {
                f[p * 4..p * 4 + 4].copy_from_slice(&f32::NAN.to_le_bytes());
            }
        }
    }
    let (fp, ip, rp) = (dir.join("f32.tif"), dir.join("i16.tif"), dir.join("rgba.tif"));
    write_tiff(&fp, w, h, 1, 4, 3, &f, vec![OutTag::ascii(42113, "-9999")]);
    write_tiff(&ip, w, h, 1, 2, 2, &i, vec![OutTag::ascii(42113, "-32768")]);
    let mut rgba = pixels(w, h, 4, 1, 1);
    for (k, px) in rgba.chunks_exact_mut(4).enumerate() {
        px[3] = if k % w < 70 { 0 } else { 255 };
    }
    write_tiff(&rp, w, h, 4, 1, 1, &rgba, vec![OutTag::shorts(338, &[2])]);
    (fp, ip, rp)
}

/// `--verify` checks every overview level against the level it is
/// computed from, and passes on correct conversions: float and integer
/// nodata, a mask from nodata, an alpha band kept or made a mask, every
/// resampling method.
#[test]
fn verify_passes_every_level_of_correct_conversions() {
    let dir = tmp("verify_levels");
    let (f32_in, i16_in, rgba_in) = verify_inputs(&dir);
    let out = dir.join("out.tif");
    let all = ["nearest", "average", "bilinear", "cubic", "cubicspline", "lanczos", "mode", "rms", "gauss"];
    let mut runs: Vec<(&Path, &str, Vec<&str>)> = Vec::new();
    for m in all {
        runs.push((&f32_in, m, vec![]));
    }
    for m in ["nearest", "average", "cubic", "lanczos", "mode", "rms"] {
        runs.push((&i16_in, m, vec![]));
    }
    for m in ["average", "cubic", "gauss"] {
        runs.push((&f32_in, m, vec!["--add-mask"]));
    }
    for m in ["nearest", "average", "cubic", "mode"] {
        runs.push((&rgba_in, m, vec![]));
    }
    for m in ["average", "bilinear", "lanczos", "gauss"] {
        runs.push((&rgba_in, m, vec!["--add-mask"]));
    }
    for (input, m, extra) in runs {
        let mut a = vec!["--verify", "--blocksize", "64", "--resampling", m, "--compress", "deflate"];
        a.extend(extra.iter().copied());
        create_ok(input, &out, &a);
        let imgs = check_cog_structure(&out);
        assert_eq!(imgs.iter().filter(|i| i.kind == Kind::Overview).count(), 3, "{:?} {}", input, m);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Write `v`'s bytes at pixel (x, y) of tile 0 of overview `level` (1 =
/// first) of an uncompressed COG.
fn patch_overview(path: &Path, level: usize, x: usize, y: usize, v: &[u8]) {
    let imgs = cogtool::tiff::Image::all(&open(path)).unwrap();
    let ovr = imgs.iter().filter(|i| i.kind == Kind::Overview).nth(level - 1).unwrap();
    assert_eq!(ovr.compression, cogtool::tiff::Compression::NONE);
    assert!(x < ovr.block_width as usize && y < ovr.block_height as usize);
    let (off, len) = ovr.block(&open(path), 0).unwrap();
    let at = off as usize + (y * ovr.block_width as usize + x) * v.len();
    assert!(at + v.len() <= (off + len) as usize);
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at..at + v.len()].copy_from_slice(v);
    std::fs::write(path, bytes).unwrap();
}

fn verify_opts(method: cogtool::create::pipeline::resample::Method) -> cogtool::create::options::CreateOptions {
    cogtool::create::options::CreateOptions {
        codec: cogtool::create::options::Codec::None,
        blocksize: 64,
        resampling: Some(method),
        ..Default::default()
    }
}

/// The check catches a corrupt overview: a value out of its footprint's
/// range, nodata where the footprint has data, data where it has none;
/// each named by level and pixel.
#[test]
fn verify_catches_a_corrupt_overview_tile() {
    use cogtool::create::pipeline::resample::Method;
    use cogtool::create::verify::verify_cog;
    let dir = tmp("verify_corrupt");
    let (f32_in, _, _) = verify_inputs(&dir);
    let out = dir.join("out.tif");
    let input = f32_in.to_str().unwrap();
    let make = || create_ok(&f32_in, &out, &["--compress", "none", "--blocksize", "64", "--resampling", "average"]);
    let opts = verify_opts(Method::Average);
    make();
    verify_cog(&out, input, &opts).unwrap();
    // Level 1, pixel (10, 5): full-resolution (20..22, 10..12), all data.
    patch_overview(&out, 1, 10, 5, &1e30f32.to_le_bytes());
    let e = verify_cog(&out, input, &opts).unwrap_err().to_string();
    assert!(e.contains("--verify: overview 1 (150x130) pixel (10, 5) band 1: value 1e30 outside ["), "{}", e);
    assert!(e.ends_with("] of its footprint"), "{}", e);
    make();
    patch_overview(&out, 2, 3, 4, &(-9999f32).to_le_bytes());
    let e = verify_cog(&out, input, &opts).unwrap_err().to_string();
    assert!(
        e.contains(
            "--verify: overview 2 (75x65) pixel (3, 4) band 1: value -9.999e3 is nodata or masked but its footprint has"
        ),
        "{}",
        e
    );
    // Level 1, pixel (5, 40): full resolution (10..12, 80..82), nodata.
    make();
    patch_overview(&out, 1, 5, 40, &7f32.to_le_bytes());
    let e = verify_cog(&out, input, &opts).unwrap_err().to_string();
    assert!(
        e.contains("overview 1 (150x130) pixel (5, 40) band 1: value 7e0 is valid but its footprint has no valid"),
        "{}",
        e
    );
    // A NaN where the footprint holds data.
    make();
    patch_overview(&out, 1, 20, 5, &f32::NAN.to_le_bytes());
    assert!(
        verify_cog(&out, input, &opts).unwrap_err().to_string().contains("pixel (20, 5) band 1: value NaN is nodata")
    );
    // Nearest copies: any other value is caught.
    create_ok(&f32_in, &out, &["--compress", "none", "--blocksize", "64", "--resampling", "nearest"]);
    verify_cog(&out, input, &verify_opts(Method::Nearest)).unwrap();
    patch_overview(&out, 1, 10, 5, &0.5f32.to_le_bytes());
    let e = verify_cog(&out, input, &verify_opts(Method::Nearest)).unwrap_err().to_string();
    assert!(e.contains("overview 1 (150x130) pixel (10, 5) band 1: value 5e-1 outside"), "{}", e);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Float32 input whose GDAL_NODATA has more digits than f32 holds
/// (`-3.39999999999999996e+38`, GDAL's text for -3.4e38): nodata must be
/// compared as the band holds it. `--verify` passes with every method
/// (before the fix, cubic wrote -inf and average values near -3e38); and
/// on this very file the check catches an overview with such values.
#[test]
fn verify_float32_nodata_with_more_digits_than_f32() {
    use cogtool::create::pipeline::resample::Method;
    use cogtool::create::verify::verify_cog;
    let dir = tmp("verify_f32_digits");
    let input = common::testdata("verify_f32_nodata_digits.tif");
    let out = dir.join("out.tif");
    let input_s = input.to_str().unwrap();
    create_ok(&input, &out, &["--compress", "none", "--blocksize", "64", "--resampling", "nearest", "--verify"]);
    // Overview 1 pixel (62, 3): full resolution (124..126, 6..8), data.
    patch_overview(&out, 1, 62, 3, &f32::NEG_INFINITY.to_le_bytes());
    let e = verify_cog(&out, input_s, &verify_opts(Method::Nearest)).unwrap_err().to_string();
    assert!(e.contains("overview 1 (150x150) pixel (62, 3) band 1: value -inf outside [1.84e2, 1.84e2]"), "{}", e);
    for m in ["average", "cubic", "bilinear", "lanczos", "gauss", "rms", "mode"] {
        let o = run(&[
            "create",
            input_s,
            out.to_str().unwrap(),
            "--overwrite",
            "--blocksize",
            "64",
            "--resampling",
            m,
            "--verify",
        ]);
        assert!(o.status.success(), "{}: {}", m, stderr(&o));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn sigterm_sigint_and_sigkill_leave_only_the_input() {
    // A big uncompressed input that takes seconds in a debug build: the
    // signal lands in the middle of the work.
    let dir = tmp("signals");
    let (w, h) = (4096usize, 4096usize);
    let data: Vec<u8> = (0..w * h * 3).map(|i| ((i % 251) ^ (i / 4093 % 7)) as u8).collect();
    let input = dir.join("in.tif");
    write_tiff(&input, w, h, 3, 1, 1, &data, vec![]);
    drop(data);
    let out = dir.join("out.tif");
    for (signal, code) in [("TERM", Some(143)), ("INT", Some(130)), ("KILL", None)] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"))
            .args(["create", input.to_str().unwrap(), out.to_str().unwrap()])
            .args(["--compress", "deflate", "--level", "12", "--threads", "1"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        assert!(child.try_wait().unwrap().is_none(), "{}: the run ended before the signal", signal);
        // Mid-run, the spills take space but have no name.
        assert_eq!(listing(&dir), vec!["in.tif"], "{}: files beside OUTPUT while running", signal);
        let st = std::process::Command::new("kill").args([&format!("-{}", signal), &child.id().to_string()]).status();
        assert!(st.unwrap().success());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), code, "{}: {:?} {}", signal, o.status, err);
        if signal != "KILL" {
            assert!(err.contains(if signal == "TERM" { "terminated" } else { "interrupted" }), "{}", err);
        }
        assert_eq!(listing(&dir), vec!["in.tif"], "{}: files left", signal);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cancelled_library_run_stops_and_leaves_nothing() {
    // Cancellation is a value the caller raises: the library returns
    // `Interrupted` and removes what it was writing (no exit, no signal).
    use cogtool::Cancel;
    use cogtool::create::convert::Progress;
    use cogtool::create::options::CreateOptions;
    use cogtool::create::run::{Request, create};
    /// Raises the flag after the first tiles, as a signal handler would.
    struct CancelAfter(Cancel, u64);
    impl Progress for CancelAfter {
        fn tiles(&mut self, n: u64) {
            self.1 += n;
            if self.1 >= 2 {
                self.0.cancel();
            }
        }
    }
    let dir = tmp("cancel_lib");
    let out = dir.join("out.tif");
    let o = CreateOptions { blocksize: 64, ..Default::default() };
    let req = Request::new("testdata/cog_rgb_deflate.tif", out.to_str().unwrap(), o);
    let cancel = Cancel::new();
    let err = create(&req, &mut CancelAfter(cancel.clone(), 0), &cancel).unwrap_err();
    assert_eq!(err.kind, cogtool::ErrorKind::Interrupted, "{}", err);
    assert!(!out.exists(), "no output after a cancel");
    assert_eq!(listing(&dir), Vec::<String>::new(), "nothing left beside OUTPUT");
    // The same request without a cancel completes.
    let done = create(&req, &mut cogtool::create::convert::NoProgress, &Cancel::new()).unwrap();
    assert!(done.bytes > 0 && out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_fails_on_errors_not_on_warnings_the_options_cause() {
    // No overviews on an image larger than 512 (a warning of GDAL's
    // validator) and 128-pixel overview tiles under 16-pixel main tiles:
    // what was asked for, and what GDAL writes too.
    let d = tmp("verify-warnings");
    let out = d.join("out.tif");
    let input = common::testdata("cog_rgb_deflate.tif");
    for extra in [&["--overviews", "none"][..], &["--blocksize", "16"][..]] {
        let o =
            run(&[&["create", input.to_str().unwrap(), out.to_str().unwrap(), "--verify", "--overwrite"][..], extra]
                .concat());
        assert_eq!(o.status.code(), Some(0), "{:?}: {}", extra, stderr(&o));
        let v = cogtool(["validate", out.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(0));
        assert!(common::stdout(&v).to_lowercase().contains("warning"), "{:?}: no warning to tolerate", extra);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
