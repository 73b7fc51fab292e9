//! Options resolved against the input: the exact output the pipeline makes
//! (bands, mask, predictor, resampling, nodata, pyramid) and the tags of
//! every IFD, in the order and with the types GDAL's COG driver writes them.

use crate::create::input::info::InputInfo;
use crate::create::layout::ifd::CogIfd;
use crate::create::options::{Codec, CreateOptions, Interleave, NodataChoice, PredictorChoice, StatisticsMode};
use crate::create::pipeline::levels::{LevelGeom, LevelSource, OverviewPlan, overview_plan, pyramid};
use crate::create::pipeline::resample::{Alpha, Method, Palette};
use crate::tiff::gdal_metadata::{Item, escape};
use crate::tiff::nodata;
use crate::tiff::tags::*;
use crate::tiff::write::OutTag;
use crate::tiff::{Compression, Photometric, PlanarConfig, Predictor};
use crate::{Error, Result};

/// Where the output mask comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskSource {
    None,
    /// The input's last band (alpha), which leaves the image bands.
    Alpha,
    /// Pixels whose bands all equal nodata are masked.
    Nodata,
    /// The input's own internal mask.
    InputMask,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub levels: Vec<LevelGeom>,
    /// Where each level's pixels come from (the input, computed, or
    /// copied from one of the input's own overviews).
    pub level_sources: Vec<LevelSource>,
    /// Why the input's overviews were recomputed rather than kept, if so.
    pub overview_note: Option<String>,
    /// Bands read from the input.
    pub src_bands: usize,
    /// Bands written (src_bands minus an alpha moved into the mask).
    pub bands: usize,
    /// TIFF tags of the full-resolution IFD beyond the structure: the
    /// input's (see [`InputInfo::tiff_tags`]) and `--tag TIFFTAG_*=...`.
    pub tiff_tags: Vec<OutTag>,
    /// The input band moved into the mask ([`MaskSource::Alpha`]).
    pub mask_alpha: Option<usize>,
    /// ExtraSamples of every image IFD (empty: none written).
    pub extra_samples: Vec<u16>,
    pub sample_bytes: usize,
    pub mask: MaskSource,
    /// The nodata value that masks pixels (overviews, sparse tiles, the
    /// nodata mask): the written one unless GDAL ignores it (see
    /// [`nodata_masks`]).
    pub nodata: Option<f64>,
    /// GDAL_NODATA as written.
    pub nodata_text: Option<String>,
    pub codec: Codec,
    pub level: Option<i32>,
    pub quality: Option<u8>,
    /// The Predictor tag, if one is written.
    pub predictor: Option<Predictor>,
    pub method: Method,
    pub photometric: Photometric,
    pub metadata: Vec<Item>,
    pub sparse: bool,
    /// JPEG: the JPEGTables tag of every image IFD (quantisation tables only,
    /// as GDAL writes them); tiles are stored without their DQT segments.
    pub jpeg_tables: Option<Vec<u8>>,
    /// `--interleave band`: PlanarConfiguration 2, one tile per band.
    pub separate: bool,
    /// An alpha band that stays a band and takes part in the masking of
    /// overview computation as in GDAL (see [`Alpha`]).
    pub alpha: Option<Alpha>,
    /// Bits per stored sample when the input has GDAL's NBITS (1-7, 9-15,
    /// 17-31): samples are clamped to that range and packed, as GDAL does.
    pub nbits: Option<u16>,
    /// The colour table of a palette band: AVERAGE, RMS and GAUSS average
    /// its colours, not the indices (see [`Palette`]).
    pub palette: Option<Palette>,
    /// Complex samples: resampled by GDAL's complex rules (see
    /// [`crate::create::pipeline::resample::Rules::complex`]).
    pub complex: bool,
    /// Band statistics are computed as full resolution passes (and any
    /// STATISTICS_* items of the input are left out of `metadata`).
    pub statistics: bool,
}

