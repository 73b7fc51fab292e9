//! [`RasterReader`]: rows of an image, decoded block by block in parallel.

use super::convert::{self, Conversion};
use crate::codec::{self, BlockLayout};
use crate::tiff::{Compression, Image, Photometric, SampleFormat, Tiff, tags};
use crate::{Error, Result};
use rayon::prelude::*;

/// Largest buffer one `read_rows` call agrees to return.
pub const MAX_READ_BYTES: u64 = 1 << 32;

/// Reads decoded pixels of one image (IFD) of a parsed TIFF, any block layout.
pub struct RasterReader<'a> {
    tiff: &'a Tiff,
    image: &'a Image,
    bits: u16,
    samples: usize,
    /// Bytes of one output sample.
    out_bytes: usize,
    conversion: Conversion,
    jpeg_tables: Option<Vec<u8>>,
    /// One output sample's bytes for sparse blocks (nodata or zeros).
    fill: Vec<u8>,
    /// FillOrder 2: bits of every stored byte are reversed.
    lsb_fill: bool,
    /// JPEG with YCbCr photometric decodes to RGB.
    photometric: Photometric,
    /// Byte counts worked out as libtiff does when the IFD has none (see
    /// [`estimate_counts`]).
    estimated_counts: Option<Vec<u64>>,
}

/// Byte counts for an image whose IFD lacks StripByteCounts/TileByteCounts
/// (minimal writers omit it; libtiff warns and estimates, so GDAL reads
/// such files): an uncompressed block is its decoded size, a compressed one
/// runs to the next block's offset or the end of the file.
fn estimate_counts(offsets: &[u64], file_size: u64, block_bytes: u64, compressed: bool) -> Vec<u64> {
    let mut sorted: Vec<u64> = offsets.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    offsets
        .iter()
        .map(|&o| {
            let to_end = file_size.saturating_sub(o);
            if compressed {
                let next = sorted.partition_point(|&x| x <= o);
                sorted.get(next).map_or(to_end, |&n| n - o)
            } else {
                block_bytes.min(to_end)
            }
        })
        .collect()
}

