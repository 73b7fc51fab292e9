//! What `cogtool info` reports: a summary of the file (as a person reads
//! it) and every IFD with every tag. Built once as a [`Description`] and
//! rendered either as text or as the JSON object scripts rely on.

mod text;

use crate::Result;
use crate::geo::keys::{self as geokeys, GeoKey};
use crate::geo::transform;
use crate::tiff::gdal_metadata::{self, Item};
use crate::tiff::tags::{self, *};
use crate::tiff::types::float_json;
use crate::tiff::{Compression, Image, Kind, Photometric, PlanarConfig, Predictor, Tiff};
use serde_json::{Value as Json, json};

/// How many values of an array are shown unless `--all-values` (tiffdump's default).
pub const SHORT_ARRAY: usize = 24;
/// GCPs listed in the text summary (JSON has them all).
const GCPS_SHOWN: usize = 3;

pub struct Description<'a> {
    pub path: String,
    pub tiff: &'a Tiff,
    pub images: Vec<Image>,
    pub geokeys: Vec<GeoKey>,
    pub metadata: Vec<Item>,
    pub nodata: Option<f64>,
    pub header_bytes: u64,
    /// Sidecar files found next to the source (`.ovr`, `.msk`): GDAL reads
    /// overviews and masks from them, so its view of the file differs.
    pub sidecars: Vec<&'static str>,
}