impl Config {
    /// Notes for an output that carries two ways of masking: GDAL's readers
    /// use one and ignore the other (a mask before nodata before alpha),
    /// which surprises users (rio-cogeo warns about it too).
    pub fn masking_notes(&self, inp: &InputInfo) -> Vec<String> {
        let Some(nd) = &self.nodata_text else {
            return Vec::new();
        };
        // Parsed, yet not masking: out of range (an unparsable text is no
        // nodata at all, to GDAL as here).
        if self.nodata.is_none() && nodata::parse(nd).is_some() {
            return vec![format!(
                "nodata {} is outside the range of {}-bit {} samples: it is kept in GDAL_NODATA, but GDAL (and so cogtool) masks no pixel by it",
                nd,
                self.sample_bytes * 8,
                inp.sample_format.name()
            )];
        }
        match self.mask {
            MaskSource::Alpha | MaskSource::InputMask => vec![format!(
                "the output has both a mask and nodata {}: GDAL reads validity from the mask and ignores the nodata value (--nodata none drops it)",
                nd
            )],
            MaskSource::None if inp.has_alpha() => vec![format!(
                "the output has both an alpha band and nodata {}: GDAL masks by the nodata value and ignores the alpha band (--nodata none drops it, --add-mask turns the alpha into a mask)",
                nd
            )],
            _ => Vec::new(),
        }
    }

    /// Every note about the output: masking, and overviews recomputed.
    pub fn notes(&self, inp: &InputInfo) -> Vec<String> {
        let mut v = self.masking_notes(inp);
        v.extend(self.overview_note.clone());
        v
    }
    pub fn with_mask(&self) -> bool {
        self.mask != MaskSource::None
    }
}

pub fn resolve(o: &CreateOptions, inp: &InputInfo, sample_bytes: usize) -> Result<Config> {
    let nd = NodataPlan::resolve(o, inp, sample_bytes);
    let (mask, mask_alpha) = mask_source(o, inp, &nd)?;
    let bands = if mask_alpha.is_some() { inp.bands - 1 } else { inp.bands };
    let alpha = overview_alpha(inp, mask, nd.value, sample_bytes);
    // JPEG and WebP store 8-bit samples: an NBITS input is written as Byte.
    let nbits = inp.nbits.filter(|_| o.codec.lossless());
    let predictor = predictor_for(o, inp, nbits, sample_bytes)?;
    check_codec(o, inp, bands, sample_bytes)?;
    let method = match o.resampling {
        Some(r) => r,
        // GDAL: CUBIC, or NEAREST for a palette or complex data.
        None if inp.color_map.is_some() || inp.is_complex() => Method::Nearest,
        None => Method::Cubic,
    };
    let (photometric, gray_as_rgb) = photometric_for(o, inp, bands, sample_bytes, mask_alpha);
    let (mut metadata, tiff_tags) = output_metadata(o, inp, bands, mask_alpha, photometric, gray_as_rgb)?;
    let statistics = statistics_plan(o, inp, &mut metadata, mask_alpha.is_some(), nd.text.as_deref());
    let jpeg_tables =
        if o.codec == Codec::Jpeg { Some(jpeg_quant_tables(bands, photometric, o.quality)?) } else { None };
    let (overviews, overview_note) = plan_overviews(o, inp, mask);
    let (levels, level_sources) = pyramid(inp.width, inp.height, o.blocksize, o.overview_blocksize, &overviews);
    Ok(Config {
        levels,
        level_sources,
        overview_note,
        src_bands: inp.bands,
        bands,
        tiff_tags,
        mask_alpha,
        extra_samples: output_extra_samples(inp, bands, photometric, gray_as_rgb, mask_alpha),
        sample_bytes,
        mask,
        nodata: nd.value,
        nodata_text: nd.text,
        codec: o.codec,
        level: o.level,
        quality: o.quality,
        predictor,
        method,
        photometric,
        metadata,
        sparse: o.sparse,
        jpeg_tables,
        // GDAL writes PlanarConfiguration 2 for INTERLEAVE=BAND even with one band.
        separate: o.interleave == Interleave::Band,
        nbits,
        alpha,
        palette: inp.color_map.as_deref().map(|cm| Palette::from_color_map(cm, nd.value)),
        complex: inp.is_complex(),
        statistics,
    })
}

/// Whether band statistics are computed in the pass (GDAL's STATISTICS):
/// `yes` always; `auto` when the input has statistics whose pixels change
/// (an alpha band moved into the mask, another nodata value); `no` never.
/// The input's STATISTICS_* items are left out when they are recomputed,
/// and with `no`; otherwise they are kept as they are.
fn statistics_plan(
    o: &CreateOptions,
    inp: &InputInfo,
    metadata: &mut Vec<Item>,
    bands_change: bool,
    nodata_text: Option<&str>,
) -> bool {
    let is_stat = |i: &Item| i.sample.is_some() && i.domain.is_none() && i.name.starts_with("STATISTICS_");
    let has = metadata.iter().any(is_stat);
    let compute = match o.statistics {
        StatisticsMode::Yes => true,
        StatisticsMode::No => false,
        StatisticsMode::Auto => has && (bands_change || nodata_text != inp.nodata_text.as_deref()),
    };
    if compute || o.statistics == StatisticsMode::No {
        metadata.retain(|i| !is_stat(i));
    }
    compute
}

