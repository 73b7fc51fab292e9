//! `cogtool info` on the committed fixtures: the text summary, the JSON keys
//! scripts rely on, several sources per call, failures mixed with good
//! sources, `-q`/`-v`, exit codes, and hostile files. Expected values come
//! from how testdata/gen/base.sh built each fixture (see testdata/README.md).

use crate::common;
use common::*;
use serde_json::Value;

fn json_of(name: &str) -> Value {
    let o = cogtool(["info", "--json", testdata(name).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}: stderr {}", name, stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one JSON line per source");
    serde_json::from_str(&out).expect("valid JSON")
}

fn overviews(j: &Value) -> Vec<(u64, u64, u64)> {
    j["overviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["width"].as_u64().unwrap(), o["height"].as_u64().unwrap(), o["decimation"].as_u64().unwrap()))
        .collect()
}

fn kinds(j: &Value) -> Vec<String> {
    j["ifds"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap().to_string()).collect()
}

fn tag<'a>(ifd: &'a Value, name: &str) -> &'a Value {
    ifd["tags"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no tag {}", name))
}

#[test]
fn json_has_every_documented_key() {
    let j = json_of("cog_rgb_deflate.tif");
    for k in [
        "path",
        "file_size",
        "byte_order",
        "bigtiff",
        "header_bytes",
        "ghost",
        "ifds",
        "geo",
        "overviews",
        "masks",
        "sidecars",
    ] {
        assert!(j.get(k).is_some(), "missing top-level key {}", k);
    }
    for k in [
        "offset",
        "kind",
        "new_subfile_type",
        "width",
        "height",
        "bands",
        "bits_per_sample",
        "sample_format",
        "dtype",
        "tiled",
        "block_width",
        "block_height",
        "blocks",
        "compression",
        "compression_code",
        "predictor",
        "photometric",
        "planar",
        "tags",
    ] {
        assert!(j["ifds"][0].get(k).is_some(), "missing IFD key {}", k);
    }
    for k in ["crs", "geotransform", "nodata", "geokeys", "gdal_metadata", "band_descriptions"] {
        assert!(j["geo"].get(k).is_some(), "missing geo key {}", k);
    }
    for k in ["code", "name", "type", "count", "value"] {
        assert!(j["ifds"][0]["tags"][0].get(k).is_some(), "missing tag key {}", k);
    }
}

