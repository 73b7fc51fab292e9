//! GeoTIFF keys for a CRS given as WKT (GDAL's PAM sidecar holds one), for
//! the CRSs an EPSG code names: the keys GDAL 3.6.2 writes for them, in its
//! order (measured on EPSG:32633, 3857, 2154 and 4326). A CRS without an
//! EPSG code would need GDAL's CRS model to turn into keys: it gets none.

use crate::tiff::tags::{GEO_ASCII_PARAMS, GEO_DOUBLE_PARAMS, GEO_KEY_DIRECTORY};
use crate::tiff::write::OutTag;

/// One WKT node: `NAME[arg, arg, ...]` (WKT1 and WKT2 share the syntax).
#[derive(Debug)]
struct Node {
    name: String,
    args: Vec<Arg>,
}

#[derive(Debug)]
enum Arg {
    Text(String),
    Number(f64),
    Node(Node),
    /// An unquoted word (WKT1's axis directions: NORTH, EAST), not needed.
    Word,
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.at < self.s.len() && self.s[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }
    fn word(&mut self) -> String {
        let start = self.at;
        while self.at < self.s.len() && (self.s[self.at].is_ascii_alphanumeric() || self.s[self.at] == b'_') {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.at]).into_owned()
    }
    fn node(&mut self) -> Option<Node> {
        // Real CRSs nest a few levels; a bound keeps hostile text cheap.
        self.depth += 1;
        if self.depth > 32 {
            return None;
        }
        self.skip_space();
        let name = self.word();
        self.skip_space();
        let close = match self.s.get(self.at)? {
            b'[' => b']',
            b'(' => b')',
            _ => return None,
        };
        self.at += 1;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match *self.s.get(self.at)? {
                c if c == close => {
                    self.at += 1;
                    break;
                }
                b',' => self.at += 1,
                b'"' => {
                    // "" inside a string is a quote.
                    let mut text = Vec::new();
                    self.at += 1;
                    loop {
                        match *self.s.get(self.at)? {
                            b'"' if self.s.get(self.at + 1) == Some(&b'"') => {
                                text.push(b'"');
                                self.at += 2;
                            }
                            b'"' => {
                                self.at += 1;
                                break;
                            }
                            c => {
                                text.push(c);
                                self.at += 1;
                            }
                        }
                    }
                    args.push(Arg::Text(String::from_utf8_lossy(&text).into_owned()));
                }
                c if c == b'-' || c == b'+' || c == b'.' || c.is_ascii_digit() => {
                    let start = self.at;
                    while self.at < self.s.len()
                        && matches!(self.s[self.at], b'0'..=b'9' | b'.' | b'-' | b'+' | b'e' | b'E')
                    {
                        self.at += 1;
                    }
                    let t = std::str::from_utf8(&self.s[start..self.at]).ok()?;
                    args.push(Arg::Number(t.parse().ok()?));
                }
                _ => {
                    let save = self.at;
                    let w = self.word();
                    if w.is_empty() {
                        return None;
                    }
                    self.skip_space();
                    if matches!(self.s.get(self.at), Some(b'[' | b'(')) {
                        self.at = save;
                        args.push(Arg::Node(self.node()?));
                    } else {
                        args.push(Arg::Word);
                    }
                }
            }
        }
        self.depth -= 1;
        Some(Node { name: name.to_ascii_uppercase(), args })
    }
}