/// The output's overview sizes and sources (GDAL's rules:
/// [`overview_plan`]). The input's levels are copied with their masks; an
/// input mask without overviews of its own would have to be computed at
/// the copied sizes under copied pixels, which the one-pass pyramid does
/// not do: those levels are then computed whole, at the same sizes, and a
/// note says so.
fn plan_overviews(o: &CreateOptions, inp: &InputInfo, mask: MaskSource) -> (OverviewPlan, Option<String>) {
    let existing: Vec<(u64, u64)> = inp.overviews.iter().map(|v| (v.width, v.height)).collect();
    let mut plan = overview_plan(inp.width, inp.height, o.blocksize, o.overviews, o.overview_count, &existing);
    let unmasked = |s: &LevelSource| matches!(s, LevelSource::Copied(i) if inp.overviews[*i].mask.is_none());
    if mask == MaskSource::InputMask && plan.iter().any(|(_, s)| unmasked(s)) {
        for (_, s) in plan.iter_mut() {
            *s = LevelSource::Computed;
        }
        let note = "the input's mask has no overviews of its own: the input's overview levels are recomputed (same sizes) instead of copied".to_string();
        return (plan, Some(note));
    }
    (plan, None)
}

/// The output's nodata: the value samples are compared with (None when it
/// is outside the samples' range, so it masks nothing), the value written,
/// and its text for the GDAL_NODATA tag.
struct NodataPlan {
    value: Option<f64>,
    written: Option<f64>,
    text: Option<String>,
}

impl NodataPlan {
    /// GDAL holds nodata in the band's type (a Float32 band rounds it to
    /// float) and writes back what it holds; samples are compared with the
    /// value in the band's type, once, here.
    fn resolve(o: &CreateOptions, inp: &InputInfo, sample_bytes: usize) -> NodataPlan {
        let comp_bytes = if inp.is_complex() { sample_bytes / 2 } else { sample_bytes };
        let held = |v: f64| nodata::held(v, inp.sample_format, comp_bytes);
        let (written, text) = match &o.nodata {
            NodataChoice::Keep => match inp.nodata_text.as_deref().map(|t| (t, nodata::parse(t))) {
                Some((_, Some(v))) => (Some(held(v)), Some(nodata::text(held(v)))),
                // Unparsable text is no nodata to GDAL: kept as it is.
                Some((t, None)) => (None, Some(t.to_string())),
                None => (None, None),
            },
            NodataChoice::Drop => (None, None),
            NodataChoice::Value(v) => (Some(held(*v)), Some(nodata::text(held(*v)))),
        };
        let value = written.and_then(|v| nodata::band_value(v, inp.sample_format, comp_bytes));
        NodataPlan { value, written, text }
    }
}

/// Where the output mask comes from, and the alpha band moved into it
/// (when there is one to move).
fn mask_source(o: &CreateOptions, inp: &InputInfo, nd: &NodataPlan) -> Result<(MaskSource, Option<usize>)> {
    let mask_alpha = inp.alpha_band().filter(|_| o.add_mask || o.codec == Codec::Jpeg);
    if mask_alpha.is_some() {
        return Ok((MaskSource::Alpha, mask_alpha));
    }
    if inp.has_mask() {
        return Ok((MaskSource::InputMask, None));
    }
    if !o.add_mask {
        return Ok((MaskSource::None, None));
    }
    if let (None, Some(_)) = (nd.value, nd.written) {
        return Err(Error::usage(format!(
            "--add-mask: nodata {} is outside the range of the {} samples, so it masks nothing",
            nd.text.as_deref().unwrap_or(""),
            inp.sample_format.name()
        )));
    }
    if nd.value.is_none() {
        return Err(Error::usage("--add-mask needs nodata (in the input or --nodata) or an alpha band"));
    }
    Ok((MaskSource::Nodata, None))
}