#[test]
fn json_rgb_deflate_cog() {
    let j = json_of("cog_rgb_deflate.tif");
    let size = std::fs::metadata(testdata("cog_rgb_deflate.tif")).unwrap().len();
    assert_eq!(j["file_size"], size);
    assert_eq!(j["byte_order"], "little");
    assert_eq!(j["bigtiff"], false);
    assert!(j["path"].as_str().unwrap().ends_with("cog_rgb_deflate.tif"));
    let h = j["header_bytes"].as_u64().unwrap();
    assert!(h > 8 && h < 16384, "header_bytes {}", h);
    assert_eq!(j["ghost"]["LAYOUT"], "IFDS_BEFORE_DATA");
    assert_eq!(j["ghost"]["BLOCK_ORDER"], "ROW_MAJOR");
    let m = &j["ifds"][0];
    assert_eq!(m["kind"], "image");
    assert_eq!((m["width"].as_u64(), m["height"].as_u64()), (Some(1100), Some(900)));
    assert_eq!(m["bands"], 3);
    assert_eq!(m["bits_per_sample"], serde_json::json!([8, 8, 8]));
    assert_eq!(m["sample_format"], "uint");
    assert_eq!(m["dtype"], "Byte");
    assert_eq!(m["tiled"], true);
    assert_eq!((m["block_width"].as_u64(), m["block_height"].as_u64()), (Some(512), Some(512)));
    assert_eq!(m["blocks"], 6);
    assert_eq!(m["compression"], "deflate");
    assert_eq!(m["compression_code"], 8);
    assert_eq!(m["predictor"], 1);
    assert_eq!(m["photometric"], "rgb");
    assert_eq!(m["planar"], "contig");
    // GDAL puts the first IFD right after the ghost area, on a word boundary.
    assert_eq!(m["offset"], (8 + 43 + ghost_body_len(&j)).next_multiple_of(2));
    assert_eq!(tag(m, "TileOffsets")["count"], 6);
    assert_eq!(kinds(&j), ["image", "overview", "overview"]);
    assert_eq!(overviews(&j), [(550, 450, 2), (275, 225, 4)]);
    assert_eq!(j["masks"], 0);
    assert_eq!(j["geo"]["crs"], "EPSG:32633");
    assert_eq!(j["geo"]["geotransform"], serde_json::json!([500000.0, 10.0, 0.0, 5400000.0, 0.0, -10.0]));
    assert_eq!(j["geo"]["nodata"], Value::Null);
    assert_eq!(j["geo"]["band_descriptions"].as_array().unwrap().len(), 3);
    let keys: Vec<&str> = j["geo"]["geokeys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert!(keys.contains(&"ProjectedCSTypeGeoKey"), "{:?}", keys);
}

/// Bytes of the ghost area after its 43-byte first line, from its items.
fn ghost_body_len(j: &Value) -> u64 {
    // GDAL's body: "KEY=VALUE\n" per item plus the trailing space.
    j["ghost"].as_object().unwrap().iter().map(|(k, v)| (k.len() + v.as_str().unwrap().len() + 2) as u64).sum::<u64>()
        + 1
}

#[test]
fn json_bigtiff_lzw_cog() {
    let j = json_of("cog_gray_lzw_bigtiff.tif");
    assert_eq!(j["bigtiff"], true);
    let m = &j["ifds"][0];
    assert_eq!((m["width"].as_u64(), m["height"].as_u64(), m["bands"].as_u64()), (Some(600), Some(500), Some(1)));
    assert_eq!(m["compression"], "lzw");
    assert_eq!(m["compression_code"], 5);
    assert_eq!(m["predictor"], 2);
    assert_eq!(m["photometric"], "minisblack");
    assert_eq!(m["block_width"], 256);
    assert_eq!(tag(m, "TileOffsets")["type"], "LONG8");
    assert_eq!(overviews(&j), [(300, 250, 2), (150, 125, 4)]);
    assert_eq!(j["geo"]["crs"], "EPSG:4326");
}

#[test]
fn json_jpeg_cog_with_mask() {
    let j = json_of("cog_mask_jpeg.tif");
    let m = &j["ifds"][0];
    assert_eq!(m["compression"], "jpeg");
    assert_eq!(m["photometric"], "ycbcr");
    assert_eq!(m["bands"], 3);
    assert!(m["tags"].as_array().unwrap().iter().any(|t| t["name"] == "JPEGTables"));
    assert_eq!(j["masks"], 2);
    assert_eq!(overviews(&j), [(256, 192, 2)]);
    let mut k = kinds(&j);
    k.sort();
    assert_eq!(k, ["image", "mask", "overview", "overview_mask"]);
    let mask = j["ifds"].as_array().unwrap().iter().find(|i| i["kind"] == "mask").unwrap();
    assert_eq!((mask["width"].as_u64(), mask["height"].as_u64()), (Some(512), Some(384)));
    assert_eq!(mask["new_subfile_type"], 4);
    assert_eq!(mask["photometric"], "mask");
    assert_eq!(j["ghost"]["MASK_INTERLEAVED_WITH_IMAGERY"], "YES");
    assert_eq!(j["geo"]["crs"], "EPSG:3857");
    let t = stdout(&cogtool(["info", testdata("cog_mask_jpeg.tif").to_str().unwrap()]));
    assert!(t.contains("Masks: 2 (512x384, 256x192)"), "{}", t);
    assert!(t.contains("Overviews: 256x192 (/2)"), "{}", t);
}

#[test]
fn json_float32_nodata_cog() {
    let j = json_of("cog_float32_nodata.tif");
    let m = &j["ifds"][0];
    assert_eq!(m["dtype"], "Float32");
    assert_eq!(m["sample_format"], "float");
    assert_eq!(m["bits_per_sample"], serde_json::json!([32]));
    assert_eq!(m["predictor"], 3);
    assert_eq!(m["block_width"], 128);
    assert_eq!(m["blocks"], 3 * 2);
    assert_eq!(j["geo"]["nodata"], -9999.0);
    assert_eq!(overviews(&j), [(150, 100, 2), (75, 50, 4)]);
    // GDAL_METADATA: a dataset item (GDAL stores values escaped twice) and
    // band items with roles.
    let md = j["geo"]["gdal_metadata"].as_array().unwrap();
    let item = |name: &str| md.iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("no item {}", name));
    assert_eq!(item("SOURCE")["value"], "cogtool <testdata> & base.sh");
    assert!(item("SOURCE").get("band").is_none());
    assert_eq!(item("SCALE")["value"], "0.5");
    assert_eq!(item("SCALE")["band"], 1);
    assert_eq!(item("SCALE")["role"], "scale");
    assert_eq!(item("OFFSET")["value"], "10");
    assert_eq!(item("UNITTYPE")["value"], "m");
    assert_eq!(j["geo"]["band_descriptions"], serde_json::json!(["elevation"]));
    let t = stdout(&cogtool(["info", testdata("cog_float32_nodata.tif").to_str().unwrap()]));
    assert!(t.contains("NoData: -9999"), "{}", t);
    assert!(t.contains("Compression: deflate, predictor 3 (floating point), photometric minisblack"), "{}", t);
    assert!(t.contains("Metadata: band 1 DESCRIPTION=elevation [description]"), "{}", t);
}