impl Node {
    fn text(&self, i: usize) -> Option<&str> {
        match self.args.get(i)? {
            Arg::Text(t) => Some(t),
            _ => None,
        }
    }
    fn number(&self, i: usize) -> Option<f64> {
        match self.args.get(i)? {
            Arg::Number(n) => Some(*n),
            Arg::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }
    fn children(&self) -> impl Iterator<Item = &Node> {
        self.args.iter().filter_map(|a| if let Arg::Node(n) = a { Some(n) } else { None })
    }
    fn child(&self, names: &[&str]) -> Option<&Node> {
        self.children().find(|c| names.contains(&c.name.as_str()))
    }
    /// This node's own EPSG code (WKT1 AUTHORITY["EPSG","n"], WKT2 ID["EPSG",n]).
    fn epsg(&self) -> Option<u16> {
        let id = self.children().filter(|c| c.name == "AUTHORITY" || c.name == "ID").last()?;
        if !id.text(0)?.eq_ignore_ascii_case("EPSG") {
            return None;
        }
        let code = id.number(1)?;
        ((1.0..32767.0).contains(&code) && code.fract() == 0.0).then_some(code as u16)
    }
    /// The ellipsoid (semi-major axis, inverse flattening) anywhere below.
    fn ellipsoid(&self) -> Option<(f64, f64)> {
        if self.name == "SPHEROID" || self.name == "ELLIPSOID" {
            return Some((self.number(1)?, self.number(2)?));
        }
        self.children().find_map(Node::ellipsoid)
    }
}

/// EPSG's unit code for a linear unit of `metres` per unit (metre, foot,
/// US survey foot), the ones GDAL writes as ProjLinearUnitsGeoKey.
fn linear_unit_code(metres: f64) -> Option<u16> {
    let near = |x: f64| (metres - x).abs() < 1e-9;
    if near(1.0) {
        Some(9001)
    } else if near(0.3048) {
        Some(9002)
    } else if near(1200.0 / 3937.0) {
        Some(9003)
    } else {
        None
    }
}

fn is_degree(unit: &Node) -> bool {
    unit.number(1).is_some_and(|r| (r - std::f64::consts::PI / 180.0).abs() < 1e-12)
}

/// GeoKeyDirectory, GeoDoubleParams (geographic only) and GeoAsciiParams
/// for `wkt`, or None when it is not a projected or geographic CRS with an
/// EPSG code (or not WKT at all).
pub fn geokeys_for_wkt(wkt: &str) -> Option<Vec<OutTag>> {
    let mut p = Parser { s: wkt.as_bytes(), at: 0, depth: 0 };
    let root = p.node()?;
    let code = root.epsg()?;
    let mut keys: Vec<[u16; 4]> = Vec::new();
    let mut ascii = String::new();
    let mut doubles = Vec::new();
    let mut add_ascii = |keys: &mut Vec<[u16; 4]>, id: u16, s: &str| {
        let at = ascii.len() as u16;
        ascii.push_str(&s.replace('|', " "));
        ascii.push('|');
        keys.push([id, GEO_ASCII_PARAMS, s.len() as u16 + 1, at]);
    };
    match root.name.as_str() {
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => {
            let geog = root.child(&["GEOGCS", "BASEGEOGCRS", "BASEGEODCRS", "GEOGCRS"])?;
            keys.push([1024, 0, 1, 1]);
            keys.push([1025, 0, 1, 1]);
            add_ascii(&mut keys, 1026, root.text(0)?);
            add_ascii(&mut keys, 2049, geog.text(0)?);
            // WKT1: GEOGCS's UNIT; WKT2: the base CRS's PRIMEM's ANGLEUNIT.
            let angular = geog
                .child(&["UNIT", "ANGLEUNIT"])
                .or_else(|| geog.child(&["PRIMEM"]).and_then(|p| p.child(&["ANGLEUNIT", "UNIT"])));
            if angular.is_some_and(is_degree) {
                keys.push([2054, 0, 1, 9102]);
            }
            keys.push([3072, 0, 1, code]);
            // WKT1: the CRS's own UNIT; WKT2: the length unit in CS/AXIS.
            let unit = root.child(&["UNIT", "LENGTHUNIT"]).or_else(|| {
                root.children().filter(|c| c.name == "AXIS").find_map(|a| a.child(&["LENGTHUNIT", "UNIT"]))
            });
            if let Some(u) = unit.and_then(|u| u.number(1)).and_then(linear_unit_code) {
                keys.push([3076, 0, 1, u]);
            }
        }
        "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" => {
            keys.push([1024, 0, 1, 2]);
            keys.push([1025, 0, 1, 1]);
            keys.push([2048, 0, 1, code]);
            add_ascii(&mut keys, 2049, root.text(0)?);
            let angular = root
                .child(&["UNIT", "ANGLEUNIT"])
                .or_else(|| root.children().filter(|c| c.name == "AXIS").find_map(|a| a.child(&["ANGLEUNIT", "UNIT"])));
            if angular.is_some_and(is_degree) {
                keys.push([2054, 0, 1, 9102]);
            }
            if let Some((a, invf)) = root.ellipsoid() {
                // GDAL's order: inverse flattening stored first.
                doubles = vec![invf, a];
                keys.push([2057, GEO_DOUBLE_PARAMS, 1, 1]);
                keys.push([2059, GEO_DOUBLE_PARAMS, 1, 0]);
            }
        }
        _ => return None,
    }
    let mut dir = vec![1, 1, 0, keys.len() as u16];
    for k in &keys {
        dir.extend_from_slice(k);
    }
    let mut tags = vec![OutTag::shorts(GEO_KEY_DIRECTORY, &dir)];
    if !doubles.is_empty() {
        tags.push(OutTag::doubles(GEO_DOUBLE_PARAMS, &doubles));
    }
    tags.push(OutTag::ascii(GEO_ASCII_PARAMS, &ascii));
    Some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shorts(t: &OutTag) -> Vec<u16> {
        t.bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
    }

    /// GDAL 3.6.2's keys for EPSG:32633 (`gdal_translate -of COG` of a file
    /// with that SRS), from WKT1 as GDAL writes it in a PAM sidecar.
    #[test]
    fn projected_epsg_wkt1_gets_gdals_keys() {
        let wkt = r#"PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","32633"]]"#;
        let tags = geokeys_for_wkt(wkt).unwrap();
        assert_eq!(
            shorts(&tags[0]),
            vec![
                1, 1, 0, 7, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 22, 0, 2049, 34737, 7, 22, 2054, 0, 1, 9102,
                3072, 0, 1, 32633, 3076, 0, 1, 9001
            ]
        );
        assert_eq!(tags[1].tag, GEO_ASCII_PARAMS);
        assert_eq!(&tags[1].bytes[..], b"WGS 84 / UTM zone 33N|WGS 84|\0");
    }

    #[test]
    fn geographic_epsg_gets_ellipsoid_doubles_and_wkt2_is_read() {
        let wkt1 = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;
        let wkt2 = r#"GEOGCRS["WGS 84",ENSEMBLE["World Geodetic System 1984 ensemble",MEMBER["World Geodetic System 1984 (G2139)"],ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]],ENSEMBLEACCURACY[2.0]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],CS[ellipsoidal,2],AXIS["geodetic latitude (Lat)",north,ORDER[1],ANGLEUNIT["degree",0.0174532925199433]],AXIS["geodetic longitude (Lon)",east,ORDER[2],ANGLEUNIT["degree",0.0174532925199433]],USAGE[SCOPE["Horizontal component of 3D system."],AREA["World."],BBOX[-90,-180,90,180]],ID["EPSG",4326]]"#;
        for wkt in [wkt1, wkt2] {
            let tags = geokeys_for_wkt(wkt).unwrap();
            assert_eq!(
                shorts(&tags[0]),
                vec![
                    1, 1, 0, 7, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326, 2049, 34737, 7, 0, 2054, 0, 1, 9102,
                    2057, 34736, 1, 1, 2059, 34736, 1, 0
                ],
                "{}",
                &wkt[..20]
            );
            let d: Vec<f64> =
                tags[1].bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
            assert_eq!(d, vec![298.257223563, 6378137.0]);
        }
    }

    #[test]
    fn crs_without_epsg_code_or_not_wkt_gets_none() {
        let esri = r#"PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],UNIT["Meter",1.0]]"#;
        assert!(geokeys_for_wkt(esri).is_none());
        assert!(geokeys_for_wkt("EPSG:4326").is_none());
        assert!(geokeys_for_wkt(&"A[".repeat(100)).is_none());
        assert!(geokeys_for_wkt("").is_none());
    }
}
