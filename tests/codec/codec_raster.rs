//! RasterReader on committed fixtures (testdata/gen/codec.sh): every layout
//! decodes to GDAL's checksums (stored beside the fixtures), row windows are
//! consistent, sparse tiles read as nodata, and broken blocks error cleanly.

use crate::common;

use cogtool::ErrorKind;
use cogtool::raster::RasterReader;
use cogtool::source::{self, OpenOptions};
use cogtool::tiff::{Image, Tiff};
use std::sync::Arc;

fn open(path: &std::path::Path) -> (Tiff, Image) {
    let reader = Arc::new(source::open(path.to_str().unwrap(), &OpenOptions::default()).unwrap());
    let tiff = Tiff::open(reader).unwrap();
    let image = Image::from_ifd(0, &tiff.ifds[0], false).unwrap();
    (tiff, image)
}

#[test]
fn fixtures_decode_to_gdal_checksums() {
    let table = std::fs::read_to_string(common::testdata("codec_checksums.tsv")).unwrap();
    let mut n = 0;
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (name, sums) = line.split_once('\t').unwrap();
        let want: Vec<u16> = sums.split(',').map(|s| s.parse().unwrap()).collect();
        let (tiff, image) = open(&common::testdata(name));
        let r = RasterReader::new(&tiff, &image).unwrap();
        assert_eq!(r.gdal_checksums(false).unwrap(), want, "{}", name);
        n += 1;
    }
    assert!(n >= 9, "only {} fixtures", n);
}

#[test]
fn row_windows_match_the_full_read() {
    for name in ["codec_be_separate_i16.tif", "codec_tiled_f32_pred3.tif", "codec_nbits4_separate.tif"] {
        let (tiff, image) = open(&common::testdata(name));
        let r = RasterReader::new(&tiff, &image).unwrap();
        let full = r.read_rows(0, image.height).unwrap();
        let row = full.len() / image.height as usize;
        for (y0, y1) in [(0, 1), (3, 9), (6, 7), (image.height - 1, image.height), (5, 5)] {
            let part = r.read_rows(y0, y1).unwrap();
            assert_eq!(part, &full[y0 as usize * row..y1 as usize * row], "{} rows {}..{}", name, y0, y1);
        }
        let e = r.read_rows(0, image.height + 1).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
    }
}

#[test]
fn sparse_tiles_read_as_nodata_and_bits_unpack() {
    let (tiff, image) = open(&common::testdata("codec_sparse_nodata.tif"));
    let r = RasterReader::new(&tiff, &image).unwrap();
    let px = r.read_rows(0, 40).unwrap();
    assert_eq!(px.len(), 40 * 40);
    assert!(px[20 * 40..].iter().all(|&v| v == 7), "empty tiles read as the nodata value 7");
    let (_, counts) = image.block_arrays(&tiff).unwrap();
    assert!(counts.iter().filter(|&&c| c == 0).count() >= 5, "fixture has sparse tiles");

    let (tiff, image) = open(&common::testdata("codec_nbits1.tif"));
    let r = RasterReader::new(&tiff, &image).unwrap();
    assert_eq!(r.sample_bytes(), 1);
    let px = r.read_rows(0, image.height).unwrap();
    assert_eq!(px.len(), (image.width * image.height) as usize);
    assert!(px.iter().all(|&v| v <= 1) && px.contains(&0) && px.contains(&1));

    let (tiff, image) = open(&common::testdata("codec_nbits12.tif"));
    let r = RasterReader::new(&tiff, &image).unwrap();
    assert_eq!(r.sample_bytes(), 2);
    let px = r.read_rows(0, image.height).unwrap();
    assert!(px.chunks(2).all(|c| u16::from_le_bytes([c[0], c[1]]) < 4096));
}

#[test]
fn corrupt_blocks_error_with_the_block_number() {
    let src = common::testdata("codec_tiled_f32_pred3.tif");
    let (tiff, image) = open(&src);
    let (offs, counts) = image.block_arrays(&tiff).unwrap();
    drop(tiff);
    let mut bytes = std::fs::read(&src).unwrap();
    // overwrite tile 4's LZW stream with a clear code run and garbage
    let (o, c) = (offs[4] as usize, counts[4] as usize);
    for (i, b) in bytes[o..o + c].iter_mut().enumerate() {
        *b = if i % 2 == 0 { 0xFF } else { 0x13 };
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tif");
    std::fs::write(&bad, &bytes).unwrap();
    let (tiff, image) = open(&bad);
    let r = RasterReader::new(&tiff, &image).unwrap();
    let e = r.read_rows(0, image.height).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Format);
    assert!(e.message.starts_with("tile 4: lzw stream"), "{}", e.message);
    // rows that do not touch tile 4 still read
    assert!(r.read_rows(0, 16).is_ok());

    // a file cut inside the tile data
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &std::fs::read(&src).unwrap()[..offs[5] as usize + 3]).unwrap();
    let (tiff, image) = open(&cut);
    let r = RasterReader::new(&tiff, &image).unwrap();
    let e = r.read_rows(0, image.height).unwrap_err();
    assert!(e.message.contains("past end of file") && e.message.starts_with("tile "), "{}", e.message);
}

/// A little-endian TIFF of one uncompressed Byte strip, `w` x `h`, whose
/// StripByteCounts is 0 (writers that did not know it): the IFD at 8,
/// then `data` at the strip offset.
fn one_strip_count_zero(w: u32, h: u32, data: &[u8]) -> Vec<u8> {
    let entries: [(u16, u16, u32); 9] = [
        (256, 4, w),
        (257, 4, h),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8 + 2 + 9 * 12 + 4),
        (277, 3, 1),
        (278, 4, h),
        (279, 4, 0),
    ];
    let mut b = b"II*\0".to_vec();
    b.extend_from_slice(&8u32.to_le_bytes());
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&value.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(data);
    b
}

/// libtiff's rule, which GDAL reads by: one strip with a byte count of 0 at
/// a non-zero offset has a bogus count, estimated from the image length;
/// it is not a sparse strip. So the strip's pixels are read when the file
/// holds them, and a file too short for them is an error naming the strip
/// (GDAL fails on it too), never an image of zeros.
#[test]
fn one_strip_with_a_zero_byte_count_is_read_as_libtiff_estimates_it() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..16 * 8).map(|i| (i * 7 % 251) as u8 + 1).collect();
    let whole = dir.path().join("whole.tif");
    std::fs::write(&whole, one_strip_count_zero(16, 8, &data)).unwrap();
    let (tiff, image) = open(&whole);
    let r = RasterReader::new(&tiff, &image).unwrap();
    assert_eq!(r.read_rows(0, 8).unwrap(), data);
    // Declared 1000 rows high, with 8 rows of data in the file.
    let short = dir.path().join("short.tif");
    std::fs::write(&short, one_strip_count_zero(16, 1000, &data)).unwrap();
    let (tiff, image) = open(&short);
    let r = RasterReader::new(&tiff, &image).unwrap();
    let e = r.read_rows(0, 8).unwrap_err();
    assert!(e.message.starts_with("strip 0:"), "{}", e.message);
    let o = common::cogtool(["create", short.to_str().unwrap(), dir.path().join("out.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("strip 0"), "{}", common::stderr(&o));
    assert!(!dir.path().join("out.tif").exists());
}
