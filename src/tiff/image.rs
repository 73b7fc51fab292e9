//! A typed view of one IFD as an image: size, samples, blocks, codec, and
//! what role it plays in a COG (full image, overview, mask, overview mask).

use super::codes::{Compression, Photometric, PlanarConfig, Predictor};
use super::parse::{Entry, Ifd, Tiff};
use super::tags::*;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Overview,
    Mask,
    OverviewMask,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Overview => "overview",
            Kind::Mask => "mask",
            Kind::OverviewMask => "overview_mask",
            Kind::Other => "other",
        }
    }
}

/// SampleFormat, as `info --json` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    Uint,
    Int,
    Float,
    ComplexInt,
    ComplexFloat,
    Void,
}

impl SampleFormat {
    pub fn from_code(c: u64) -> SampleFormat {
        match c {
            2 => SampleFormat::Int,
            3 => SampleFormat::Float,
            4 => SampleFormat::Void,
            5 => SampleFormat::ComplexInt,
            6 => SampleFormat::ComplexFloat,
            _ => SampleFormat::Uint,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            SampleFormat::Uint => "uint",
            SampleFormat::Int => "int",
            SampleFormat::Float => "float",
            SampleFormat::ComplexInt => "complex_int",
            SampleFormat::ComplexFloat => "complex_float",
            SampleFormat::Void => "void",
        }
    }
}

/// Facts of one IFD, read once. Strile arrays stay in the IFD (maybe lazy).
#[derive(Debug, Clone)]
pub struct Image {
    pub index: usize,
    pub ifd_offset: u64,
    pub new_subfile_type: u64,
    pub width: u64,
    pub height: u64,
    pub samples: u64,
    pub bits_per_sample: Vec<u64>,
    pub sample_format: SampleFormat,
    pub compression: Compression,
    pub predictor: Predictor,
    pub photometric: Option<Photometric>,
    pub planar_separate: bool,
    pub tiled: bool,
    pub block_width: u64,
    pub block_height: u64,
    pub blocks_across: u64,
    pub blocks_down: u64,
    /// Blocks in total (times samples when planar=separate).
    pub blocks: u64,
    pub kind: Kind,
    offsets_tag: u16,
    counts_tag: u16,
}

/// Blocks per IFD beyond which we refuse (100M tiles is a 5-million-pixel-square
/// image at 512; anything more is a hostile count).
pub const MAX_BLOCKS: u64 = 1 << 31;
/// A tile that decodes to more than this is refused (GDAL's own limit is
/// about 2 GiB; real COG tiles are a few MiB at most). Strips are not capped
/// here: a big uncompressed single-strip file is legitimate and readers
/// process it in pieces.
pub const MAX_TILE_BYTES: u64 = 1 << 30;

