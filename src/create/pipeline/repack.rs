//! Lossless repack: an output level whose tiles the input already stores
//! exactly as the output would encode them gets the input's compressed
//! bytes, copied as they are, instead of being decoded and encoded again.
//! GDAL recompresses every tile (its issue 8449); a copy costs the time of
//! reading the file.
//!
//! "Exactly as the output would encode them" means: the same codec with no
//! `--level`/`--quality` asking for another setting, the same predictor,
//! square tiles of the level's size, the same sample type, bit depth, bands,
//! photometric, planar layout and byte order, and, when the output has a
//! mask, the input's own mask stored as ours (1-bit DEFLATE tiles). JPEG
//! tiles also need the output's JPEGTables (the same quality), WebP tiles
//! the output's recorded level. A level that fails any rule is decoded and
//! encoded as before, so mixed cases work level by level.
//!
//! The rest of the pipeline is unchanged: a copied level still feeds the
//! levels computed from it (its rows are decoded for them, but none of its
//! tiles is cut), and copied tiles go to the same spills in the same order,
//! so layout, leaders, trailers and mask interleaving are those of any
//! other level.

use crate::create::config::{Config, MaskSource};
use crate::create::input::rows::StoredLevel;
use crate::create::options::{Codec, CreateOptions};
use crate::create::pipeline::levels::LevelSource;
use crate::create::pipeline::resample::source_level;
use crate::create::pipeline::spill::Spills;
use crate::create::pipeline::tile_encoder::EncodedTile;
use crate::tiff::{ByteOrder, Compression, Image, Photometric, Predictor, SampleFormat, Tiff, tags};
use crate::{Cancel, Result};

/// What happens to one output level.
pub enum Plan {
    /// Its tiles are copied from stored level `from` (0 = the input's full
    /// resolution, i + 1 = its overview i), whose tile offsets and byte
    /// counts (and its mask's) are here.
    Copy { from: usize, image: Arrays, mask: Option<Arrays> },
    /// Its tiles are encoded from pixels; why they are not copied.
    Encode(String),
}

/// Tile offsets and byte counts of one stored IFD.
pub struct Arrays {
    offsets: Vec<u64>,
    counts: Vec<u64>,
}

impl Plan {
    pub fn is_copy(&self) -> bool {
        matches!(self, Plan::Copy { .. })
    }
}

/// Decide, level by level, which output levels copy the input's tiles.
pub fn plan(cfg: &Config, o: &CreateOptions, sample_format: SampleFormat, stored: &[StoredLevel]) -> Vec<Plan> {
    (0..cfg.levels.len())
        .map(|level| {
            let from = match cfg.level_sources[level] {
                LevelSource::Input => 0,
                LevelSource::Copied(i) => i + 1,
                LevelSource::Computed => {
                    let k = source_level(cfg.method, cfg.complex, level);
                    return Plan::Encode(format!("computed from level {} ({})", k, cfg.method.gdal_name()));
                }
            };
            if o.no_copy {
                return Plan::Encode("re-encoded (--no-copy)".into());
            }
            let Some(st) = stored.get(from) else {
                return Plan::Encode("re-encoded (the input is read through GDAL)".into());
            };
            match fits(cfg, o, level, sample_format, st) {
                Ok((image, mask)) => Plan::Copy { from, image, mask },
                Err(why) => Plan::Encode(format!("re-encoded: {}", why)),
            }
        })
        .collect()
}

/// Which fed levels (full resolution, the input's own overviews) must still
/// be decoded: those encoded, and those that other levels are computed from.
pub fn decoded(cfg: &Config, plans: &[Plan]) -> Vec<bool> {
    let mut need: Vec<bool> = plans.iter().map(|p| !p.is_copy()).collect();
    for j in 0..cfg.levels.len() {
        if cfg.level_sources[j] != LevelSource::Computed {
            continue;
        }
        // Follow the chain of computed levels down to the fed one.
        let mut k = source_level(cfg.method, cfg.complex, j);
        while k > 0 && cfg.level_sources[k] == LevelSource::Computed {
            k = source_level(cfg.method, cfg.complex, k);
        }
        need[k] = true;
    }
    need
}