/// The codec's limits on what it can store (`bands`: after an alpha moved
/// into the mask).
fn check_codec(o: &CreateOptions, inp: &InputInfo, bands: usize, sample_bytes: usize) -> Result<()> {
    let byte = sample_bytes == 1 && inp.sample_format_code() == 1;
    match o.codec {
        // Lossy codecs would blend palette indices into other classes.
        Codec::Jpeg | Codec::Webp if inp.color_map.is_some() => Err(Error::usage(format!(
            "{} compression is not supported with a paletted image (it would change the palette indices); use a lossless codec",
            if o.codec == Codec::Jpeg { "JPEG" } else { "WEBP" }
        ))),
        Codec::Jpeg if !byte || !(bands == 1 || bands == 3) => {
            Err(Error::usage("JPEG needs 1 or 3 bands of Byte (plus an optional alpha band)"))
        }
        Codec::Jpeg if o.interleave == Interleave::Band && bands > 1 => {
            Err(Error::usage("JPEG needs --interleave pixel (3 bands are stored YCbCr, as GDAL does)"))
        }
        Codec::Webp if !byte || !(bands == 3 || bands == 4) => Err(Error::usage("WEBP needs 3 or 4 bands of Byte")),
        _ => Ok(()),
    }
}

/// The output's photometric interpretation, and whether gray bands are
/// stored as RGB. GDAL's GTiff writer makes 3 or 4 Byte bands RGB (the 4th
/// band alpha) unless told otherwise, and keeps what the bands were in
/// COLORINTERP items; so 3 or 4 MINISBLACK Byte bands become RGB as in its COG.
fn photometric_for(
    o: &CreateOptions,
    inp: &InputInfo,
    bands: usize,
    sample_bytes: usize,
    mask_alpha: Option<usize>,
) -> (Photometric, bool) {
    let gray_as_rgb = inp.photometric == Photometric::MIN_IS_BLACK
        && matches!(bands, 3 | 4)
        && mask_alpha.is_none()
        && inp.sample_format_code() == 1
        && sample_bytes == 1
        && inp.nbits.is_none()
        && inp.color_map.is_none();
    let photometric = match () {
        _ if o.codec == Codec::Jpeg && bands == 3 => Photometric::YCBCR,
        _ if gray_as_rgb => Photometric::RGB,
        _ => inp.photometric,
    };
    (photometric, gray_as_rgb)
}

/// The GDAL metadata items and extra TIFF tags the output carries: the
/// input's, without what a moved alpha band or the input's encoding had,
/// plus `--tag`, `--description` and what GDAL adds itself.
fn output_metadata(
    o: &CreateOptions,
    inp: &InputInfo,
    bands: usize,
    mask_alpha: Option<usize>,
    photometric: Photometric,
    gray_as_rgb: bool,
) -> Result<(Vec<Item>, Vec<OutTag>)> {
    // IMAGE_STRUCTURE items describe the input's encoding: gdal_translate
    // does not copy them, and neither do we.
    let mut metadata: Vec<Item> = inp
        .metadata
        .iter()
        .filter(|i| !(mask_alpha.is_some() && i.sample == mask_alpha.map(|a| a as u32)))
        .filter(|i| i.domain.as_deref() != Some("IMAGE_STRUCTURE"))
        .cloned()
        .map(|mut i| {
            // Items of the bands after a removed alpha move down one band.
            if let (Some(s), Some(a)) = (i.sample, mask_alpha)
                && s > a as u32
            {
                i.sample = Some(s - 1);
            }
            i
        })
        .collect();
    let mut tiff_tags = inp.tiff_tags.clone();
    apply_tags(o, &mut metadata, &mut tiff_tags)?;
    apply_descriptions(o, &mut metadata, bands)?;
    // (JPEG's YCbCr is forced by the codec, and GDAL records nothing then.)
    if gray_as_rgb && o.codec != Codec::Jpeg {
        add_colorinterp_items(&mut metadata, inp, bands);
    }
    // A palette image implies Palette for its band: GDAL writes no item then.
    if photometric == Photometric::PALETTE {
        metadata.retain(|i| {
            !(i.sample == Some(0)
                && i.role.as_deref() == Some("colorinterp")
                && i.value.eq_ignore_ascii_case("Palette"))
        });
    }
    // GDAL records how WebP tiles were encoded, after every other item.
    if o.codec == Codec::Webp {
        let q = o.quality.unwrap_or(75);
        let (name, value) = if q == 100 {
            ("COMPRESSION_REVERSIBILITY", "LOSSLESS".to_string())
        } else {
            ("WEBP_LEVEL", q.to_string())
        };
        metadata.push(Item {
            name: name.into(),
            value,
            sample: None,
            role: None,
            domain: Some("IMAGE_STRUCTURE".into()),
        });
    }
    Ok((metadata, tiff_tags))
}

