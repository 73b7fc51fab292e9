//! `cogtool validate`'s engine: GDAL's checks with GDAL's semantics
//! ([`gdal`], [`full`]), checks beyond GDAL ([`beyond`]) and rio-cogeo's
//! rules ([`rio`]), all judged through GDAL's view of the file ([`model`]).
//! Findings carry stable rule IDs ([`findings`]); [`formats`] prints them
//! for CI systems (GitHub annotations, JUnit XML).

pub(crate) mod beyond;
pub(crate) mod findings;
pub mod formats;
pub(crate) mod full;
pub(crate) mod gdal;
pub(crate) mod model;
pub(crate) mod ogc;
pub(crate) mod rio;

pub use findings::{Details, Finding, Report, Rule, Severity};

use crate::Result;
use crate::source::{OpenOptions, Reader};
use crate::tiff::Tiff;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    Gdal,
    Rio,
    /// The OGC Cloud Optimized GeoTIFF standard (OGC 21-026 1.0).
    Ogc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullCheck {
    Yes,
    No,
    /// On local files only, as GDAL's script does.
    Auto,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub rules: Rules,
    pub full_check: FullCheck,
}

impl Default for Options {
    fn default() -> Self {
        Options { rules: Rules::Gdal, full_check: FullCheck::Auto }
    }
}

/// Validate one source by name. `Err` only when the bytes cannot be read at
/// all (missing file, permission, network): content problems are findings.
pub fn validate_source(name: &str, open: &OpenOptions, opts: &Options) -> Result<Report> {
    let reader = Arc::new(crate::source::open(name, open)?);
    let sidecar_ovr = |r: &Reader| model::open_sidecar(name, r, open);
    let mut report = validate_reader(name, reader.clone(), opts, &sidecar_ovr)?;
    if opts.rules == Rules::Ogc && crate::source::scheme(name) == crate::source::Scheme::Http {
        ogc::check_server(name, crate::source::probe_http(name, open), &mut report.findings);
    }
    if !reader.is_local() {
        report.fetched = Some(reader.stats());
    }
    Ok(report)
}

/// Validate an opened source; `ovr` opens its `.ovr` sidecar if any.
pub fn validate_reader(
    name: &str,
    reader: Arc<Reader>,
    opts: &Options,
    ovr: &dyn Fn(&Reader) -> Option<Tiff>,
) -> Result<Report> {
    let mut report =
        Report { path: name.to_string(), findings: Vec::new(), details: Details::default(), fetched: None };
    let tiff = match Tiff::open_lenient(reader.clone()) {
        Ok(t) => t,
        Err(e) if e.is_content() => {
            report.findings.push(Finding::new(Rule::NotTiff, format!("not a readable TIFF: {}", e.message)));
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    let msk = reader.source().sidecar_exists(".msk");
    let ovr_tiff = ovr(&reader);
    let ds = match model::Dataset::open(&tiff, ovr_tiff.as_ref(), msk) {
        Ok(ds) => ds,
        Err(why) => {
            report.findings.push(Finding::new(Rule::NotTiff, why));
            return Ok(report);
        }
    };
    match opts.rules {
        Rules::Rio => rio::check(name, &tiff, &ds, &mut report.findings, &mut report.details),
        Rules::Gdal => {
            let declared = gdal::check(&tiff, &ds, &mut report.findings, &mut report.details);
            let full = match opts.full_check {
                FullCheck::Yes => true,
                FullCheck::No => false,
                FullCheck::Auto => reader.is_local(),
            };
            if full && declared.any() {
                full::check(&reader, &ds, declared, &mut report.findings);
            }
            beyond::check(&tiff, &ds, &mut report.findings);
        }
        Rules::Ogc => {
            let mut gdal_view = Vec::new();
            let mut details = Details::default();
            gdal::check(&tiff, &ds, &mut gdal_view, &mut details);
            ogc::check(&tiff, &gdal_view, &mut report.findings);
        }
    }
    if let Some(e) = &tiff.chain_error {
        // Readers stop at the break (GDAL with a warning); the layout is still wrong.
        report.findings.push(Finding::new(
            Rule::IfdChain,
            format!("the IFD chain is broken after {} IFD(s): {}", tiff.ifds.len(), e.message),
        ));
    }
    order_causes_first(&mut report.findings);
    Ok(report)
}

/// Causes before consequences: blocks past the end of the file and a
/// broken IFD chain explain the leader, trailer and order findings that
/// follow from them, so they come first (stable otherwise).
fn order_causes_first(findings: &mut [Finding]) {
    findings.sort_by_key(|f| !matches!(f.rule, Rule::TileOutOfBounds | Rule::IfdChain));
}
