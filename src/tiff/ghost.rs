//! GDAL's "ghost area": the `GDAL_STRUCTURAL_METADATA` text that GDAL's COG
//! writer puts right after the header, declaring the layout optimisations
//! (IFDs before data, row-major blocks, size leader, repeated trailer).

use crate::Result;
use crate::source::Reader;

pub const GHOST_PREFIX: &str = "GDAL_STRUCTURAL_METADATA_SIZE=";
/// The first line, `GDAL_STRUCTURAL_METADATA_SIZE=000140 bytes\n`, is always 43 bytes.
pub const GHOST_FIRST_LINE_LEN: u64 = 43;

#[derive(Debug, Clone)]
pub struct Ghost {
    /// Where the first line starts (8 or 16).
    pub offset: u64,
    /// The size declared in the first line (bytes after that line).
    pub declared_size: u64,
    /// The text after the first line, as read.
    pub text: String,
    /// `KEY=VALUE` lines in order.
    pub items: Vec<(String, String)>,
}

impl Ghost {
    /// Look for the ghost area at `offset`. Absence is not an error.
    pub fn read(reader: &Reader, offset: u64, file_size: u64) -> Result<Option<Ghost>> {
        if offset + GHOST_FIRST_LINE_LEN > file_size {
            return Ok(None);
        }
        let first = reader.read(offset, GHOST_FIRST_LINE_LEN as usize)?;
        let first = String::from_utf8_lossy(&first);
        let Some(rest) = first.strip_prefix(GHOST_PREFIX) else {
            return Ok(None);
        };
        let Ok(declared_size) = rest.get(..6).unwrap_or("").parse::<u64>() else {
            return Ok(None);
        };
        let start = offset + GHOST_FIRST_LINE_LEN;
        let avail = file_size.saturating_sub(start).min(declared_size);
        let body = reader.read(start, avail as usize)?;
        let text: String = body.iter().map(|&b| b as char).collect();
        let items = text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                l.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        Ok(Some(Ghost { offset, declared_size, text, items }))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.items.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether the `KEY=YES` flag is declared.
    pub fn flag(&self, key: &str, value: &str) -> bool {
        self.get(key) == Some(value)
    }

    pub fn block_leader(&self) -> bool {
        self.flag("BLOCK_LEADER", "SIZE_AS_UINT4")
    }
    pub fn block_trailer(&self) -> bool {
        self.flag("BLOCK_TRAILER", "LAST_4_BYTES_REPEATED")
    }
    pub fn mask_interleaved(&self) -> bool {
        self.flag("MASK_INTERLEAVED_WITH_IMAGERY", "YES")
    }

    /// The byte-exact ghost text GDAL writes, for the writer and for tests.
    pub fn gdal_bytes(with_mask: bool) -> Vec<u8> {
        let mut body = String::new();
        body.push_str("LAYOUT=IFDS_BEFORE_DATA\n");
        body.push_str("BLOCK_ORDER=ROW_MAJOR\n");
        body.push_str("BLOCK_LEADER=SIZE_AS_UINT4\n");
        body.push_str("BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n");
        // The space after NO is GDAL's: it lets an editor turn NO into YES in
        // place. GDAL 3.6 appends the mask line after it (checked against
        // `gdal_translate -of COG -mask 1` output), so the mask line comes last.
        body.push_str("KNOWN_INCOMPATIBLE_EDITION=NO\n ");
        if with_mask {
            body.push_str("MASK_INTERLEAVED_WITH_IMAGERY=YES\n");
        }
        let mut out = format!("{}{:06} bytes\n", GHOST_PREFIX, body.len()).into_bytes();
        out.extend_from_slice(body.as_bytes());
        out
    }
}
