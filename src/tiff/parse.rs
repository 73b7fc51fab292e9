//! Reading the TIFF structure: header, IFD chain, entries and their values.
//!
//! Every count and offset is checked against the file size before anything
//! is allocated, so a hostile file costs at most what it is long. Values that
//! live out of line are loaded while parsing only when they are small (the
//! strile arrays of a big COG run to tens of MB and are read on demand, by
//! range, through [`Tiff::entry_value`] and [`Tiff::entry_u64_at`]).

use super::ghost::Ghost;
use super::types::{ByteOrder, FieldType, Value};
use crate::source::Reader;
use crate::{Error, Result};
use std::collections::HashSet;
use std::sync::Arc;

/// More IFDs than this is refused: no real COG comes near it, and a chain of
/// tiny overlapping IFDs is a classic way to make a parser spin.
pub const MAX_IFDS: usize = 10_000;
/// Entries per IFD; TIFF 6 allows 65535 in a classic file.
pub const MAX_ENTRIES: u64 = 65_535;
/// Out-of-line values up to this size are loaded while parsing.
const EAGER_VALUE_BYTES: u64 = 64 * 1024;
/// Total bytes loaded eagerly over all IFDs; past it values stay lazy.
const EAGER_TOTAL_BYTES: u64 = 32 * 1024 * 1024;
/// Largest value `entry_value` agrees to load into memory.
pub const MAX_VALUE_BYTES: u64 = 512 * 1024 * 1024;
/// IFDs that do not overlap cannot take more bytes in all than the file
/// holds; this much more is tolerated for odd but harmless files. Without the
/// bound, a chain of 65535-entry IFDs placed 6 bytes apart re-reads the same
/// entries thousands of times: gigabytes of entries from a 1 MB file.
pub const MAX_OVERLAP_BYTES: u64 = 1024 * 1024;

/// One IFD entry. `value` is `None` when the value was left lazy (large) or
/// the field type is unknown.
#[derive(Debug, Clone)]
pub struct Entry {
    pub tag: u16,
    pub type_code: u16,
    pub field_type: Option<FieldType>,
    pub count: u64,
    /// Where the value bytes are: inside the entry, or at the pointed offset.
    pub value_offset: u64,
    pub inline: bool,
    pub value: Option<Value>,
}

impl Entry {
    pub fn byte_len(&self) -> u64 {
        self.field_type.map_or(0, |t| t.size().saturating_mul(self.count))
    }
}

#[derive(Debug, Clone)]
pub struct Ifd {
    /// Offset of the IFD in the file.
    pub offset: u64,
    pub entries: Vec<Entry>,
    /// Offset of the next IFD (0 at the end of the chain).
    pub next: u64,
    /// Bytes the IFD itself occupies (count, entries and next pointer).
    pub size: u64,
}

impl Ifd {
    pub fn entry(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }
    pub fn value(&self, tag: u16) -> Option<&Value> {
        self.entry(tag).and_then(|e| e.value.as_ref())
    }
    pub fn u64_of(&self, tag: u16) -> Option<u64> {
        self.value(tag).and_then(|v| v.first_u64())
    }
    pub fn str_of(&self, tag: u16) -> Option<&str> {
        self.value(tag).and_then(|v| v.as_str())
    }
}

/// A parsed TIFF: header facts, the IFD chain in file order, the GDAL ghost
/// area if present, and the reader to fetch anything left lazy.
pub struct Tiff {
    pub reader: Arc<Reader>,
    pub byte_order: ByteOrder,
    pub bigtiff: bool,
    pub file_size: u64,
    /// Offset of the first IFD, as the header says.
    pub first_ifd: u64,
    pub ifds: Vec<Ifd>,
    pub ghost: Option<Ghost>,
    /// Why the IFD chain was cut short, when opened with [`Tiff::open_lenient`].
    pub chain_error: Option<Error>,
    /// Opened with [`Tiff::open_lenient`]: tags with impossible counts are
    /// kept unreadable (libtiff ignores them with a warning) instead of
    /// failing the file.
    pub lenient: bool,
    /// IFDs of the main chain; any after them in `ifds` are SubIFDs of the
    /// first IFD, added by [`Tiff::add_sub_ifds`].
    pub chain_len: usize,
}