#[test]
fn json_tile_grid_without_overviews() {
    let j = json_of("cog_3x2_tiles.tif");
    assert_eq!(j["ifds"].as_array().unwrap().len(), 1);
    assert_eq!(j["ifds"][0]["blocks"], 6);
    assert_eq!(overviews(&j), []);
    assert_eq!(j["geo"]["crs"], "EPSG:32631");
    assert_eq!(j["geo"]["geotransform"], serde_json::json!([600000.0, 20.0, 0.0, 4800000.0, 0.0, -20.0]));
}

#[test]
fn json_striped_and_long_arrays() {
    let j = json_of("striped.tif");
    assert_eq!(j["ghost"], Value::Null);
    let m = &j["ifds"][0];
    assert_eq!(m["tiled"], false);
    assert_eq!((m["block_width"].as_u64(), m["block_height"].as_u64()), (Some(200), Some(4)));
    assert_eq!(m["blocks"], 38);
    assert_eq!(m["compression"], "none");
    // 38 strip offsets: 24 shown, then a "..." marker.
    let offs = tag(m, "StripOffsets");
    assert_eq!(offs["count"], 38);
    let shown = offs["value"].as_array().unwrap();
    assert_eq!(shown.len(), 25);
    assert_eq!(shown[24], "...");
    // --all-values prints them whole.
    let o = cogtool(["info", "--json", "--all-values", testdata("striped.tif").to_str().unwrap()]);
    let all: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let offs = tag(&all["ifds"][0], "StripOffsets")["value"].as_array().unwrap().clone();
    assert_eq!(offs.len(), 38);
    // Uncompressed strips of 200x4x3 bytes are contiguous.
    assert_eq!(offs[1].as_u64().unwrap() - offs[0].as_u64().unwrap(), 200 * 4 * 3);
}

