//! `cogtool create` options: our flags, GDAL COG creation options (`--co
//! NAME=VALUE`) mapped onto them, and GDAL's defaults. Resolution against the
//! input (predictor `auto`, default resampling) happens in [`crate::create::config`].
//!
//! Defaults follow GDAL 3.6's COG driver, so that `cogtool create in out` and
//! `gdal_translate -of COG in out` produce the same structure:
//! COMPRESS=LZW, BLOCKSIZE=512, PREDICTOR=NO, RESAMPLING=CUBIC (NEAREST for
//! palette or complex input), INTERLEAVE=PIXEL, overviews until both sides
//! fit in one tile, BIGTIFF=IF_SAFER (GDAL's documented default is
//! IF_NEEDED; we know every compressed size before writing, see `layout::plan`).

use crate::create::pipeline::resample::Method as Resampling;
use crate::tiff::Compression;
use crate::{Error, Result};
use std::path::PathBuf;

use crate::create::values::named_values;

named_values!(
    /// The tile codec (GDAL: COMPRESS).
    Codec { None => "none", Deflate => "deflate", Lzw => "lzw", Zstd => "zstd", Packbits => "packbits", Jpeg => "jpeg", Webp => "webp" }
);
named_values!(
    /// `--predictor`: none, horizontal differencing, floating point, or the
    /// one that fits the samples.
    PredictorChoice { None => "none", Horizontal => "horizontal", Float => "float", Auto => "auto" }
);
named_values!(
    /// When to write BigTIFF (GDAL: BIGTIFF).
    BigTiff { Yes => "yes", No => "no", IfNeeded => "if-needed", IfSafer => "if-safer" }
);
named_values!(
    /// Samples of a pixel together, or one plane per band (GDAL: INTERLEAVE).
    Interleave { Pixel => "pixel", Band => "band" }
);
named_values!(
    /// Which zoom level of a tile matrix set fits the input's resolution
    /// (GDAL: ZOOM_LEVEL_STRATEGY).
    ZoomLevelStrategy { Auto => "auto", Lower => "lower", Upper => "upper" }
);

named_values!(
    /// What to do with the overviews an input already has (GDAL: OVERVIEWS).
    /// `auto`: keep them when there are any, else compute them;
    /// `ignore-existing`: compute them anyway (GDAL still keeps them when
    /// the image fits in one block); `force-use-existing`: keep them, and
    /// compute none when there are none; `none`: write no overviews.
    OverviewMode {
        Auto => "auto",
        IgnoreExisting => "ignore-existing",
        ForceUseExisting => "force-use-existing",
        None => "none",
    }
);

named_values!(
    /// Band statistics in the output's metadata (GDAL: STATISTICS).
    /// `auto`: keep the input's, computed anew where the pixels they
    /// describe change; `yes`: compute them as the pixels pass; `no`: none.
    StatisticsMode { Auto => "auto", Yes => "yes", No => "no" }
);