/// `--tag KEY=VALUE`: TIFFTAG_* keys become the TIFF tags themselves (as
/// GDAL writes them), others dataset metadata items.
fn apply_tags(o: &CreateOptions, metadata: &mut Vec<Item>, tiff_tags: &mut Vec<OutTag>) -> Result<()> {
    for (k, v) in &o.tags {
        if let Some(t) = tifftag(k, v)? {
            tiff_tags.retain(|x| x.tag != t.tag);
            tiff_tags.push(t);
            continue;
        }
        match metadata.iter_mut().find(|i| i.sample.is_none() && i.domain.is_none() && &i.name == k) {
            Some(i) => i.value = v.clone(),
            None => {
                let at = metadata.iter().position(|i| i.sample.is_some()).unwrap_or(metadata.len());
                metadata.insert(at, Item { name: k.clone(), value: v.clone(), sample: None, role: None, domain: None });
            }
        }
    }
    Ok(())
}

/// `--description BAND=TEXT`: a band's description item, replaced or added.
fn apply_descriptions(o: &CreateOptions, metadata: &mut Vec<Item>, bands: usize) -> Result<()> {
    for (band, text) in &o.descriptions {
        if *band > bands {
            return Err(Error::usage(format!("--description {}=...: the output has {} bands", band, bands)));
        }
        let s = (*band - 1) as u32;
        match metadata.iter_mut().find(|i| i.sample == Some(s) && i.role.as_deref() == Some("description")) {
            Some(i) => i.value = text.clone(),
            None => metadata.push(Item {
                name: "DESCRIPTION".into(),
                value: text.clone(),
                sample: Some(s),
                role: Some("description".into()),
                domain: None,
            }),
        }
    }
    Ok(())
}

/// The Predictor tag value for the options and the input, or why the asked
/// predictor cannot be used on these samples.
fn predictor_for(
    o: &CreateOptions,
    inp: &InputInfo,
    nbits: Option<u16>,
    sample_bytes: usize,
) -> Result<Option<Predictor>> {
    let predictor = match o.predictor {
        PredictorChoice::None => {
            if o.codec.takes_predictor() {
                Some(Predictor::NONE)
            } else {
                None
            }
        }
        PredictorChoice::Horizontal => Some(Predictor::HORIZONTAL),
        PredictorChoice::Float => Some(Predictor::FLOATING_POINT),
        PredictorChoice::Auto => {
            if inp.is_float() {
                Some(Predictor::FLOATING_POINT)
            } else {
                Some(Predictor::HORIZONTAL)
            }
        }
    };
    if nbits.is_some() && predictor.is_some_and(|p| p != Predictor::NONE) {
        return Err(Error::usage(format!(
            "predictors are not supported for {}-bit samples (GDAL's NBITS)",
            nbits.unwrap_or(0)
        )));
    }
    if predictor == Some(Predictor::FLOATING_POINT) && !inp.is_float() {
        return Err(Error::usage("the floating-point predictor needs floating-point samples"));
    }
    // Complex samples: GDAL (libtiff) differences each whole complex value
    // as one 32- or 64-bit word; its floating-point predictor takes real
    // Float32/Float64 samples only.
    if predictor == Some(Predictor::FLOATING_POINT) && inp.is_complex() {
        return Err(Error::usage("the floating-point predictor is only supported with Float32 or Float64 samples"));
    }
    if predictor == Some(Predictor::HORIZONTAL) && inp.is_complex() && sample_bytes > 8 {
        return Err(Error::usage(format!(
            "the horizontal predictor is not supported for {}-bit complex samples",
            sample_bytes * 8
        )));
    }
    Ok(predictor)
}

