//! `--rules ogc`: the requirement classes of the OGC Cloud Optimized
//! GeoTIFF standard (OGC 21-026, 1.0) that concern the file, one rule per
//! requirement (its ID names the requirement), recommendations as warnings
//! or infos. GDAL's validator checks GDAL's layout; the standard asks for
//! other things too: every IFD tiled (masks included, whatever its size),
//! the NewSubfileType chain of reduced resolutions, georeferencing on full
//! resolution IFDs and none on reduced ones, resolution steps of 2 to 10
//! with the last level one tile across or down, square tiles no larger than
//! a viewport, BigTIFF only when needed. docs/validate.md has the table of
//! requirements, rules, and what GDAL's script checks of them.
//!
//! Masks (NewSubfileType bit 2) form an image of their own: their levels
//! are checked as a chain apart from the imagery's, so GDAL's interleaving
//! of mask IFDs passes, as the standard's note on several images allows.

use super::findings::{Finding, Rule};
use crate::source::http::ServerProbe;
use crate::tiff::{Compression, Image, Tiff, tags};

/// The screen a tile must fit (`/req/optimized_geotiff/small-sizes` B
/// speaks of "the common screen viewport"): full HD, 1920 x 1080.
pub const VIEWPORT_SIDE: u64 = 1080;

/// 4 GiB: the limit of classic TIFF offsets.
const CLASSIC_LIMIT: u64 = 1 << 32;

/// Every OGC finding for the file; `gdal_errors`: GDAL's layout errors,
/// folded into the IFD-order recommendation.
pub fn check(tiff: &Tiff, gdal_errors: &[Finding], out: &mut Vec<Finding>) {
    let images = match Image::all(tiff) {
        Ok(i) => i,
        Err(e) => {
            out.push(Finding::new(Rule::NotTiff, format!("not a readable TIFF: {}", e.message)));
            return;
        }
    };
    let size = tiff.file_size;
    if !tiff.bigtiff && size > CLASSIC_LIMIT {
        push(out, Rule::OgcUseGeotiff, format!("the file has {} bytes, over 4 GiB, and is not a BigTIFF", size));
    }
    if tiff.bigtiff && size <= CLASSIC_LIMIT {
        push(out, Rule::OgcRecClassicTiff, format!("the file has {} bytes, under 4 GiB, yet is a BigTIFF", size));
    }
    tiling(&images, out);
    let (imagery, masks): (Vec<&Image>, Vec<&Image>) = images.iter().partition(|i| i.new_subfile_type & 4 == 0);
    if !images.iter().any(|i| i.new_subfile_type & 1 == 0) {
        push(
            out,
            Rule::OgcOverviews,
            "no IFD holds full-resolution data (NewSubfileType bit 0 set in every IFD)".into(),
        );
    }
    for chain in [&imagery, &masks] {
        reduced_chain(chain, out);
    }
    georeferencing(tiff, &images, out);
    number(&imagery, out);
    tile_sizes(&images, out);
    if let Some(i) = images.iter().find(|i| i.compression == Compression::NONE) {
        push(out, Rule::OgcRecCompression, format!("{} is not compressed", describe(i)));
    }
    if let Some(first) = gdal_errors.iter().find(|f| f.severity == super::Severity::Error) {
        push(
            out,
            Rule::OgcRecIfdOrder,
            format!(
                "the layout is not GDAL's ({} finding(s), first {}: {})",
                gdal_errors.len(),
                first.rule.id(),
                first.message
            ),
        );
    }
}

/// The http-range class for an `http(s)://` source: the server answers
/// a byte range with 206 and Content-Range (`/req/http-range/range`), and
/// allows a browser's cross-origin ranged reads (`/req/http-range/https-headers`:
/// required of HTTPS servers; for plain HTTP only an info, as a browser
/// client on an HTTPS page cannot use it anyway).
pub fn check_server(url: &str, probe: crate::Result<ServerProbe>, out: &mut Vec<Finding>) {
    let probe = match probe {
        Ok(p) => p,
        Err(e) => {
            push(out, Rule::OgcHttpRange, format!("the server could not be asked about ranges: {}", e.message));
            return;
        }
    };
    if probe.range_status != 206 || !probe.content_range {
        push(
            out,
            Rule::OgcHttpRange,
            format!(
                "a request for bytes 0-0 got HTTP {}{}: the server does not serve byte ranges",
                probe.range_status,
                if probe.content_range { "" } else { " without Content-Range" }
            ),
        );
    }
    let origin_ok = probe.allow_origin.is_some();
    let headers_ok = probe
        .allow_headers
        .as_deref()
        .is_some_and(|h| h.split(',').map(str::trim).any(|x| x == "*" || x.eq_ignore_ascii_case("range")));
    if !(origin_ok && headers_ok) {
        let what = match (origin_ok, headers_ok) {
            (false, _) => "no Access-Control-Allow-Origin".to_string(),
            _ => format!(
                "its CORS preflight (HTTP {}) does not allow the Range header (Access-Control-Allow-Headers: {})",
                probe.preflight_status.map_or("none".into(), |s| s.to_string()),
                probe.allow_headers.as_deref().unwrap_or("absent")
            ),
        };
        let https = url.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://"));
        let mut f = Finding::new(
            Rule::OgcHttpsHeaders,
            format!("the server sends {}: browsers cannot read ranges across origins", what),
        );
        if !https {
            f.severity = super::Severity::Info;
        }
        out.push(f);
    }
}