impl Tiff {
    /// Parse the header and the whole IFD chain.
    pub fn open(reader: Arc<Reader>) -> Result<Tiff> {
        Self::open_with(reader, false)
    }

    /// Like [`Tiff::open`], but an IFD after the first that cannot be read
    /// (bad next pointer, loop, truncated) ends the chain instead of failing
    /// the file, as libtiff and GDAL do; the reason lands in `chain_error`.
    pub fn open_lenient(reader: Arc<Reader>) -> Result<Tiff> {
        Self::open_with(reader, true)
    }

    fn open_with(reader: Arc<Reader>, lenient: bool) -> Result<Tiff> {
        let file_size = reader.len()?;
        if file_size == 0 {
            return Err(Error::format("empty file (0 bytes), not a TIFF"));
        }
        if file_size < 8 {
            return Err(Error::format(format!("file of {} bytes is too short for a TIFF header", file_size)));
        }
        let head = reader.read(0, 16.min(file_size) as usize)?;
        let byte_order = match &head[..2] {
            b"II" => ByteOrder::Little,
            b"MM" => ByteOrder::Big,
            _ => return Err(Error::format(not_tiff_message(&head))),
        };
        let version = byte_order.u16(&head[2..4]);
        let (bigtiff, first_ifd) = match version {
            42 => (false, byte_order.u32(&head[4..8]) as u64),
            43 => {
                if head.len() < 16 {
                    return Err(Error::format("file is too short for a BigTIFF header"));
                }
                let bytesize = byte_order.u16(&head[4..6]);
                if bytesize != 8 || byte_order.u16(&head[6..8]) != 0 {
                    return Err(Error::format(format!("BigTIFF header declares offset size {}, expected 8", bytesize)));
                }
                (true, byte_order.u64(&head[8..16]))
            }
            v => return Err(Error::format(format!("TIFF version {} is neither 42 (classic) nor 43 (BigTIFF)", v))),
        };
        let ghost = Ghost::read(&reader, if bigtiff { 16 } else { 8 }, file_size)?;
        let mut tiff = Tiff {
            reader,
            byte_order,
            bigtiff,
            file_size,
            first_ifd,
            ifds: Vec::new(),
            ghost,
            chain_error: None,
            lenient,
            chain_len: 0,
        };
        if let Err(e) = tiff.read_chain() {
            if !lenient || tiff.ifds.is_empty() {
                return Err(e);
            }
            tiff.chain_error = Some(e);
        }
        tiff.chain_len = tiff.ifds.len();
        Ok(tiff)
    }

    fn read_chain(&mut self) -> Result<()> {
        if self.first_ifd == 0 {
            return Err(Error::format("header points to no IFD (first IFD offset is 0)"));
        }
        let mut seen = HashSet::new();
        let mut offset = self.first_ifd;
        let mut eager_budget = EAGER_TOTAL_BYTES;
        let mut dir_bytes: u64 = 0;
        while offset != 0 {
            if !seen.insert(offset) {
                return Err(Error::format(format!("IFD chain loops back to offset {}", offset)));
            }
            if self.ifds.len() >= MAX_IFDS {
                return Err(Error::limit(format!("more than {} IFDs; refusing to read further", MAX_IFDS)));
            }
            let ifd = self.read_ifd(offset, &mut eager_budget)?;
            dir_bytes += ifd.size;
            if dir_bytes > self.file_size.saturating_add(MAX_OVERLAP_BYTES) {
                return Err(Error::limit(format!(
                    "IFDs overlap: the first {} IFDs take {} bytes in a file of {} bytes",
                    self.ifds.len() + 1,
                    dir_bytes,
                    self.file_size
                )));
            }
            offset = ifd.next;
            let at = ifd.offset;
            self.ifds.push(ifd);
            if offset != 0 && offset >= self.file_size {
                return Err(Error::format(format!(
                    "IFD at offset {} points to a next IFD at offset {}, past end of file ({} bytes)",
                    at, offset, self.file_size
                )));
            }
        }
        Ok(())
    }