impl Image {
    pub fn from_ifd(index: usize, ifd: &Ifd, first_image_seen: bool) -> Result<Image> {
        let at = ifd.offset;
        let width =
            ifd.u64_of(IMAGE_WIDTH).ok_or_else(|| Error::format(format!("IFD at offset {} has no ImageWidth", at)))?;
        let height = ifd
            .u64_of(IMAGE_LENGTH)
            .ok_or_else(|| Error::format(format!("IFD at offset {} has no ImageLength", at)))?;
        if width == 0 || height == 0 {
            return Err(Error::format(format!("IFD at offset {} has a zero-sized image ({}x{})", at, width, height)));
        }
        let samples = ifd.u64_of(SAMPLES_PER_PIXEL).unwrap_or(1);
        if samples == 0 || samples > 65535 {
            return Err(Error::format(format!("IFD at offset {} has SamplesPerPixel {}", at, samples)));
        }
        let bits_per_sample = ifd.value(BITS_PER_SAMPLE).map(|v| v.as_u64s()).unwrap_or_else(|| vec![1]);
        let sample_format = SampleFormat::from_code(ifd.u64_of(SAMPLE_FORMAT).unwrap_or(1));
        let compression = Compression(ifd.u64_of(COMPRESSION).unwrap_or(1) as u16);
        let predictor = Predictor(ifd.u64_of(PREDICTOR).unwrap_or(1) as u16);
        let photometric = ifd.u64_of(PHOTOMETRIC).map(|p| Photometric(p as u16));
        let planar_separate = ifd.u64_of(PLANAR_CONFIG) == Some(PlanarConfig::SEPARATE.into()) && samples > 1;
        let new_subfile_type = ifd.u64_of(NEW_SUBFILE_TYPE).unwrap_or(0);
        let tiled = ifd.entry(TILE_WIDTH).is_some() || ifd.entry(TILE_OFFSETS).is_some();
        let (block_width, block_height, offsets_tag, counts_tag) = if tiled {
            let tw = ifd.u64_of(TILE_WIDTH).unwrap_or(0);
            let th = ifd.u64_of(TILE_LENGTH).unwrap_or(0);
            if tw == 0 || th == 0 {
                return Err(Error::format(format!("IFD at offset {} has a zero tile size ({}x{})", at, tw, th)));
            }
            // libtiff stores both tags in one field, so a few writers put a
            // tiled image's offsets under StripOffsets; GDAL reads those.
            if ifd.entry(TILE_OFFSETS).is_none() && ifd.entry(STRIP_OFFSETS).is_some() {
                (tw, th, STRIP_OFFSETS, STRIP_BYTE_COUNTS)
            } else {
                (tw, th, TILE_OFFSETS, TILE_BYTE_COUNTS)
            }
        } else {
            let rps = ifd.u64_of(ROWS_PER_STRIP).unwrap_or(height).clamp(1, height);
            (width, rps, STRIP_OFFSETS, STRIP_BYTE_COUNTS)
        };
        let blocks_across = width.div_ceil(block_width);
        let blocks_down = height.div_ceil(block_height);
        let per_plane = blocks_across
            .checked_mul(blocks_down)
            .filter(|&b| b <= MAX_BLOCKS)
            .ok_or_else(|| Error::limit(format!("IFD at offset {} would have more than {} blocks", at, MAX_BLOCKS)))?;
        let blocks = if planar_separate { per_plane.saturating_mul(samples) } else { per_plane };
        if blocks > MAX_BLOCKS {
            return Err(Error::limit(format!(
                "IFD at offset {} would have {} blocks (limit {})",
                at, blocks, MAX_BLOCKS
            )));
        }
        let is_mask = new_subfile_type & 4 != 0 && photometric == Some(Photometric::MASK);
        let is_reduced = new_subfile_type & 1 != 0;
        let kind = match (is_mask, is_reduced) {
            (true, false) => Kind::Mask,
            (true, true) => Kind::OverviewMask,
            (false, true) => Kind::Overview,
            (false, false) if !first_image_seen => Kind::Image,
            _ => Kind::Other,
        };
        Ok(Image {
            index,
            ifd_offset: at,
            new_subfile_type,
            width,
            height,
            samples,
            bits_per_sample,
            sample_format,
            compression,
            predictor,
            photometric,
            planar_separate,
            tiled,
            block_width,
            block_height,
            blocks_across,
            blocks_down,
            blocks,
            kind,
            offsets_tag,
            counts_tag,
        })
    }

    /// All IFDs of a file as images, in file order.
    pub fn all(tiff: &Tiff) -> Result<Vec<Image>> {
        let mut out = Vec::with_capacity(tiff.ifds.len());
        let mut seen_image = false;
        for (i, ifd) in tiff.ifds.iter().enumerate() {
            // No check_limits here: describing a huge (or hostile) grid costs
            // nothing, and GDAL opens such files; decoders check before allocating.
            // Tags no image can do without must be readable: a count of 2^32
            // on BitsPerSample is a broken file (GDAL refuses it too), not
            // one-bit data. Other unreadable tags are ignored, as GDAL does.
            for tag in [IMAGE_WIDTH, IMAGE_LENGTH, BITS_PER_SAMPLE, SAMPLES_PER_PIXEL] {
                if let Some(e) = ifd.entry(tag).filter(|e| e.value.is_none()) {
                    tiff.entry_value(e)?;
                }
            }
            let img = Image::from_ifd(i, ifd, seen_image)?;
            seen_image |= img.kind == Kind::Image;
            out.push(img);
        }
        Ok(out)
    }

    /// Resource limits that need the file size: every block needs an offset
    /// and a byte count stored in the file (at least two bytes each), so more
    /// blocks than file bytes is a hostile count; and a tile must decode to at
    /// most [`MAX_TILE_BYTES`].
    pub fn check_limits(&self, file_size: u64) -> Result<()> {
        if self.blocks > 2 && self.blocks > file_size {
            return Err(Error::limit(format!(
                "IFD at offset {} declares {} blocks ({}x{} image in {}x{} blocks), more than a file of {} bytes can index",
                self.ifd_offset, self.blocks, self.width, self.height, self.block_width, self.block_height, file_size
            )));
        }
        if self.tiled && self.block_decoded_bytes() > MAX_TILE_BYTES {
            return Err(Error::limit(format!(
                "IFD at offset {} has {}x{} tiles that decode to {} bytes each (limit {})",
                self.ifd_offset,
                self.block_width,
                self.block_height,
                self.block_decoded_bytes(),
                MAX_TILE_BYTES
            )));
        }
        Ok(())
    }