impl Codec {
    /// The TIFF Compression tag value.
    pub fn tag(self) -> Compression {
        match self {
            Codec::None => Compression::NONE,
            Codec::Lzw => Compression::LZW,
            Codec::Jpeg => Compression::JPEG,
            Codec::Deflate => Compression::DEFLATE,
            Codec::Packbits => Compression::PACKBITS,
            Codec::Zstd => Compression::ZSTD,
            Codec::Webp => Compression::WEBP,
        }
    }
    pub fn lossless(self) -> bool {
        !matches!(self, Codec::Jpeg | Codec::Webp)
    }
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "NONE",
            Codec::Deflate => "DEFLATE",
            Codec::Lzw => "LZW",
            Codec::Zstd => "ZSTD",
            Codec::Packbits => "PACKBITS",
            Codec::Jpeg => "JPEG",
            Codec::Webp => "WEBP",
        }
    }
    /// Predictors are only meaningful for the dictionary codecs (GDAL ignores
    /// PREDICTOR for the others; we refuse it, see [`CreateOptions::check`]).
    pub fn takes_predictor(self) -> bool {
        matches!(self, Codec::Deflate | Codec::Lzw | Codec::Zstd)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodataChoice {
    /// Keep the input's GDAL_NODATA, if any.
    Keep,
    /// Drop it.
    Drop,
    Value(f64),
}

#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub codec: Codec,
    pub level: Option<i32>,
    pub quality: Option<u8>,
    pub predictor: PredictorChoice,
    pub blocksize: u32,
    pub overview_blocksize: Option<u32>,
    /// None: GDAL's default for the input (CUBIC, NEAREST for palette/complex).
    pub resampling: Option<Resampling>,
    pub overviews: OverviewMode,
    /// STATISTICS_* items: kept, computed or left out.
    pub statistics: StatisticsMode,
    /// At most this many overview levels (GDAL: OVERVIEW_COUNT); computed
    /// levels halve until the image fits in one block by default.
    pub overview_count: Option<u32>,
    pub nodata: NodataChoice,
    pub add_mask: bool,
    pub interleave: Interleave,
    pub sparse: bool,
    pub descriptions: Vec<(usize, String)>,
    pub tags: Vec<(String, String)>,
    pub threads: Option<usize>,
    pub bigtiff: BigTiff,
    pub overwrite: bool,
    pub tmpdir: Option<PathBuf>,
    pub verify: bool,
    /// Re-encode every tile rather than copy the input's stored tiles
    /// where they fit (see `pipeline::repack`).
    pub no_copy: bool,
    /// A part of a distributed run, or its assembly (set by the caller,
    /// not a flag of its own: see [`crate::create::parts`]).
    pub distributed: Option<Distributed>,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            codec: Codec::Lzw,
            level: None,
            quality: None,
            predictor: PredictorChoice::None,
            blocksize: 512,
            overview_blocksize: None,
            resampling: None,
            overviews: OverviewMode::Auto,
            statistics: StatisticsMode::Auto,
            overview_count: None,
            nodata: NodataChoice::Keep,
            add_mask: false,
            interleave: Interleave::Pixel,
            sparse: false,
            descriptions: Vec::new(),
            tags: Vec::new(),
            threads: None,
            bigtiff: BigTiff::IfSafer,
            overwrite: false,
            tmpdir: None,
            verify: false,
            no_copy: false,
            distributed: None,
        }
    }
}

fn usage(msg: impl Into<String>) -> Error {
    Error::usage(msg)
}

