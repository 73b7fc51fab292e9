//! Tile matrix sets and the geometry of a tiled, reprojected COG, as GDAL
//! 3.6's COG driver decides it for `TILING_SCHEME` (cogdriver.cpp:
//! `COGGetWarpingCharacteristics` and the overview loop of `Create`).
//!
//! Pure arithmetic and JSON, compiled in every build and unit-tested without
//! GDAL; only the reprojection itself needs the `gdal` feature. What needs a
//! CRS database (metres per CRS unit, axis order) is passed in by the caller.

use crate::{Error, Result};
use serde_json::Value;
use std::path::PathBuf;

/// Largest TMS JSON file read (GDAL's own limit for URLs is 1 MB).
pub const MAX_JSON_BYTES: u64 = 1 << 20;
/// Most tile matrices accepted (WebMercatorQuad has 31).
pub const MAX_LEVELS: usize = 64;
/// Half the equator of the WGS 84 ellipsoid: WebMercatorQuad's extent.
const HALF_CIRCUMFERENCE: f64 = 6378137.0 * std::f64::consts::PI;

/// One zoom level.
#[derive(Debug, Clone, PartialEq)]
pub struct TileMatrix {
    pub id: String,
    pub scale_denominator: f64,
    /// CRS units per pixel.
    pub res: f64,
    /// Top-left corner in the CRS's axis order, as written in the JSON.
    pub top_left: (f64, f64),
    pub tile_width: u32,
    pub tile_height: u32,
    pub matrix_width: u64,
    pub matrix_height: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TileMatrixSet {
    /// GDAL's name for it: the identifier (`id` in TMS 2.0).
    pub id: String,
    /// CRS as written (URI or AUTH:CODE).
    pub crs: String,
    pub matrices: Vec<TileMatrix>,
}

/// The TMS JSON before resolutions are known (they need the CRS's units).
#[derive(Debug, Clone)]
pub struct RawTms {
    pub id: String,
    pub crs: String,
    matrices: Vec<TileMatrix>,
}

impl TileMatrixSet {
    /// WebMercatorQuad, GDAL's `GoogleMapsCompatible`: EPSG:3857, 256-pixel
    /// tiles, zoom 0 to 30.
    pub fn web_mercator_quad() -> TileMatrixSet {
        let matrices = (0..=30)
            .map(|z: u32| {
                let res = 2.0 * HALF_CIRCUMFERENCE / 256.0 / (1u64 << z) as f64;
                TileMatrix {
                    id: z.to_string(),
                    scale_denominator: res / 0.28e-3,
                    res,
                    top_left: (-HALF_CIRCUMFERENCE, HALF_CIRCUMFERENCE),
                    tile_width: 256,
                    tile_height: 256,
                    matrix_width: 1 << z,
                    matrix_height: 1 << z,
                }
            })
            .collect();
        TileMatrixSet {
            id: "GoogleMapsCompatible".into(),
            crs: "http://www.opengis.net/def/crs/EPSG/0/3857".into(),
            matrices,
        }
    }
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::format(format!("tile matrix set: {}", msg))
}

fn num(v: &Value, what: &str) -> Result<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(bad(format!("{} is not a finite number", what))),
    }
}

fn count(v: Option<&Value>, what: &str, max: u64) -> Result<u64> {
    match v.and_then(|v| v.as_u64()) {
        Some(n) if n >= 1 && n <= max => Ok(n),
        _ => Err(bad(format!("{} must be an integer from 1 to {}", what, max))),
    }
}

fn pair(v: Option<&Value>, what: &str) -> Result<(f64, f64)> {
    match v.and_then(|v| v.as_array()) {
        Some(a) if a.len() == 2 => Ok((num(&a[0], what)?, num(&a[1], what)?)),
        _ => Err(bad(format!("{} must be an array of 2 numbers", what))),
    }
}