fn push(out: &mut Vec<Finding>, rule: Rule, message: String) {
    out.push(Finding::new(rule, message));
}

fn describe(i: &Image) -> String {
    format!("IFD {} ({}, {}x{})", i.index, i.kind.name(), i.width, i.height)
}

/// `/req/geotiff-format/tiling`: every IFD in tiles.
fn tiling(images: &[Image], out: &mut Vec<Finding>) {
    for i in images.iter().filter(|i| !i.tiled) {
        push(out, Rule::OgcTiling, format!("{} is stored in strips, not tiles", describe(i)));
    }
}

/// `/req/geotiff-overviews/overviews`: within an image (the imagery, or the
/// mask), a full-resolution IFD followed by reduced-resolution IFDs, each
/// smaller than the one before.
fn reduced_chain(chain: &[&Image], out: &mut Vec<Finding>) {
    let mut prev: Option<&Image> = None;
    for &i in chain {
        let reduced = i.new_subfile_type & 1 != 0;
        match (reduced, prev) {
            (false, _) => {}
            (true, None) => push(
                out,
                Rule::OgcOverviews,
                format!("{} is reduced-resolution data with no full-resolution IFD before it", describe(i)),
            ),
            (true, Some(p)) => {
                let smaller = i.width <= p.width && i.height <= p.height && (i.width < p.width || i.height < p.height);
                if !smaller {
                    push(
                        out,
                        Rule::OgcOverviews,
                        format!("{} is not smaller than the IFD before it ({}x{})", describe(i), p.width, p.height),
                    );
                }
            }
        }
        prev = Some(i);
    }
}

/// The georeferencing requirements: keys on full-resolution imagery
/// (`/req/geotiff-keys/basic-metadata-format`, `/req/geotiff-keys/georeference`,
/// `/req/optimized_geotiff/geotiff`), none on reduced resolutions
/// (`/req/geotiff-keys/point-of-origin`).
fn georeferencing(tiff: &Tiff, images: &[Image], out: &mut Vec<Finding>) {
    let has = |i: &Image, t: u16| tiff.ifds[i.index].entry(t).is_some();
    for i in images.iter().filter(|i| i.new_subfile_type & 5 == 0) {
        if !has(i, tags::GEO_KEY_DIRECTORY) {
            push(out, Rule::OgcKeysMetadata, format!("{} has no GeoKeyDirectoryTag: no GeoTIFF metadata", describe(i)));
            push(out, Rule::OgcGeotiffKeys, format!("{} is not georeferenced by GeoTIFF keys", describe(i)));
        }
        let missing: Vec<&str> = [
            (tags::MODEL_TIEPOINT, "ModelTiepointTag"),
            (tags::MODEL_PIXEL_SCALE, "ModelPixelScaleTag"),
            (tags::GEO_KEY_DIRECTORY, "GeoKeyDirectoryTag"),
        ]
        .iter()
        .filter(|(t, _)| !has(i, *t))
        .map(|(_, n)| *n)
        .collect();
        if !missing.is_empty() {
            push(out, Rule::OgcKeysGeoreference, format!("{} lacks {}", describe(i), missing.join(", ")));
        }
    }
    let georef = [
        tags::MODEL_TIEPOINT,
        tags::MODEL_PIXEL_SCALE,
        tags::MODEL_TRANSFORMATION,
        tags::GEO_KEY_DIRECTORY,
        tags::GEO_DOUBLE_PARAMS,
        tags::GEO_ASCII_PARAMS,
    ];
    for i in images.iter().filter(|i| i.new_subfile_type & 1 != 0) {
        if georef.iter().any(|&t| has(i, t)) {
            push(
                out,
                Rule::OgcPointOfOrigin,
                format!("{} is reduced-resolution data yet carries georeferencing tags", describe(i)),
            );
        }
    }
}