/// The alpha band's part in overview masking, if any (GDAL 3.6.2, measured
/// with GetMaskFlags and gdal_translate -of COG):
/// * the alpha is the mask of the other bands (GMF_ALPHA | GMF_PER_DATASET)
///   only for exactly 2 bands (gray+alpha) or 4 bands (bands 1-3 + alpha)
///   with a Byte or UInt16 alpha, when no nodata and no internal mask take
///   precedence (3 or 5 bands, or an Int16/Float32 alpha: GMF_ALL_VALID;
///   a nodata: GMF_NODATA);
/// * whenever band 1 has any mask (alpha, nodata, internal mask) the alpha
///   band itself is masked by its own samples.
fn overview_alpha(inp: &InputInfo, mask: MaskSource, nodata: Option<f64>, sample_bytes: usize) -> Option<Alpha> {
    // (Complex samples carry two components per band: no alpha there.)
    if !inp.has_alpha() || mask == MaskSource::Alpha || inp.is_complex() {
        return None;
    }
    let masks_colour = mask == MaskSource::None
        && nodata.is_none()
        && matches!(inp.bands, 2 | 4)
        && inp.sample_format_code() == 1
        && matches!(sample_bytes, 1 | 2);
    let band1_masked = masks_colour || nodata.is_some() || mask == MaskSource::InputMask;
    band1_masked.then_some(Alpha { index: inp.bands - 1, masks_colour })
}

/// ExtraSamples of the output: one value per band beyond the colour ones,
/// the input's, without an alpha moved into the mask; gray bands stored as
/// RGB (see [`resolve`]) make a 4th band alpha.
fn output_extra_samples(
    inp: &InputInfo,
    bands: usize,
    photometric: Photometric,
    gray_as_rgb: bool,
    mask_alpha: Option<usize>,
) -> Vec<u16> {
    let base = if matches!(photometric, Photometric::RGB | Photometric::YCBCR) { 3 } else { 1 };
    if bands <= base {
        return Vec::new();
    }
    if gray_as_rgb && bands == 4 {
        return vec![inp.extra_samples.last().copied().filter(|e| matches!(e, 1 | 2)).unwrap_or(2)];
    }
    // The values describe the last bands, as GDAL reads them when their
    // count is wrong (it warns "Wrong number of ExtraSamples" and still
    // takes the last value for the last band).
    let count = inp.extra_samples.len();
    let mut per_band: Vec<u16> = (0..inp.bands)
        .map(|b| (b + count).checked_sub(inp.bands).and_then(|i| inp.extra_samples.get(i)).copied().unwrap_or(0))
        .collect();
    if let Some(a) = mask_alpha.filter(|&a| a < per_band.len()) {
        per_band.remove(a);
    }
    let mut extra = per_band.split_off(base.min(per_band.len()));
    extra.resize(bands - base, 0);
    extra
}

/// The COLORINTERP items GDAL writes when gray bands are stored as RGB:
/// one for every band whose own interpretation (Gray for band 1, Alpha
/// for an ExtraSamples alpha, else Undefined, or an item the input has)
/// is not what RGB(A) implies, after that band's other items.
fn add_colorinterp_items(metadata: &mut Vec<Item>, inp: &InputInfo, bands: usize) {
    let implied = ["Red", "Green", "Blue", "Alpha"];
    for (b, implied) in implied.iter().enumerate().take(bands) {
        let has = |i: &Item| i.sample == Some(b as u32) && i.role.as_deref() == Some("colorinterp");
        let own = match metadata.iter().find(|i| has(i)) {
            Some(i) => i.value.clone(),
            None if b == 0 => "Gray".to_string(),
            None if inp.alpha_band() == Some(b) => "Alpha".to_string(),
            None => "Undefined".to_string(),
        };
        metadata.retain(|i| !has(i));
        if !own.eq_ignore_ascii_case(implied) {
            let at = metadata.iter().rposition(|i| i.sample == Some(b as u32)).map(|i| i + 1).unwrap_or_else(|| {
                metadata.iter().position(|i| i.sample.is_some_and(|s| s > b as u32)).unwrap_or(metadata.len())
            });
            let item = Item {
                name: "COLORINTERP".into(),
                value: own,
                sample: Some(b as u32),
                role: Some("colorinterp".into()),
                domain: None,
            };
            metadata.insert(at, item);
        }
    }
}

/// GDAL's TIFFTAG_* metadata names, written as these tags.
const TIFFTAG_NAMES: [(&str, u16); 12] = [
    ("TIFFTAG_DOCUMENTNAME", DOCUMENT_NAME),
    ("TIFFTAG_IMAGEDESCRIPTION", IMAGE_DESCRIPTION),
    ("TIFFTAG_SOFTWARE", SOFTWARE),
    ("TIFFTAG_DATETIME", DATE_TIME),
    ("TIFFTAG_ARTIST", ARTIST),
    ("TIFFTAG_HOSTCOMPUTER", HOST_COMPUTER),
    ("TIFFTAG_COPYRIGHT", COPYRIGHT),
    ("TIFFTAG_XRESOLUTION", X_RESOLUTION),
    ("TIFFTAG_YRESOLUTION", Y_RESOLUTION),
    ("TIFFTAG_RESOLUTIONUNIT", RESOLUTION_UNIT),
    ("TIFFTAG_MINSAMPLEVALUE", MIN_SAMPLE_VALUE),
    ("TIFFTAG_MAXSAMPLEVALUE", MAX_SAMPLE_VALUE),
];