/// Parse an OGC TileMatrixSet JSON: the 2.0 form (`crs`, `tileMatrices`,
/// `pointOfOrigin`) or the 1.0 form GDAL ships (`supportedCRS`,
/// `tileMatrix`, `topLeftCorner`). Refused, with one line: anything GDAL's
/// COG driver refuses (levels with different top-left corners or tile sizes,
/// variable matrix widths) and what a COG cannot hold (non-square tiles,
/// tiles not a multiple of 16).
pub fn parse_json(text: &str) -> Result<RawTms> {
    let root: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON ({})", e)))?;
    let root = root.as_object().ok_or_else(|| bad("the JSON is not an object"))?;
    let v2 = root.contains_key("crs") && root.contains_key("tileMatrices");
    if !v2 && root.get("type").and_then(|t| t.as_str()) != Some("TileMatrixSetType") && !root.contains_key("tileMatrix")
    {
        return Err(bad("neither TMS 2.0 (crs, tileMatrices) nor 1.0 (type TileMatrixSetType, tileMatrix)"));
    }
    let s = |k: &str| root.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let id = s(if v2 { "id" } else { "identifier" });
    let crs = match root.get(if v2 { "crs" } else { "supportedCRS" }) {
        Some(Value::String(c)) if !c.is_empty() => c.clone(),
        // TMS 2.0 also allows {"uri": "..."}.
        Some(Value::Object(o)) if o.get("uri").and_then(|u| u.as_str()).is_some() => {
            o["uri"].as_str().unwrap_or_default().to_string()
        }
        _ => return Err(bad(format!("no {}", if v2 { "crs" } else { "supportedCRS" }))),
    };
    let list = root
        .get(if v2 { "tileMatrices" } else { "tileMatrix" })
        .and_then(|v| v.as_array())
        .ok_or_else(|| bad("no tile matrix list"))?;
    if list.is_empty() {
        return Err(bad("no tile matrix"));
    }
    if list.len() > MAX_LEVELS {
        return Err(bad(format!("{} tile matrices, more than {}", list.len(), MAX_LEVELS)));
    }
    let mut matrices: Vec<TileMatrix> = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let m = m.as_object().ok_or_else(|| bad(format!("tile matrix {} is not an object", i)))?;
        let where_ = |k: &str| format!("tile matrix {}: {}", i, k);
        let sd = num(m.get("scaleDenominator").unwrap_or(&Value::Null), &where_("scaleDenominator"))?;
        let last = matrices.last().map(|p| p.scale_denominator).unwrap_or(f64::MAX);
        if sd <= 0.0 || sd >= last {
            return Err(bad(format!(
                "tile matrix {}: scaleDenominator {} is not positive and smaller than the previous one",
                i, sd
            )));
        }
        if v2
            && let Some(c) = m.get("cornerOfOrigin").and_then(|c| c.as_str())
            && c != "topLeft"
        {
            return Err(bad(format!("tile matrix {}: cornerOfOrigin {} is not supported", i, c)));
        }
        if m.contains_key(if v2 { "variableMatrixWidths" } else { "variableMatrixWidth" }) {
            return Err(bad("variable matrix widths are not supported (as in GDAL's COG driver)"));
        }
        let tl = pair(m.get(if v2 { "pointOfOrigin" } else { "topLeftCorner" }), &where_("origin"))?;
        let tw = count(m.get("tileWidth"), &where_("tileWidth"), 65536)? as u32;
        let th = count(m.get("tileHeight"), &where_("tileHeight"), 65536)? as u32;
        let mw = count(m.get("matrixWidth"), &where_("matrixWidth"), 1 << 31)?;
        let mh = count(m.get("matrixHeight"), &where_("matrixHeight"), 1 << 31)?;
        let id = match m.get(if v2 { "id" } else { "identifier" }) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => i.to_string(),
        };
        matrices.push(TileMatrix {
            id,
            scale_denominator: sd,
            res: 0.0,
            top_left: tl,
            tile_width: tw,
            tile_height: th,
            matrix_width: mw,
            matrix_height: mh,
        });
    }
    let first = &matrices[0];
    if matrices.iter().any(|m| m.top_left != first.top_left) {
        return Err(bad("not all zoom levels have the same top-left corner (GDAL's COG driver refuses it too)"));
    }
    if matrices.iter().any(|m| (m.tile_width, m.tile_height) != (first.tile_width, first.tile_height)) {
        return Err(bad("not all zoom levels have the same tile size (GDAL's COG driver refuses it too)"));
    }
    if first.tile_width != first.tile_height {
        return Err(bad(format!("{}x{} tiles: a COG needs square tiles", first.tile_width, first.tile_height)));
    }
    if !first.tile_width.is_multiple_of(16) {
        return Err(bad(format!("{}-pixel tiles: TIFF tiles must be a multiple of 16", first.tile_width)));
    }
    Ok(RawTms { id, crs, matrices })
}