/// Whether the stored tiles of `st` are what the output's `level` asks for:
/// their tile arrays if so, else why not.
fn fits(
    cfg: &Config,
    o: &CreateOptions,
    level: usize,
    sample_format: SampleFormat,
    st: &StoredLevel,
) -> std::result::Result<(Arrays, Option<Arrays>), String> {
    let (img, g) = (st.image, cfg.levels[level]);
    if img.compression != cfg.codec.tag() {
        return Err(format!("the input's tiles are {}, the output's {}", img.compression.label(), cfg.codec.name()));
    }
    match cfg.codec {
        Codec::Jpeg => jpeg_fits(cfg, st)?,
        Codec::Webp => webp_fits(cfg, st)?,
        _ if o.level.is_some() => return Err("--level asks for a new compression level".into()),
        _ => {}
    }
    let predictor = cfg.predictor.unwrap_or(Predictor::NONE);
    if img.predictor != predictor {
        return Err(format!("the input's predictor is {}, the output's {}", img.predictor, predictor));
    }
    if !img.tiled || img.block_width != g.block || img.block_height != g.block {
        let what = if img.tiled { "tiles" } else { "strips" };
        return Err(format!(
            "the input has {}x{} {}, the output {}x{} tiles",
            img.block_width, img.block_height, what, g.block, g.block
        ));
    }
    if (img.width, img.height) != (g.width, g.height) {
        return Err(format!("the stored level is {}x{}, the output's {}x{}", img.width, img.height, g.width, g.height));
    }
    let bits = cfg.nbits.map_or(cfg.sample_bytes as u64 * 8, u64::from);
    let samples = img.samples as usize;
    if img.sample_format != sample_format || img.bits_per_sample.iter().take(samples).any(|&b| b != bits) {
        return Err(format!("the stored samples are not the output's {}-bit {}", bits, sample_format.name()));
    }
    if samples != cfg.bands || cfg.src_bands != cfg.bands {
        return Err("the output's bands differ from the stored ones (an alpha band becomes the mask)".into());
    }
    if cfg.bands > 1 && img.planar_separate != cfg.separate {
        return Err("the output's interleave differs from the input's".into());
    }
    if photometric(img) != cfg.photometric {
        return Err(format!("the output's photometric is {}, the input's {}", cfg.photometric, photometric(img)));
    }
    check_byte_order(st.tiff, img, bits, predictor)?;
    let image = arrays(st.tiff, img, cfg.sparse)?;
    let mask = match (cfg.mask, st.mask) {
        (MaskSource::None, _) => None,
        (MaskSource::InputMask, Some(m)) => {
            mask_fits(st.tiff, m, g.block, (g.width, g.height))?;
            Some(arrays(st.tiff, m, cfg.sparse)?)
        }
        (MaskSource::InputMask, None) => return Err("the mask is read from a sidecar file".into()),
        (MaskSource::Alpha, _) => return Err("the mask is made from the alpha band".into()),
        (MaskSource::Nodata, _) => return Err("the mask is made from the nodata value".into()),
    };
    Ok((image, mask))
}

/// JPEG tiles are copied when the input's tables are the output's (those
/// of the same quality: GDAL's JPEGTables hold the quantisation tables)
/// and its chroma subsampling is ours (2x2 for YCbCr).
fn jpeg_fits(cfg: &Config, st: &StoredLevel) -> std::result::Result<(), String> {
    let ifd = &st.tiff.ifds[st.image.index];
    let tables = match ifd.entry(tags::JPEG_TABLES).map(|e| st.tiff.entry_value(e)) {
        Some(Ok(crate::tiff::Value::Bytes(b))) => Some(b),
        Some(Ok(v)) => Some(v.as_u64s().into_iter().map(|x| x as u8).collect()),
        Some(Err(e)) => return Err(format!("its JPEG tables cannot be read ({})", e)),
        None => None,
    };
    if tables != cfg.jpeg_tables {
        return Err("the input's JPEG tables are not the output's (another quality)".into());
    }
    if cfg.photometric == Photometric::YCBCR {
        let sub = ifd.value(tags::YCBCR_SUBSAMPLING).map(|v| v.as_u64s()).unwrap_or_else(|| vec![2, 2]);
        if sub.get(..2) != Some(&[2, 2][..]) {
            return Err(format!("the input's chroma subsampling is {:?}, the output's 2x2", sub));
        }
    }
    Ok(())
}

/// WebP tiles carry their own settings: copied when the input records
/// (in GDAL_METADATA, as GDAL writes it) the level or losslessness the
/// output records.
fn webp_fits(cfg: &Config, st: &StoredLevel) -> std::result::Result<(), String> {
    let structure = |items: &[crate::tiff::gdal_metadata::Item]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = items
            .iter()
            .filter(|i| i.domain.as_deref() == Some("IMAGE_STRUCTURE") && i.sample.is_none())
            .filter(|i| i.name == "WEBP_LEVEL" || i.name == "COMPRESSION_REVERSIBILITY")
            .map(|i| (i.name.clone(), i.value.clone()))
            .collect();
        v.sort();
        v
    };
    let input = st.tiff.ifds[0].str_of(tags::GDAL_METADATA).map(crate::tiff::gdal_metadata::parse).unwrap_or_default();
    if structure(&input).is_empty() || structure(&input) != structure(&cfg.metadata) {
        return Err("the input does not record the output's WebP level".into());
    }
    Ok(())
}