/// `--tag NAME=VALUE` as a TIFF tag when NAME is one of GDAL's TIFFTAG_*
/// names (matched without case, as GDAL does), in the type GDAL writes.
fn tifftag(name: &str, value: &str) -> Result<Option<OutTag>> {
    let Some(&(_, tag)) = TIFFTAG_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else {
        return Ok(None);
    };
    let bad = |what: &str| Error::usage(format!("--tag {}={}: {} expected", name, value, what));
    Ok(Some(match tag {
        X_RESOLUTION | Y_RESOLUTION => {
            let f: f64 = value.trim().parse().map_err(|_| bad("a number"))?;
            crate::create::input::info::resolution_tag(tag, f).ok_or_else(|| bad("a positive number below 2^32"))?
        }
        RESOLUTION_UNIT | MIN_SAMPLE_VALUE | MAX_SAMPLE_VALUE => {
            OutTag::short(tag, value.trim().parse().map_err(|_| bad("a whole number 0-65535"))?)
        }
        _ => OutTag::ascii(tag, value),
    }))
}

/// The JPEGTables of a JPEG COG: the quantisation tables depend only on the
/// quality and the number of components, so encode one tiny block and keep
/// its DQT segments.
fn jpeg_quant_tables(bands: usize, photometric: Photometric, quality: Option<u8>) -> Result<Vec<u8>> {
    use crate::codec::{BlockLayout, EncodeOptions};
    let layout = BlockLayout {
        width: 16,
        height: 16,
        samples: bands,
        bits_per_sample: 8,
        sample_format: crate::tiff::SampleFormat::Uint,
        byte_order: crate::tiff::ByteOrder::Little,
        predictor: Predictor::NONE,
        photometric,
        jpeg_tables: None,
    };
    let enc = EncodeOptions { compression: Compression::JPEG, level: None, quality, predictor: Predictor::NONE };
    let full = crate::codec::encode(&enc, &vec![128u8; 16 * 16 * bands], &layout)?;
    Ok(crate::codec::split_jpeg_quant_tables(&full)?.0)
}

/// GDAL_METADATA XML as GDAL serialises it.
pub fn metadata_xml(items: &[Item]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut s = String::from("<GDALMetadata>\n");
    for i in items {
        s.push_str(&format!("  <Item name=\"{}\"", escape(&i.name)));
        if let Some(d) = &i.domain {
            s.push_str(&format!(" domain=\"{}\"", escape(d)));
        }
        if let Some(b) = i.sample {
            s.push_str(&format!(" sample=\"{}\"", b));
        }
        if let Some(r) = &i.role {
            s.push_str(&format!(" role=\"{}\"", escape(r)));
        }
        // GDAL escapes a value twice (itself, then its XML writer) and
        // unescapes twice on reading: `a & b` is stored as `a &amp;amp; b`.
        // Escaped once, GDAL would read `a ` back.
        s.push_str(&format!(">{}</Item>\n", escape(&escape(&i.value))));
    }
    s.push_str("</GDALMetadata>\n");
    Some(s)
}