    fn read_ifd(&self, offset: u64, eager_budget: &mut u64) -> Result<Ifd> {
        let bo = self.byte_order;
        let (count_size, entry_size, ptr_size) = if self.bigtiff { (8u64, 20u64, 8u64) } else { (2, 12, 4) };
        if offset.checked_add(count_size).is_none_or(|e| e > self.file_size) {
            return Err(Error::format(format!(
                "IFD at offset {} points past end of file ({} bytes)",
                offset, self.file_size
            )));
        }
        let cbuf = self.reader.read(offset, count_size as usize)?;
        let n = if self.bigtiff { bo.u64(&cbuf) } else { bo.u16(&cbuf) as u64 };
        if n == 0 {
            return Err(Error::format(format!("IFD at offset {} has no entries", offset)));
        }
        if n > MAX_ENTRIES {
            return Err(Error::limit(format!(
                "IFD at offset {} declares {} entries (limit {})",
                offset, n, MAX_ENTRIES
            )));
        }
        let size = count_size + n * entry_size + ptr_size;
        if offset + size > self.file_size {
            return Err(Error::format(format!(
                "IFD at offset {} with {} entries runs past end of file ({} bytes)",
                offset, n, self.file_size
            )));
        }
        let buf = self.reader.read(offset + count_size, (n * entry_size + ptr_size) as usize)?;
        let mut entries = Vec::with_capacity(n as usize);
        for i in 0..n as usize {
            let e = &buf[i * entry_size as usize..(i + 1) * entry_size as usize];
            let tag = bo.u16(&e[0..2]);
            let type_code = bo.u16(&e[2..4]);
            let count = if self.bigtiff { bo.u64(&e[4..12]) } else { bo.u32(&e[4..8]) as u64 };
            let field_type = FieldType::from_code(type_code);
            let inline_cap = if self.bigtiff { 8 } else { 4 };
            let value_field_pos = offset + count_size + i as u64 * entry_size + if self.bigtiff { 12 } else { 8 };
            let vf = if self.bigtiff { &e[12..20] } else { &e[8..12] };
            let mut entry = Entry { tag, type_code, field_type, count, value_offset: 0, inline: false, value: None };
            let Some(ft) = field_type else {
                // Unknown type: keep the raw entry, as libtiff does (with a warning).
                entry.value_offset = value_field_pos;
                entry.inline = true;
                entries.push(entry);
                continue;
            };
            // A count too big for the file (even one that overflows) is not
            // an error here: like libtiff, keep the entry with no value, so
            // `info` can show it. Tags an image cannot do without are checked
            // in `Image::all`; the rest are ignored, as GDAL ignores them.
            let byte_len = ft.size().saturating_mul(count);
            if byte_len <= inline_cap {
                entry.inline = true;
                entry.value_offset = value_field_pos;
                entry.value = Some(decode_value(bo, ft, count, &vf[..byte_len as usize]));
            } else {
                let at = if self.bigtiff { bo.u64(vf) } else { bo.u32(vf) as u64 };
                entry.value_offset = at;
                if at.checked_add(byte_len).is_none_or(|end| end > self.file_size) {
                    // Keep the entry so `info` can show it; accessing it fails.
                    entries.push(entry);
                    continue;
                }
                if byte_len <= EAGER_VALUE_BYTES && byte_len <= *eager_budget {
                    *eager_budget -= byte_len;
                    let raw = self.reader.read(at, byte_len as usize)?;
                    entry.value = Some(decode_value(bo, ft, count, &raw));
                }
            }
            entries.push(entry);
        }
        let next_bytes = &buf[(n * entry_size) as usize..];
        let next = if self.bigtiff { bo.u64(next_bytes) } else { bo.u32(next_bytes) as u64 };
        Ok(Ifd { offset, entries, next, size })
    }

