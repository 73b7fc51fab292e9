//! Hostile-input robustness of the TIFF parser and `info`'s model, without
//! the corpus: deterministic byte mutations of the committed fixtures' header
//! regions (where every count and offset lives), parsed from memory. Every
//! mutant must either describe (text and JSON) or fail with an error, never
//! panic, and never make the reader fetch more than the file holds.

use crate::common;
use cogtool::read::describe::Description;
use cogtool::source::{MemSource, Reader};
use cogtool::tiff::Tiff;
use std::sync::Arc;

/// xorshift64*: a fixed sequence, so a failure reproduces exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Values that make parsers misbehave when written over a count or offset.
const NASTY: [u64; 10] = [0, 1, 2, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 63, u64::MAX];

fn mutate(base: &[u8], header_len: usize, rng: &mut Rng) -> Vec<u8> {
    let mut b = base.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let at = rng.below(header_len.min(b.len()) as u64) as usize;
        match rng.below(4) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => {
                // Overwrite 2, 4 or 8 bytes with a nasty value.
                let v = NASTY[rng.below(NASTY.len() as u64) as usize].to_le_bytes();
                let n = [2usize, 4, 8][rng.below(3) as usize];
                for (i, byte) in v.iter().take(n).enumerate() {
                    if at + i < b.len() {
                        b[at + i] = *byte;
                    }
                }
            }
            _ => {
                // Truncate somewhere in the header region.
                b.truncate(at.max(1));
            }
        }
    }
    b
}

fn describe(bytes: Vec<u8>) -> Result<(String, String), String> {
    let size = bytes.len() as u64;
    let reader = Arc::new(Reader::new(Arc::new(MemSource::new(bytes)), 16 * 1024, false));
    let tiff = Tiff::open(reader.clone()).map_err(|e| e.message)?;
    let d = Description::new("mutant", &tiff).map_err(|e| e.message)?;
    let out = (d.to_text(false), d.to_json(false).to_string());
    // Hostile counts must not turn into reads beyond what the file holds
    // (a few header re-reads at most).
    let fetched = reader.stats().bytes;
    assert!(fetched <= 4 * size + 64 * 1024, "fetched {} bytes from a {}-byte file", fetched, size);
    Ok(out)
}

#[test]
fn mutated_headers_never_panic() {
    let fixtures = [
        "cog_rgb_deflate.tif",
        "cog_gray_lzw_bigtiff.tif",
        "cog_mask_jpeg.tif",
        "cog_float32_nodata.tif",
        "striped.tif",
        "tiled_not_cog.tif",
        "tiled_bigendian.tif",
    ];
    let mut rng = Rng(0x00C0_FFEE_1234_5678);
    let (mut ok, mut failed) = (0, 0);
    for name in fixtures {
        let base = std::fs::read(common::testdata(name)).unwrap();
        // The unmutated file must describe fine.
        describe(base.clone()).unwrap_or_else(|e| panic!("{}: {}", name, e));
        // Header region: everything before the first tile data (at most 16 KiB).
        let header_len = base.len().min(16 * 1024).min(header_end(&base));
        for i in 0..400 {
            let m = mutate(&base, header_len, &mut rng);
            let r = std::panic::catch_unwind(|| describe(m));
            match r {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(msg)) => {
                    assert!(
                        !msg.is_empty() && !msg.contains('\n'),
                        "{} #{}: error must be one line: {:?}",
                        name,
                        i,
                        msg
                    );
                    failed += 1
                }
                Err(_) => panic!("{} mutation #{} panicked (rerun is deterministic)", name, i),
            }
        }
    }
    eprintln!("mutants: {} described, {} refused with an error", ok, failed);
    assert!(ok > 0 && failed > 0, "the mutations should produce both outcomes");
}

/// Where the header region ends: the smallest tile/strip offset, found via
/// the parser on the intact file.
fn header_end(base: &[u8]) -> usize {
    let reader = Arc::new(Reader::new(Arc::new(MemSource::new(base.to_vec())), 16 * 1024, false));
    let tiff = Tiff::open(reader).unwrap();
    let d = Description::new("base", &tiff).unwrap();
    (d.header_bytes as usize).max(16)
}