#[test]
fn json_tiled_not_cog_and_big_endian() {
    let j = json_of("tiled_not_cog.tif");
    assert_eq!(j["ghost"], Value::Null);
    assert_eq!(overviews(&j), [(250, 200, 2), (125, 100, 4)]);
    let b = json_of("tiled_bigendian.tif");
    assert_eq!(b["byte_order"], "big");
    let m = &b["ifds"][0];
    assert_eq!(m["dtype"], "UInt16");
    assert_eq!(m["block_width"], 128);
    assert_eq!(b["geo"]["nodata"], 0.0);
    assert_eq!(b["geo"]["crs"], "EPSG:32629");
    assert_eq!(overviews(&b), [(200, 150, 2)]);
}

#[test]
fn text_summary_then_every_ifd() {
    let o = cogtool(["info", testdata("cog_rgb_deflate.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty(), "stderr: {}", stderr(&o));
    let t = stdout(&o);
    for want in [
        "Raster: 1100 x 900, 3 band(s), Byte",
        "tiles 512 x 512",
        "Compression: deflate",
        "CRS: EPSG:32633",
        "Origin: (500000, 5400000)",
        "Resolution: (10, -10)",
        "Bounds: (500000, 5391000) - (511000, 5400000)",
        "Overviews: 550x450 (/2), 275x225 (/4)",
        "Masks: 0",
        "LAYOUT=IFDS_BEFORE_DATA",
        "IFD 0 at offset",
        "IFD 2 at offset",
        "TileOffsets (324) LONG (6)",
        "Compression (259) SHORT (1) 8 (deflate)",
        "PhotometricInterpretation (262) SHORT (1) 2 (rgb)",
        "NewSubfileType (254) LONG (1) 1 (reduced resolution)",
        "ProjectedCSTypeGeoKey (3072): 32633",
    ] {
        assert!(t.contains(want), "missing {:?} in:\n{}", want, t);
    }
    assert!(t.find("Raster:").unwrap() < t.find("IFD 0 at offset").unwrap(), "summary comes first");
}

#[test]
fn text_shortens_long_arrays_unless_all_values() {
    let p = testdata("striped.tif");
    let short = stdout(&cogtool(["info", p.to_str().unwrap()]));
    let line = short.lines().find(|l| l.trim_start().starts_with("StripOffsets")).unwrap();
    assert!(line.ends_with("... (38 values)"), "{}", line);
    let all = stdout(&cogtool(["info", "--all-values", p.to_str().unwrap()]));
    let line = all.lines().find(|l| l.trim_start().starts_with("StripOffsets")).unwrap();
    assert!(!line.contains("..."), "{}", line);
    assert_eq!(line.split_whitespace().count(), 4 + 38, "{}", line);
}

#[test]
fn several_sources_one_json_line_each() {
    let names = ["cog_rgb_deflate.tif", "striped.tif", "tiled_bigendian.tif"];
    let paths: Vec<String> = names.iter().map(|n| testdata(n).to_str().unwrap().to_string()).collect();
    let mut args = vec!["info".to_string(), "--json".to_string()];
    args.extend(paths.clone());
    let o = cogtool(&args);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    for (line, p) in lines.iter().zip(&paths) {
        let j: Value = serde_json::from_str(line).unwrap();
        assert_eq!(j["path"], p.as_str());
    }
    // Text: one "File:" block per source, in order.
    let o = cogtool(std::iter::once("info".to_string()).chain(paths.clone()));
    let t = stdout(&o);
    let starts: Vec<usize> = paths.iter().map(|p| t.find(&format!("File: {}", p)).expect("File: line")).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn failing_source_among_good_ones() {
    let good = testdata("cog_3x2_tiles.tif").to_str().unwrap().to_string();
    let missing = testdata("no_such_file.tif").to_str().unwrap().to_string();
    let bad = testdata("bad_truncated.tif").to_str().unwrap().to_string();
    let o = cogtool(["info", "--json", &good, &missing, &bad, &good]);
    assert_eq!(o.status.code(), Some(2), "any failure makes the exit code 2");
    let out = stdout(&o);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "the run goes on after a failure");
    assert_eq!(lines[0]["ifds"][0]["blocks"], 6);
    assert_eq!(lines[3]["ifds"][0]["blocks"], 6);
    assert_eq!(lines[1]["path"], missing.as_str());
    assert!(lines[1]["error"].as_str().unwrap().contains("no such file"), "{}", lines[1]);
    assert_eq!(lines[2]["path"], bad.as_str());
    assert!(lines[2]["error"].is_string());
    let err = stderr(&o);
    let elines: Vec<&str> = err.lines().collect();
    assert_eq!(elines.len(), 2, "one line per failed source: {}", err);
    assert!(elines[0].starts_with(&format!("cogtool: {}: ", missing)), "{}", elines[0]);
    assert!(elines[1].starts_with(&format!("cogtool: {}: ", bad)), "{}", elines[1]);
    // Text mode too: good output for the good files, exit 2.
    let o = cogtool(["info", &good, &missing]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("Raster: 700 x 400"));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn hostile_files_fail_cleanly() {
    let cases = [
        ("bad_truncated.tif", "past end of file"),
        ("bad_offset_past_end.tif", "9123"),
        ("bad_huge_count.tif", "4294967295"),
        ("bad_bigtiff_offset.tif", "past end of file"),
        ("bad_empty.tif", "empty"),
        ("bad_png.tif", "PNG"),
    ];
    for (name, needle) in cases {
        let p = testdata(name);
        let p = p.to_str().unwrap();
        for json in [false, true] {
            let mut args = vec!["info"];
            if json {
                args.push("--json");
            }
            args.push(p);
            let o = cogtool(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{}: exit {:?}, stderr {}", name, o.status.code(), err);
            assert_eq!(err.lines().count(), 1, "{}: one line on stderr, got {:?}", name, err);
            assert!(err.starts_with(&format!("cogtool: {}: ", p)), "{}: {}", name, err);
            assert!(err.contains(needle), "{}: expected {:?} in {:?}", name, needle, err);
            assert!(!err.contains("panicked"), "{}", err);
            if json {
                let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
                assert_eq!(j["path"], p);
                assert!(j["error"].as_str().unwrap().contains(needle));
            } else {
                assert!(stdout(&o).is_empty(), "{}: no partial output", name);
            }
        }
    }
}

#[test]
fn directory_and_missing_file() {
    let o = cogtool(["info", testdata("").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    let o = cogtool(["info", "/nonexistent/x.tif"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim_end(), "cogtool: /nonexistent/x.tif: no such file or directory");
}

#[test]
fn quiet_keeps_output_and_errors() {
    let p = testdata("cog_rgb_deflate.tif");
    let loud = cogtool(["info", "--json", p.to_str().unwrap()]);
    let quiet = cogtool(["-q", "info", "--json", p.to_str().unwrap()]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(quiet.stdout, loud.stdout, "-q changes messages, not output");
    assert!(quiet.stderr.is_empty());
    // Errors are still printed under -q.
    let o = cogtool(["-q", "info", testdata("bad_empty.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn usage_errors_exit_2() {
    let o = cogtool(["info"]);
    assert_eq!(o.status.code(), Some(2), "no source");
    let o = cogtool(["info", "--no-such-option", "x.tif"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cogtool(["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cogtool(["info", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--json"));
}

#[test]
fn verbose_logs_each_read_and_header_fits_two_reads() {
    // The whole header of this COG (ghost area, IFDs, strile arrays) is
    // well inside the first 16 KiB, so describing it takes at most 2 reads.
    for args in [vec!["-v", "info"], vec!["-v", "info", "--json"]] {
        let p = testdata("cog_rgb_deflate.tif");
        let mut a = args.clone();
        a.push(p.to_str().unwrap());
        let o = cogtool(&a);
        assert_eq!(o.status.code(), Some(0));
        let err = stderr(&o);
        let reads: Vec<&str> = err.lines().filter(|l| l.starts_with("cogtool: read bytes ")).collect();
        assert!(!reads.is_empty(), "-v logs reads: {:?}", err);
        assert!(reads.len() <= 2, "{} reads: {:?}", reads.len(), reads);
        // Then one summary line naming the source.
        let summary = format!("cogtool: {}: {} read(s), ", p.display(), reads.len());
        assert!(err.lines().last().unwrap().starts_with(&summary), "{}", err);
        assert_eq!(reads.len() + 1, err.lines().count(), "only read lines and the summary on stderr: {}", err);
        // The first read is the 16 KiB header read from offset 0.
        assert!(reads[0].starts_with("cogtool: read bytes 0-16384 "), "{}", reads[0]);
    }
    // Without -v there is no log.
    let o = cogtool(["info", testdata("cog_rgb_deflate.tif").to_str().unwrap()]);
    assert!(stderr(&o).is_empty());
}

/// A 1,000,000 x 1,000,000 tiled TIFF (3.8 million tiles, two 15 MB strile
/// arrays) written as a sparse temp file: listing its tags must read only
/// the header and the values shown, never the arrays whole.
#[test]
fn huge_strile_arrays_are_not_read_to_list_tags() {
    use std::io::{Seek, SeekFrom, Write};
    let tiles_across: u64 = 1_000_000u64.div_ceil(512);
    let n = tiles_across * tiles_across;
    let off1: u64 = 4096;
    let off2 = off1 + 4 * n;
    let file_len = off2 + 4 * n + 1024;
    let mut ifd: Vec<(u16, u16, u32, u32)> = vec![
        (256, 4, 1, 1_000_000),
        (257, 4, 1, 1_000_000),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (277, 3, 1, 1),
        (322, 3, 1, 512),
        (323, 3, 1, 512),
        (324, 4, n as u32, off1 as u32),
        (325, 4, n as u32, off2 as u32),
    ];
    ifd.sort();
    let mut b = b"II*\0".to_vec();
    b.extend_from_slice(&8u32.to_le_bytes());
    b.extend_from_slice(&(ifd.len() as u16).to_le_bytes());
    for (tag, ty, count, v) in ifd {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.tif");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&b).unwrap();
    // First tile offsets, so the shown values are real; the rest stays sparse.
    f.seek(SeekFrom::Start(off1)).unwrap();
    for i in 0..30u32 {
        f.write_all(&(file_len as u32 - 1000 + i).to_le_bytes()).unwrap();
    }
    f.set_len(file_len).unwrap();
    drop(f);
    let p = path.to_str().unwrap();
    for json in [true, false] {
        let mut args = vec!["-v", "info"];
        if json {
            args.push("--json");
        }
        args.push(p);
        let o = cogtool(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let err = stderr(&o);
        let summary = err.lines().last().unwrap();
        let bytes: u64 = summary.rsplit(", ").next().unwrap().trim_end_matches(" bytes").parse().unwrap();
        assert!(bytes < 256 * 1024, "read {} bytes of a {}-byte file to list tags: {}", bytes, file_len, err);
        if json {
            let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(j["ifds"][0]["blocks"], n);
            let offs = tag(&j["ifds"][0], "TileOffsets");
            assert_eq!(offs["count"], n);
            assert_eq!(offs["value"][0], file_len - 1000);
            assert_eq!(offs["value"].as_array().unwrap().len(), 25);
        } else {
            assert!(stdout(&o).contains(&format!("... ({} values)", n)));
        }
    }
}

/// The ghost area GDAL wrote is byte-for-byte what `Ghost::gdal_bytes`
/// produces (the COG writer relies on it), with and without a mask.
#[test]
fn ghost_area_matches_gdal_bytes() {
    for (name, with_mask) in
        [("cog_rgb_deflate.tif", false), ("cog_mask_jpeg.tif", true), ("cog_gray_lzw_bigtiff.tif", false)]
    {
        let file = std::fs::read(testdata(name)).unwrap();
        let want = cogtool::tiff::Ghost::gdal_bytes(with_mask);
        let at = if name.contains("bigtiff") { 16 } else { 8 };
        assert_eq!(&file[at..at + want.len()], &want[..], "{}", name);
    }
}

/// A `.ovr` or `.msk` next to the source is reported (GDAL reads them, so
/// its overview list differs from the file's own).
#[test]
fn sidecars_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let tif = dir.path().join("a.tif");
    std::fs::copy(testdata("cog_3x2_tiles.tif"), &tif).unwrap();
    let p = tif.to_str().unwrap();
    let j: serde_json::Value = serde_json::from_str(&stdout(&cogtool(["info", "--json", p]))).unwrap();
    assert_eq!(j["sidecars"], serde_json::json!([]));
    std::fs::copy(testdata("tiled_not_cog.tif"), dir.path().join("a.tif.ovr")).unwrap();
    let o = cogtool(["info", "--json", p]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["sidecars"], serde_json::json!([".ovr"]));
    let t = stdout(&cogtool(["info", p]));
    assert!(t.contains(&format!("Sidecar: {}.ovr (GDAL also reads its overviews)", p)), "{}", t);
}

/// A tag that is not needed to describe the image, with a count of 2^32-1,
/// is listed with an error in its value while the rest is described (GDAL
/// ignores such tags too); the same count on BitsPerSample is refused
/// (bad_huge_count.tif, in hostile_files_fail_cleanly).
#[test]
fn unreadable_optional_tag_is_shown_not_fatal() {
    let entries: [(u16, u16, u32, u32); 8] = [
        (256, 3, 1, 8),
        (257, 3, 1, 8),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (270, 2, u32::MAX, 8), // ImageDescription: 4 GiB of text in a tiny file
        (273, 4, 1, 8),
        (279, 4, 1, 64),
    ];
    let mut b = b"II*\0".to_vec();
    b.extend_from_slice(&72u32.to_le_bytes());
    b.extend_from_slice(&[7u8; 64]);
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, v) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desc.tif");
    std::fs::write(&path, &b).unwrap();
    let p = path.to_str().unwrap();
    let o = cogtool(["info", "--json", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((j["ifds"][0]["width"].as_u64(), j["ifds"][0]["height"].as_u64()), (Some(8), Some(8)));
    let d = tag(&j["ifds"][0], "ImageDescription");
    assert_eq!(d["count"], u32::MAX);
    assert!(d["value"]["error"].as_str().unwrap().contains("past end of file"), "{}", d);
    let t = stdout(&cogtool(["info", p]));
    assert!(t.contains("ImageDescription (270) ASCII (4294967295) <"), "{}", t);
}

#[test]
fn user_defined_crs_is_described_from_its_geokeys() {
    // User-defined polar stereographic: no EPSG code, GDAL still names a projected CRS.
    let t = stdout(&cogtool(["info", testdata("readside_polar_f32.tif").to_str().unwrap()]));
    assert!(
        t.contains(
            "  CRS: user-defined projected CRS, Polar Stereographic, datum of EPSG:4326, citation \"unknown\"\n"
        ),
        "{}",
        t
    );
    let j = json_of("readside_polar_f32.tif");
    let crs = j["geo"]["crs"].as_str().unwrap();
    assert!(crs.contains("Polar Stereographic"), "{}", crs);
    // A code, when there is one, stays as it was.
    assert_eq!(json_of("cog_rgb_deflate.tif")["geo"]["crs"], "EPSG:32633");
}

#[test]
fn nodata_text_is_the_shortest_that_round_trips() {
    let t = stdout(&cogtool(["info", testdata("readside_polar_f32.tif").to_str().unwrap()]));
    assert!(t.contains("  NoData: -3.4e+38\n"), "{}", t);
    let t = stdout(&cogtool(["info", testdata("readside_gcps.tif").to_str().unwrap()]));
    assert!(t.contains("  NoData: 1e+20\n"), "{}", t);
    let t = stdout(&cogtool(["info", testdata("tiled_bigendian.tif").to_str().unwrap()]));
    assert!(t.contains("  NoData: 0\n"), "{}", t);
    // JSON keeps a number.
    assert!(json_of("readside_polar_f32.tif")["geo"]["nodata"].as_f64().unwrap() < -3.39e38);
}

#[test]
fn gcps_are_listed() {
    let t = stdout(&cogtool(["info", testdata("readside_gcps.tif").to_str().unwrap()]));
    assert!(
        t.contains("  GCPs: 5: (0, 0) -> (10, 50, 0), (5, 2) -> (11, 49, 0), (10, 4) -> (12, 48, 0), ...\n"),
        "{}",
        t
    );
    let j = json_of("readside_gcps.tif");
    let g = j["geo"]["gcps"].as_array().unwrap();
    assert_eq!(g.len(), 5);
    assert_eq!(g[4], serde_json::json!({"pixel": 20.0, "line": 8.0, "x": 14.0, "y": 46.0, "z": 0.0}));
    assert_eq!(json_of("cog_rgb_deflate.tif")["geo"]["gcps"], serde_json::json!([]));
}

#[test]
fn truncated_cog_warns_but_describes() {
    let p = testdata("readside_truncated.tif");
    let p = p.to_str().unwrap();
    let o = cogtool(["info", p]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{}", err);
    assert!(err.starts_with(&format!("cogtool: {}: warning: 8 of 9 tiles/strips reach past the end", p)), "{}", err);
    assert!(stdout(&o).contains("File: "));
    // An intact file says nothing.
    let o = cogtool(["info", testdata("cog_rgb_deflate.tif").to_str().unwrap()]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn broken_ifd_chain_is_read_leniently_with_a_warning() {
    let p = testdata("bad_ifd_loop.tif");
    let p = p.to_str().unwrap();
    for json in [false, true] {
        let o = if json { cogtool(["info", "--json", p]) } else { cogtool(["info", p]) };
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{}", err);
        assert!(err.starts_with(&format!("cogtool: {}: warning: IFD chain loops back", p)), "{}", err);
        if json {
            let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(j["ifds"].as_array().unwrap().len(), 2);
        } else {
            assert!(stdout(&o).contains("IFD 1 at offset"), "{}", stdout(&o));
        }
    }
    // dump reads the same chain and warns the same way.
    let o = cogtool(["dump", "--xyz", "0", "0", "0", "-o", "/dev/null", p]);
    assert!(stderr(&o).contains("warning: IFD chain loops back"), "{}", stderr(&o));
}

#[test]
fn subifd_overviews_are_listed() {
    // GDAL reads SubIFDs (tag 330) of the first IFD as overviews.
    let j = json_of("readside_subifd_overview.tif");
    assert_eq!(kinds(&j), vec!["image", "overview"]);
    assert_eq!(j["ifds"][1]["sub_ifd"], true);
    assert_eq!(j["ifds"][1]["offset"], 400);
    assert_eq!(overviews(&j), vec![(32, 32, 2)]);
    let t = stdout(&cogtool(["info", testdata("readside_subifd_overview.tif").to_str().unwrap()]));
    assert!(t.contains("  Overviews: 32x32 (/2)\n"), "{}", t);
    assert!(t.contains("SubIFD of IFD 0, IFD 1 at offset 400 (overview, 32x32)"), "{}", t);
}

/// A reader that goes away (`cogtool info ... | head -1`) ends the run
/// quietly with exit 0, not as an I/O failure.
#[test]
fn a_closed_stdout_is_a_normal_end() {
    use std::process::{Command, Stdio};
    let files: Vec<_> = std::fs::read_dir(testdata(""))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tif") && !p.to_string_lossy().contains("bad_"))
        .collect();
    // Enough sources that the output cannot all fit in the pipe before it closes.
    let mut args = vec!["info".to_string(), "--all-values".to_string()];
    for _ in 0..20 {
        args.extend(files.iter().map(|p| p.to_string_lossy().into_owned()));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
}