/// Set a value that may come from a flag or a `--co`; both given and
/// different is an error rather than a silent pick.
fn set_once<T: PartialEq + std::fmt::Debug>(slot: &mut Option<T>, v: T, what: &str) -> Result<()> {
    match slot {
        Some(old) if *old != v => {
            Err(usage(format!("{} given twice with different values ({:?} and {:?})", what, old, v)))
        }
        _ => {
            *slot = Some(v);
            Ok(())
        }
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_uppercase().as_str() {
        "YES" | "TRUE" | "ON" | "1" => Ok(true),
        "NO" | "FALSE" | "OFF" | "0" => Ok(false),
        _ => Err(usage(format!("--co {}={}: expected YES or NO", name, v))),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T> {
    v.trim().parse().map_err(|_| usage(format!("--co {}={}: not a valid number", name, v)))
}

fn codec_of(name: &str, v: &str) -> Result<Codec> {
    match v.to_ascii_uppercase().as_str() {
        "LERC" | "LERC_DEFLATE" | "LERC_ZSTD" | "LZMA" | "JXL" => {
            Err(usage(format!("--co {}={}: codec not supported by cogtool", name, v)))
        }
        // GDAL's names are our value names in upper case.
        _ => Codec::from_name(v).ok_or_else(|| usage(format!("--co {}={}: unknown codec", name, v))),
    }
}

fn resampling_of(name: &str, v: &str) -> Result<Resampling> {
    Resampling::from_name(v).ok_or_else(|| usage(format!("--co {}={}: unknown or unsupported resampling", name, v)))
}

/// What the command line gives `create`, field for field: the CLI fills it
/// in, [`CreateOptions::from_flags`] merges it with the `--co` items and
/// checks it, [`crate::create::input::gdal_gate::tiling_of`] reads the tile-matrix-set part.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub compress: Option<Codec>,
    pub level: Option<i32>,
    pub quality: Option<u8>,
    pub predictor: Option<PredictorChoice>,
    pub blocksize: Option<u32>,
    pub overview_blocksize: Option<u32>,
    pub resampling: Option<Resampling>,
    pub overview_resampling: Option<Resampling>,
    pub overview_count: Option<u32>,
    pub overviews: Option<OverviewMode>,
    /// `--regenerate-overviews`: OVERVIEWS=IGNORE_EXISTING.
    pub regenerate_overviews: bool,
    pub statistics: Option<StatisticsMode>,
    pub nodata: Option<String>,
    pub add_mask: bool,
    pub interleave: Option<Interleave>,
    pub sparse: bool,
    pub description: Vec<String>,
    pub tag: Vec<String>,
    pub threads: Option<usize>,
    pub bigtiff: Option<BigTiff>,
    pub overwrite: bool,
    pub creation_options: Vec<String>,
    pub tmpdir: Option<PathBuf>,
    pub verify: bool,
    pub no_copy: bool,
    pub web_optimized: bool,
    pub tms: Option<PathBuf>,
    pub warp_resampling: Option<Resampling>,
    pub zoom_level: Option<u32>,
    pub zoom_level_strategy: Option<ZoomLevelStrategy>,
    pub aligned_levels: Option<u32>,
}

/// Everything from the command line, before it is merged.
#[derive(Default)]
struct Collected {
    statistics: Option<StatisticsMode>,
    codec: Option<Codec>,
    level: Option<i32>,
    quality: Option<u8>,
    predictor: Option<PredictorChoice>,
    blocksize: Option<u32>,
    overview_blocksize: Option<u32>,
    resampling: Option<Resampling>,
    overview_resampling: Option<Resampling>,
    overviews: Option<OverviewMode>,
    overview_count: Option<u32>,
    interleave: Option<Interleave>,
    sparse: Option<bool>,
    threads: Option<usize>,
    bigtiff: Option<BigTiff>,
}

/// Apply one `--co NAME=VALUE` (GDAL COG driver option names).
fn apply_co(c: &mut Collected, item: &str) -> Result<()> {
    let Some((name, value)) = item.split_once('=') else {
        return Err(usage(format!("--co {}: expected NAME=VALUE", item)));
    };
    let name = name.trim().to_ascii_uppercase();
    let v = value.trim();
    let up = v.to_ascii_uppercase();
    match name.as_str() {
        "COMPRESS" => set_once(&mut c.codec, codec_of(&name, v)?, "COMPRESS")?,
        "LEVEL" => set_once(&mut c.level, parse_num(&name, v)?, "LEVEL")?,
        "QUALITY" => set_once(&mut c.quality, parse_num(&name, v)?, "QUALITY")?,
        "PREDICTOR" => {
            let p = match up.as_str() {
                "YES" | "TRUE" | "ON" => PredictorChoice::Auto,
                "NO" | "FALSE" | "OFF" | "1" | "NONE" => PredictorChoice::None,
                "STANDARD" | "2" => PredictorChoice::Horizontal,
                "FLOATING_POINT" | "3" => PredictorChoice::Float,
                _ => return Err(usage(format!("--co PREDICTOR={}: expected YES, NO, STANDARD or FLOATING_POINT", v))),
            };
            set_once(&mut c.predictor, p, "PREDICTOR")?
        }
        "BLOCKSIZE" => set_once(&mut c.blocksize, parse_num(&name, v)?, "BLOCKSIZE")?,
        "INTERLEAVE" => {
            let i = match up.as_str() {
                "PIXEL" => Interleave::Pixel,
                "BAND" => Interleave::Band,
                _ => return Err(usage(format!("--co INTERLEAVE={}: expected PIXEL or BAND", v))),
            };
            set_once(&mut c.interleave, i, "INTERLEAVE")?
        }
        "BIGTIFF" => {
            let b = match up.as_str() {
                "YES" => BigTiff::Yes,
                "NO" => BigTiff::No,
                "IF_NEEDED" => BigTiff::IfNeeded,
                "IF_SAFER" => BigTiff::IfSafer,
                _ => return Err(usage(format!("--co BIGTIFF={}: expected YES, NO, IF_NEEDED or IF_SAFER", v))),
            };
            set_once(&mut c.bigtiff, b, "BIGTIFF")?
        }
        "RESAMPLING" => set_once(&mut c.resampling, resampling_of(&name, v)?, "RESAMPLING")?,
        "OVERVIEW_RESAMPLING" => set_once(&mut c.overview_resampling, resampling_of(&name, v)?, "OVERVIEW_RESAMPLING")?,
        "OVERVIEWS" => {
            let m = OverviewMode::from_name(&up.replace('_', "-")).ok_or_else(|| {
                usage(format!("--co OVERVIEWS={}: expected AUTO, IGNORE_EXISTING, FORCE_USE_EXISTING or NONE", v))
            })?;
            set_once(&mut c.overviews, m, "OVERVIEWS")?
        }
        "OVERVIEW_COUNT" => set_once(&mut c.overview_count, parse_num(&name, v)?, "OVERVIEW_COUNT")?,
        "SPARSE_OK" => set_once(&mut c.sparse, parse_bool(&name, v)?, "SPARSE_OK")?,
        "NUM_THREADS" => {
            let n = if up == "ALL_CPUS" {
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
            } else {
                parse_num(&name, v)?
            };
            set_once(&mut c.threads, n, "NUM_THREADS")?
        }
        // Options whose only value we can honour is GDAL's default.
        "GEOTIFF_VERSION" if up == "AUTO" || up == "1.0" => {}
        "STATISTICS" => {
            let m = StatisticsMode::from_name(&up.to_ascii_lowercase())
                .ok_or_else(|| usage(format!("--co STATISTICS={}: expected AUTO, YES or NO", v)))?;
            set_once(&mut c.statistics, m, "STATISTICS")?
        }
        "ADD_ALPHA" | "TILING_SCHEME" if up == "CUSTOM" || up == "YES" => {}
        "OVERVIEW_COMPRESS"
        | "OVERVIEW_QUALITY"
        | "OVERVIEW_PREDICTOR"
        | "MAX_Z_ERROR"
        | "MAX_Z_ERROR_OVERVIEW"
        | "NBITS"
        | "JXL_LOSSLESS"
        | "JXL_EFFORT"
        | "JXL_DISTANCE"
        | "JXL_ALPHA_DISTANCE"
        | "WARP_RESAMPLING"
        | "TARGET_SRS"
        | "RES"
        | "EXTENT"
        | "ALIGNED_LEVELS"
        | "ZOOM_LEVEL"
        | "ZOOM_LEVEL_STRATEGY"
        | "TILING_SCHEME"
        | "ADD_ALPHA"
        | "GEOTIFF_VERSION"
        | "COPY_SRC_MDD"
        | "SRC_MDD" => {
            return Err(usage(format!("--co {}={}: this GDAL COG option is not supported by cogtool create", name, v)));
        }
        _ => return Err(usage(format!("--co {}: unknown GDAL COG creation option", name))),
    }
    Ok(())
}

fn parse_description(s: &str) -> Result<(usize, String)> {
    let (b, t) = s.split_once('=').ok_or_else(|| usage(format!("--description {}: expected BAND=TEXT", s)))?;
    let band: usize = b
        .trim()
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| usage(format!("--description {}: band must be a number from 1", s)))?;
    Ok((band, t.to_string()))
}

fn parse_tag(s: &str) -> Result<(String, String)> {
    let (k, v) = s.split_once('=').ok_or_else(|| usage(format!("--tag {}: expected KEY=VALUE", s)))?;
    let k = k.trim();
    if k.is_empty() || k.contains(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == '&') {
        return Err(usage(format!("--tag {}: invalid key", s)));
    }
    Ok((k.to_string(), v.to_string()))
}

pub fn parse_nodata(s: &str) -> Result<NodataChoice> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "none" => Ok(NodataChoice::Drop),
        "nan" => Ok(NodataChoice::Value(f64::NAN)),
        _ => t
            .parse::<f64>()
            .map(NodataChoice::Value)
            .map_err(|_| usage(format!("--nodata {}: expected a number, nan or none", s))),
    }
}

