//! Bytes already in memory as a source: for tests, and for parsing a TIFF
//! that was just built (the COG writer checking its own header).

use super::RangeSource;
use crate::Result;

pub struct MemSource {
    bytes: Vec<u8>,
}

impl MemSource {
    pub fn new(bytes: Vec<u8>) -> Self {
        MemSource { bytes }
    }
}

impl RangeSource for MemSource {
    fn len(&self) -> Result<u64> {
        Ok(self.bytes.len() as u64)
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        let end = start.saturating_add(len).min(self.bytes.len());
        Ok(self.bytes[start..end].to_vec())
    }

    fn is_local(&self) -> bool {
        true
    }
}