impl<'a> Description<'a> {
    pub fn new(path: &str, tiff: &'a Tiff) -> Result<Description<'a>> {
        let images = Image::all(tiff)?;
        let first = &tiff.ifds[0];
        let geokeys = geokeys::decode(first);
        let metadata = first.str_of(GDAL_METADATA).map(gdal_metadata::parse).unwrap_or_default();
        let nodata = first.str_of(GDAL_NODATA).and_then(gdal_metadata::parse_nodata);
        let mut header_bytes = tiff.file_size;
        for img in &images {
            let ifd = &tiff.ifds[img.index];
            if let (Ok(oe), true) = (img.offsets_entry(ifd), img.blocks > 0)
                && oe.count > 0
                && let Ok(off) = tiff.entry_u64_at(oe, 0)
                && off > 0
                && off < header_bytes
            {
                header_bytes = off;
            }
        }
        let source = tiff.reader.source();
        let sidecars = [".ovr", ".msk"].into_iter().filter(|s| source.sidecar_exists(s)).collect();
        Ok(Description { path: path.to_string(), tiff, images, geokeys, metadata, nodata, header_bytes, sidecars })
    }

    pub fn main(&self) -> &Image {
        self.images.iter().find(|i| i.kind == Kind::Image).unwrap_or(&self.images[0])
    }

    /// Reduced-resolution IFDs that GDAL would use as overviews of the main
    /// image: same number of bands and not larger than it. When no IFD is a
    /// full-resolution image (an `.ovr` file opened directly) the first IFD
    /// plays the main image, as in GDAL, and is not its own overview.
    pub fn overviews(&self) -> Vec<&Image> {
        let m = self.main();
        self.images
            .iter()
            .filter(|i| {
                i.kind == Kind::Overview
                    && i.index != m.index
                    && i.samples == m.samples
                    && i.width <= m.width
                    && i.height <= m.height
            })
            .collect()
    }

    pub fn mask_count(&self) -> usize {
        self.images.iter().filter(|i| matches!(i.kind, Kind::Mask | Kind::OverviewMask)).count()
    }

    /// `EPSG:n` when the keys name a code; otherwise what the keys say
    /// about a user-defined CRS (method, datum or ellipsoid, citation).
    pub fn crs(&self) -> Option<String> {
        match geokeys::epsg(&self.geokeys) {
            Some(c) => Some(format!("EPSG:{}", c)),
            None => geokeys::describe_user_defined(&self.geokeys),
        }
    }

    /// Ground control points (pixel, line, x, y, z) when the file is
    /// georeferenced by several tiepoints and no pixel scale or transform.
    pub fn gcps(&self) -> Vec<[f64; 5]> {
        let ifd = &self.tiff.ifds[self.main().index];
        if ifd.entry(MODEL_PIXEL_SCALE).is_some() || ifd.entry(MODEL_TRANSFORMATION).is_some() {
            return Vec::new();
        }
        let Some(tp) = ifd.entry(MODEL_TIEPOINT).and_then(|e| self.tiff.entry_value(e).ok()) else {
            return Vec::new();
        };
        tp.as_f64s().chunks_exact(6).map(|c| [c[0], c[1], c[3], c[4], c[5]]).collect()
    }

    pub fn geotransform(&self) -> Option<[f64; 6]> {
        transform::geotransform(&self.tiff.ifds[self.main().index], &self.geokeys)
    }

    fn decimation(&self, ov: &Image) -> u64 {
        let m = self.main();
        ((m.width as f64 / ov.width as f64).round() as u64).max(1)
    }

    pub fn band_descriptions(&self) -> Vec<Json> {
        let mut out = vec![Json::Null; self.main().samples.min(65535) as usize];
        for it in &self.metadata {
            if it.role.as_deref() == Some("description")
                && let Some(s) = it.sample.filter(|&s| (s as usize) < out.len())
            {
                out[s as usize] = json!(it.value);
            }
        }
        out
    }

    fn tag_json(&self, e: &crate::tiff::Entry, all_values: bool) -> Json {
        let max = if all_values { None } else { Some(SHORT_ARRAY) };
        let value = match &e.value {
            Some(v) => v.to_json(max),
            None if !all_values && e.field_type.is_some() && e.count > 0 => {
                // Lazy array: read only what is shown.
                let n = e.count.min(SHORT_ARRAY as u64);
                match self.tiff.entry_u64_range(e, 0, n) {
                    Ok(v) => {
                        let mut a: Vec<Json> = v.into_iter().map(|x| json!(x)).collect();
                        if e.count > n {
                            a.push(json!("..."));
                        }
                        Json::Array(a)
                    }
                    Err(err) => json!({"error": err.message}),
                }
            }
            None => match self.tiff.entry_value(e) {
                Ok(v) => v.to_json(max),
                Err(err) => json!({"error": err.message}),
            },
        };
        json!({
            "code": e.tag,
            "name": tags::tag_name(e.tag).map(str::to_string).unwrap_or_else(|| format!("Unknown-{}", e.tag)),
            "type": e.field_type.map(|t| t.name().to_string()).unwrap_or_else(|| format!("unknown-{}", e.type_code)),
            "count": e.count,
            "value": value,
        })
    }

    fn image_json(&self, img: &Image, all_values: bool) -> Json {
        let ifd = &self.tiff.ifds[img.index];
        json!({
            "offset": img.ifd_offset,
            "kind": img.kind.name(),
            "sub_ifd": img.index >= self.tiff.chain_len,
            "new_subfile_type": img.new_subfile_type,
            "width": img.width,
            "height": img.height,
            "bands": img.samples,
            "bits_per_sample": img.bits_per_sample,
            "sample_format": img.sample_format.name(),
            "dtype": img.gdal_dtype(),
            "tiled": img.tiled,
            "block_width": img.block_width,
            "block_height": img.block_height,
            "blocks": img.blocks,
            "compression": img.compression.name(),
            "compression_code": img.compression.0,
            "predictor": img.predictor.0,
            "photometric": img.photometric.map(Photometric::name),
            "planar": if img.planar_separate { "separate" } else { "contig" },
            "tags": ifd.entries.iter().map(|e| self.tag_json(e, all_values)).collect::<Vec<_>>(),
        })
    }

    pub fn to_json(&self, all_values: bool) -> Json {
        let t = self.tiff;
        let ghost = t.ghost.as_ref().map(|g| {
            let mut o = serde_json::Map::new();
            for (k, v) in &g.items {
                o.insert(k.clone(), json!(v));
            }
            Json::Object(o)
        });
        let nodata = match self.nodata {
            Some(v) if v.is_nan() => json!("nan"),
            Some(v) => float_json(v),
            None => Json::Null,
        };
        json!({
            "path": self.path,
            "file_size": t.file_size,
            "byte_order": t.byte_order.name(),
            "bigtiff": t.bigtiff,
            "header_bytes": self.header_bytes,
            "ghost": ghost,
            "ifds": self.images.iter().map(|i| self.image_json(i, all_values)).collect::<Vec<_>>(),
            "geo": {
                "crs": self.crs(),
                "geotransform": self.geotransform().map(|g| g.iter().map(|&x| float_json(x)).collect::<Vec<_>>()),
                "nodata": nodata,
                "geokeys": self.geokeys.iter().map(GeoKey::to_json).collect::<Vec<_>>(),
                "gdal_metadata": self.metadata.iter().map(Item::to_json).collect::<Vec<_>>(),
                "band_descriptions": self.band_descriptions(),
                "gcps": self.gcps().iter().map(|g| json!({
                    "pixel": float_json(g[0]), "line": float_json(g[1]),
                    "x": float_json(g[2]), "y": float_json(g[3]), "z": float_json(g[4]),
                })).collect::<Vec<_>>(),
            },
            "overviews": self.overviews().iter().map(|o| json!({
                "width": o.width, "height": o.height, "decimation": self.decimation(o)
            })).collect::<Vec<_>>(),
            "masks": self.mask_count(),
            "sidecars": self.sidecars,
        })
    }
}

/// The nodata value as the shortest text that reads back to the same value
/// in the band's type, as gdalinfo prints it: `-3.4e+38` and `1e+20` for
/// Float32, the shortest f64 for Float64, whole numbers for integer types.
pub fn nodata_text(v: f64, dtype: Option<&str>) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let is_int = dtype.is_some_and(|d| !d.contains("Float"));
    if is_int && v.fract() == 0.0 && v.abs() < 1e19 {
        return format!("{}", v as i128);
    }
    let small_or_big = v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e16);
    let text = match (dtype, small_or_big) {
        (Some("Float32" | "CFloat32"), false) => format!("{}", v as f32),
        (Some("Float32" | "CFloat32"), true) => format!("{:e}", v as f32),
        (_, false) => format!("{}", v),
        (_, true) => format!("{:e}", v),
    };
    // Rust writes `1e20` and `1e-5`; C's printf (and gdalinfo) `1e+20`.
    match text.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{}e+{}", m, e),
        _ => text,
    }
}