    pub fn offsets_entry<'a>(&self, ifd: &'a Ifd) -> Result<&'a Entry> {
        ifd.entry(self.offsets_tag).ok_or_else(|| {
            Error::format(format!("IFD at offset {} has no {}", self.ifd_offset, tag_name(self.offsets_tag).unwrap()))
        })
    }
    pub fn counts_entry<'a>(&self, ifd: &'a Ifd) -> Result<&'a Entry> {
        ifd.entry(self.counts_tag).ok_or_else(|| {
            Error::format(format!("IFD at offset {} has no {}", self.ifd_offset, tag_name(self.counts_tag).unwrap()))
        })
    }

    /// Offset and byte count of block `i`, read by range if the arrays are lazy.
    pub fn block(&self, tiff: &Tiff, i: u64) -> Result<(u64, u64)> {
        let ifd = &tiff.ifds[self.index];
        let oe = self.offsets_entry(ifd)?;
        let ce = self.counts_entry(ifd)?;
        if i >= self.blocks || i >= oe.count || i >= ce.count {
            return Err(Error::format(format!(
                "block {} is missing: IFD at offset {} has {} blocks but {} offsets and {} byte counts",
                i, self.ifd_offset, self.blocks, oe.count, ce.count
            )));
        }
        Ok((tiff.entry_u64_at(oe, i)?, tiff.entry_u64_at(ce, i)?))
    }

    /// Both strile arrays whole (validate's full check needs every entry).
    pub fn block_arrays(&self, tiff: &Tiff) -> Result<(Vec<u64>, Vec<u64>)> {
        let ifd = &tiff.ifds[self.index];
        let oe = self.offsets_entry(ifd)?;
        let ce = self.counts_entry(ifd)?;
        let offs = tiff.entry_value(oe)?.as_u64s();
        let cnts = tiff.entry_value(ce)?.as_u64s();
        Ok((offs, cnts))
    }

    /// GDAL's data type name, or None for combinations GDAL cannot read.
    pub fn gdal_dtype(&self) -> Option<&'static str> {
        let bits = *self.bits_per_sample.first().unwrap_or(&1);
        Some(match (self.sample_format, bits) {
            (SampleFormat::Uint | SampleFormat::Void, 1..=8) => "Byte",
            (SampleFormat::Int, 8) => "Int8",
            (SampleFormat::Int, 1..=7) => "Byte",
            (SampleFormat::Uint | SampleFormat::Void, 9..=16) => "UInt16",
            (SampleFormat::Int, 9..=16) => "Int16",
            (SampleFormat::Uint | SampleFormat::Void, 17..=32) => "UInt32",
            (SampleFormat::Int, 17..=32) => "Int32",
            (SampleFormat::Uint | SampleFormat::Void, 33..=64) => "UInt64",
            (SampleFormat::Int, 33..=64) => "Int64",
            (SampleFormat::Float, 16) => "Float32",
            (SampleFormat::Float, 24) => "Float32",
            (SampleFormat::Float, 32) => "Float32",
            (SampleFormat::Float, 64) => "Float64",
            (SampleFormat::ComplexInt, 32) => "CInt16",
            (SampleFormat::ComplexInt, 64) => "CInt32",
            (SampleFormat::ComplexFloat, 64) => "CFloat32",
            (SampleFormat::ComplexFloat, 128) => "CFloat64",
            _ => return None,
        })
    }

    /// Bytes in one decoded block (all samples, contig) — for allocation caps.
    pub fn block_decoded_bytes(&self) -> u64 {
        // Saturating: the fields come from the file and may be anything.
        let bits: u64 = if self.planar_separate {
            *self.bits_per_sample.first().unwrap_or(&8)
        } else {
            self.bits_per_sample.iter().take(self.samples as usize).fold(0u64, |a, &b| a.saturating_add(b)).max(1)
        };
        self.block_width.saturating_mul(bits).div_ceil(8).saturating_mul(self.block_height)
    }
}
