//! GDAL's PAM sidecar, `INPUT.aux.xml`: metadata GDAL keeps beside a file
//! it opened read-only (`gdalinfo -stats` writes the band statistics there,
//! QGIS and `gdal_edit` descriptions and items). GDAL reads it as part of
//! the dataset and `gdal_translate -of COG` writes its items into the COG's
//! GDAL_METADATA, so `create` merges it the same way (GDAL 3.6.2's rules):
//!
//! - default-domain items, dataset and band: the sidecar's value wins, and
//!   the sidecar's items come first, then the file's own others;
//! - description, unit type, offset and scale: the file's own win, the
//!   sidecar fills in what the file lacks;
//! - band 1's nodata fills in when the file has none.
//!
//! Its georeferencing (`<GeoTransform>`, `<SRS>`) wins over the file's own,
//! as in GDAL (GTiff's GEOREF_SOURCES default, PAM first): see
//! `sidecars::apply`. Other domains, histograms and colour tables are not
//! read (GDAL does not copy the first two either).

use crate::tiff::gdal_metadata::Item;
use crate::{Error, Result};
use std::path::Path;

/// Sidecars beyond this are refused rather than parsed (real ones are a few KB).
const MAX_PAM_BYTES: u64 = 16 << 20;

#[derive(Debug, Default)]
pub struct Pam {
    dataset: Vec<(String, String)>,
    bands: Vec<(u32, PamBand)>,
    /// `<GeoTransform>`: six numbers, GDAL's order.
    pub geotransform: Option<[f64; 6]>,
    /// `<SRS>`: the CRS as WKT.
    pub srs: Option<String>,
}

#[derive(Debug, Default)]
struct PamBand {
    items: Vec<(String, String)>,
    description: Option<String>,
    unit_type: Option<String>,
    offset: Option<String>,
    scale: Option<String>,
    nodata: Option<String>,
}