    /// Append the SubIFDs (tag 330) of the first IFD to `ifds`, after the
    /// chain: GDAL reads them as overviews and masks, so `info` and `dump`
    /// show and address them like chain IFDs. Returns why some could not be
    /// read (the ones before the problem are kept).
    pub fn add_sub_ifds(&mut self) -> Option<String> {
        let e = self.ifds.first()?.entry(super::tags::SUB_IFDS)?.clone();
        let offsets = match self.entry_value(&e) {
            Ok(v) => v.as_u64s(),
            Err(err) => return Some(format!("SubIFDs cannot be read: {}", err.message)),
        };
        let mut seen: HashSet<u64> = self.ifds.iter().map(|i| i.offset).collect();
        for off in offsets.into_iter().take(MAX_IFDS.saturating_sub(self.ifds.len())) {
            if off == 0 || off >= self.file_size || !seen.insert(off) {
                return Some(format!("SubIFD offset {} is past the end of the file or repeats an IFD", off));
            }
            match self.read_ifd_at(off) {
                Ok(ifd) => self.ifds.push(ifd),
                Err(err) => return Some(format!("SubIFD at offset {} cannot be read: {}", off, err.message)),
            }
        }
        None
    }

    /// Read one IFD outside the main chain (a SubIFD), values as in the chain.
    pub fn read_ifd_at(&self, offset: u64) -> Result<Ifd> {
        let mut budget = EAGER_TOTAL_BYTES;
        self.read_ifd(offset, &mut budget)
    }

    /// The whole value of an entry, loading it if it was left lazy.
    pub fn entry_value(&self, e: &Entry) -> Result<Value> {
        if let Some(v) = &e.value {
            return Ok(v.clone());
        }
        let ft = e
            .field_type
            .ok_or_else(|| Error::format(format!("tag {} has unknown field type {}", e.tag, e.type_code)))?;
        let len = e.byte_len();
        self.check_value_range(e, len)?;
        if len > MAX_VALUE_BYTES {
            return Err(Error::limit(format!("tag {} holds {} bytes (limit {})", e.tag, len, MAX_VALUE_BYTES)));
        }
        let raw = self.reader.read(e.value_offset, len as usize)?;
        Ok(decode_value(self.byte_order, ft, e.count, &raw))
    }

    fn check_value_range(&self, e: &Entry, len: u64) -> Result<()> {
        if e.value_offset.checked_add(len).is_none_or(|end| end > self.file_size) {
            return Err(Error::format(format!(
                "tag {} ({} values) at offset {} reaches past end of file ({} bytes)",
                super::tags::tag_name(e.tag).unwrap_or("unknown"),
                e.count,
                e.value_offset,
                self.file_size
            )));
        }
        Ok(())
    }

    /// One element of an integer array, read by range when not loaded.
    pub fn entry_u64_at(&self, e: &Entry, index: u64) -> Result<u64> {
        if index >= e.count {
            return Err(Error::format(format!("index {} past the {} values of tag {}", index, e.count, e.tag)));
        }
        if let Some(v) = &e.value {
            return v
                .get_u64(index as usize)
                .ok_or_else(|| Error::format(format!("tag {} is not an integer array", e.tag)));
        }
        let ft = e.field_type.ok_or_else(|| Error::format(format!("tag {} has unknown field type", e.tag)))?;
        self.check_value_range(e, e.byte_len())?;
        let sz = ft.size();
        let raw = self.reader.read(e.value_offset + index * sz, sz as usize)?;
        decode_value(self.byte_order, ft, 1, &raw)
            .first_u64()
            .ok_or_else(|| Error::format(format!("tag {} is not an integer array", e.tag)))
    }