impl<'a> RasterReader<'a> {
    pub fn new(tiff: &'a Tiff, image: &'a Image) -> Result<Self> {
        // Refuse hostile grids and giant tiles before any allocation.
        image.check_limits(tiff.file_size)?;
        let ifd = &tiff.ifds[image.index];
        let samples = image.samples as usize;
        let bits = *image.bits_per_sample.first().unwrap_or(&1);
        if image.bits_per_sample.iter().take(samples).any(|&b| b != bits) {
            return Err(Error::unsupported(format!(
                "samples of different sizes ({:?} bits) are not supported",
                image.bits_per_sample
            )));
        }
        if bits == 0 || bits > 128 {
            return Err(Error::format(format!("BitsPerSample {} is invalid", bits)));
        }
        let bits = bits as u16;
        if !image.compression.can_decode() {
            return Err(Error::unsupported(format!("{} decoding is not supported", image.compression.label())));
        }
        let photometric =
            image.photometric.unwrap_or(if samples >= 3 { Photometric::RGB } else { Photometric::MIN_IS_BLACK });
        if photometric == Photometric::YCBCR && image.compression != Compression::JPEG {
            let sub = ifd.value(tags::YCBCR_SUBSAMPLING).map(|v| v.as_u64s()).unwrap_or_else(|| vec![2, 2]);
            if sub.iter().take(2).any(|&s| s != 1) {
                return Err(Error::unsupported("subsampled YCbCr outside JPEG is not supported"));
            }
        }
        let (out_bytes, conversion) = convert::plan(bits, image.sample_format);
        let jpeg_tables = match ifd.entry(tags::JPEG_TABLES) {
            Some(e) if image.compression == crate::tiff::Compression::JPEG => match tiff.entry_value(e)? {
                crate::tiff::Value::Bytes(b) => Some(b),
                v => Some(v.as_u64s().into_iter().map(|x| x as u8).collect()),
            },
            _ => None,
        };
        let nodata = ifd.str_of(tags::GDAL_NODATA).and_then(parse_nodata);
        let fill_format = match conversion {
            Conversion::Half | Conversion::Float24 => SampleFormat::Float,
            _ => image.sample_format,
        };
        let fill = convert::sample_bytes_of(nodata.unwrap_or(0.0), out_bytes, fill_format);
        let lsb_fill = ifd.u64_of(tags::FILL_ORDER) == Some(2);
        let mut reader = RasterReader {
            tiff,
            image,
            bits,
            samples,
            out_bytes,
            conversion,
            jpeg_tables,
            fill,
            lsb_fill,
            photometric,
            estimated_counts: None,
        };
        if image.counts_entry(ifd).is_err()
            && let Ok(oe) = image.offsets_entry(ifd)
        {
            let offsets = tiff.entry_value(oe)?.as_u64s();
            let block_bytes = reader.layout(0).decoded_bytes()? as u64;
            let compressed = image.compression != Compression::NONE;
            reader.estimated_counts = Some(estimate_counts(&offsets, tiff.file_size, block_bytes, compressed));
        } else if !image.tiled && image.blocks == 1 {
            // libtiff's rule for an image of one strip whose byte count is 0
            // at a non-zero offset (writers that did not know it): the count
            // is "bogus" and estimated from the image length (compressed: to
            // the end of the file), not read as a sparse strip. GDAL then
            // reads the strip, or fails when the file is shorter.
            let (oe, ce) = (image.offsets_entry(ifd)?, image.counts_entry(ifd)?);
            let (offset, count) = (tiff.entry_u64_range(oe, 0, 1)?, tiff.entry_u64_range(ce, 0, 1)?);
            if let ([offset], [0]) = (offset.as_slice(), count.as_slice())
                && *offset != 0
            {
                let estimate = if image.compression == Compression::NONE {
                    reader.layout(0).decoded_bytes()? as u64
                } else {
                    tiff.file_size.saturating_sub(*offset)
                };
                reader.estimated_counts = Some(vec![estimate]);
            }
        }
        Ok(reader)
    }

    /// Bytes per sample (1,2,4,8,16; complex counts both parts).
    pub fn sample_bytes(&self) -> usize {
        self.out_bytes
    }

    /// Rows per block row (tile height or RowsPerStrip). `read_rows` decodes
    /// whole block rows and keeps nothing between calls, so callers that
    /// stream an image should ask for bands aligned to this.
    pub fn rows_per_block(&self) -> u64 {
        self.image.block_height
    }

    /// Layout of the block at block row `brow` (strips: the last one is shorter).
    fn layout(&self, brow: u64) -> BlockLayout {
        let img = self.image;
        let height =
            if img.tiled { img.block_height } else { img.block_height.min(img.height - brow * img.block_height) };
        BlockLayout {
            width: img.block_width as usize,
            height: height as usize,
            samples: if img.planar_separate { 1 } else { self.samples },
            bits_per_sample: self.bits,
            sample_format: img.sample_format,
            byte_order: self.tiff.byte_order,
            predictor: img.predictor,
            photometric: self.photometric,
            jpeg_tables: self.jpeg_tables.clone(),
        }
    }