/// The photometric the raster reader assumes for an IFD without the tag.
fn photometric(img: &Image) -> Photometric {
    img.photometric.unwrap_or(if img.samples >= 3 { Photometric::RGB } else { Photometric::MIN_IS_BLACK })
}

/// Stored bytes must mean the same in our little-endian output: big-endian
/// samples wider than a byte (and the floating-point predictor's byte
/// planes) would not, nor would FillOrder 2's reversed bits.
fn check_byte_order(tiff: &Tiff, img: &Image, bits: u64, predictor: Predictor) -> std::result::Result<(), String> {
    if tiff.byte_order == ByteOrder::Big && (bits > 8 || predictor == Predictor::FLOATING_POINT) {
        return Err("the input is big-endian".into());
    }
    if tiff.ifds[img.index].u64_of(tags::FILL_ORDER) == Some(2) {
        return Err("the input's bits are stored in reverse order (FillOrder 2)".into());
    }
    Ok(())
}

/// Our masks are 1-bit DEFLATE tiles without predictor, one sample.
fn mask_fits(tiff: &Tiff, m: &Image, block: u64, size: (u64, u64)) -> std::result::Result<(), String> {
    let ok = m.tiled
        && m.block_width == block
        && m.block_height == block
        && (m.width, m.height) == size
        && m.compression == Compression::DEFLATE
        && m.predictor == Predictor::NONE
        && m.samples == 1
        && m.bits_per_sample.first() == Some(&1)
        && tiff.ifds[m.index].u64_of(tags::FILL_ORDER) != Some(2);
    if ok { Ok(()) } else { Err("the input's mask is not stored as 1-bit DEFLATE tiles of the output's size".into()) }
}

/// The IFD's tile arrays, complete; without SPARSE_OK, no empty tile
/// (the output would have to store one).
fn arrays(tiff: &Tiff, img: &Image, sparse: bool) -> std::result::Result<Arrays, String> {
    let (offsets, counts) = img.block_arrays(tiff).map_err(|e| format!("its tile arrays cannot be read ({})", e))?;
    if (offsets.len() as u64) < img.blocks || (counts.len() as u64) < img.blocks {
        return Err("its tile arrays are shorter than its tile count".into());
    }
    if !sparse && counts.iter().zip(&offsets).any(|(&c, &o)| c == 0 || o == 0) {
        return Err("it has empty (sparse) tiles and the output is not SPARSE_OK".into());
    }
    Ok(Arrays { offsets, counts })
}

/// Copy one level's stored tiles into `spills`, a tile row at a time (one
/// merged read per row: one request for a remote input).
#[allow(clippy::too_many_arguments)]
pub fn copy_level(
    cfg: &Config,
    level: usize,
    st: &StoredLevel,
    image: &Arrays,
    mask: Option<&Arrays>,
    spills: &mut Spills,
    tile_rows: std::ops::Range<usize>,
    cancel: &Cancel,
    done: &mut dyn FnMut(u64),
) -> Result<()> {
    let g = cfg.levels[level];
    let (across, down) = (g.tiles_across() as usize, g.tiles_down() as usize);
    let per_plane = across * down;
    let planes = if cfg.separate { cfg.bands } else { 1 };
    let range = |a: &Arrays, i: usize| {
        let (o, c) = (a.offsets[i], a.counts[i]);
        if o == 0 || c == 0 { o..o } else { o..o.saturating_add(c) }
    };
    for row in tile_rows.start..tile_rows.end.min(down) {
        cancel.check("conversion stopped, temporary files removed")?;
        let first = row * across;
        let mut ranges = Vec::with_capacity(across * (planes + 1));
        for col in 0..across {
            let i = first + col;
            ranges.extend((0..planes).map(|p| range(image, p * per_plane + i)));
            if let Some(m) = mask {
                ranges.push(range(m, i));
            }
        }
        let wanted: Vec<_> = ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
        let mut got = st
            .tiff
            .reader
            .read_many(&wanted)
            .map_err(|mut e| {
                e.message = format!("stored tiles of level {}, tile row {}: {}", level, row, e.message);
                e
            })?
            .into_iter();
        let mut bytes = ranges.iter().map(|r| if r.is_empty() { Vec::new() } else { got.next().unwrap_or_default() });
        for col in 0..across {
            let planes_bytes: Vec<Vec<u8>> = (0..planes).map(|_| bytes.next().unwrap_or_default()).collect();
            let mask_bytes = mask.map(|_| bytes.next().unwrap_or_default());
            spills.put(EncodedTile { level, index: first + col, image: planes_bytes, mask: mask_bytes, held: 0 })?;
        }
        done(across as u64);
    }
    Ok(())
}
