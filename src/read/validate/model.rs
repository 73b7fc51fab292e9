//! The file as GDAL's GeoTIFF driver sees it, because GDAL's validator judges
//! through that view: the first IFD is the image; later IFDs become
//! overviews (reduced-resolution, same band count, at most 30), the first
//! full-size mask, and masks of overviews (attached to an earlier overview
//! of the same size). SubIFDs of the first IFD are scanned before the chain.
//! Without internal overviews, a `.ovr` sidecar supplies them.
//!
//! Blocks follow GDAL's `BLOCK_OFFSET_x_y` metadata: band 1's blocks in
//! row-major order, available only when their byte count is non-zero;
//! entries that cannot be read count as empty, as libtiff reports them.

use crate::source::Reader;
use crate::tiff::tags::*;
use crate::tiff::{Compression, Ifd, Image, Photometric, PlanarConfig, Tiff};
use std::sync::Arc;

/// GDAL refuses sizes and counts past a signed 32-bit int.
const INT_MAX: u64 = i32::MAX as u64;
/// GDAL's limit on internal overviews (a guard against hostile files).
const MAX_OVERVIEWS: usize = 30;

/// Which file a level's IFD and blocks come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Main,
    /// The `.ovr` sidecar.
    Sidecar,
}

/// One IFD as GDAL opened it, with its strile arrays loaded.
#[derive(Debug, Clone)]
pub struct Level {
    pub img: Image,
    pub ifd: Ifd,
    pub origin: Origin,
    pub offsets: Vec<u64>,
    /// (Arrays that cannot be read count as empty; `beyond` reports them.)
    pub counts: Vec<u64>,
}

impl Level {
    /// Blocks of band 1 in GDAL's grid.
    pub fn band_blocks(&self) -> u64 {
        self.img.blocks_across * self.img.blocks_down
    }
    /// (offset, count) of band-1 block `i` when GDAL reports it available.
    pub fn block(&self, i: u64) -> Option<(u64, u64)> {
        let c = *self.counts.get(i as usize)?;
        if c == 0 {
            return None;
        }
        Some((self.offsets.get(i as usize).copied().unwrap_or(0), c))
    }
    /// GDAL's `get_block_offset`: offset of the first available block, or 0.
    pub fn first_block_offset(&self) -> u64 {
        let n = self.band_blocks().min(self.counts.len() as u64);
        (0..n).find_map(|i| self.block(i)).map_or(0, |(o, _)| o)
    }
    pub fn width(&self) -> u64 {
        self.img.width
    }
    pub fn height(&self) -> u64 {
        self.img.height
    }
}

/// An imagery level and the mask GDAL attached to it.
#[derive(Debug, Clone)]
pub struct Pair {
    pub image: Level,
    pub mask: Option<Level>,
}

/// GDAL's dataset: main image (+ mask) and overviews (+ masks).
pub struct Dataset {
    pub main: Pair,
    pub overviews: Vec<Pair>,
    /// True when the overviews come from a `.ovr` sidecar.
    pub external_overviews: bool,
    /// True when `<file>.msk` exists (GDAL then skips the mask full check).
    pub msk_sidecar: bool,
    /// Mask-like IFDs GDAL did not attach: (IFD offset, width, height).
    pub orphan_masks: Vec<(u64, u64, u64)>,
}