    fn block_name(&self) -> &'static str {
        if self.image.tiled { "tile" } else { "strip" }
    }

    /// Decode block `index` (in block row `brow`); None when sparse.
    fn decode_block(&self, index: u64, brow: u64, offset: u64, count: u64) -> Result<Option<Vec<u8>>> {
        if count == 0 {
            return Ok(None);
        }
        let name = self.block_name();
        let layout = self.layout(brow);
        let err = |e: Error| Error::new(e.kind, format!("{} {}: {}", name, index, e.message));
        let expected = layout.decoded_bytes().map_err(err)?;
        if count > self.tiff.file_size {
            return Err(err(Error::format(format!("byte count {} is larger than the file", count))));
        }
        // Uncompressed blocks only need their decoded size (some writers pad).
        let count =
            if self.image.compression == crate::tiff::Compression::NONE { count.min(expected as u64) } else { count };
        let mut data = self.tiff.reader.read_direct(offset, count as usize).map_err(err)?;
        if self.lsb_fill {
            for b in data.iter_mut() {
                *b = b.reverse_bits();
            }
        }
        if self.image.compression == crate::tiff::Compression::NONE && data.len() >= expected {
            return codec::decode_owned(crate::tiff::Compression::NONE, data, &layout).map(Some).map_err(err);
        }
        match codec::decode(self.image.compression, &data, &layout) {
            Ok(b) => Ok(Some(b)),
            Err(e) => self.decode_edge_leniently(brow, &data, &layout).map(Some).ok_or_else(|| err(e)),
        }
    }

    /// libtiff tolerates two quirks of edge blocks that GDAL then reads:
    /// a bottom tile whose stream only covers the rows inside the image, and
    /// a last strip written with a full RowsPerStrip of rows. Both stay
    /// bounded by the nominal block size; the extra rows are never shown.
    fn decode_edge_leniently(&self, brow: u64, data: &[u8], layout: &BlockLayout) -> Option<Vec<u8>> {
        let img = self.image;
        let by0 = brow * img.block_height;
        let visible = (img.height - by0).min(img.block_height) as usize;
        let mut alt = layout.clone();
        if img.tiled && visible < layout.height {
            alt.height = visible;
            let mut b = codec::decode(img.compression, data, &alt).ok()?;
            b.resize(layout.decoded_bytes().ok()?, 0);
            Some(b)
        } else if !img.tiled && layout.height < img.block_height as usize {
            alt.height = img.block_height as usize;
            let mut b = codec::decode(img.compression, data, &alt).ok()?;
            b.truncate(layout.decoded_bytes().ok()?);
            Some(b)
        } else {
            None
        }
    }

    /// Byte counts of blocks [first, first + n): the IFD's, or the
    /// estimated ones when it has none. Blocks beyond a short byte-count
    /// array count 0 bytes, as libtiff pads it: GDAL then reads them as
    /// empty (sparse).
    fn block_counts(&self, first: u64, n: u64) -> Result<Vec<u64>> {
        if let Some(est) = &self.estimated_counts {
            return Ok(est[first as usize..(first + n) as usize].to_vec());
        }
        let ce = self.image.counts_entry(&self.tiff.ifds[self.image.index])?;
        let have = ce.count.saturating_sub(first).min(n);
        let mut c = if have > 0 { self.tiff.entry_u64_range(ce, first, have)? } else { Vec::new() };
        c.resize(n as usize, 0);
        Ok(c)
    }

    /// Full-width rows [y0, y1), all bands, pixel-interleaved, little-endian samples.
    /// Planar=separate input is interleaved here. Edge blocks are cropped. Blocks are decoded in
    /// parallel (rayon). A sparse block (offset 0 and count 0) reads as zeros (or nodata if set).
    pub fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_rows_into(y0, y1, &mut out)?;
        Ok(out)
    }

    /// [`read_rows`](Self::read_rows) into a buffer the caller reuses band
    /// after band (no fresh pages to fault in for every band).
    pub fn read_rows_into(&self, y0: u64, y1: u64, out: &mut Vec<u8>) -> Result<()> {
        let (total, _) = self.band_size(y0, y1)?;
        // Every byte of `out` is written by read_rows_to (each block row is
        // read across the whole width, for every plane), so a buffer reused
        // at the same size is not zeroed first.
        out.resize(total as usize, 0);
        self.read_rows_to(y0, y1, out)
    }

    /// Bytes of rows [y0, y1) and of one row, after checking the rows are
    /// in the image and the band is within the read limit.
    fn band_size(&self, y0: u64, y1: u64) -> Result<(u64, u64)> {
        let img = self.image;
        if y0 > y1 || y1 > img.height {
            return Err(Error::usage(format!("rows {}..{} are outside the image's {} rows", y0, y1, img.height)));
        }
        let pixel_bytes = (self.samples * self.out_bytes) as u64;
        let row_out = img.width.checked_mul(pixel_bytes).ok_or_else(|| Error::limit("image row size overflows"))?;
        let total = row_out.checked_mul(y1 - y0).filter(|&t| t <= MAX_READ_BYTES).ok_or_else(|| {
            Error::limit(format!(
                "reading {} rows of {} bytes is beyond the {} byte limit",
                y1 - y0,
                row_out,
                MAX_READ_BYTES
            ))
        })?;
        Ok((total, row_out))
    }

    /// [`read_rows`](Self::read_rows) into `out`, which must be exactly
    /// the size of rows [y0, y1) (say, the tail of a buffer the rows are
    /// wanted in, so they need no copy afterwards).
    pub fn read_rows_to(&self, y0: u64, y1: u64, out: &mut [u8]) -> Result<()> {
        let img = self.image;
        let (total, row_out) = self.band_size(y0, y1)?;
        if total != out.len() as u64 {
            return Err(Error::usage(format!("rows {}..{} do not fit a buffer of {} bytes", y0, y1, out.len())));
        }
        let pixel_bytes = (self.samples * self.out_bytes) as u64;
        if y0 == y1 {
            return Ok(());
        }
        let bh = img.block_height;
        let (br0, br1) = (y0 / bh, (y1 - 1) / bh);
        let planes = if img.planar_separate { self.samples as u64 } else { 1 };
        let per_plane = img.blocks_across * img.blocks_down;
        let ifd = &self.tiff.ifds[img.index];
        let oe = img.offsets_entry(ifd)?;
        // (plane, block row, block column, index, offset, count)
        let mut jobs = Vec::new();
        for plane in 0..planes {
            for brow in br0..=br1 {
                let first = plane * per_plane + brow * img.blocks_across;
                let n = img.blocks_across;
                if first + n > oe.count {
                    return Err(Error::format(format!(
                        "{} {} is missing: the image has {} blocks but {} offsets",
                        self.block_name(),
                        first + n - 1,
                        img.blocks,
                        oe.count,
                    )));
                }
                let offs = self.tiff.entry_u64_range(oe, first, n)?;
                let cnts = self.block_counts(first, n)?;
                for col in 0..n {
                    jobs.push((plane, brow, col, first + col, offs[col as usize], cnts[col as usize]));
                }
            }
        }
        // all blocks of the band are held at once: bound their decoded total
        let mut held: u64 = 0;
        for &(_, brow, _, _, _, cnt) in &jobs {
            if cnt > 0 {
                held = held.saturating_add(self.layout(brow).decoded_bytes()? as u64);
            }
        }
        if held > MAX_READ_BYTES {
            return Err(Error::limit(format!(
                "rows {}..{} need {} bytes of decoded blocks (limit {})",
                y0, y1, held, MAX_READ_BYTES
            )));
        }
        let decoded: Vec<Result<Option<Vec<u8>>>> =
            jobs.par_iter().map(|&(_, brow, _, index, off, cnt)| self.decode_block(index, brow, off, cnt)).collect();
        let block_samples = if img.planar_separate { 1 } else { self.samples };
        let bw = img.block_width;
        let sb = self.out_bytes;
        let mut row_buf = vec![0u8; (bw as usize) * block_samples * sb];
        let fill_row: Vec<u8> = self.fill.iter().copied().cycle().take(row_buf.len()).collect();
        for (job, result) in jobs.iter().zip(decoded) {
            let &(plane, brow, col, _, _, _) = job;
            let block = result?;
            let layout = self.layout(brow);
            let src_row = layout.row_bytes()?;
            let x0 = col * bw;
            let cols = bw.min(img.width - x0) as usize;
            let by0 = brow * bh;
            let r0 = y0.max(by0);
            let r1 = y1.min(by0 + layout.height as u64);
            for y in r0..r1 {
                let dst_row = &mut out[((y - y0) * row_out) as usize..((y - y0 + 1) * row_out) as usize];
                let line: &[u8] = match &block {
                    Some(b) => {
                        let s = &b[(y - by0) as usize * src_row..(y - by0 + 1) as usize * src_row];
                        if self.conversion == Conversion::Copy {
                            s
                        } else {
                            convert::convert_row(self.conversion, s, cols * block_samples, sb, &mut row_buf);
                            &row_buf
                        }
                    }
                    None => &fill_row,
                };
                if img.planar_separate {
                    let p = plane as usize * sb;
                    let pb = pixel_bytes as usize;
                    let dst = &mut dst_row[x0 as usize * pb..(x0 as usize + cols) * pb];
                    for (d, v) in dst.chunks_exact_mut(pb).zip(line.chunks_exact(sb)) {
                        d[p..p + sb].copy_from_slice(v);
                    }
                } else {
                    let d = x0 as usize * pixel_bytes as usize;
                    let n = cols * pixel_bytes as usize;
                    dst_row[d..d + n].copy_from_slice(&line[..n]);
                }
            }
        }
        Ok(())
    }
}

