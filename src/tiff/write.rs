//! Encoding IFDs. The COG layout planner decides where each IFD and each
//! out-of-line value goes before a byte is written, so this module works in
//! two steps: measure ([`IfdBuilder::size`]) and encode at a known offset
//! ([`IfdBuilder::encode`]). Output is little-endian, as GDAL writes it.

use super::types::FieldType;

/// A tag to write: its type and the value bytes already in little-endian.
#[derive(Debug, Clone)]
pub struct OutTag {
    pub tag: u16,
    pub field_type: FieldType,
    pub count: u64,
    pub bytes: Vec<u8>,
}

impl OutTag {
    pub fn shorts(tag: u16, v: &[u16]) -> Self {
        OutTag {
            tag,
            field_type: FieldType::Short,
            count: v.len() as u64,
            bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
    pub fn short(tag: u16, v: u16) -> Self {
        Self::shorts(tag, &[v])
    }
    pub fn longs(tag: u16, v: &[u32]) -> Self {
        OutTag {
            tag,
            field_type: FieldType::Long,
            count: v.len() as u64,
            bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
    pub fn long(tag: u16, v: u32) -> Self {
        Self::longs(tag, &[v])
    }
    pub fn long8s(tag: u16, v: &[u64]) -> Self {
        OutTag {
            tag,
            field_type: FieldType::Long8,
            count: v.len() as u64,
            bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
    pub fn doubles(tag: u16, v: &[f64]) -> Self {
        OutTag {
            tag,
            field_type: FieldType::Double,
            count: v.len() as u64,
            bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
    /// ASCII with its terminating NUL, as libtiff writes it.
    pub fn ascii(tag: u16, s: &str) -> Self {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        OutTag { tag, field_type: FieldType::Ascii, count: bytes.len() as u64, bytes }
    }
    pub fn undefined(tag: u16, b: &[u8]) -> Self {
        OutTag { tag, field_type: FieldType::Undefined, count: b.len() as u64, bytes: b.to_vec() }
    }
    /// Offsets or byte counts: LONG in classic TIFF, LONG8 in BigTIFF.
    pub fn offsets(tag: u16, v: &[u64], bigtiff: bool) -> Self {
        if bigtiff { Self::long8s(tag, v) } else { Self::longs(tag, &v.iter().map(|&x| x as u32).collect::<Vec<_>>()) }
    }
}

/// One IFD being assembled. Tags are kept sorted by code on encode.
#[derive(Debug, Clone, Default)]
pub struct IfdBuilder {
    pub tags: Vec<OutTag>,
    pub bigtiff: bool,
}

impl IfdBuilder {
    pub fn new(bigtiff: bool) -> Self {
        IfdBuilder { tags: Vec::new(), bigtiff }
    }
    pub fn push(&mut self, t: OutTag) {
        self.tags.retain(|x| x.tag != t.tag);
        self.tags.push(t);
    }
    fn inline_cap(&self) -> usize {
        if self.bigtiff { 8 } else { 4 }
    }
    /// Bytes of the IFD proper (count, entries, next pointer).
    pub fn dir_size(&self) -> u64 {
        let n = self.tags.len() as u64;
        if self.bigtiff { 8 + 20 * n + 8 } else { 2 + 12 * n + 4 }
    }
    /// Bytes of out-of-line values that follow the IFD, each word-aligned.
    pub fn values_size(&self) -> u64 {
        self.tags
            .iter()
            .filter(|t| t.bytes.len() > self.inline_cap())
            .map(|t| (t.bytes.len() as u64).next_multiple_of(2))
            .sum()
    }
    pub fn size(&self) -> u64 {
        self.dir_size() + self.values_size()
    }

    /// Offset, relative to the IFD start, of an out-of-line tag's value.
    pub fn value_position(&self, tag: u16) -> Option<u64> {
        let mut sorted: Vec<&OutTag> = self.tags.iter().collect();
        sorted.sort_by_key(|t| t.tag);
        let mut pos = self.dir_size();
        for t in sorted {
            if t.bytes.len() > self.inline_cap() {
                if t.tag == tag {
                    return Some(pos);
                }
                pos += (t.bytes.len() as u64).next_multiple_of(2);
            }
        }
        None
    }

    /// Encode the IFD at `offset` followed by its out-of-line values.
    pub fn encode(&self, offset: u64, next: u64) -> Vec<u8> {
        let mut sorted: Vec<&OutTag> = self.tags.iter().collect();
        sorted.sort_by_key(|t| t.tag);
        let cap = self.inline_cap();
        let mut dir = Vec::with_capacity(self.dir_size() as usize);
        let mut values = Vec::new();
        let values_base = offset + self.dir_size();
        if self.bigtiff {
            dir.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
        } else {
            dir.extend_from_slice(&(sorted.len() as u16).to_le_bytes());
        }
        for t in &sorted {
            dir.extend_from_slice(&t.tag.to_le_bytes());
            dir.extend_from_slice(&(t.field_type as u16).to_le_bytes());
            if self.bigtiff {
                dir.extend_from_slice(&t.count.to_le_bytes());
            } else {
                dir.extend_from_slice(&(t.count as u32).to_le_bytes());
            }
            let mut field = vec![0u8; cap];
            if t.bytes.len() <= cap {
                field[..t.bytes.len()].copy_from_slice(&t.bytes);
            } else {
                let at = values_base + values.len() as u64;
                if self.bigtiff {
                    field.copy_from_slice(&at.to_le_bytes());
                } else {
                    field.copy_from_slice(&(at as u32).to_le_bytes());
                }
                values.extend_from_slice(&t.bytes);
                if values.len() % 2 == 1 {
                    values.push(0);
                }
            }
            dir.extend_from_slice(&field);
        }
        if self.bigtiff {
            dir.extend_from_slice(&next.to_le_bytes());
        } else {
            dir.extend_from_slice(&(next as u32).to_le_bytes());
        }
        dir.extend_from_slice(&values);
        dir
    }
}

/// The 8- or 16-byte little-endian header pointing at `first_ifd`.
pub fn header(bigtiff: bool, first_ifd: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(16);
    h.extend_from_slice(b"II");
    if bigtiff {
        h.extend_from_slice(&43u16.to_le_bytes());
        h.extend_from_slice(&8u16.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&first_ifd.to_le_bytes());
    } else {
        h.extend_from_slice(&42u16.to_le_bytes());
        h.extend_from_slice(&(first_ifd as u32).to_le_bytes());
    }
    h
}