/// Why GDAL's driver would refuse to open this IFD, in GDAL's words where
/// we know them; None when it opens.
pub fn gdal_refusal(ifd: &Ifd) -> Option<String> {
    // libtiff fails the directory when a core tag has the wrong count or type.
    for (tag, name) in [
        (IMAGE_WIDTH, "ImageWidth"),
        (IMAGE_LENGTH, "ImageLength"),
        (TILE_WIDTH, "TileWidth"),
        (TILE_LENGTH, "TileLength"),
        (PLANAR_CONFIG, "PlanarConfiguration"),
        (ROWS_PER_STRIP, "RowsPerStrip"),
        (SAMPLES_PER_PIXEL, "SamplesPerPixel"),
    ] {
        let Some(e) = ifd.entry(tag) else { continue };
        if !matches!(e.type_code, 1 | 3 | 4 | 6 | 8 | 9 | 16 | 17) {
            return Some(format!(
                "libtiff rejects the IFD at offset {}: incompatible type for \"{}\"",
                ifd.offset, name
            ));
        }
        if e.count != 1 {
            return Some(format!("libtiff rejects the IFD at offset {}: incorrect count for \"{}\"", ifd.offset, name));
        }
    }
    let compression = ifd.u64_of(COMPRESSION).unwrap_or(1);
    if !matches!(
        compression,
        1..=8 | 32766 | 32771 | 32773 | 32809 | 32909 | 32946 | 34661 | 34676 | 34677 | 34887 | 34925 | 50000 | 50001
    ) {
        return Some(format!(
            "GDAL cannot open it: missing codec for compression {} ({})",
            compression,
            Compression(compression as u16).name()
        ));
    }
    let w = ifd.u64_of(IMAGE_WIDTH).unwrap_or(0);
    let h = ifd.u64_of(IMAGE_LENGTH).unwrap_or(0);
    if w > INT_MAX || h > INT_MAX {
        return Some(format!("GDAL cannot open it: too large image size: {} x {}", w, h));
    }
    let (bw, bh) = if ifd.entry(TILE_WIDTH).is_some() {
        (ifd.u64_of(TILE_WIDTH).unwrap_or(0), ifd.u64_of(TILE_LENGTH).unwrap_or(0))
    } else {
        (w, ifd.u64_of(ROWS_PER_STRIP).unwrap_or(h).min(h))
    };
    if bw > INT_MAX || bh > INT_MAX {
        return Some(format!("GDAL cannot open it: too large block size: {} x {}", bw, bh));
    }
    if bw > 0 && bh > 0 {
        let (across, down) = (w.div_ceil(bw), h.div_ceil(bh));
        let samples = ifd.u64_of(SAMPLES_PER_PIXEL).unwrap_or(1);
        let separate = ifd.u64_of(PLANAR_CONFIG) == Some(PlanarConfig::SEPARATE.into()) && samples > 1;
        if across.saturating_mul(down) > INT_MAX {
            return Some(format!("GDAL cannot open it: too many blocks: {} x {}", across, down));
        }
        if separate && across.saturating_mul(down).saturating_mul(samples) > INT_MAX {
            return Some(format!("GDAL cannot open it: too many blocks: {} x {} x {} bands", across, down, samples));
        }
    }
    let bits = ifd.value(BITS_PER_SAMPLE).and_then(|v| v.first_u64()).unwrap_or(1);
    let format = ifd.u64_of(SAMPLE_FORMAT).unwrap_or(1);
    let float_ok = format != 3 || matches!(bits, 16 | 24 | 32 | 64);
    let complex_ok = match format {
        5 => matches!(bits, 32 | 64),
        6 => matches!(bits, 64 | 128),
        _ => true,
    };
    if bits == 0 || (bits > 32 && bits != 64 && bits != 128) || (bits == 128 && format != 6) || !float_ok || !complex_ok
    {
        return Some(format!("GDAL cannot open it: unsupported BitsPerSample {} with SampleFormat {}", bits, format));
    }
    if ifd.u64_of(PHOTOMETRIC) == Some(Photometric::YCBCR.into())
        && compression != u64::from(Compression::JPEG)
        && bits > 8
    {
        let sub = ifd.value(YCBCR_SUBSAMPLING).map(|v| v.as_u64s()).unwrap_or_else(|| vec![2, 2]);
        if sub.iter().any(|&s| s != 1) {
            return Some(
                "GDAL cannot open it: YCbCr with subsampling and BitsPerSample > 8 that is not JPEG compressed".into(),
            );
        }
    }
    None
}

/// Open one IFD as a level; None when GDAL would not open it.
fn open_level(tiff: &Tiff, ifd: &Ifd, origin: Origin) -> std::result::Result<Level, String> {
    if let Some(why) = gdal_refusal(ifd) {
        return Err(why);
    }
    let img = Image::from_ifd(0, ifd, false).map_err(|e| e.message)?;
    let (offsets, counts, _) = load_striles(tiff, ifd, &img);
    Ok(Level { img, ifd: ifd.clone(), origin, offsets, counts })
}

/// The strile arrays, or empty ones (and the reason) when unreadable.
/// Missing byte counts are estimated as libtiff does: present unless the
/// block starts past the end of the file.
pub(super) fn load_striles(tiff: &Tiff, ifd: &Ifd, img: &Image) -> (Vec<u64>, Vec<u64>, Option<String>) {
    // libtiff keeps strips and tiles in one field, so a tiled image with
    // StripOffsets (or the reverse) still has its blocks.
    let either = |a: u16, b: u16| ifd.entry(a).or_else(|| ifd.entry(b));
    let (off_e, cnt_e) = if img.tiled {
        (either(TILE_OFFSETS, STRIP_OFFSETS), either(TILE_BYTE_COUNTS, STRIP_BYTE_COUNTS))
    } else {
        (either(STRIP_OFFSETS, TILE_OFFSETS), either(STRIP_BYTE_COUNTS, TILE_BYTE_COUNTS))
    };
    let Some(off_e) = off_e else {
        return (Vec::new(), Vec::new(), Some(format!("IFD at offset {} has no block offsets", ifd.offset)));
    };
    let offsets = match tiff.entry_value(off_e) {
        Ok(v) => v.as_u64s(),
        Err(e) => return (Vec::new(), Vec::new(), Some(e.message)),
    };
    let counts = match cnt_e {
        Some(e) => match tiff.entry_value(e) {
            Ok(v) => v.as_u64s(),
            Err(e) => return (offsets, Vec::new(), Some(e.message)),
        },
        None => offsets.iter().map(|&o| u64::from(o <= tiff.file_size)).collect(),
    };
    (offsets, counts, None)
}