/// `/req/optimized_geotiff/number`: each reduced resolution 2 to 10 times
/// coarser than the one before (sizes rounded either way), the last level
/// one tile across or down.
fn number(imagery: &[&Image], out: &mut Vec<Finding>) {
    let Some(full) = imagery.iter().position(|i| i.new_subfile_type & 1 == 0) else { return };
    let levels: Vec<&Image> = std::iter::once(imagery[full])
        .chain(imagery[full + 1..].iter().copied().take_while(|i| i.new_subfile_type & 1 != 0))
        .collect();
    let step_ok = |prev: u64, cur: u64| prev <= 1 || (cur <= prev.div_ceil(2) && cur >= prev / 10);
    for w in levels.windows(2) {
        let (p, c) = (w[0], w[1]);
        if !step_ok(p.width, c.width) || !step_ok(p.height, c.height) {
            push(
                out,
                Rule::OgcNumber,
                format!("{} reduces {}x{} by a factor outside 2 to 10", describe(c), p.width, p.height),
            );
        }
    }
    let last = levels[levels.len() - 1];
    if last.tiled && last.blocks_across > 1 && last.blocks_down > 1 {
        push(
            out,
            Rule::OgcNumber,
            format!(
                "the last level, {}, is {} x {} tiles: a reduced resolution one tile across or down is missing",
                describe(last),
                last.blocks_across,
                last.blocks_down
            ),
        );
    }
}

