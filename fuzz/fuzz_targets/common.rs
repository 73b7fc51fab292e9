//! What the fuzz targets share: an in-memory byte source.
#![allow(dead_code)]

use cogtool::source::{RangeSource, Reader};
use cogtool::tiff::Tiff;
use std::sync::Arc;

pub struct MemSource(pub Vec<u8>);

impl RangeSource for MemSource {
    fn len(&self) -> cogtool::Result<u64> {
        Ok(self.0.len() as u64)
    }
    fn read_at(&self, offset: u64, len: usize) -> cogtool::Result<Vec<u8>> {
        let start = offset.min(self.0.len() as u64) as usize;
        let end = start.saturating_add(len).min(self.0.len());
        Ok(self.0[start..end].to_vec())
    }
    fn is_local(&self) -> bool {
        true
    }
}

pub fn open(data: &[u8]) -> cogtool::Result<Tiff> {
    Tiff::open(Arc::new(Reader::new(Arc::new(MemSource(data.to_vec())), 16 * 1024, false)))
}

/// Errors are printed after `cogtool: FILE: `, so they must be one line.
pub fn one_line(e: &cogtool::Error) {
    assert!(!e.message.is_empty() && !e.message.contains('\n'), "bad error message {:?}", e.message);
}