/// GDAL_NODATA text to a number ("nan", "-inf" and friends included).
fn parse_nodata(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('\0').trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

impl RasterReader<'_> {
    /// GDAL's checksum of every band (`gdalinfo -checksum`), reading the
    /// image in bands of block rows so memory stays bounded.
    /// `int8_signed`: GDAL 3.7+ reads 8-bit signed samples as Int8; 3.6 and
    /// older read them as Byte (0..255), which changes the checksum.
    pub fn gdal_checksums(&self, int8_signed: bool) -> Result<Vec<u16>> {
        use crate::codec::checksum::Checksum;
        let img = self.image;
        let mut format = match self.conversion {
            Conversion::Half | Conversion::Float24 => SampleFormat::Float,
            _ => img.sample_format,
        };
        if format == SampleFormat::Int && self.out_bytes == 1 && !int8_signed {
            format = SampleFormat::Uint;
        }
        if format == SampleFormat::Void {
            format = SampleFormat::Uint;
        }
        let mut sums: Vec<Checksum> = (0..self.samples).map(|_| Checksum::new(format, self.out_bytes)).collect();
        let row_bytes = img.width.saturating_mul((self.samples * self.out_bytes) as u64).max(1);
        // at least one block row, else about 64 MiB per read
        let step = (64 << 20) / row_bytes;
        let step = (step / img.block_height).max(1) * img.block_height;
        let mut y = 0;
        while y < img.height {
            let y1 = (y + step).min(img.height);
            let rows = self.read_rows(y, y1)?;
            for (b, s) in sums.iter_mut().enumerate() {
                s.update(&rows, self.samples, b);
            }
            y = y1;
        }
        Ok(sums.iter().map(|s| s.value_now()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::estimate_counts;

    #[test]
    fn missing_byte_counts_are_estimated_as_libtiff_does() {
        // Uncompressed: the decoded block size, cut at the end of the file.
        assert_eq!(estimate_counts(&[8, 108, 208], 250, 100, false), vec![100, 100, 42]);
        // Compressed: up to the next block's offset (in any order), the last
        // one to the end of the file; a shared offset does not count as next.
        assert_eq!(estimate_counts(&[300, 8, 120, 120], 400, 1000, true), vec![100, 112, 180, 180]);
        // An offset past the end reads nothing (and then fails to decode).
        assert_eq!(estimate_counts(&[500], 400, 10, false), vec![0]);
    }
}
