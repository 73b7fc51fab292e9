//! GeoTIFF keys: the GeoKeyDirectory decoded into named keys, and the CRS
//! they describe (an EPSG code, or a summary of a user-defined one).

use crate::tiff::parse::Ifd;
use crate::tiff::tags::*;
use serde_json::{Value as Json, json};

#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Short(u64),
    Doubles(Vec<f64>),
    Ascii(String),
    /// The key points at data that is not there.
    Missing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeoKey {
    pub id: u16,
    pub value: KeyValue,
}

impl GeoKey {
    pub fn name(&self) -> String {
        key_name(self.id).map(str::to_string).unwrap_or_else(|| format!("Unknown-{}", self.id))
    }
    pub fn to_json(&self) -> Json {
        let v = match &self.value {
            KeyValue::Short(s) => json!(s),
            KeyValue::Doubles(d) => {
                if d.len() == 1 {
                    crate::tiff::types::float_json(d[0])
                } else {
                    Json::Array(d.iter().map(|&x| crate::tiff::types::float_json(x)).collect())
                }
            }
            KeyValue::Ascii(s) => json!(s),
            KeyValue::Missing => Json::Null,
        };
        json!({"id": self.id, "name": self.name(), "value": v})
    }
    pub fn to_text(&self) -> String {
        let v = match &self.value {
            KeyValue::Short(s) => {
                let meaning = short_meaning(self.id, *s);
                if meaning.is_empty() { s.to_string() } else { format!("{} ({})", s, meaning) }
            }
            KeyValue::Doubles(d) => d.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" "),
            KeyValue::Ascii(s) => format!("{:?}", s),
            KeyValue::Missing => "(missing)".into(),
        };
        format!("{} ({}): {}", self.name(), self.id, v)
    }
}

pub fn key_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1024 => "GTModelTypeGeoKey",
        1025 => "GTRasterTypeGeoKey",
        1026 => "GTCitationGeoKey",
        2048 => "GeographicTypeGeoKey",
        2049 => "GeogCitationGeoKey",
        2050 => "GeogGeodeticDatumGeoKey",
        2051 => "GeogPrimeMeridianGeoKey",
        2052 => "GeogLinearUnitsGeoKey",
        2053 => "GeogLinearUnitSizeGeoKey",
        2054 => "GeogAngularUnitsGeoKey",
        2055 => "GeogAngularUnitSizeGeoKey",
        2056 => "GeogEllipsoidGeoKey",
        2057 => "GeogSemiMajorAxisGeoKey",
        2058 => "GeogSemiMinorAxisGeoKey",
        2059 => "GeogInvFlatteningGeoKey",
        2060 => "GeogAzimuthUnitsGeoKey",
        2061 => "GeogPrimeMeridianLongGeoKey",
        2062 => "GeogTOWGS84GeoKey",
        3072 => "ProjectedCSTypeGeoKey",
        3073 => "PCSCitationGeoKey",
        3074 => "ProjectionGeoKey",
        3075 => "ProjCoordTransGeoKey",
        3076 => "ProjLinearUnitsGeoKey",
        3077 => "ProjLinearUnitSizeGeoKey",
        3078 => "ProjStdParallel1GeoKey",
        3079 => "ProjStdParallel2GeoKey",
        3080 => "ProjNatOriginLongGeoKey",
        3081 => "ProjNatOriginLatGeoKey",
        3082 => "ProjFalseEastingGeoKey",
        3083 => "ProjFalseNorthingGeoKey",
        3084 => "ProjFalseOriginLongGeoKey",
        3085 => "ProjFalseOriginLatGeoKey",
        3086 => "ProjFalseOriginEastingGeoKey",
        3087 => "ProjFalseOriginNorthingGeoKey",
        3088 => "ProjCenterLongGeoKey",
        3089 => "ProjCenterLatGeoKey",
        3090 => "ProjCenterEastingGeoKey",
        3091 => "ProjCenterNorthingGeoKey",
        3092 => "ProjScaleAtNatOriginGeoKey",
        3093 => "ProjScaleAtCenterGeoKey",
        3094 => "ProjAzimuthAngleGeoKey",
        3095 => "ProjStraightVertPoleLongGeoKey",
        4096 => "VerticalCSTypeGeoKey",
        4097 => "VerticalCitationGeoKey",
        4098 => "VerticalDatumGeoKey",
        4099 => "VerticalUnitsGeoKey",
        5120 => "CoordinateEpochGeoKey",
        _ => return None,
    })
}