/// Read `INPUT.aux.xml`, if there is one. A sidecar that is there but not
/// readable XML is an error naming it.
pub fn read(input: &Path) -> Result<Option<Pam>> {
    let path = super::path::beside(input, ".aux.xml");
    let Ok(meta) = std::fs::metadata(&path) else { return Ok(None) };
    if !meta.is_file() {
        return Ok(None);
    }
    let named = |m: String| Error::format(format!("PAM sidecar {}: {}", path.display(), m));
    if meta.len() > MAX_PAM_BYTES {
        return Err(named(format!("{} bytes, beyond the {} this reads", meta.len(), MAX_PAM_BYTES)));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| named(e.to_string()))?;
    let doc = roxmltree::Document::parse(&text).map_err(|e| named(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "PAMDataset" {
        return Err(named(format!("root element <{}>, not <PAMDataset>", root.tag_name().name())));
    }
    let mut pam = Pam::default();
    for node in root.children().filter(|n| n.is_element()) {
        match node.tag_name().name() {
            "Metadata" if is_default_domain(node) => pam.dataset.extend(items(node)),
            "GeoTransform" => {
                let v: Vec<f64> = node.text().unwrap_or("").split(',').filter_map(|t| t.trim().parse().ok()).collect();
                if let Ok(gt) = <[f64; 6]>::try_from(v)
                    && gt.iter().all(|x| x.is_finite())
                {
                    pam.geotransform = Some(gt);
                }
            }
            "SRS" => pam.srs = node.text().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
            "PAMRasterBand" => {
                let Some(band) = node.attribute("band").and_then(|b| b.trim().parse::<u32>().ok()).filter(|&b| b >= 1)
                else {
                    continue;
                };
                let mut b = PamBand::default();
                for child in node.children().filter(|n| n.is_element()) {
                    let text = || child.text().map(|t| t.to_string());
                    match child.tag_name().name() {
                        "Metadata" if is_default_domain(child) => b.items.extend(items(child)),
                        "Description" => b.description = text(),
                        "UnitType" => b.unit_type = text(),
                        "Offset" => b.offset = text(),
                        "Scale" => b.scale = text(),
                        "NoDataValue" => b.nodata = text(),
                        _ => {}
                    }
                }
                pam.bands.push((band - 1, b));
            }
            _ => {}
        }
    }
    Ok(Some(pam))
}

fn is_default_domain(node: roxmltree::Node) -> bool {
    node.attribute("domain").is_none_or(str::is_empty) && node.attribute("format").is_none()
}

fn items(node: roxmltree::Node) -> Vec<(String, String)> {
    node.children()
        .filter(|n| n.is_element() && n.tag_name().name() == "MDI")
        .filter_map(|n| Some((n.attribute("key")?.to_string(), n.text().unwrap_or("").to_string())))
        .collect()
}

impl Pam {
    /// Band 1's nodata, for a file that has none of its own.
    pub fn nodata(&self) -> Option<&str> {
        self.bands.iter().find(|(b, _)| *b == 0).and_then(|(_, b)| b.nodata.as_deref())
    }

    /// The file's GDAL_METADATA items (`own`) merged with the sidecar's, in
    /// the order GDAL writes them: dataset items, then band by band its
    /// items, offset, scale, unit type and description.
    pub fn merge(&self, own: &[Item], bands: u32) -> Vec<Item> {
        let item = |name: &str, value: &str, sample: Option<u32>, role: Option<&str>| Item {
            name: name.to_string(),
            value: value.to_string(),
            sample,
            role: role.map(str::to_string),
            domain: None,
        };
        let plain = |i: &&Item| i.role.is_none() && i.domain.is_none();
        let mut out = Vec::new();
        // Items of another domain keep their place before the plain ones.
        out.extend(own.iter().filter(|i| i.sample.is_none() && i.domain.is_some()).cloned());
        let merge_items = |out: &mut Vec<Item>, pam: &[(String, String)], sample: Option<u32>| {
            for (k, v) in pam {
                out.push(item(k, v, sample, None));
            }
            let theirs = own.iter().filter(|i| i.sample == sample).filter(plain);
            out.extend(theirs.filter(|i| !pam.iter().any(|(k, _)| *k == i.name)).cloned());
        };
        merge_items(&mut out, &self.dataset, None);
        for s in 0..bands {
            let empty = PamBand::default();
            let pb = self.bands.iter().find(|(b, _)| *b == s).map(|(_, b)| b).unwrap_or(&empty);
            out.extend(own.iter().filter(|i| i.sample == Some(s) && i.domain.is_some()).cloned());
            merge_items(&mut out, &pb.items, Some(s));
            let roles = [
                ("offset", "OFFSET", &pb.offset),
                ("scale", "SCALE", &pb.scale),
                ("unittype", "UNITTYPE", &pb.unit_type),
                ("description", "DESCRIPTION", &pb.description),
            ];
            for (role, name, pam_value) in roles {
                match own.iter().find(|i| i.sample == Some(s) && i.role.as_deref() == Some(role)) {
                    Some(i) => out.push(i.clone()),
                    None => {
                        if let Some(v) = pam_value.as_deref().filter(|v| !v.is_empty() && !is_default(role, v)) {
                            out.push(item(name, v, Some(s), Some(role)));
                        }
                    }
                }
            }
            // Roles GDAL writes that are not merged here stay as they were.
            out.extend(
                own.iter()
                    .filter(|i| i.sample == Some(s) && i.domain.is_none())
                    .filter(|i| i.role.as_deref().is_some_and(|r| roles.iter().all(|(merged, ..)| *merged != r)))
                    .cloned(),
            );
        }
        // Items of bands beyond the count (kept as they were).
        out.extend(own.iter().filter(|i| i.sample.is_some_and(|s| s >= bands)).cloned());
        out
    }
}

/// GDAL writes no OFFSET of 0 and no SCALE of 1.
fn is_default(role: &str, v: &str) -> bool {
    match (role, v.trim().parse::<f64>()) {
        ("offset", Ok(x)) => x == 0.0,
        ("scale", Ok(x)) => x == 1.0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn it(name: &str, value: &str, sample: Option<u32>, role: Option<&str>) -> Item {
        Item { name: name.into(), value: value.into(), sample, role: role.map(Into::into), domain: None }
    }

    /// GDAL 3.6.2's result for this file and sidecar (see the module doc).
    #[test]
    fn merge_follows_gdal() {
        let dir = std::env::temp_dir().join(format!("cogtool-pam-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("a.tif");
        std::fs::write(
            dir.join("a.tif.aux.xml"),
            r#"<PAMDataset>
  <Metadata><MDI key="AREA">pam</MDI><MDI key="ONLYPAM">p</MDI></Metadata>
  <Metadata domain="OTHER"><MDI key="X">y</MDI></Metadata>
  <PAMRasterBand band="1">
    <Description>pamdesc</Description><UnitType>m</UnitType>
    <Metadata><MDI key="B1">pam</MDI><MDI key="STATISTICS_MEAN">1.5</MDI></Metadata>
    <Histograms><HistItem><HistCounts>1|2</HistCounts></HistItem></Histograms>
  </PAMRasterBand>
  <PAMRasterBand band="2"><Offset>7</Offset><Scale>3</Scale><NoDataValue>-5</NoDataValue></PAMRasterBand>
</PAMDataset>"#,
        )
        .unwrap();
        let pam = read(&input).unwrap().unwrap();
        let own = vec![
            it("AREA", "tiff", None, None),
            it("ONLYTIFF", "t", None, None),
            it("B1", "tiff", Some(0), None),
            it("DESCRIPTION", "tiffdesc", Some(0), Some("description")),
            it("OFFSET", "5", Some(1), Some("offset")),
            it("SCALE", "2", Some(1), Some("scale")),
        ];
        let want = vec![
            it("AREA", "pam", None, None),
            it("ONLYPAM", "p", None, None),
            it("ONLYTIFF", "t", None, None),
            it("B1", "pam", Some(0), None),
            it("STATISTICS_MEAN", "1.5", Some(0), None),
            it("UNITTYPE", "m", Some(0), Some("unittype")),
            it("DESCRIPTION", "tiffdesc", Some(0), Some("description")),
            it("OFFSET", "5", Some(1), Some("offset")),
            it("SCALE", "2", Some(1), Some("scale")),
        ];
        assert_eq!(pam.merge(&own, 2), want);
        assert_eq!(pam.nodata(), None, "band 2's nodata is not the dataset's");
        std::fs::write(dir.join("a.tif.aux.xml"), "<PAMDataset><Metadata>").unwrap();
        let e = read(&input).unwrap_err();
        assert!(e.message.contains("a.tif.aux.xml"), "{}", e.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