fn subfile(ifd: &Ifd) -> u64 {
    ifd.u64_of(NEW_SUBFILE_TYPE).unwrap_or(0)
}

/// GDAL 3.6 reads every sample of at most 8 bits as Byte.
fn is_byte(l: &Level) -> bool {
    l.img.bits_per_sample.first().copied().unwrap_or(1) <= 8
}

impl Dataset {
    /// Build GDAL's view. Err carries why GDAL cannot open the file at all.
    pub fn open(tiff: &Tiff, ovr: Option<&Tiff>, msk_sidecar: bool) -> std::result::Result<Dataset, String> {
        let first = tiff.ifds.first().ok_or("no IFD")?;
        let main = open_level(tiff, first, Origin::Main)?;
        let bands = main.img.samples;
        let mut ds = Dataset {
            main: Pair { image: main, mask: None },
            overviews: Vec::new(),
            external_overviews: false,
            msk_sidecar,
            orphan_masks: Vec::new(),
        };
        // SubIFDs of the first IFD come first, then the rest of the chain.
        let mut candidates: Vec<Ifd> = Vec::new();
        if let Some(e) = first.entry(SUB_IFDS)
            && let Ok(v) = tiff.entry_value(e)
        {
            for off in v.as_u64s().into_iter().take(1000) {
                match tiff.read_ifd_at(off) {
                    Ok(ifd) => candidates.push(ifd),
                    Err(_) => break,
                }
            }
        }
        let from_subifds = candidates.len();
        candidates.extend(tiff.ifds.iter().skip(1).cloned());
        for (k, ifd) in candidates.iter().enumerate() {
            // A chain IFD that itself has SubIFDs is not taken as overview or mask.
            if k >= from_subifds && ifd.entry(SUB_IFDS).is_some_and(|e| e.count > 0) {
                continue;
            }
            let st = subfile(ifd);
            let reduced = st & 1 != 0;
            let mask = st & 4 != 0;
            if reduced && !mask {
                if ds.overviews.len() >= MAX_OVERVIEWS {
                    continue;
                }
                if let Ok(l) = open_level(tiff, ifd, Origin::Main)
                    && l.img.samples == bands
                {
                    ds.overviews.push(Pair { image: l, mask: None });
                }
            } else if mask && !reduced {
                let ok = ds.main.mask.is_none()
                    && match open_level(tiff, ifd, Origin::Main) {
                        Ok(l) => {
                            let fits = (l.img.samples == 1 || l.img.samples == bands)
                                && l.width() == ds.main.image.width()
                                && l.height() == ds.main.image.height()
                                && is_byte(&l);
                            if fits {
                                ds.main.mask = Some(l);
                            }
                            fits
                        }
                        Err(_) => false,
                    };
                if !ok {
                    ds.orphan_masks.push(orphan(ifd));
                }
            } else if mask && reduced {
                let mut attached = false;
                if let Ok(l) = open_level(tiff, ifd, Origin::Main)
                    && is_byte(&l)
                    && let Some(p) = ds.overviews.iter_mut().find(|p| {
                        p.mask.is_none()
                            && p.image.width() == l.width()
                            && p.image.height() == l.height()
                            && (l.img.samples == 1 || l.img.samples == bands)
                    })
                {
                    p.mask = Some(l);
                    attached = true;
                }
                if !attached {
                    ds.orphan_masks.push(orphan(ifd));
                }
            }
        }
        if ds.overviews.is_empty()
            && let Some(o) = ovr
        {
            // GDAL's external overviews: the sidecar's first IFD, then its own overviews.
            if let Ok(sub) = Dataset::open(o, None, false) {
                let mut levels = vec![sub.main];
                levels.extend(sub.overviews);
                for mut p in levels {
                    p.image.origin = Origin::Sidecar;
                    p.mask = None;
                    ds.overviews.push(p);
                }
                ds.external_overviews = true;
            }
        }
        Ok(ds)
    }
}

fn orphan(ifd: &Ifd) -> (u64, u64, u64) {
    (ifd.offset, ifd.u64_of(IMAGE_WIDTH).unwrap_or(0), ifd.u64_of(IMAGE_LENGTH).unwrap_or(0))
}

/// Open the `.ovr` sidecar of a local source, if there is one GDAL would use.
pub fn open_sidecar(name: &str, reader: &Reader, opts: &crate::source::OpenOptions) -> Option<Tiff> {
    if !reader.source().sidecar_exists(".ovr") {
        return None;
    }
    let r = crate::source::open(&format!("{}.ovr", name), opts).ok()?;
    Tiff::open_lenient(Arc::new(r)).ok()
}