fn short_meaning(id: u16, v: u64) -> String {
    match (id, v) {
        (_, 32767) => "user-defined".into(),
        (_, 0) if id != 1024 && id != 1025 => "undefined".into(),
        (1024, 1) => "projected".into(),
        (1024, 2) => "geographic".into(),
        (1024, 3) => "geocentric".into(),
        (1025, 1) => "PixelIsArea".into(),
        (1025, 2) => "PixelIsPoint".into(),
        (2048 | 3072 | 4096, c) if c > 0 && c < 32767 => format!("EPSG:{}", c),
        (2054 | 2060, 9102) => "degree".into(),
        (3076 | 2052 | 4099, 9001) => "metre".into(),
        (3076 | 2052 | 4099, 9002) => "foot".into(),
        (3076 | 2052 | 4099, 9003) => "US survey foot".into(),
        _ => String::new(),
    }
}

/// Decode the GeoKeyDirectory of an IFD (empty when absent or malformed).
pub fn decode(ifd: &Ifd) -> Vec<GeoKey> {
    let Some(dir) = ifd.value(GEO_KEY_DIRECTORY).map(|v| v.as_u64s()) else {
        return Vec::new();
    };
    if dir.len() < 4 {
        return Vec::new();
    }
    let doubles = ifd.value(GEO_DOUBLE_PARAMS).map(|v| v.as_f64s()).unwrap_or_default();
    let ascii = ifd.value(GEO_ASCII_PARAMS).and_then(|v| v.as_str()).unwrap_or("");
    let n = (dir[3] as usize).min((dir.len() - 4) / 4);
    let mut keys = Vec::with_capacity(n);
    for k in 0..n {
        let e = &dir[4 + 4 * k..8 + 4 * k];
        let (id, loc, count, off) = (e[0] as u16, e[1] as u16, e[2] as usize, e[3] as usize);
        let value = match loc {
            0 => KeyValue::Short(e[3]),
            GEO_DOUBLE_PARAMS => match doubles.get(off..off.saturating_add(count)) {
                Some(d) => KeyValue::Doubles(d.to_vec()),
                None => KeyValue::Missing,
            },
            GEO_ASCII_PARAMS => match ascii.get(off..off.saturating_add(count)) {
                Some(s) => KeyValue::Ascii(s.trim_end_matches(['|', '\0']).to_string()),
                None => KeyValue::Missing,
            },
            GEO_KEY_DIRECTORY => match dir.get(off..off.saturating_add(count)) {
                Some(s) if count == 1 => KeyValue::Short(s[0]),
                Some(s) => KeyValue::Doubles(s.iter().map(|&x| x as f64).collect()),
                None => KeyValue::Missing,
            },
            _ => KeyValue::Missing,
        };
        keys.push(GeoKey { id, value });
    }
    keys
}

pub(crate) fn short_key(keys: &[GeoKey], id: u16) -> Option<u64> {
    keys.iter().find(|k| k.id == id).and_then(|k| match k.value {
        KeyValue::Short(v) => Some(v),
        _ => None,
    })
}

/// `EPSG:n` from ProjectedCSType, else GeographicType (as GDAL and
/// aiocogeo report it), else the vertical-only code; None if user-defined.
pub fn epsg(keys: &[GeoKey]) -> Option<u64> {
    let model = short_key(keys, 1024);
    let proj = short_key(keys, 3072).filter(|&c| c > 0 && c < 32767);
    let geog = short_key(keys, 2048).filter(|&c| c > 0 && c < 32767);
    match model {
        Some(2) => geog.or(proj),
        // A projected CRS with a user-defined projection has no EPSG code,
        // even though its base geographic CRS may have one (GDAL agrees).
        Some(1) => proj,
        // Model unknown or user-defined: projection keys (3072..=3095) mean a
        // projected CRS, whose code is ProjectedCSType alone.
        _ if keys.iter().any(|k| (3072..=3095).contains(&k.id)) => proj,
        _ => geog,
    }
}