/// `/req/optimized_geotiff/small-sizes` (square tiles within a viewport)
/// and `/rec/optimized-geotiff/size-and-numbers` (powers of two, one size
/// for all, 256, 512 or 1024).
fn tile_sizes(images: &[Image], out: &mut Vec<Finding>) {
    let tiled: Vec<&Image> = images.iter().filter(|i| i.tiled).collect();
    if let Some(i) = tiled.iter().find(|i| i.block_width != i.block_height) {
        push(
            out,
            Rule::OgcSmallSizes,
            format!("{} has {}x{} tiles, which are not square", describe(i), i.block_width, i.block_height),
        );
    }
    if let Some(i) = tiled.iter().find(|i| i.block_width.max(i.block_height) > VIEWPORT_SIDE) {
        push(
            out,
            Rule::OgcSmallSizes,
            format!(
                "{} has {}x{} tiles, larger than a {}-pixel viewport",
                describe(i),
                i.block_width,
                i.block_height,
                VIEWPORT_SIDE
            ),
        );
    }
    if let Some(i) = tiled.iter().find(|i| !i.block_width.is_power_of_two() || !i.block_height.is_power_of_two()) {
        push(
            out,
            Rule::OgcRecSizeAndNumbers,
            format!("{} has tiles of {}x{}: not a power of two", describe(i), i.block_width, i.block_height),
        );
    }
    if let Some(first) = tiled.first()
        && let Some(i) =
            tiled.iter().find(|i| (i.block_width, i.block_height) != (first.block_width, first.block_height))
    {
        push(
            out,
            Rule::OgcRecSizeAndNumbers,
            format!(
                "{} has {}x{} tiles, {} has {}x{}: not one tile size",
                describe(first),
                first.block_width,
                first.block_height,
                describe(i),
                i.block_width,
                i.block_height
            ),
        );
    }
    if let Some(i) = tiled.iter().find(|i| ![256, 512, 1024].contains(&i.block_width)) {
        push(
            out,
            Rule::OgcRecSizeAndNumbers,
            format!("{} has {}-pixel tiles, not 256, 512 or 1024", describe(i), i.block_width),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{MemSource, Reader};
    use crate::tiff::write::{IfdBuilder, OutTag, header};
    use std::sync::Arc;

    /// One IFD: (width, height, NewSubfileType, tile side or None for a
    /// strip, georeferenced). Tile data are zero bytes at offset 8.
    type Spec = (u32, u32, u32, Option<u32>, bool);

    fn tiff(specs: &[Spec]) -> Tiff {
        let mut builders = Vec::new();
        for &(w, h, nst, tile, geo) in specs {
            let mut b = IfdBuilder::new(false);
            if nst != 0 {
                b.push(OutTag::long(254, nst));
            }
            b.push(OutTag::long(256, w));
            b.push(OutTag::long(257, h));
            b.push(OutTag::short(258, 8));
            b.push(OutTag::short(259, 8));
            b.push(OutTag::short(262, if nst & 4 != 0 { 4 } else { 1 }));
            b.push(OutTag::short(277, 1));
            let n = match tile {
                Some(t) => {
                    b.push(OutTag::long(322, t));
                    b.push(OutTag::long(323, t));
                    (w.div_ceil(t) * h.div_ceil(t)) as usize
                }
                None => {
                    b.push(OutTag::long(278, h));
                    1
                }
            };
            let (offs, counts) = if tile.is_some() { (324, 325) } else { (273, 279) };
            b.push(OutTag::longs(offs, &vec![8; n]));
            b.push(OutTag::longs(counts, &vec![1; n]));
            if geo {
                b.push(OutTag::doubles(33550, &[1.0, 1.0, 0.0]));
                b.push(OutTag::doubles(33922, &[0.0, 0.0, 0.0, 500000.0, 4200000.0, 0.0]));
                b.push(OutTag::shorts(34735, &[1, 1, 0, 1, 1024, 0, 1, 1]));
            }
            builders.push(b);
        }
        let mut at = 16u64;
        let mut offsets = Vec::new();
        for b in &builders {
            offsets.push(at);
            at += b.size().next_multiple_of(2);
        }
        let mut bytes = header(false, offsets[0]);
        bytes.resize(16, 0);
        for (k, b) in builders.iter().enumerate() {
            let next = offsets.get(k + 1).copied().unwrap_or(0);
            bytes.resize(offsets[k] as usize, 0);
            bytes.extend(b.encode(offsets[k], next));
        }
        let reader = Reader::new(Arc::new(MemSource::new(bytes)), 1 << 16, false);
        Tiff::open(Arc::new(reader)).unwrap()
    }

    fn rules(specs: &[Spec]) -> Vec<&'static str> {
        let mut out = Vec::new();
        check(&tiff(specs), &[], &mut out);
        out.iter().filter(|f| f.severity == super::super::Severity::Error).map(|f| f.rule.id()).collect()
    }

    #[test]
    fn a_clean_pyramid_with_its_mask_passes() {
        let specs = [
            (1024, 1024, 0, Some(512), true),
            (1024, 1024, 4, Some(512), false),
            (512, 512, 1, Some(512), false),
            (512, 512, 5, Some(512), false),
        ];
        assert!(rules(&specs).is_empty(), "{:?}", rules(&specs));
    }

    #[test]
    fn each_requirement_has_its_rule() {
        // A reduced-resolution IFD with georeferencing.
        let r = rules(&[(1024, 1024, 0, Some(512), true), (512, 512, 1, Some(512), true)]);
        assert_eq!(r, ["ogc-geotiff-keys-point-of-origin"]);
        // A mask in strips (GDAL's script never looks at masks' tiling).
        let r = rules(&[(512, 512, 0, Some(512), true), (512, 512, 4, None, false)]);
        assert_eq!(r, ["ogc-geotiff-format-tiling"]);
        // No georeferencing at all.
        let r = rules(&[(512, 512, 0, Some(512), false)]);
        assert_eq!(
            r,
            [
                "ogc-geotiff-keys-basic-metadata-format",
                "ogc-optimized-geotiff-geotiff",
                "ogc-geotiff-keys-georeference"
            ]
        );
        // A reduced level as large as the one before it (and so still 8 x
        // 8 tiles), then a step of 16.
        let r = rules(&[(4096, 4096, 0, Some(512), true), (4096, 4096, 1, Some(512), false)]);
        assert_eq!(
            r,
            ["ogc-geotiff-overviews-overviews", "ogc-optimized-geotiff-number", "ogc-optimized-geotiff-number"]
        );
        let r = rules(&[(8192, 8192, 0, Some(512), true), (512, 512, 1, Some(512), false)]);
        assert_eq!(r, ["ogc-optimized-geotiff-number"]);
        // The last level still 2 x 2 tiles: a level is missing.
        let r = rules(&[(2048, 2048, 0, Some(512), true), (1024, 1024, 1, Some(512), false)]);
        assert_eq!(r, ["ogc-optimized-geotiff-number"]);
        // Reduced data with no full resolution before it.
        let r = rules(&[(512, 512, 1, Some(512), false)]);
        assert!(r.contains(&"ogc-geotiff-overviews-overviews"), "{:?}", r);
        // Tiles larger than a viewport.
        let r = rules(&[(4096, 4096, 0, Some(2048), true), (2048, 2048, 1, Some(2048), false)]);
        assert_eq!(r, ["ogc-optimized-geotiff-small-sizes"]);
    }
}
