//! What the fuzz targets share: opening bytes in memory, the one-line error rule.
#![allow(dead_code)]

use cogtool::source::{MemSource, Reader};
use cogtool::tiff::Tiff;
use std::sync::Arc;

pub fn open(data: &[u8]) -> cogtool::Result<Tiff> {
    Tiff::open(Arc::new(Reader::new(Arc::new(MemSource::new(data.to_vec())), 16 * 1024, false)))
}

/// Errors are printed after `cogtool: FILE: `, so they must be one line.
pub fn one_line(e: &cogtool::Error) {
    assert!(!e.message.is_empty() && !e.message.contains('\n'), "bad error message {:?}", e.message);
}