impl RawTms {
    /// Resolutions from scale denominators (0.28 mm pixels, OGC's rule, as
    /// GDAL computes them): `meters_per_unit` is the CRS's linear unit, or
    /// the length of one degree on its ellipsoid for a geographic CRS.
    pub fn with_units(self, meters_per_unit: f64) -> Result<TileMatrixSet> {
        if !(meters_per_unit.is_finite() && meters_per_unit > 0.0) {
            return Err(bad(format!("the CRS's unit is {} metres", meters_per_unit)));
        }
        let matrices = self
            .matrices
            .into_iter()
            .map(|mut m| {
                m.res = m.scale_denominator * 0.28e-3 / meters_per_unit;
                m
            })
            .collect();
        Ok(TileMatrixSet { id: self.id, crs: self.crs, matrices })
    }
}

/// `--zoom-level-strategy` (GDAL: ZOOM_LEVEL_STRATEGY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// The zoom level whose resolution is closest to the input's (ratio-wise).
    #[default]
    Auto,
    /// The coarser of the two levels around the input's resolution.
    Lower,
    /// The finer one.
    Upper,
}

/// What the caller asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request {
    pub zoom_level: Option<u32>,
    pub strategy: Strategy,
    pub aligned_levels: Option<u32>,
    /// OVERVIEW_COUNT, or None for GDAL's rule (until both sides fit one tile).
    pub overview_count: Option<u32>,
}

/// GDAL's warp suggestion for the input in the target CRS
/// (`GDALSuggestedWarpOutput2`): resolution and extent.
#[derive(Debug, Clone, Copy)]
pub struct Suggested {
    pub res: f64,
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

/// The output grid: full resolution aligned to the tile matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub zoom: usize,
    pub res: f64,
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
    pub width: u64,
    pub height: u64,
    pub tile: u32,
    /// ALIGNED_LEVELS after GDAL's clamping (0 when not asked for).
    pub aligned_levels: u32,
    /// Overview sizes, largest first, as GDAL computes them in this mode.
    pub overviews: Vec<(u64, u64)>,
}

/// GDAL's zoom level for a computed resolution: the first level at least as
/// coarse as the input (1e-8 relative tolerance), then LOWER takes the one
/// before, UPPER keeps it, AUTO takes whichever is nearer by ratio.
pub fn choose_zoom(tms: &TileMatrixSet, computed_res: f64, strategy: Strategy) -> Result<usize> {
    let m = &tms.matrices;
    let mut prev = 0.0;
    let mut z = 0;
    while z < m.len() {
        let res = m[z].res;
        if computed_res > res || ((computed_res - res) / res).abs() <= 1e-8 {
            break;
        }
        prev = res;
        z += 1;
    }
    if z == m.len() {
        return Err(Error::usage(format!(
            "no zoom level of {} is as fine as the input's {} units per pixel (finest: {})",
            tms.id,
            computed_res,
            m[m.len() - 1].res
        )));
    }
    let res = m[z].res;
    if z > 0 && ((computed_res - res) / res).abs() > 1e-8 {
        match strategy {
            Strategy::Lower => z -= 1,
            Strategy::Upper => {}
            Strategy::Auto => {
                if prev / computed_res < computed_res / res {
                    z -= 1
                }
            }
        }
    }
    Ok(z)
}

