//! Making a TIFF JPEG tile a standalone JPEG file.
//!
//! libtiff stores JPEG tiles as "abbreviated" streams: the quantisation and
//! Huffman tables live once per IFD in the JPEGTables tag (itself a tiny
//! JPEG stream: SOI, DQT, DHT, EOI) and each tile holds SOI, SOF, SOS, the
//! scan and EOI. An image viewer needs both in one stream, so the tables'
//! markers (without their own SOI and EOI) go right after the tile's SOI,
//! which is also what cogdumper writes.

use crate::{Error, Result};

const SOI: [u8; 2] = [0xFF, 0xD8];
const EOI: [u8; 2] = [0xFF, 0xD9];

/// `tile[..2] + tables[2..len-2] + tile[2..]`, after checking both streams
/// have the markers this relies on.
pub fn splice_tables(tile: &[u8], tables: &[u8]) -> Result<Vec<u8>> {
    if tile.len() < 4 || tile[..2] != SOI {
        return Err(Error::format(format!(
            "JPEG tile does not start with an SOI marker (first bytes {:02x?}); use --raw to write it as stored",
            &tile[..tile.len().min(4)]
        )));
    }
    if tables.len() < 4 || tables[..2] != SOI || tables[tables.len() - 2..] != EOI {
        return Err(Error::format(format!(
            "JPEGTables ({} bytes) is not an SOI...EOI stream; use --raw to write the tile as stored",
            tables.len()
        )));
    }
    let inner = &tables[2..tables.len() - 2];
    let mut out = Vec::with_capacity(tile.len() + inner.len());
    out.extend_from_slice(&tile[..2]);
    out.extend_from_slice(inner);
    out.extend_from_slice(&tile[2..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_go_after_the_tile_soi() {
        let tables = [0xFF, 0xD8, 0xFF, 0xDB, 0, 3, 7, 0xFF, 0xD9];
        let tile = [0xFF, 0xD8, 0xFF, 0xC0, 1, 2, 0xFF, 0xD9];
        let out = splice_tables(&tile, &tables).unwrap();
        assert_eq!(out, [0xFF, 0xD8, 0xFF, 0xDB, 0, 3, 7, 0xFF, 0xC0, 1, 2, 0xFF, 0xD9]);
    }

    #[test]
    fn refuses_streams_without_markers() {
        let tables = [0xFF, 0xD8, 0xFF, 0xD9];
        let e = splice_tables(&[0, 1, 2, 3, 4], &tables).unwrap_err();
        assert!(e.message.contains("SOI"), "{}", e.message);
        let e = splice_tables(&[0xFF, 0xD8, 0xFF, 0xD9], &[0xFF, 0xD8, 0, 0]).unwrap_err();
        assert!(e.message.contains("JPEGTables"), "{}", e.message);
    }
}