    /// A run of elements `[start, start+n)` of an integer array.
    pub fn entry_u64_range(&self, e: &Entry, start: u64, n: u64) -> Result<Vec<u64>> {
        if start.checked_add(n).is_none_or(|end| end > e.count) {
            return Err(Error::format(format!("range past the {} values of tag {}", e.count, e.tag)));
        }
        if let Some(v) = &e.value {
            let all = v.as_u64s();
            return all
                .get(start as usize..(start + n) as usize)
                .map(<[u64]>::to_vec)
                .ok_or_else(|| Error::format(format!("tag {} is not an integer array", e.tag)));
        }
        let ft = e.field_type.ok_or_else(|| Error::format(format!("tag {} has unknown field type", e.tag)))?;
        self.check_value_range(e, e.byte_len())?;
        let sz = ft.size();
        let raw = self.reader.read(e.value_offset + start * sz, (n * sz) as usize)?;
        Ok(decode_value(self.byte_order, ft, n, &raw).as_u64s())
    }
}

fn not_tiff_message(head: &[u8]) -> String {
    let kind = if head.starts_with(b"\x89PNG") {
        " (it is a PNG)"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        " (it is a JPEG)"
    } else if head.starts_with(b"GIF8") {
        " (it is a GIF)"
    } else if head.starts_with(b"<") {
        " (it looks like text or XML)"
    } else {
        ""
    };
    format!("not a TIFF file: no II/MM byte-order mark{}", kind)
}

/// Decode `count` values of type `ft` from `raw` (which holds exactly them).
pub fn decode_value(bo: ByteOrder, ft: FieldType, count: u64, raw: &[u8]) -> Value {
    use FieldType::*;
    let n = count as usize;
    match ft {
        Byte => Value::Unsigned(raw[..n].iter().map(|&b| b as u64).collect()),
        Undefined => Value::Bytes(raw[..n].to_vec()),
        SByte => Value::Signed(raw[..n].iter().map(|&b| b as i8 as i64).collect()),
        Ascii => {
            let mut s = &raw[..n];
            while let Some((&0, rest)) = s.split_last() {
                s = rest;
            }
            Value::Ascii(String::from_utf8_lossy(s).into_owned())
        }
        Short => Value::Unsigned(raw.chunks_exact(2).take(n).map(|c| bo.u16(c) as u64).collect()),
        SShort => Value::Signed(raw.chunks_exact(2).take(n).map(|c| bo.u16(c) as i16 as i64).collect()),
        Long | Ifd => Value::Unsigned(raw.chunks_exact(4).take(n).map(|c| bo.u32(c) as u64).collect()),
        SLong => Value::Signed(raw.chunks_exact(4).take(n).map(|c| bo.u32(c) as i32 as i64).collect()),
        Long8 | Ifd8 => Value::Unsigned(raw.chunks_exact(8).take(n).map(|c| bo.u64(c)).collect()),
        SLong8 => Value::Signed(raw.chunks_exact(8).take(n).map(|c| bo.u64(c) as i64).collect()),
        Rational => Value::Rational(
            raw.chunks_exact(8).take(n).map(|c| (bo.u32(&c[..4]) as i64, bo.u32(&c[4..]) as i64)).collect(),
        ),
        SRational => Value::Rational(
            raw.chunks_exact(8)
                .take(n)
                .map(|c| (bo.u32(&c[..4]) as i32 as i64, bo.u32(&c[4..]) as i32 as i64))
                .collect(),
        ),
        Float => Value::Float(raw.chunks_exact(4).take(n).map(|c| f32::from_bits(bo.u32(c)) as f64).collect()),
        Double => Value::Float(raw.chunks_exact(8).take(n).map(|c| f64::from_bits(bo.u64(c))).collect()),
    }
}