/// Multiple of tiles the top-left and bottom-right tile indices are rounded
/// to so that `levels` levels up to `zoom` stay aligned (GDAL's ALIGNED_LEVELS,
/// which handles resolution ratios n/m with 60 as common multiple).
fn aligned_divisor(tms: &TileMatrixSet, zoom: usize, levels: u32) -> Result<i64> {
    const MAGICAL: i64 = 60;
    let mut acc: i64 = 1;
    for i in 0..levels.saturating_sub(1) as usize {
        let cur = zoom - i;
        let ratio = tms.matrices[cur - 1].res / tms.matrices[cur].res;
        let scaled = MAGICAL as f64 / ratio;
        let unsupported = || {
            Error::unsupported(format!(
                "--aligned-levels: resolution ratio {} between zoom levels {} and {} is not supported",
                ratio,
                cur - 1,
                cur
            ))
        };
        if !(1.0..=60.0).contains(&scaled) || (scaled.round() - scaled).abs() > 1e-10 {
            return Err(unsupported());
        }
        let s = scaled.round() as i64;
        let num =
            (2..=s).rev().find(|d| MAGICAL % d == 0 && s % d == 0).map(|d| MAGICAL / d).ok_or_else(unsupported)?;
        acc = acc.checked_mul(num).ok_or_else(unsupported)?;
    }
    Ok(acc)
}

/// The whole geometry. `invert_axis`: the TMS CRS is latitude/northing first
/// (EPSG axis order), so the JSON's corners are (y, x).
pub fn grid(tms: &TileMatrixSet, s: &Suggested, invert_axis: bool, req: &Request) -> Result<Grid> {
    let m = &tms.matrices;
    for v in [s.res, s.min_x, s.min_y, s.max_x, s.max_y] {
        if !v.is_finite() {
            return Err(Error::format("the input's extent in the target CRS is not finite"));
        }
    }
    if s.res <= 0.0 {
        return Err(Error::format("the input's resolution in the target CRS is not positive"));
    }
    let zoom = match req.zoom_level {
        Some(z) if (z as usize) < m.len() => z as usize,
        Some(z) => {
            return Err(Error::usage(format!("--zoom-level {}: {} has levels 0 to {}", z, tms.id, m.len() - 1)));
        }
        None => choose_zoom(tms, s.res, req.strategy)?,
    };
    let tile = m[0].tile_width;
    let res = m[zoom].res;
    let (ox, oy) = if invert_axis { (m[0].top_left.1, m[0].top_left.0) } else { m[0].top_left };
    let te = res * tile as f64;
    // GDAL 3.6 takes no tolerance here: an extent a fraction of a pixel past
    // a tile boundary gets one more row or column of tiles (checked).
    let idx = |v: f64| -> Result<i64> {
        if v.abs() > 1e15 {
            return Err(Error::format("the input's extent is too far from the tile matrix origin"));
        }
        Ok(v as i64)
    };
    let mut tlx = idx(((s.min_x - ox) / te).floor())?;
    let mut tly = idx(((oy - s.max_y) / te).floor())?;
    let mut brx = idx(((s.max_x - ox) / te).ceil())?;
    let mut bry = idx(((oy - s.min_y) / te).ceil())?;
    let aligned = req.aligned_levels.unwrap_or(0).min(10).min(zoom as u32);
    let acc = aligned_divisor(tms, zoom, aligned)?;
    if acc > 1 {
        // C integer division (truncation), as GDAL does.
        tlx = (tlx / acc) * acc;
        tly = (tly / acc) * acc;
        brx = (brx + acc - 1) / acc * acc;
        bry = (bry + acc - 1) / acc * acc;
    }
    let (mw, mh) = (m[zoom].matrix_width as i64, m[zoom].matrix_height as i64);
    let (tlx, tly, brx, bry) = (tlx.max(0), tly.max(0), brx.min(mw), bry.min(mh));
    if tlx >= brx || tly >= bry {
        return Err(Error::usage(format!("the input lies outside the tile matrix of {} at zoom {}", tms.id, zoom)));
    }
    let min_x = ox + tlx as f64 * te;
    let min_y = oy - bry as f64 * te;
    let max_x = ox + brx as f64 * te;
    let max_y = oy - tly as f64 * te;
    let width = ((max_x - min_x) / res).round() as u64;
    let height = ((max_y - min_y) / res).round() as u64;
    if width > i32::MAX as u64 || height > i32::MAX as u64 {
        return Err(Error::limit(format!(
            "a {}x{} output is beyond GDAL's 2147483647-pixel side limit",
            width, height
        )));
    }
    let overviews = overview_sizes(tms, zoom, width, height, req.overview_count);
    Ok(Grid { zoom, res, min_x, min_y, max_x, max_y, width, height, tile, aligned_levels: aligned, overviews })
}

