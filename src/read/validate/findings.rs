//! Rule identifiers, severities and findings. The IDs are part of cogtool's
//! interface (scripts match on them), so they never change once published.

use serde_json::{Value as Json, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    /// Advice only: never changes the verdict, not even with `--strict`.
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Every rule cogtool checks. The first group mirrors GDAL's
/// `validate_cloud_optimized_geotiff.py` one message to one ID; the second
/// goes beyond it; `Decimation` is also rio-cogeo's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    NotTiff,
    ExternalOverviews,
    NotTiled,
    NoOverviews,
    IncompatibleEdition,
    MainIfdOffset,
    OverviewLargerThanMain,
    OverviewSizeOrder,
    OverviewNotTiled,
    IfdOrder,
    FirstBlockBeforeIfd,
    DataOrder,
    BlockOrder,
    LeaderSize,
    TrailerBytes,
    MaskBlockSize,
    MaskOffset,
    // Beyond GDAL.
    TileOutOfBounds,
    TileOverlap,
    OverviewDecimation,
    OverviewTileSize,
    MaskIfdOrder,
    HeaderSize,
    FloatNoNodata,
    IfdChain,
    // OGC 21-026 (`--rules ogc`): requirements, then recommendations.
    OgcUseGeotiff,
    OgcTiling,
    OgcOverviews,
    OgcKeysMetadata,
    OgcKeysGeoreference,
    OgcPointOfOrigin,
    OgcGeotiffKeys,
    OgcNumber,
    OgcSmallSizes,
    OgcHttpRange,
    OgcHttpsHeaders,
    OgcRecClassicTiff,
    OgcRecCompression,
    OgcRecIfdOrder,
    OgcRecSizeAndNumbers,
}

impl Rule {
    pub const ALL: [Rule; 40] = [
        Rule::NotTiff,
        Rule::ExternalOverviews,
        Rule::NotTiled,
        Rule::NoOverviews,
        Rule::IncompatibleEdition,
        Rule::MainIfdOffset,
        Rule::OverviewLargerThanMain,
        Rule::OverviewSizeOrder,
        Rule::OverviewNotTiled,
        Rule::IfdOrder,
        Rule::FirstBlockBeforeIfd,
        Rule::DataOrder,
        Rule::BlockOrder,
        Rule::LeaderSize,
        Rule::TrailerBytes,
        Rule::MaskBlockSize,
        Rule::MaskOffset,
        Rule::TileOutOfBounds,
        Rule::TileOverlap,
        Rule::OverviewDecimation,
        Rule::OverviewTileSize,
        Rule::MaskIfdOrder,
        Rule::HeaderSize,
        Rule::FloatNoNodata,
        Rule::IfdChain,
        Rule::OgcUseGeotiff,
        Rule::OgcTiling,
        Rule::OgcOverviews,
        Rule::OgcKeysMetadata,
        Rule::OgcKeysGeoreference,
        Rule::OgcPointOfOrigin,
        Rule::OgcGeotiffKeys,
        Rule::OgcNumber,
        Rule::OgcSmallSizes,
        Rule::OgcHttpRange,
        Rule::OgcHttpsHeaders,
        Rule::OgcRecClassicTiff,
        Rule::OgcRecCompression,
        Rule::OgcRecIfdOrder,
        Rule::OgcRecSizeAndNumbers,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::NotTiff => "not-tiff",
            Rule::ExternalOverviews => "external-overviews",
            Rule::NotTiled => "not-tiled",
            Rule::NoOverviews => "no-overviews",
            Rule::IncompatibleEdition => "incompatible-edition",
            Rule::MainIfdOffset => "main-ifd-offset",
            Rule::OverviewLargerThanMain => "overview-larger-than-main",
            Rule::OverviewSizeOrder => "overview-size-order",
            Rule::OverviewNotTiled => "overview-not-tiled",
            Rule::IfdOrder => "ifd-order",
            Rule::FirstBlockBeforeIfd => "first-block-before-ifd",
            Rule::DataOrder => "data-order",
            Rule::BlockOrder => "block-order",
            Rule::LeaderSize => "leader-size",
            Rule::TrailerBytes => "trailer-bytes",
            Rule::MaskBlockSize => "mask-block-size",
            Rule::MaskOffset => "mask-offset",
            Rule::TileOutOfBounds => "tile-out-of-bounds",
            Rule::TileOverlap => "tile-overlap",
            Rule::OverviewDecimation => "overview-decimation",
            Rule::OverviewTileSize => "overview-tile-size",
            Rule::MaskIfdOrder => "mask-ifd-order",
            Rule::HeaderSize => "header-size",
            Rule::FloatNoNodata => "float-no-nodata",
            Rule::IfdChain => "ifd-chain",
            Rule::OgcUseGeotiff => "ogc-geotiff-format-use-geotiff",
            Rule::OgcTiling => "ogc-geotiff-format-tiling",
            Rule::OgcOverviews => "ogc-geotiff-overviews-overviews",
            Rule::OgcKeysMetadata => "ogc-geotiff-keys-basic-metadata-format",
            Rule::OgcKeysGeoreference => "ogc-geotiff-keys-georeference",
            Rule::OgcPointOfOrigin => "ogc-geotiff-keys-point-of-origin",
            Rule::OgcGeotiffKeys => "ogc-optimized-geotiff-geotiff",
            Rule::OgcNumber => "ogc-optimized-geotiff-number",
            Rule::OgcSmallSizes => "ogc-optimized-geotiff-small-sizes",
            Rule::OgcHttpRange => "ogc-http-range-range",
            Rule::OgcHttpsHeaders => "ogc-http-range-https-headers",
            Rule::OgcRecClassicTiff => "ogc-rec-geotiff-format-use-geotiff",
            Rule::OgcRecCompression => "ogc-rec-geotiff-format-compression",
            Rule::OgcRecIfdOrder => "ogc-rec-geotiff-overviews-ifd-order",
            Rule::OgcRecSizeAndNumbers => "ogc-rec-optimized-geotiff-size-and-numbers",
        }
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// The severity the rule has by default (with GDAL's rules).
    pub fn severity(self) -> Severity {
        match self {
            Rule::NoOverviews | Rule::OverviewTileSize => Severity::Warning,
            Rule::OgcRecClassicTiff | Rule::OgcRecIfdOrder | Rule::OgcRecSizeAndNumbers => Severity::Warning,
            Rule::HeaderSize | Rule::FloatNoNodata | Rule::OgcRecCompression => Severity::Info,
            _ => Severity::Error,
        }
    }