impl CreateOptions {
    /// Merge flags and `--co` items; check what can be checked without the input.
    pub fn from_flags(a: &Flags) -> Result<CreateOptions> {
        let mut c = Collected::default();
        for item in &a.creation_options {
            apply_co(&mut c, item)?;
        }
        if let Some(codec) = a.compress {
            set_once(&mut c.codec, codec, "--compress/COMPRESS")?;
        }
        if let Some(l) = a.level {
            set_once(&mut c.level, l, "--level/LEVEL")?;
        }
        if let Some(q) = a.quality {
            set_once(&mut c.quality, q, "--quality/QUALITY")?;
        }
        if let Some(p) = a.predictor {
            set_once(&mut c.predictor, p, "--predictor/PREDICTOR")?;
        }
        if let Some(b) = a.blocksize {
            set_once(&mut c.blocksize, b, "--blocksize/BLOCKSIZE")?;
        }
        if let Some(b) = a.overview_blocksize {
            set_once(&mut c.overview_blocksize, b, "--overview-blocksize")?;
        }
        if let Some(r) = a.resampling {
            set_once(&mut c.resampling, r, "--resampling/RESAMPLING")?;
        }
        if let Some(r) = a.overview_resampling {
            set_once(&mut c.overview_resampling, r, "--overview-resampling/OVERVIEW_RESAMPLING")?;
        }
        if let Some(n) = a.overview_count {
            set_once(&mut c.overview_count, n, "--overview-count/OVERVIEW_COUNT")?;
        }
        if let Some(m) = a.overviews {
            set_once(&mut c.overviews, m, "--overviews/OVERVIEWS")?;
        }
        if let Some(m) = a.statistics {
            set_once(&mut c.statistics, m, "--statistics/STATISTICS")?;
        }
        if a.regenerate_overviews {
            set_once(&mut c.overviews, OverviewMode::IgnoreExisting, "--regenerate-overviews/OVERVIEWS")?;
        }
        if let Some(i) = a.interleave {
            set_once(&mut c.interleave, i, "--interleave/INTERLEAVE")?;
        }
        if a.sparse {
            set_once(&mut c.sparse, true, "--sparse/SPARSE_OK")?;
        }
        if let Some(t) = a.threads {
            set_once(&mut c.threads, t, "--threads/NUM_THREADS")?;
        }
        if let Some(b) = a.bigtiff {
            set_once(&mut c.bigtiff, b, "--bigtiff/BIGTIFF")?;
        }
        let d = CreateOptions::default();
        let o = CreateOptions {
            codec: c.codec.unwrap_or(d.codec),
            level: c.level,
            quality: c.quality,
            predictor: c.predictor.unwrap_or(d.predictor),
            blocksize: c.blocksize.unwrap_or(d.blocksize),
            overview_blocksize: c.overview_blocksize,
            resampling: c.overview_resampling.or(c.resampling),
            overviews: c.overviews.unwrap_or(d.overviews),
            statistics: c.statistics.unwrap_or(d.statistics),
            overview_count: c.overview_count,
            nodata: match &a.nodata {
                Some(s) => parse_nodata(s)?,
                None => NodataChoice::Keep,
            },
            add_mask: a.add_mask,
            interleave: c.interleave.unwrap_or(d.interleave),
            sparse: c.sparse.unwrap_or(false),
            descriptions: a.description.iter().map(|s| parse_description(s)).collect::<Result<_>>()?,
            tags: a.tag.iter().map(|s| parse_tag(s)).collect::<Result<_>>()?,
            threads: c.threads,
            bigtiff: c.bigtiff.unwrap_or(d.bigtiff),
            overwrite: a.overwrite,
            tmpdir: a.tmpdir.clone(),
            verify: a.verify,
            no_copy: a.no_copy,
            distributed: None,
        };
        o.check()?;
        Ok(o)
    }