/// GDAL's overview loop in tiling-scheme mode: each level divides by the
/// TMS's resolution ratio (2 below zoom 0) and rounds to nearest.
fn overview_sizes(tms: &TileMatrixSet, zoom: usize, w: u64, h: u64, count: Option<u32>) -> Vec<(u64, u64)> {
    let m = &tms.matrices;
    let tile = m[0].tile_width as u64;
    let (mut w, mut h) = (w, h);
    let mut cur = zoom as i64;
    let mut out = Vec::new();
    loop {
        match count {
            None if w <= tile && h <= tile => break,
            Some(n) if out.len() == n as usize || (w == 1 && h == 1) => break,
            _ => {}
        }
        if out.len() >= 60 {
            break;
        }
        let ratio = if cur >= 1 { m[cur as usize - 1].res / m[cur as usize].res } else { 2.0 };
        w = ((w as f64 / ratio + 0.5) as u64).max(1);
        h = ((h as f64 / ratio + 0.5) as u64).max(1);
        out.push((w, h));
        cur -= 1;
    }
    out
}

/// Which tile matrix set.
#[derive(Debug, Clone, PartialEq)]
pub enum Scheme {
    /// `--web-optimized`: WebMercatorQuad (GDAL's GoogleMapsCompatible).
    WebMercator,
    /// `--tms FILE`: an OGC TileMatrixSet JSON.
    File(PathBuf),
}

/// A reprojection onto a tile matrix set, as asked on the command line.
#[derive(Debug, Clone)]
pub struct Tiling {
    pub scheme: Scheme,
    /// Default nearest (rio-cogeo's default; GDAL's COG driver defaults to cubic).
    pub warp_resampling: crate::create::pipeline::resample::Method,
    pub request: Request,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wm() -> TileMatrixSet {
        TileMatrixSet::web_mercator_quad()
    }

    #[test]
    fn web_mercator_levels() {
        let t = wm();
        assert_eq!(t.matrices.len(), 31);
        assert!((t.matrices[0].res - 156543.03392804097).abs() < 1e-8);
        assert!((t.matrices[12].res - 38.21851414258813).abs() < 1e-12);
        assert_eq!(t.matrices[12].matrix_width, 4096);
    }

    #[test]
    fn zoom_strategies() {
        let t = wm();
        // 32.5 m lies between zoom 12 (38.2 m) and 13 (19.1 m): nearer 12 by ratio.
        assert_eq!(choose_zoom(&t, 32.5, Strategy::Auto).unwrap(), 12);
        assert_eq!(choose_zoom(&t, 32.5, Strategy::Lower).unwrap(), 12);
        assert_eq!(choose_zoom(&t, 32.5, Strategy::Upper).unwrap(), 13);
        // 25 m: 38.2/25 = 1.53 > 25/19.1 = 1.31, so auto takes 13.
        assert_eq!(choose_zoom(&t, 25.0, Strategy::Auto).unwrap(), 13);
        assert_eq!(choose_zoom(&t, 25.0, Strategy::Lower).unwrap(), 12);
        // Exactly a level's resolution (within 1e-8): that level, whatever the strategy.
        let r = t.matrices[12].res * (1.0 + 1e-9);
        for s in [Strategy::Auto, Strategy::Lower, Strategy::Upper] {
            assert_eq!(choose_zoom(&t, r, s).unwrap(), 12);
        }
        // Coarser than zoom 0.
        assert_eq!(choose_zoom(&t, 1e6, Strategy::Upper).unwrap(), 0);
        assert!(choose_zoom(&t, 1e-9, Strategy::Auto).unwrap_err().message.contains("no zoom level"));
    }