    /// True for the rules that reproduce a message of GDAL's validator.
    pub fn is_gdal(self) -> bool {
        !matches!(
            self,
            Rule::TileOutOfBounds
                | Rule::TileOverlap
                | Rule::OverviewDecimation
                | Rule::OverviewTileSize
                | Rule::MaskIfdOrder
                | Rule::HeaderSize
                | Rule::FloatNoNodata
                | Rule::IfdChain
        ) && !self.is_ogc()
    }

    /// True for the rules of `--rules ogc` (OGC 21-026).
    pub fn is_ogc(self) -> bool {
        self.id().starts_with("ogc-")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    pub fn new(rule: Rule, message: impl Into<String>) -> Finding {
        Finding { rule, severity: rule.severity(), message: message.into() }
    }
    pub fn to_json(&self) -> Json {
        json!({"rule": self.rule.id(), "message": self.message})
    }
}

/// Facts GDAL's validator returns as `details`, plus the header size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    /// ("main" | "overview_N", IFD offset).
    pub ifd_offsets: Vec<(String, u64)>,
    /// ("main" | "overview_N", offset of the first non-empty block, 0 if none).
    pub data_offsets: Vec<(String, u64)>,
    /// What GDAL prints as "the size of all IFD headers": the smallest first
    /// data offset, or the file size when that is 0.
    pub header_bytes: u64,
}

/// The outcome for one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub path: String,
    pub findings: Vec<Finding>,
    pub details: Details,
    /// For remote sources: what validating cost (`requests`, `bytes_fetched`).
    pub fetched: Option<crate::source::Stats>,
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
    /// Valid when no error (and, with `strict`, no warning) was found.
    pub fn is_valid(&self, strict: bool) -> bool {
        self.count(Severity::Error) == 0 && (!strict || self.count(Severity::Warning) == 0)
    }
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }

    pub fn to_json(&self, strict: bool) -> Json {
        let list = |s: Severity| -> Json {
            Json::Array(self.findings.iter().filter(|f| f.severity == s).map(|f| f.to_json()).collect())
        };
        let map =
            |v: &[(String, u64)]| -> Json { Json::Object(v.iter().map(|(k, o)| (k.clone(), json!(o))).collect()) };
        let mut j = json!({
            "path": self.path,
            "valid": self.is_valid(strict),
            "errors": list(Severity::Error),
            "warnings": list(Severity::Warning),
            "infos": list(Severity::Info),
            "details": {
                "ifd_offsets": map(&self.details.ifd_offsets),
                "data_offsets": map(&self.details.data_offsets),
                "header_bytes": self.details.header_bytes,
            }
        });
        if let (Some(st), Some(o)) = (self.fetched, j.as_object_mut()) {
            o.insert("requests".into(), json!(st.requests));
            o.insert("bytes_fetched".into(), json!(st.bytes));
        }
        j
    }

    /// `path: valid`, `path: valid, 1 warning`, `path: INVALID (2 errors)`,
    /// then one indented line per finding (at most `per_rule` per rule; the
    /// JSON output always has them all).
    pub fn to_text(&self, strict: bool, per_rule: usize) -> String {
        let plural = |n: usize, w: &str| format!("{} {}{}", n, w, if n == 1 { "" } else { "s" });
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        let mut head = if self.is_valid(strict) {
            let mut s = format!("{}: valid", self.path);
            if w > 0 {
                s.push_str(&format!(", {}", plural(w, "warning")));
            }
            s
        } else {
            let mut parts = Vec::new();
            if e > 0 {
                parts.push(plural(e, "error"));
            }
            if w > 0 {
                parts.push(plural(w, "warning"));
            }
            format!("{}: INVALID ({})", self.path, parts.join(", "))
        };
        head.push('\n');
        let mut shown: Vec<(Rule, usize)> = Vec::new();
        for sev in [Severity::Error, Severity::Warning, Severity::Info] {
            for f in self.findings.iter().filter(|f| f.severity == sev) {
                let n = match shown.iter_mut().find(|(r, _)| *r == f.rule) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        shown.push((f.rule, 1));
                        1
                    }
                };
                if n <= per_rule {
                    head.push_str(&format!("  {}[{}]: {}\n", sev.name(), f.rule.id(), f.message));
                } else if n == per_rule + 1 {
                    let total = self.findings.iter().filter(|g| g.rule == f.rule).count();
                    head.push_str(&format!(
                        "  {}[{}]: ... and {} more (use --json for all)\n",
                        sev.name(),
                        f.rule.id(),
                        total - per_rule
                    ));
                }
            }
        }
        head
    }
}