/// Blocks whose offset plus byte count reaches past the end of the file,
/// over every IFD (a truncated upload or copy): (past end, blocks checked).
/// Strile arrays already in memory are checked whole; of a large array left
/// lazy only the last block is read (two small reads, not megabytes).
pub fn blocks_past_end(tiff: &Tiff, images: &[Image]) -> (u64, u64) {
    let (mut bad, mut all) = (0u64, 0u64);
    let past = |o: u64, c: u64| c > 0 && o.checked_add(c).is_none_or(|e| e > tiff.file_size);
    for img in images {
        let ifd = &tiff.ifds[img.index];
        let (Ok(oe), Ok(ce)) = (img.offsets_entry(ifd), img.counts_entry(ifd)) else { continue };
        match (&oe.value, &ce.value) {
            (Some(o), Some(c)) => {
                for (o, c) in o.as_u64s().into_iter().zip(c.as_u64s()).take(img.blocks as usize) {
                    all += 1;
                    bad += u64::from(past(o, c));
                }
            }
            _ => {
                let last = img.blocks.min(oe.count).min(ce.count);
                if last == 0 {
                    continue;
                }
                if let (Ok(o), Ok(c)) = (tiff.entry_u64_at(oe, last - 1), tiff.entry_u64_at(ce, last - 1)) {
                    all += 1;
                    bad += u64::from(past(o, c));
                }
            }
        }
    }
    (bad, all)
}

/// What a single-valued enumerated tag means, for the text listing
/// (`Compression (259) SHORT (1) 8 (deflate)`).
fn value_meaning(tag: u16, v: u64) -> Option<String> {
    let short = u16::try_from(v).ok();
    Some(match tag {
        COMPRESSION => Compression(short?).name(),
        PHOTOMETRIC => Photometric(short?).name(),
        PLANAR_CONFIG => PlanarConfig(short?).known_name()?.into(),
        PREDICTOR => Predictor(short?).known_name()?.into(),
        SAMPLE_FORMAT => crate::tiff::SampleFormat::from_code(v).name().into(),
        NEW_SUBFILE_TYPE => {
            let mut parts = Vec::new();
            if v & 1 != 0 {
                parts.push("reduced resolution");
            }
            if v & 2 != 0 {
                parts.push("page");
            }
            if v & 4 != 0 {
                parts.push("mask");
            }
            if parts.is_empty() {
                return None;
            }
            parts.join(", ")
        }
        EXTRA_SAMPLES => match v {
            0 => "unspecified".into(),
            1 => "associated alpha".into(),
            2 => "unassociated alpha".into(),
            _ => return None,
        },
        RESOLUTION_UNIT => match v {
            1 => "none".into(),
            2 => "inch".into(),
            3 => "centimeter".into(),
            _ => return None,
        },
        _ => return None,
    })
}