    #[test]
    fn aligned_to_tiles_like_gdal() {
        let t = wm();
        let r = t.matrices[12].res;
        let te = r * 256.0;
        let ox = -HALF_CIRCUMFERENCE;
        let oy = HALF_CIRCUMFERENCE;
        // Figures from gdal_translate -of COG -co TILING_SCHEME=GoogleMapsCompatible
        // (GDAL 3.6.2) of a 300x300 EPSG:3857 raster at zoom 12 starting 0.3
        // pixel before tile (2207, 1300): 768x768 from tile (2206, 1299).
        let s = Suggested {
            res: r,
            min_x: ox + 2207.0 * te - 0.3 * r,
            max_y: oy - 1300.0 * te + 0.3 * r,
            max_x: ox + 2207.0 * te - 0.3 * r + 300.0 * r,
            min_y: oy - 1300.0 * te + 0.3 * r - 300.0 * r,
        };
        let g = grid(&t, &s, false, &Request::default()).unwrap();
        assert_eq!((g.zoom, g.width, g.height), (12, 768, 768));
        assert!(((g.min_x - ox) / te - 2206.0).abs() < 1e-9);
        assert!(((oy - g.max_y) / te - 1299.0).abs() < 1e-9);
        assert_eq!(g.overviews, vec![(384, 384), (192, 192)]);
        // Two aligned levels: tile indices rounded to multiples of 2 (GDAL: 1024x1024 from 2206, 1298).
        let g2 = grid(&t, &s, false, &Request { aligned_levels: Some(2), ..Default::default() }).unwrap();
        assert_eq!(g2.aligned_levels, 2);
        assert!(((g2.min_x - ox) / te - 2206.0).abs() < 1e-9);
        assert!(((oy - g2.max_y) / te - 1298.0).abs() < 1e-9);
        assert_eq!((g2.width, g2.height), (1024, 1024));
        assert_eq!(g2.overviews, vec![(512, 512), (256, 256)]);
        // A zoom level given (GDAL: 512x512 from zoom-12 tile 2204, 1296), and one out of range.
        let g3 = grid(&t, &s, false, &Request { zoom_level: Some(10), ..Default::default() }).unwrap();
        assert_eq!((g3.zoom, g3.width, g3.height), (10, 512, 512));
        assert!(((g3.min_x - ox) / te - 2204.0).abs() < 1e-9);
        assert_eq!(g3.overviews, vec![(256, 256)]);
        let e = grid(&t, &s, false, &Request { zoom_level: Some(31), ..Default::default() }).unwrap_err();
        assert!(e.message.contains("levels 0 to 30"), "{}", e.message);
        // OVERVIEW_COUNT stops at 1x1 (GDAL: 9 levels, 256 down to 1).
        let g4 = grid(&t, &s, false, &Request { zoom_level: Some(10), overview_count: Some(20), ..Default::default() })
            .unwrap();
        assert_eq!(g4.overviews.len(), 9);
        assert_eq!(g4.overviews.last(), Some(&(1, 1)));
    }

    #[test]
    fn outside_the_matrix() {
        let t = wm();
        let s = Suggested { res: 10.0, min_x: 3e7, min_y: 0.0, max_x: 3.1e7, max_y: 1e3 };
        assert!(grid(&t, &s, false, &Request::default()).unwrap_err().message.contains("outside"));
        let s = Suggested { res: f64::NAN, min_x: 0.0, min_y: 0.0, max_x: 1.0, max_y: 1.0 };
        assert!(grid(&t, &s, false, &Request::default()).is_err());
    }