/// The name of a ProjCoordTransGeoKey value (the projection method).
pub fn coord_trans_name(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "Transverse Mercator",
        2 => "Transverse Mercator (Modified Alaska)",
        3 => "Oblique Mercator",
        4 => "Oblique Mercator (Laborde)",
        5 => "Oblique Mercator (Rosenmund)",
        6 => "Oblique Mercator (Spherical)",
        7 => "Mercator",
        8 => "Lambert Conformal Conic (2SP)",
        9 => "Lambert Conformal Conic (1SP)",
        10 => "Lambert Azimuthal Equal Area",
        11 => "Albers Equal Area",
        12 => "Azimuthal Equidistant",
        13 => "Equidistant Conic",
        14 => "Stereographic",
        15 => "Polar Stereographic",
        16 => "Oblique Stereographic",
        17 => "Equirectangular",
        18 => "Cassini-Soldner",
        19 => "Gnomonic",
        20 => "Miller Cylindrical",
        21 => "Orthographic",
        22 => "Polyconic",
        23 => "Robinson",
        24 => "Sinusoidal",
        25 => "Van der Grinten",
        26 => "New Zealand Map Grid",
        27 => "Transverse Mercator (South Oriented)",
        _ => return None,
    })
}

fn ascii_key(keys: &[GeoKey], id: u16) -> Option<&str> {
    keys.iter().find(|k| k.id == id).and_then(|k| match &k.value {
        KeyValue::Ascii(s) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    })
}

fn double_key(keys: &[GeoKey], id: u16) -> Option<f64> {
    keys.iter().find(|k| k.id == id).and_then(|k| match &k.value {
        KeyValue::Doubles(d) => d.first().copied(),
        _ => None,
    })
}

/// What the GeoKeys say about a CRS that has no EPSG code (user-defined
/// projection, datum or ellipsoid): kind, projection method, datum or
/// ellipsoid, and the citation. None when there are no CRS keys at all.
pub fn describe_user_defined(keys: &[GeoKey]) -> Option<String> {
    let model = short_key(keys, 1024);
    let projected = model == Some(1) || (model.is_none() && keys.iter().any(|k| (3072..=3095).contains(&k.id)));
    let mut parts: Vec<String> = Vec::new();
    let kind = match model {
        Some(1) => "projected",
        Some(2) => "geographic",
        Some(3) => "geocentric",
        _ if projected => "projected",
        _ => return None,
    };
    parts.push(format!("user-defined {} CRS", kind));
    if projected {
        match short_key(keys, 3075) {
            Some(m) => match coord_trans_name(m) {
                Some(name) => parts.push(name.to_string()),
                None => parts.push(format!("projection method {}", m)),
            },
            None => {
                if let Some(p) = short_key(keys, 3074).filter(|&c| c > 0 && c < 32767) {
                    parts.push(format!("projection EPSG:{}", p));
                }
            }
        }
    }
    let geog = short_key(keys, 2048).filter(|&c| c > 0 && c < 32767);
    let datum = short_key(keys, 2050).filter(|&c| c > 0 && c < 32767);
    let ellipsoid = short_key(keys, 2056).filter(|&c| c > 0 && c < 32767);
    if let Some(g) = geog {
        parts.push(format!("datum of EPSG:{}", g));
    } else if let Some(d) = datum {
        parts.push(format!("datum EPSG:{}", d));
    } else if let Some(e) = ellipsoid {
        parts.push(format!("ellipsoid EPSG:{}", e));
    } else if let Some(a) = double_key(keys, 2057) {
        match (double_key(keys, 2059), double_key(keys, 2058)) {
            (Some(f), _) => parts.push(format!("ellipsoid a={} 1/f={}", a, f)),
            (None, Some(b)) => parts.push(format!("ellipsoid a={} b={}", a, b)),
            _ => parts.push(format!("sphere a={}", a)),
        }
    }
    let citation = [3073, 1026, 2049].iter().find_map(|&id| ascii_key(keys, id));
    if let Some(c) = citation {
        parts.push(format!("citation {:?}", c));
    }
    Some(parts.join(", "))
}