/// Tags of the image IFD of `level`, in GDAL's value order.
pub fn image_ifd(c: &Config, inp: &InputInfo, level: usize) -> CogIfd {
    let g = c.levels[level];
    let planes = if c.separate { c.bands as u64 } else { 1 };
    let mut ifd = CogIfd { tags: Vec::new(), tiles: g.tiles() * planes };
    let bits = c.nbits.unwrap_or((c.sample_bytes * 8) as u16);
    if level > 0 {
        ifd.push(OutTag::long(NEW_SUBFILE_TYPE, 1));
    }
    push_dims(&mut ifd, g);
    ifd.push(OutTag::shorts(BITS_PER_SAMPLE, &vec![bits; c.bands]));
    ifd.push(OutTag::short(COMPRESSION, c.codec.tag().0));
    ifd.push(OutTag::short(PHOTOMETRIC, c.photometric.0));
    ifd.push(OutTag::short(SAMPLES_PER_PIXEL, c.bands as u16));
    // GDAL's overview directories only set PlanarConfiguration for several
    // samples: a one-band band-interleaved COG has 2 on the full
    // resolution and the default 1 on its overviews (same bytes either way).
    let planar = if c.separate && (level == 0 || c.bands > 1) { PlanarConfig::SEPARATE } else { PlanarConfig::CONTIG };
    ifd.push(OutTag::short(PLANAR_CONFIG, planar.0));
    if let Some(p) = c.predictor {
        ifd.push(OutTag::short(PREDICTOR, p.0));
    }
    push_tile_dims(&mut ifd, g);
    if let Some(cm) = &inp.color_map {
        ifd.push(OutTag::shorts(COLOR_MAP, cm));
    }
    if !c.extra_samples.is_empty() {
        ifd.push(OutTag::shorts(EXTRA_SAMPLES, &c.extra_samples));
    }
    ifd.push(OutTag::shorts(SAMPLE_FORMAT, &vec![inp.sample_format_code(); c.bands]));
    if c.photometric == Photometric::YCBCR {
        ifd.push(OutTag::shorts(YCBCR_SUBSAMPLING, &[2, 2]));
        // ReferenceBlackWhite 0 255 128 255 128 255 as RATIONALs (x/1).
        let mut b = Vec::new();
        for v in [0u32, 255, 128, 255, 128, 255] {
            b.extend_from_slice(&v.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
        }
        ifd.push(OutTag {
            tag: REFERENCE_BLACK_WHITE,
            field_type: crate::tiff::FieldType::Rational,
            count: 6,
            bytes: b,
        });
    }
    if let Some(t) = &c.jpeg_tables {
        ifd.push(OutTag::undefined(JPEG_TABLES, t));
    }
    if level == 0
        && let Some(x) = metadata_xml(&c.metadata)
    {
        ifd.push(OutTag::ascii(GDAL_METADATA, &x));
    }
    if let Some(t) = &c.nodata_text {
        ifd.push(OutTag::ascii(GDAL_NODATA, t));
    }
    if level == 0 {
        for t in &inp.geo_tags {
            ifd.push(t.clone());
        }
        for t in &c.tiff_tags {
            ifd.push(match t.tag {
                // Per-sample tags: the one value GDAL read, once per band.
                MIN_SAMPLE_VALUE | MAX_SAMPLE_VALUE => {
                    OutTag::shorts(t.tag, &vec![u16::from_le_bytes([t.bytes[0], t.bytes[1]]); c.bands])
                }
                _ => t.clone(),
            });
        }
    }
    ifd
}

/// Tags of the mask IFD of `level`: 1 bit, DEFLATE, PHOTOMETRIC_MASK.
pub fn mask_ifd(c: &Config, level: usize) -> CogIfd {
    let g = c.levels[level];
    let mut ifd = CogIfd { tags: Vec::new(), tiles: g.tiles() };
    ifd.push(OutTag::long(NEW_SUBFILE_TYPE, if level == 0 { 4 } else { 5 }));
    push_dims(&mut ifd, g);
    ifd.push(OutTag::short(BITS_PER_SAMPLE, 1));
    ifd.push(OutTag::short(COMPRESSION, Compression::DEFLATE.0));
    ifd.push(OutTag::short(PHOTOMETRIC, Photometric::MASK.0));
    ifd.push(OutTag::short(SAMPLES_PER_PIXEL, 1));
    ifd.push(OutTag::short(PLANAR_CONFIG, PlanarConfig::CONTIG.0));
    ifd.push(OutTag::short(PREDICTOR, Predictor::NONE.0));
    push_tile_dims(&mut ifd, g);
    ifd.push(OutTag::short(SAMPLE_FORMAT, 1));
    ifd
}

fn push_tile_dims(ifd: &mut CogIfd, g: LevelGeom) {
    let dim = |tag: u16, v: u64| if v <= 0xFFFF { OutTag::short(tag, v as u16) } else { OutTag::long(tag, v as u32) };
    ifd.push(dim(TILE_WIDTH, g.block));
    ifd.push(dim(TILE_LENGTH, g.block));
}

fn push_dims(ifd: &mut CogIfd, g: LevelGeom) {
    // GDAL writes SHORT when the value fits, LONG otherwise.
    let dim = |tag: u16, v: u64| if v <= 0xFFFF { OutTag::short(tag, v as u16) } else { OutTag::long(tag, v as u32) };
    ifd.push(dim(IMAGE_WIDTH, g.width));
    ifd.push(dim(IMAGE_LENGTH, g.height));
}
