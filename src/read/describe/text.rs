//! `info`'s text form: a human summary of the file, then every IFD and tag,
//! tiffdump-style, with the meaning of enumerated values.

use super::{Description, GCPS_SHOWN, SHORT_ARRAY, nodata_text, value_meaning};
use crate::tiff::tags;
use crate::tiff::{Entry, Ifd, Image, Kind, Photometric, Predictor};
use std::fmt::Write;

impl Description<'_> {
    /// The human summary followed by every IFD, tiffdump-style.
    pub fn to_text(&self, all_values: bool) -> String {
        let mut s = String::new();
        self.summary_text(&mut s);
        self.georef_text(&mut s);
        self.structure_text(&mut s);
        let max = if all_values { None } else { Some(SHORT_ARRAY) };
        for (i, (ifd, img)) in self.tiff.ifds.iter().zip(&self.images).enumerate() {
            self.ifd_text(&mut s, i, ifd, img, all_values, max);
        }
        s
    }

    /// File, raster, blocks, codec and nodata of the main image.
    fn summary_text(&self, s: &mut String) {
        let (t, m) = (self.tiff, self.main());
        let _ = writeln!(s, "File: {}", self.path);
        let _ = writeln!(
            s,
            "  Size: {} bytes, {} {}-endian, header {} bytes",
            t.file_size,
            if t.bigtiff { "BigTIFF" } else { "classic TIFF" },
            t.byte_order.name(),
            self.header_bytes
        );
        let _ = writeln!(
            s,
            "  Raster: {} x {}, {} band(s), {}",
            m.width,
            m.height,
            m.samples,
            m.gdal_dtype().unwrap_or("unsupported type")
        );
        let _ = writeln!(
            s,
            "  Blocks: {} {} x {} ({} blocks), interleave {}",
            if m.tiled { "tiles" } else { "strips" },
            m.block_width,
            m.block_height,
            m.blocks,
            if m.planar_separate { "band" } else { "pixel" }
        );
        let _ = writeln!(
            s,
            "  Compression: {}, predictor {}, photometric {}",
            m.compression.name(),
            match m.predictor.known_name() {
                Some(name) if m.predictor != Predictor::NONE => format!("{} ({})", m.predictor.0, name),
                _ => m.predictor.0.to_string(),
            },
            m.photometric.map(Photometric::name).unwrap_or_else(|| "none".into())
        );
        let _ = writeln!(
            s,
            "  NoData: {}",
            self.nodata.map(|v| nodata_text(v, m.gdal_dtype())).unwrap_or_else(|| "none".into())
        );
    }

    /// CRS, geotransform (origin, resolution, bounds) and GCPs.
    fn georef_text(&self, s: &mut String) {
        let m = self.main();
        let _ = writeln!(s, "  CRS: {}", self.crs().unwrap_or_else(|| "none".into()));
        if let Some(gt) = self.geotransform() {
            let (w, h) = (m.width as f64, m.height as f64);
            let x1 = gt[0] + w * gt[1] + h * gt[2];
            let y1 = gt[3] + w * gt[4] + h * gt[5];
            let _ = writeln!(s, "  Origin: ({}, {})", gt[0], gt[3]);
            let _ = writeln!(s, "  Resolution: ({}, {})", gt[1], gt[5]);
            let _ = writeln!(
                s,
                "  Bounds: ({}, {}) - ({}, {})",
                gt[0].min(x1),
                gt[3].min(y1),
                gt[0].max(x1),
                gt[3].max(y1)
            );
        }
        let gcps = self.gcps();
        if !gcps.is_empty() {
            let shown: Vec<String> = gcps
                .iter()
                .take(GCPS_SHOWN)
                .map(|g| format!("({}, {}) -> ({}, {}, {})", g[0], g[1], g[2], g[3], g[4]))
                .collect();
            let more = if gcps.len() > GCPS_SHOWN { ", ..." } else { "" };
            let _ = writeln!(s, "  GCPs: {}: {}{}", gcps.len(), shown.join(", "), more);
        }
    }

    /// Overviews, masks, ghost area, sidecars and metadata items.
    fn structure_text(&self, s: &mut String) {
        let ovs = self.overviews();
        if ovs.is_empty() {
            let _ = writeln!(s, "  Overviews: none");
        } else {
            let list: Vec<String> =
                ovs.iter().map(|o| format!("{}x{} (/{})", o.width, o.height, self.decimation(o))).collect();
            let _ = writeln!(s, "  Overviews: {}", list.join(", "));
        }
        let masks: Vec<String> = self
            .images
            .iter()
            .filter(|i| matches!(i.kind, Kind::Mask | Kind::OverviewMask))
            .map(|i| format!("{}x{}", i.width, i.height))
            .collect();
        if masks.is_empty() {
            let _ = writeln!(s, "  Masks: 0");
        } else {
            let _ = writeln!(s, "  Masks: {} ({})", masks.len(), masks.join(", "));
        }
        match &self.tiff.ghost {
            Some(g) => {
                let items: Vec<String> = g.items.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
                let _ = writeln!(s, "  Ghost area: {}", items.join(" "));
            }
            None => {
                let _ = writeln!(s, "  Ghost area: none");
            }
        }
        for sc in &self.sidecars {
            let what = if *sc == ".ovr" { "overviews" } else { "masks" };
            let _ = writeln!(s, "  Sidecar: {}{} (GDAL also reads its {})", self.path, sc, what);
        }
        for it in &self.metadata {
            let band = it.sample.map(|b| format!("band {} ", b + 1)).unwrap_or_default();
            let role = it.role.as_ref().map(|r| format!(" [{}]", r)).unwrap_or_default();
            let _ = writeln!(s, "  Metadata: {}{}={}{}", band, it.name, it.value, role);
        }
    }

    /// IFD `i`: its place in the chain, then one line per tag (and the
    /// decoded GeoKeys under the first).
    fn ifd_text(&self, s: &mut String, i: usize, ifd: &Ifd, img: &Image, all_values: bool, max: Option<usize>) {
        let t = self.tiff;
        let _ = writeln!(
            s,
            "{} {} at offset {} ({}, {}x{}), next {}",
            if i < t.chain_len { "IFD" } else { "SubIFD of IFD 0, IFD" },
            i,
            ifd.offset,
            img.kind.name(),
            img.width,
            img.height,
            ifd.next
        );
        for e in &ifd.entries {
            self.entry_text(s, e, all_values, max);
        }
        if i == 0 && !self.geokeys.is_empty() {
            for k in &self.geokeys {
                let _ = writeln!(s, "    {}", k.to_text());
            }
        }
    }

    /// `Name (code) TYPE (count) values [(meaning)]`; long arrays are cut to
    /// their first values unless `all_values`, and read no further.
    fn entry_text(&self, s: &mut String, e: &Entry, all_values: bool, max: Option<usize>) {
        let t = self.tiff;
        let name = tags::tag_name(e.tag).map(str::to_string).unwrap_or_else(|| format!("Unknown-{}", e.tag));
        let ty = e.field_type.map(|t| t.name().to_string()).unwrap_or_else(|| format!("type-{}", e.type_code));
        let shown = match &e.value {
            Some(v) => v.to_text(max),
            None if !all_values && e.field_type.is_some() => {
                let n = e.count.min(SHORT_ARRAY as u64);
                match t.entry_u64_range(e, 0, n) {
                    Ok(v) => {
                        let mut txt = v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ");
                        if e.count > n {
                            txt.push_str(&format!(" ... ({} values)", e.count));
                        }
                        txt
                    }
                    Err(err) => format!("<{}>", err.message),
                }
            }
            None => match t.entry_value(e) {
                Ok(v) => v.to_text(max),
                Err(err) => format!("<{}>", err.message),
            },
        };
        let meaning =
            e.value.as_ref().filter(|v| v.len() == 1).and_then(|v| v.first_u64()).and_then(|v| value_meaning(e.tag, v));
        match meaning {
            Some(m) => {
                let _ = writeln!(s, "  {} ({}) {} ({}) {} ({})", name, e.tag, ty, e.count, shown, m);
            }
            None => {
                let _ = writeln!(s, "  {} ({}) {} ({}) {}", name, e.tag, ty, e.count, shown);
            }
        }
    }
}