    /// Checks that need no input: ranges and codec/option combinations.
    pub fn check(&self) -> Result<()> {
        if self.blocksize < 16 || !self.blocksize.is_multiple_of(16) || self.blocksize > 65536 {
            return Err(usage(format!("block size {} must be a multiple of 16 between 16 and 65536", self.blocksize)));
        }
        if let Some(b) = self.overview_blocksize
            && (!b.is_power_of_two() || !(64..=4096).contains(&b))
        {
            return Err(usage(format!("overview block size {} must be a power of 2 from 64 to 4096", b)));
        }
        if let Some(l) = self.level {
            let range = match self.codec {
                Codec::Deflate => 1..=12,
                Codec::Zstd => 1..=22,
                _ => return Err(usage(format!("--level applies to DEFLATE and ZSTD, not {}", self.codec.name()))),
            };
            if !range.contains(&l) {
                return Err(usage(format!(
                    "--level {} is out of range {}..={} for {}",
                    l,
                    range.start(),
                    range.end(),
                    self.codec.name()
                )));
            }
        }
        if let Some(q) = self.quality {
            if !matches!(self.codec, Codec::Jpeg | Codec::Webp) {
                return Err(usage(format!("--quality applies to JPEG and WEBP, not {}", self.codec.name())));
            }
            if !(1..=100).contains(&q) {
                return Err(usage(format!("--quality {} is out of range 1..=100", q)));
            }
        }
        if self.predictor != PredictorChoice::None && !self.codec.takes_predictor() {
            return Err(usage(format!("a predictor applies to DEFLATE, LZW and ZSTD, not {}", self.codec.name())));
        }
        if self.codec == Codec::Webp && self.interleave == Interleave::Band {
            return Err(usage("WEBP needs --interleave pixel"));
        }
        if self.threads == Some(0) {
            return Err(usage("--threads must be at least 1"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodata_parsing() {
        assert_eq!(parse_nodata("none").unwrap(), NodataChoice::Drop);
        assert!(matches!(parse_nodata("nan").unwrap(), NodataChoice::Value(v) if v.is_nan()));
        assert_eq!(parse_nodata("-9999").unwrap(), NodataChoice::Value(-9999.0));
        assert!(parse_nodata("abc").is_err());
    }
}

/// A distributed run's role, set on [`CreateOptions::distributed`] (see
/// [`crate::create::parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distributed {
    /// Worker `index` of `count`. `recipe`: how the caller ran it (the
    /// command line without `--part`), kept opaque in the manifest so that
    /// `assemble` can rebuild the same request.
    Part { index: usize, count: usize, recipe: Vec<String>, input: String },
    /// Write OUTPUT from the `count` staged parts.
    Assemble { count: usize, input: String },
}

impl Distributed {
    /// `input`: what identifies INPUT (JSON: size and modification time),
    /// filled in by [`crate::create::run::create`].
    pub fn with_input(self, identity: String) -> Distributed {
        match self {
            Distributed::Part { index, count, recipe, .. } => {
                Distributed::Part { index, count, recipe, input: identity }
            }
            Distributed::Assemble { count, .. } => Distributed::Assemble { count, input: identity },
        }
    }
}