    const V1: &str = r#"{"type":"TileMatrixSetType","identifier":"Test1","supportedCRS":"http://www.opengis.net/def/crs/EPSG/0/2193",
      "tileMatrix":[
        {"type":"TileMatrixType","identifier":"0","scaleDenominator":32000000,"topLeftCorner":[10000000,-1000000],"tileWidth":256,"tileHeight":256,"matrixWidth":2,"matrixHeight":4},
        {"type":"TileMatrixType","identifier":"1","scaleDenominator":16000000,"topLeftCorner":[10000000,-1000000],"tileWidth":256,"tileHeight":256,"matrixWidth":4,"matrixHeight":8}]}"#;

    const V2: &str = r#"{"id":"Custom","crs":"http://www.opengis.net/def/crs/EPSG/0/32633","tileMatrices":[
        {"id":"a","scaleDenominator":357142.857142857,"cellSize":100,"pointOfOrigin":[400000,5800000],"cornerOfOrigin":"topLeft","tileWidth":128,"tileHeight":128,"matrixWidth":10,"matrixHeight":10},
        {"id":"b","scaleDenominator":178571.4285714285,"cellSize":50,"pointOfOrigin":[400000,5800000],"tileWidth":128,"tileHeight":128,"matrixWidth":20,"matrixHeight":20}]}"#;

    #[test]
    fn parses_both_forms() {
        let t = parse_json(V1).unwrap().with_units(1.0).unwrap();
        assert_eq!(t.id, "Test1");
        assert_eq!(t.crs, "http://www.opengis.net/def/crs/EPSG/0/2193");
        assert_eq!(t.matrices.len(), 2);
        assert!((t.matrices[0].res - 8960.0).abs() < 1e-9);
        assert_eq!(t.matrices[1].top_left, (10000000.0, -1000000.0));
        let t = parse_json(V2).unwrap().with_units(1.0).unwrap();
        assert_eq!((t.id.as_str(), t.matrices[1].id.as_str()), ("Custom", "b"));
        assert!((t.matrices[0].res - 100.0).abs() < 1e-6);
        assert_eq!(t.matrices[0].tile_width, 128);
        // Northing-first CRS: the corner is read as (y, x).
        let s = Suggested { res: 9000.0, min_x: 1.2e6, min_y: 4.8e6, max_x: 1.3e6, max_y: 4.9e6 };
        let g = grid(&parse_json(V1).unwrap().with_units(1.0).unwrap(), &s, true, &Request::default()).unwrap();
        assert_eq!(g.zoom, 0);
        assert_eq!((g.min_x - -1e6) % (8960.0 * 256.0), 0.0);
    }

    #[test]
    fn hostile_json_one_line_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "not valid JSON"),
            ("[1,2]", "not an object"),
            (r#"{"a":1}"#, "neither TMS 2.0"),
            (r#"{"crs":"EPSG:3857","tileMatrices":[]}"#, "no tile matrix"),
            (r#"{"crs":"EPSG:3857","tileMatrices":5}"#, "no tile matrix list"),
            (r#"{"crs":"EPSG:3857","tileMatrices":[7]}"#, "not an object"),
            (r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":-1}]}"#, "not positive"),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":0,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "tileWidth",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "array of 2 numbers",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":128,"matrixWidth":1,"matrixHeight":1}]}"#,
                "square",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":100,"tileHeight":100,"matrixWidth":1,"matrixHeight":1}]}"#,
                "multiple of 16",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1},{"scaleDenominator":20,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "smaller than the previous",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1},{"scaleDenominator":5,"pointOfOrigin":[1,0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "same top-left",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"cornerOfOrigin":"bottomLeft","tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "cornerOfOrigin",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":1e400,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":256,"matrixWidth":1,"matrixHeight":1}]}"#,
                "JSON",
            ),
            (
                r#"{"crs":"EPSG:3857","tileMatrices":[{"scaleDenominator":10,"pointOfOrigin":[0,0],"tileWidth":256,"tileHeight":256,"matrixWidth":99999999999,"matrixHeight":1}]}"#,
                "matrixWidth",
            ),
        ];
        for (text, want) in cases {
            let e = parse_json(text).unwrap_err();
            assert!(e.message.contains(want), "{:?}: {}", text, e.message);
            assert!(!e.message.contains('\n'), "{}", e.message);
        }
        let many = format!(
            r#"{{"crs":"EPSG:3857","tileMatrices":[{}]}}"#,
            (0..100).map(|i| format!(r#"{{"scaleDenominator":{}}}"#, 1000 - i)).collect::<Vec<_>>().join(",")
        );
        assert!(parse_json(&many).unwrap_err().message.contains("more than 64"));
        assert!(parse_json(V1).unwrap().with_units(0.0).is_err());
    }

    #[test]
    fn aligned_levels_ratio_checks() {
        let mut t = wm();
        // A 3x ratio has no simple n/m form within 60: refused like GDAL.
        t.matrices[11].res = t.matrices[12].res * 7.0;
        let s = Suggested { res: 38.0, min_x: 0.0, min_y: 0.0, max_x: 1000.0, max_y: 1000.0 };
        let r = Request { zoom_level: Some(12), aligned_levels: Some(3), ..Default::default() };
        assert!(grid(&t, &s, false, &r).unwrap_err().message.contains("ratio"));
    }
}
