//! Lossless Huffman re-optimisation of a baseline sequential JPEG (what
//! `jpegtran -optimize` does).
//!
//! GDAL writes JPEG tiles through libtiff, which turns on libjpeg's
//! `optimize_coding` whenever the Huffman tables are not kept in the
//! JPEGTables tag: every tile then carries Huffman tables built from its own
//! symbol statistics. jpeg-encoder writes the standard (Annex K.3) tables in
//! an interleaved scan, and can optimise only by splitting the scan per
//! component. This pass takes the interleaved stream it writes, decodes the
//! entropy-coded data into symbols (never into coefficients: the DC
//! differences and AC values are carried as they are), counts them, builds
//! the optimal tables with the procedure of the JPEG standard's Annex K.2
//! (with libjpeg's tie rule, so the tables equal libjpeg's for the same
//! coefficients) and writes the same symbols again with the new tables.
//! Decoded pixels are bit-identical: the coefficients do not change.
//!
//! Only what a baseline encoder writes is accepted: SOF0 or SOF1 with 8-bit
//! samples, one scan holding every component (Ss=0, Se=63, Ah=Al=0),
//! optional restart interval. Anything else is a format error.

use crate::{Error, Result};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOF0: u8 = 0xC0;
const SOF1: u8 = 0xC1;
const DHT: u8 = 0xC4;
const DQT: u8 = 0xDB;
const DRI: u8 = 0xDD;
const SOS: u8 = 0xDA;
const RST0: u8 = 0xD0;

/// Bits of the fast Huffman lookup (codes up to this length decode in one step).
const FAST_BITS: u32 = 9;

/// One decoded symbol is kept as a u32: extra-bit count << 27 | table
/// slot << 24 (DC 0..3, AC 4..7) | symbol << 16 | the extra bits. This
/// entry (bit 31 set, never set in a symbol) stands for a restart marker.
const RESTART: u32 = u32::MAX;

#[inline]
fn entry(size: u32, slot: usize, symbol: u8, extra: u32) -> u32 {
    size << 27 | (slot as u32) << 24 | (symbol as u32) << 16 | extra
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::format(format!("JPEG Huffman optimisation: {}", what))
}

/// Rewrite `jpeg` (a full baseline stream: SOI ... EOI) with optimal Huffman
/// tables for its own symbols. Every segment other than DHT is kept as it
/// is; the new DHT segments (one per table the scan uses, in libjpeg's
/// order: per scan component its DC then its AC table, each once) take the
/// place of the first old one.
pub fn optimize(jpeg: &[u8]) -> Result<Vec<u8>> {
    let head = parse_headers(jpeg)?;
    let ecs = &jpeg[head.sos_end..];
    let mut freq = [[0u32; 257]; 8];
    // about 3 symbols per byte on photographs: mostly one allocation
    let mut symbols = Vec::with_capacity(ecs.len().saturating_mul(3));
    let consumed = decode_scan(&head, ecs, &mut freq, &mut symbols)?;
    let trailer = &ecs[consumed..];
    if trailer.len() < 2 || trailer[..2] != [0xFF, EOI] {
        return Err(bad("the scan is not followed by EOI (several scans or trailing data)"));
    }

    // New tables for the slots the scan uses, in libjpeg's emission order.
    let mut order: Vec<usize> = Vec::with_capacity(4);
    for c in &head.scan {
        for slot in [c.dc, 4 + c.ac] {
            if !order.contains(&slot) {
                order.push(slot);
            }
        }
    }
    // code << 8 | length of every (slot, symbol), indexed slot << 8 | symbol
    let mut codes = vec![0u32; 8 * 256];
    let mut dht = Vec::with_capacity(order.len() * 200);
    for &slot in &order {
        let table = optimal_table(&freq[slot]);
        let class_id = (((slot / 4) << 4) | (slot % 4)) as u8;
        let len = 2 + 1 + 16 + table.values.len();
        dht.extend_from_slice(&[0xFF, DHT, (len >> 8) as u8, len as u8, class_id]);
        dht.extend_from_slice(&table.bits);
        dht.extend_from_slice(&table.values);
        canonical_codes(&table, &mut codes[slot * 256..(slot + 1) * 256]);
    }

    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&jpeg[..2]);
    let mut dht_written = false;
    for seg in &head.segments {
        if seg.marker == DHT {
            if !dht_written {
                out.extend_from_slice(&dht);
                dht_written = true;
            }
        } else {
            out.extend_from_slice(&jpeg[seg.start..seg.end]);
        }
    }
    encode_scan(&symbols, &codes, &mut out);
    out.extend_from_slice(trailer);
    Ok(out)
}

/// A Huffman table as a DHT segment stores it: how many codes of each
/// length 1..=16, then the symbols in code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuffmanSpec {
    pub bits: [u8; 16],
    pub values: Vec<u8>,
}

/// The optimal length-limited code for `freq` (symbol counts, index 256
/// ignored), by the JPEG standard's Annex K.2: code sizes from Huffman's
/// procedure (Figure K.1) with a reserved pseudo-symbol 256 of count 1, so
/// that no real code is all ones; lengths over 16 moved up (Figure K.3);
/// the pseudo-symbol's code dropped; symbols sorted by code size and value
/// (Figure K.4). K.2 leaves ties open: like libjpeg, the larger symbol
/// number is taken first among equal counts, which makes the tables equal
/// libjpeg's for the same counts. A table with no symbol gives no codes.
pub fn optimal_table(freq: &[u32; 257]) -> HuffmanSpec {
    let mut f = [0u64; 257];
    for (d, &s) in f.iter_mut().zip(freq.iter()).take(256) {
        *d = s as u64;
    }
    f[256] = 1;
    let mut codesize = [0u32; 257];
    // `others[i]`: next symbol in the chain of i's subtree (K.1's OTHERS).
    let mut others = [usize::MAX; 257];
    // Symbols still in play, ascending: the two searches scan only these.
    let mut live: Vec<usize> = (0..257).filter(|&i| f[i] > 0).collect();
    loop {
        // smallest count, the larger symbol among equals; then the next one
        let mut c1 = usize::MAX;
        let mut v = u64::MAX;
        for &i in &live {
            if f[i] <= v {
                v = f[i];
                c1 = i;
            }
        }
        let mut c2 = usize::MAX;
        let mut v = u64::MAX;
        for &i in &live {
            if i != c1 && f[i] <= v {
                v = f[i];
                c2 = i;
            }
        }
        if c2 == usize::MAX {
            break;
        }
        f[c1] += f[c2];
        f[c2] = 0;
        live.retain(|&i| i != c2);
        // Every symbol of both subtrees goes one level deeper; c2's chain is
        // appended to c1's.
        let mut i = c1;
        codesize[i] += 1;
        while others[i] != usize::MAX {
            i = others[i];
            codesize[i] += 1;
        }
        others[i] = c2;
        let mut i = c2;
        codesize[i] += 1;
        while others[i] != usize::MAX {
            i = others[i];
            codesize[i] += 1;
        }
    }
    // Codes per length; a tree of 257 leaves is at most 256 deep.
    let mut bits = [0u32; 258];
    for &s in &codesize {
        if s > 0 {
            bits[s as usize] += 1;
        }
    }
    // Figure K.3: a pair of codes longer than 16 becomes one code a bit
    // shorter, and a code of the next shorter used length becomes the
    // prefix of two codes one bit longer.
    let mut i = 257;
    while i > 16 {
        while bits[i] > 0 {
            let mut j = i - 2;
            while bits[j] == 0 {
                j -= 1;
            }
            bits[i] -= 2;
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
        i -= 1;
    }
    // Drop the pseudo-symbol: it holds the (all-ones) last code of the longest length.
    while i > 0 && bits[i] == 0 {
        i -= 1;
    }
    if i > 0 {
        bits[i] -= 1;
    }
    let mut spec = HuffmanSpec { bits: [0; 16], values: Vec::new() };
    for (l, b) in spec.bits.iter_mut().enumerate() {
        *b = bits[l + 1] as u8;
    }
    // Figure K.4: symbols in order of their Huffman code size (before the
    // length limit, as the standard does), then of value.
    let mut by_size: Vec<(u32, u8)> = (0..256).filter(|&s| codesize[s] > 0).map(|s| (codesize[s], s as u8)).collect();
    by_size.sort_unstable();
    spec.values = by_size.into_iter().map(|(_, s)| s).collect();
    spec
}

/// One marker segment before the scan data.
struct Segment {
    marker: u8,
    start: usize,
    end: usize,
}

/// A component of the scan: its blocks per MCU and table slots (DC 0..3, AC 0..3).
struct ScanComponent {
    blocks_h: usize,
    blocks_v: usize,
    dc: usize,
    ac: usize,
}

struct Headers {
    /// Every segment from after SOI through SOS.
    segments: Vec<Segment>,
    /// Where the entropy-coded data begins.
    sos_end: usize,
    width: usize,
    height: usize,
    /// Largest sampling factors of the frame.
    h_max: usize,
    v_max: usize,
    /// Frame sampling factors of each scan component (for the one-component case).
    scan_sampling: Vec<(usize, usize)>,
    scan: Vec<ScanComponent>,
    restart_interval: usize,
    /// Decoding tables by slot: DC 0..3, AC 4..7.
    tables: [Option<Box<DecodeTable>>; 8],
}

fn parse_headers(data: &[u8]) -> Result<Headers> {
    if data.len() < 4 || data[..2] != [0xFF, SOI] {
        return Err(bad("no SOI"));
    }
    let mut segments = Vec::new();
    let mut tables: [Option<Box<DecodeTable>>; 8] = Default::default();
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0;
    let mut i = 2;
    loop {
        if i + 4 > data.len() || data[i] != 0xFF {
            return Err(bad(format!("no marker at byte {}", i)));
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        let end = i + 2 + len;
        if len < 2 || end > data.len() {
            return Err(bad(format!("segment at byte {} runs past the end", i)));
        }
        let body = &data[i + 4..end];
        segments.push(Segment { marker, start: i, end });
        match marker {
            SOF0 | SOF1 => {
                if frame.is_some() {
                    return Err(bad("two frame headers"));
                }
                frame = Some(parse_frame(body)?);
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(bad(format!("frame type {:#04X} is not baseline sequential Huffman", marker)));
            }
            DHT => parse_dht(body, &mut tables)?,
            DRI => {
                if body.len() != 2 {
                    return Err(bad("DRI segment of the wrong length"));
                }
                restart_interval = u16::from_be_bytes([body[0], body[1]]) as usize;
            }
            DQT | 0xE0..=0xEF | 0xFE => {}
            SOS => {
                let frame = frame.ok_or_else(|| bad("scan before the frame header"))?;
                return finish_headers(body, end, segments, tables, &frame, restart_interval);
            }
            m => return Err(bad(format!("unexpected marker {:#04X} before the scan", m))),
        }
        i = end;
    }
}

/// What the scan needs of the frame header: size, and per component its id
/// and sampling factors.
struct Frame {
    width: usize,
    height: usize,
    comps: Vec<(u8, usize, usize)>,
}

fn parse_frame(body: &[u8]) -> Result<Frame> {
    if body.len() < 6 {
        return Err(bad("short frame header"));
    }
    if body[0] != 8 {
        return Err(bad(format!("{}-bit samples (only 8 is baseline)", body[0])));
    }
    let height = u16::from_be_bytes([body[1], body[2]]) as usize;
    let width = u16::from_be_bytes([body[3], body[4]]) as usize;
    let n = body[5] as usize;
    if width == 0 || height == 0 {
        return Err(bad("frame of zero width or height (DNL is not supported)"));
    }
    if n == 0 || n > 4 || body.len() != 6 + 3 * n {
        return Err(bad("frame header of the wrong length"));
    }
    let mut comps = Vec::with_capacity(n);
    for c in body[6..].chunks_exact(3) {
        let (h, v) = ((c[1] >> 4) as usize, (c[1] & 15) as usize);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(bad("sampling factor outside 1..4"));
        }
        comps.push((c[0], h, v));
    }
    Ok(Frame { width, height, comps })
}

fn parse_dht(mut body: &[u8], tables: &mut [Option<Box<DecodeTable>>; 8]) -> Result<()> {
    while !body.is_empty() {
        if body.len() < 17 {
            return Err(bad("short DHT segment"));
        }
        let (class, id) = ((body[0] >> 4) as usize, (body[0] & 15) as usize);
        if class > 1 || id > 3 {
            return Err(bad(format!("DHT table class {} id {}", class, id)));
        }
        let mut bits = [0u8; 16];
        bits.copy_from_slice(&body[1..17]);
        let n: usize = bits.iter().map(|&b| b as usize).sum();
        if n > 256 || body.len() < 17 + n {
            return Err(bad("DHT segment runs past its end"));
        }
        tables[class * 4 + id] = Some(Box::new(DecodeTable::new(&bits, &body[17..17 + n])?));
        body = &body[17 + n..];
    }
    Ok(())
}

fn finish_headers(
    body: &[u8],
    sos_end: usize,
    segments: Vec<Segment>,
    tables: [Option<Box<DecodeTable>>; 8],
    frame: &Frame,
    restart_interval: usize,
) -> Result<Headers> {
    let (width, height, comps) = (frame.width, frame.height, &frame.comps);
    let ns = *body.first().ok_or_else(|| bad("empty scan header"))? as usize;
    if body.len() != 1 + 2 * ns + 3 {
        return Err(bad("scan header of the wrong length"));
    }
    if ns != comps.len() {
        return Err(bad(format!(
            "a scan of {} of the frame's {} components (one scan per component)",
            ns,
            comps.len()
        )));
    }
    let tail = &body[1 + 2 * ns..];
    if tail != [0, 63, 0] {
        return Err(bad("scan is not sequential (spectral selection or approximation set)"));
    }
    let h_max = comps.iter().map(|c| c.1).max().unwrap_or(1);
    let v_max = comps.iter().map(|c| c.2).max().unwrap_or(1);
    let mut scan = Vec::with_capacity(ns);
    let mut scan_sampling = Vec::with_capacity(ns);
    for sel in body[1..1 + 2 * ns].chunks_exact(2) {
        let &(_, h, v) = comps
            .iter()
            .find(|c| c.0 == sel[0])
            .ok_or_else(|| bad(format!("scan component {} not in the frame", sel[0])))?;
        let (dc, ac) = ((sel[1] >> 4) as usize, (sel[1] & 15) as usize);
        if dc > 3 || ac > 3 || tables[dc].is_none() || tables[4 + ac].is_none() {
            return Err(bad(format!("scan component {} uses an undefined Huffman table", sel[0])));
        }
        let (bh, bv) = if ns == 1 { (1, 1) } else { (h, v) };
        scan.push(ScanComponent { blocks_h: bh, blocks_v: bv, dc, ac });
        scan_sampling.push((h, v));
    }
    if ns > 1 && scan.iter().map(|c| c.blocks_h * c.blocks_v).sum::<usize>() > 10 {
        return Err(bad("more than 10 blocks per MCU"));
    }
    Ok(Headers { segments, sos_end, width, height, h_max, v_max, scan_sampling, scan, restart_interval, tables })
}

/// Huffman decoding table (Annex F.2.2.3) with a one-step lookup for short codes.
struct DecodeTable {
    /// Indexed by the next FAST_BITS bits: length << 8 | symbol, 0 when the code is longer.
    fast: [u16; 1 << FAST_BITS],
    /// Largest code of each length 1..=16 (index = length), -1 when none.
    max_code: [i32; 18],
    /// values[offset[l] + code] is the symbol of a code of length l.
    offset: [i32; 17],
    values: [u8; 256],
}

impl DecodeTable {
    fn new(bits: &[u8; 16], values: &[u8]) -> Result<DecodeTable> {
        let mut t = DecodeTable { fast: [0; 1 << FAST_BITS], max_code: [-1; 18], offset: [0; 17], values: [0; 256] };
        t.values[..values.len()].copy_from_slice(values);
        let mut code = 0u32;
        let mut k = 0usize;
        for l in 1..=16u32 {
            let n = bits[l as usize - 1] as usize;
            if n > 0 {
                if code + n as u32 > (1 << l) {
                    return Err(bad("Huffman table with more codes than fit"));
                }
                t.offset[l as usize] = k as i32 - code as i32;
                for _ in 0..n {
                    if l <= FAST_BITS {
                        let shift = FAST_BITS - l;
                        let first = (code << shift) as usize;
                        let entry = (l as u16) << 8 | values[k] as u16;
                        t.fast[first..first + (1 << shift)].fill(entry);
                    }
                    code += 1;
                    k += 1;
                }
                t.max_code[l as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        t.max_code[17] = i32::MAX; // sentinel: the search always stops
        Ok(t)
    }
}

/// Reads the entropy-coded data MSB first, removing stuffed zero bytes.
/// At a marker it stops and feeds zero bits, counting them, so running
/// into the marker is detected rather than read as data.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Valid bits at the top.
    acc: u64,
    n: u32,
    /// Zero bits fed past a marker or the end (the lowest of the `n`).
    fake: u32,
}

impl<'a> BitReader<'a> {
    #[inline]
    fn refill(&mut self) {
        // Fast path: the next 8 bytes hold no 0xFF (no stuffing, no marker):
        // take as many whole bytes as fit in one step.
        if self.n > 56 {
            return;
        }
        if let Some(next) = self.data.get(self.pos..self.pos + 8) {
            let w = u64::from_be_bytes(next.try_into().unwrap());
            let x = !w; // a zero byte of x is a 0xFF byte of w
            if x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 == 0 {
                let bytes = (64 - self.n) / 8;
                self.acc |= (w & (u64::MAX << (64 - 8 * bytes))) >> self.n;
                self.n += 8 * bytes;
                self.pos += bytes as usize;
                return;
            }
        }
        while self.n <= 56 {
            let b = match self.data.get(self.pos) {
                Some(&0xFF) if self.data.get(self.pos + 1) == Some(&0) => {
                    self.pos += 2;
                    0xFF
                }
                // a marker or the end: stay there
                Some(&0xFF) | None => {
                    self.fake += 8;
                    0
                }
                Some(&b) => {
                    self.pos += 1;
                    b
                }
            };
            self.acc |= (b as u64) << (56 - self.n);
            self.n += 8;
        }
    }

    /// Some bits past the data were used.
    #[inline]
    fn overrun(&self) -> bool {
        self.fake > self.n
    }

    /// `k` (0..=16) bits; the caller has refilled.
    #[inline]
    fn take(&mut self, k: u32) -> u32 {
        // two shifts: k = 0 gives 0 without a branch (a shift by 64 would overflow)
        let v = (self.acc >> (63 - k) >> 1) as u32;
        self.acc <<= k;
        self.n -= k;
        v
    }

    #[inline]
    fn decode(&mut self, t: &DecodeTable) -> Result<u8> {
        let e = t.fast[(self.acc >> (64 - FAST_BITS)) as usize];
        if e != 0 {
            let l = (e >> 8) as u32;
            self.acc <<= l;
            self.n -= l;
            return Ok(e as u8);
        }
        let mut l = FAST_BITS + 1;
        loop {
            let code = (self.acc >> (64 - l)) as i32;
            if code <= t.max_code[l as usize] {
                if l > 16 {
                    return Err(bad("invalid Huffman code in the scan"));
                }
                self.acc <<= l;
                self.n -= l;
                let idx = (t.offset[l as usize] + code) as usize;
                return t.values.get(idx).copied().ok_or_else(|| bad("invalid Huffman code in the scan"));
            }
            l += 1;
        }
    }

    /// Drop the rest of the current byte and step over RSTn.
    fn restart(&mut self, n: usize) -> Result<()> {
        if self.overrun() {
            return Err(bad("entropy-coded data ends early"));
        }
        let want = RST0 + (n % 8) as u8;
        if self.data.get(self.pos..self.pos + 2) != Some(&[0xFF, want][..]) {
            return Err(bad(format!("expected restart marker RST{} at scan byte {}", n % 8, self.pos)));
        }
        self.pos += 2;
        self.acc = 0;
        self.n = 0;
        self.fake = 0;
        Ok(())
    }
}

/// Decode the scan into `symbols` (see [`entry`]) and count them in `freq`
/// (by slot: DC 0..3, AC 4..7). Returns the length of the entropy-coded data.
fn decode_scan(h: &Headers, ecs: &[u8], freq: &mut [[u32; 257]; 8], symbols: &mut Vec<u32>) -> Result<usize> {
    // Blocks of one MCU as (DC slot, AC slot).
    let mut mcu: Vec<(usize, usize)> = Vec::with_capacity(10);
    for c in &h.scan {
        for _ in 0..c.blocks_h * c.blocks_v {
            mcu.push((c.dc, 4 + c.ac));
        }
    }
    let mcus = if h.scan.len() == 1 {
        // A lone component: one block per MCU over the component's own size.
        let (ch, cv) = h.scan_sampling[0];
        let cw = (h.width * ch).div_ceil(h.h_max);
        let chh = (h.height * cv).div_ceil(h.v_max);
        cw.div_ceil(8) * chh.div_ceil(8)
    } else {
        h.width.div_ceil(8 * h.h_max) * h.height.div_ceil(8 * h.v_max)
    };
    let tables: Vec<&DecodeTable> = (0..8).map(|s| h.tables[s].as_deref().unwrap_or(&EMPTY)).collect();
    let mut r = BitReader { data: ecs, pos: 0, acc: 0, n: 0, fake: 0 };
    let mut restarts = 0;
    for m in 0..mcus {
        if h.restart_interval > 0 && m > 0 && m % h.restart_interval == 0 {
            r.restart(restarts)?;
            restarts += 1;
            symbols.push(RESTART);
        }
        for &(dc, ac) in &mcu {
            decode_block(&mut r, tables[dc], tables[ac], dc, ac, freq, symbols)?;
        }
        if r.overrun() {
            return Err(bad("entropy-coded data ends early"));
        }
    }
    // The last byte read holds the end of the data and its padding: what
    // follows must be a marker.
    if r.pos + 1 < ecs.len() && ecs[r.pos] == 0xFF && ecs[r.pos + 1] != 0 {
        Ok(r.pos)
    } else {
        Err(bad("entropy-coded data continues past the last block"))
    }
}

static EMPTY: DecodeTable =
    DecodeTable { fast: [0; 1 << FAST_BITS], max_code: [-1; 18], offset: [0; 17], values: [0; 256] };

#[inline]
fn decode_block(
    r: &mut BitReader,
    dc_table: &DecodeTable,
    ac_table: &DecodeTable,
    dc: usize,
    ac: usize,
    freq: &mut [[u32; 257]; 8],
    symbols: &mut Vec<u32>,
) -> Result<()> {
    if r.n < 32 {
        r.refill();
    }
    let s = r.decode(dc_table)?;
    if s > 11 {
        return Err(bad(format!("DC difference category {}", s)));
    }
    let extra = r.take(s as u32);
    freq[dc][s as usize] += 1;
    symbols.push(entry(s as u32, dc, s, extra));
    let ac_freq = &mut freq[ac];
    let mut k = 1;
    while k < 64 {
        if r.n < 32 {
            r.refill();
        }
        let rs = r.decode(ac_table)?;
        let (run, size) = ((rs >> 4) as usize, (rs & 15) as u32);
        let mut extra = 0;
        if size == 0 {
            match run {
                0 => k = 64,   // EOB
                15 => k += 16, // ZRL
                _ => return Err(bad(format!("AC symbol {:#04X} (an end-of-band run) in a sequential scan", rs))),
            }
            if k > 64 {
                return Err(bad("zero run past the end of a block"));
            }
        } else {
            if size > 10 {
                return Err(bad(format!("AC coefficient size {}", size)));
            }
            k += run;
            if k > 63 {
                return Err(bad("AC coefficient past the end of a block"));
            }
            extra = r.take(size);
            k += 1;
        }
        ac_freq[rs as usize] += 1;
        symbols.push(entry(size, ac, rs, extra));
    }
    Ok(())
}

/// Canonical codes (Annex C) of `table`, as code << 8 | length by symbol.
fn canonical_codes(table: &HuffmanSpec, out: &mut [u32]) {
    let mut code = 0u32;
    let mut values = table.values.iter();
    for (l, &n) in (1..=16u32).zip(table.bits.iter()) {
        for _ in 0..n {
            if let Some(&v) = values.next() {
                out[v as usize] = code << 8 | l;
            }
            code += 1;
        }
        code <<= 1;
    }
}

/// Writes bits MSB first, stuffing a zero byte after every 0xFF.
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Pending bits at the bottom.
    acc: u64,
    n: u32,
}

impl BitWriter<'_> {
    /// `len` <= 32 bits of `v`.
    #[inline]
    fn put(&mut self, v: u32, len: u32) {
        self.acc = (self.acc << len) | v as u64;
        self.n += len;
        if self.n >= 32 {
            let word = (self.acc >> (self.n - 32)) as u32;
            let bytes = word.to_be_bytes();
            if bytes.contains(&0xFF) {
                for b in bytes {
                    self.out.push(b);
                    if b == 0xFF {
                        self.out.push(0);
                    }
                }
            } else {
                self.out.extend_from_slice(&bytes);
            }
            self.n -= 32;
        }
    }

    /// Pad the last byte with one bits (as the standard asks) and write out everything.
    fn flush(&mut self) {
        let pad = (8 - self.n % 8) % 8;
        self.acc = (self.acc << pad) | ((1u64 << pad) - 1);
        self.n += pad;
        while self.n >= 8 {
            let b = (self.acc >> (self.n - 8)) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
            self.n -= 8;
        }
        self.acc = 0;
    }
}

/// Write `symbols` with `codes` (see [`canonical_codes`]). Every symbol
/// was counted, so every one has a code.
fn encode_scan(symbols: &[u32], codes: &[u32], out: &mut Vec<u8>) {
    let mut w = BitWriter { out, acc: 0, n: 0 };
    let mut restarts = 0u8;
    for &e in symbols {
        if e == RESTART {
            w.flush();
            w.out.extend_from_slice(&[0xFF, RST0 + restarts % 8]);
            restarts = restarts.wrapping_add(1);
            continue;
        }
        let c = codes[(e >> 16 & 0x7FF) as usize];
        let size = e >> 27;
        debug_assert!(c & 0xFF != 0, "symbol without a code");
        w.put((c >> 8) << size | (e & 0xFFFF), (c & 0xFF) + size);
    }
    w.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    use zune_jpeg::JpegDecoder;
    use zune_jpeg::zune_core::bytestream::ZCursor;

    fn freq_of(counts: &[u32]) -> [u32; 257] {
        let mut f = [0u32; 257];
        f[..counts.len()].copy_from_slice(counts);
        f
    }

    fn bits16(prefix: &[u8]) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..prefix.len()].copy_from_slice(prefix);
        b
    }

    /// Worked by hand with Figure K.1 and the larger-symbol tie rule.
    #[test]
    fn optimal_table_hand_worked_cases() {
        // one symbol: one 1-bit code (the pseudo-symbol took the other)
        assert_eq!(optimal_table(&freq_of(&[5])), HuffmanSpec { bits: bits16(&[1]), values: vec![0] });
        // two equal symbols and the pseudo-symbol: the tie rule decides
        // (taking the smaller symbol first would give two 2-bit codes)
        assert_eq!(optimal_table(&freq_of(&[1, 1])), HuffmanSpec { bits: bits16(&[1, 1]), values: vec![0, 1] });
        assert_eq!(
            optimal_table(&freq_of(&[10, 6, 2, 1])),
            HuffmanSpec { bits: bits16(&[1, 1, 1, 1]), values: vec![0, 1, 2, 3] }
        );
        // nothing counted: no codes
        assert_eq!(optimal_table(&[0; 257]), HuffmanSpec { bits: [0; 16], values: vec![] });
    }

    /// Expected tables from libjpeg-turbo 2.1.5's jpeg_gen_optimal_table
    /// (called through its exported symbol) for the same counts.
    #[test]
    fn optimal_table_equals_libjpeg_including_the_16_bit_limit() {
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            fib.push(fib[fib.len() - 1] + fib[fib.len() - 2]);
        }
        // 30 Fibonacci counts: Huffman's procedure makes codes ~29 bits long
        let t = optimal_table(&freq_of(&fib));
        assert_eq!(t.bits, [0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 1]);
        assert_eq!(
            t.values,
            [
                28, 29, 26, 27, 24, 25, 22, 23, 20, 21, 18, 19, 16, 17, 14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 0, 2,
                3, 1
            ]
        );
        // a code, and no all-ones code: the Kraft sum stays below one
        let kraft: u32 = t.bits.iter().enumerate().map(|(l, &n)| (n as u32) << (15 - l)).sum();
        assert!(kraft < 1 << 16, "{}", kraft);
        let t = optimal_table(&freq_of(&fib[..20]));
        assert_eq!(t.bits, [0, 2, 2, 2, 2, 2, 2, 2, 2, 3, 1, 0, 0, 0, 0, 0]);
        assert_eq!(t.values, [18, 19, 16, 17, 14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 0, 2, 3, 1]);
        let mut counts = vec![0u32; 151];
        counts[100..150].fill(3);
        counts[150] = 7;
        let t = optimal_table(&freq_of(&counts));
        assert_eq!(t.bits, bits16(&[0, 0, 0, 1, 9, 41]));
        let mut want = vec![150u8];
        want.extend(100..150u8);
        assert_eq!(t.values, want);
    }

    /// Every table the builder makes is a valid JPEG table whatever the
    /// counts: lengths 1..16, the all-ones code unused, each counted symbol once.
    #[test]
    fn optimal_table_is_always_a_valid_limited_code() {
        let mut seed = 0x2545F4914F6CDD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300 {
            let mut f = [0u32; 257];
            let used = 1 + (next() % 256) as usize;
            for _ in 0..used {
                let s = (next() % 256) as usize;
                // skewed counts (powers of two up to 2^24) force deep trees
                f[s] = 1 << (next() % 25);
            }
            let t = optimal_table(&f);
            let n: usize = t.bits.iter().map(|&b| b as usize).sum();
            assert_eq!(n, f[..256].iter().filter(|&&c| c > 0).count(), "round {}", round);
            assert_eq!(t.values.len(), n);
            let mut seen = [false; 256];
            for &v in &t.values {
                assert!(f[v as usize] > 0 && !seen[v as usize], "round {}", round);
                seen[v as usize] = true;
            }
            let kraft: u64 = t.bits.iter().enumerate().map(|(l, &c)| (c as u64) << (15 - l)).sum();
            assert!(kraft < 1 << 16, "round {}: Kraft sum {}", round, kraft);
        }
    }

    /// Bits written as '0'/'1' text into bytes: padded with ones, 0xFF stuffed.
    fn bits_to_bytes(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = BitWriter { out: &mut out, acc: 0, n: 0 };
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            w.put((c == '1') as u32, 1);
        }
        w.flush();
        out
    }

    fn dht(class_id: u8, bits: &[u8], values: &[u8]) -> Vec<u8> {
        let len = 2 + 1 + 16 + values.len();
        let mut s = vec![0xFF, DHT, 0, len as u8, class_id];
        s.extend_from_slice(&bits16(bits));
        s.extend_from_slice(values);
        s
    }

    /// A 16x8 gray frame (two blocks), all-ones quantisation table, the
    /// given Huffman segments, optional restart interval, then `ecs`.
    fn tiny_gray(tables: &[Vec<u8>], restart: Option<u16>, ecs: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, SOI];
        s.extend_from_slice(&[0xFF, DQT, 0, 67, 0]);
        s.extend_from_slice(&[1u8; 64]);
        s.extend_from_slice(&[0xFF, SOF0, 0, 11, 8, 0, 8, 0, 16, 1, 1, 0x11, 0]);
        for t in tables {
            s.extend_from_slice(t);
        }
        if let Some(r) = restart {
            s.extend_from_slice(&[0xFF, DRI, 0, 4, (r >> 8) as u8, r as u8]);
        }
        s.extend_from_slice(&[0xFF, SOS, 0, 8, 1, 1, 0x00, 0, 63, 0]);
        s.extend_from_slice(ecs);
        s.extend_from_slice(&[0xFF, EOI]);
        s
    }

    /// Two hand-coded blocks: DC category 3 (+5), AC 0/1 (+1), ZRL, 1/2
    /// (-2), EOB; then DC category 5 (+22), EOB. Original tables: DC
    /// {0,3,5} with 2-bit codes, AC EOB 00, 0/1 01, ZRL 100, 1/2 101.
    /// Optimal ones, worked by hand from the counts (DC 3:1 5:1; AC EOB:2,
    /// 0/1, 1/2, ZRL: 1 each): DC 3 '0', 5 '10'; AC EOB '0', 0/1 '100',
    /// 1/2 '101', ZRL '110'.
    #[test]
    fn hand_made_stream_gets_the_hand_worked_tables_and_bits() {
        let old_tables = [dht(0x00, &[0, 3], &[0, 3, 5]), dht(0x10, &[0, 2, 2], &[0x00, 0x01, 0xF0, 0x12])];
        let new_tables = [dht(0x00, &[1, 1], &[3, 5]), dht(0x10, &[1, 0, 3], &[0x00, 0x01, 0x12, 0xF0])];
        let old_b1 = "01 101  01 1  100  101 01  00";
        let old_b2 = "10 10110  00";
        let new_b1 = "0 101  100 1  110  101 01  0";
        let new_b2 = "10 10110  0";
        for restart in [None, Some(1)] {
            let (old_ecs, new_ecs) = match restart {
                None => {
                    (bits_to_bytes(&format!("{}{}", old_b1, old_b2)), bits_to_bytes(&format!("{}{}", new_b1, new_b2)))
                }
                Some(_) => {
                    let join = |a: &str, b: &str| [bits_to_bytes(a), vec![0xFF, RST0], bits_to_bytes(b)].concat();
                    (join(old_b1, old_b2), join(new_b1, new_b2))
                }
            };
            let old = tiny_gray(&old_tables, restart, &old_ecs);
            let new = optimize(&old).unwrap();
            assert_eq!(new, tiny_gray(&new_tables, restart, &new_ecs), "restart {:?}", restart);
            assert_same_pixels(&old, &new);
        }
    }

    #[test]
    fn stuffed_bytes_are_read_and_written() {
        // DC {0: '00', 8: '01'}, AC {EOB: '00', 0/8: '01'}. Block 1: DC 0,
        // AC +255, EOB; block 2: DC +255 (its value is the third byte: FF 00), EOB.
        let tables = [dht(0x00, &[0, 2], &[0, 8]), dht(0x10, &[0, 2], &[0x00, 0x08])];
        let ecs = bits_to_bytes("00 01 11111111 00  01 11111111 00");
        assert!(ecs.windows(2).any(|w| w == [0xFF, 0]), "{:02X?}", ecs);
        let old = tiny_gray(&tables, None, &ecs);
        let new = optimize(&old).unwrap();
        assert_same_pixels(&old, &new);
        assert_eq!(optimize(&new).unwrap(), new);
    }

    fn zune(stream: &[u8]) -> Vec<u8> {
        JpegDecoder::new(ZCursor::new(stream)).decode().expect("zune-jpeg decodes")
    }

    fn other(stream: &[u8]) -> Vec<u8> {
        jpeg_decoder::Decoder::new(stream).decode().expect("jpeg-decoder decodes")
    }

    fn assert_same_pixels(old: &[u8], new: &[u8]) {
        assert_eq!(zune(old), zune(new), "zune-jpeg pixels");
        assert_eq!(other(old), other(new), "jpeg-decoder pixels");
    }

    /// Deterministic test images: smooth, noisy (large coefficients, long
    /// codes, stuffed bytes) or a mix.
    fn image(w: usize, h: usize, samples: usize, kind: u8) -> Vec<u8> {
        let mut seed = 0x9E3779B97F4A7C15u64 ^ (w * 31 + h) as u64;
        let mut out = Vec::with_capacity(w * h * samples);
        for y in 0..h {
            for x in 0..w {
                for s in 0..samples {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let smooth = 128.0 + 60.0 * ((x as f64) / 17.0 + s as f64).sin() + 50.0 * ((y as f64) / 11.0).cos();
                    let v = match kind {
                        0 => smooth,
                        1 => (seed % 256) as f64,
                        _ => smooth + ((seed % 64) as f64 - 32.0) * ((x / 16 + y / 16) % 2) as f64,
                    };
                    out.push(v.clamp(0.0, 255.0) as u8);
                }
            }
        }
        out
    }

    fn encode(data: &[u8], w: u16, h: u16, color: ColorType, sampling: SamplingFactor, q: u8, restart: u16) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, q);
        enc.set_sampling_factor(sampling);
        enc.set_restart_interval(restart);
        enc.encode(data, w, h, color).unwrap();
        out
    }

    /// jpeg-encoder streams of every layout cogtool writes (gray 1x1, RGB
    /// as YCbCr 2x2, YCbCr 1x1) and some it does not (2x1, 1x2), odd
    /// sizes, low to lossless-ish quality, with and without restart
    /// markers: the re-optimised stream decodes to exactly the same pixels
    /// in zune-jpeg and jpeg-decoder, is never larger, and is a fixed point.
    #[test]
    fn round_trip_is_lossless_in_two_decoders() {
        let layouts = [
            (ColorType::Luma, SamplingFactor::F_1_1, 1),
            (ColorType::Rgb, SamplingFactor::F_2_2, 3),
            (ColorType::Ycbcr, SamplingFactor::F_1_1, 3),
            (ColorType::Rgb, SamplingFactor::F_2_1, 3),
            (ColorType::Rgb, SamplingFactor::F_1_2, 3),
        ];
        let sizes = [(1u16, 1u16), (17, 9), (100, 80), (129, 67)];
        let mut stuffed = 0;
        let mut case = 0;
        for (color, sampling, samples) in layouts {
            for &(w, h) in &sizes {
                for kind in 0..3u8 {
                    case += 1;
                    let q = [75, 100, 5, 90][case % 4];
                    let restart = [0, 0, 1, 3][(case / 4) % 4];
                    let px = image(w as usize, h as usize, samples, kind);
                    let old = encode(&px, w, h, color, sampling, q, restart);
                    let new = optimize(&old).unwrap_or_else(|e| panic!("case {}: {}", case, e));
                    let what =
                        format!("case {} {}x{} {:?} q{} restart {} kind {}", case, w, h, sampling, q, restart, kind);
                    assert_eq!(zune(&old), zune(&new), "{}: zune-jpeg", what);
                    assert_eq!(other(&old), other(&new), "{}: jpeg-decoder", what);
                    assert!(new.len() <= old.len(), "{}: {} > {}", what, new.len(), old.len());
                    assert_eq!(optimize(&new).unwrap(), new, "{}: not a fixed point", what);
                    let sos = new.windows(2).position(|p| p == [0xFF, SOS]).unwrap();
                    stuffed += new[sos..].windows(2).filter(|p| *p == [0xFF, 0]).count();
                }
            }
        }
        assert!(stuffed > 0, "no stuffed byte exercised");
    }

    /// A 512x512 RGB tile as cogtool encodes it: what GDAL's tiles are made of.
    #[test]
    fn full_tile_round_trip() {
        for kind in 0..3 {
            let px = image(512, 512, 3, kind);
            let old = encode(&px, 512, 512, ColorType::Rgb, SamplingFactor::F_2_2, 75, 0);
            let new = optimize(&old).unwrap();
            assert_same_pixels(&old, &new);
            assert!(new.len() < old.len(), "kind {}: {} vs {}", kind, new.len(), old.len());
        }
    }

    #[test]
    fn other_streams_are_refused_without_panic() {
        let px = image(40, 24, 3, 2);
        let mut enc_out = Vec::new();
        let mut enc = Encoder::new(&mut enc_out, 80);
        enc.set_progressive(true);
        enc.encode(&px, 40, 24, ColorType::Rgb).unwrap();
        let e = optimize(&enc_out).unwrap_err().to_string();
        assert!(e.contains("not baseline sequential"), "{}", e);
        // jpeg-encoder's own optimised mode: one scan per component
        let mut split = Vec::new();
        let mut enc = Encoder::new(&mut split, 80);
        enc.set_optimized_huffman_tables(true);
        enc.encode(&px, 40, 24, ColorType::Rgb).unwrap();
        let e = optimize(&split).unwrap_err().to_string();
        assert!(e.contains("one scan per component"), "{}", e);

        let good = encode(&px, 40, 24, ColorType::Rgb, SamplingFactor::F_2_2, 80, 2);
        // every truncation lacks EOI at least: an error, never a panic
        for n in 0..good.len() {
            assert!(optimize(&good[..n]).is_err(), "truncated to {}", n);
        }
        // flipped bits anywhere: no panic, and what is accepted still decodes
        let mut seed = 12345u64;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut bad_stream = good.clone();
            let at = (seed >> 33) as usize % bad_stream.len();
            bad_stream[at] ^= 1 << ((seed >> 20) % 8);
            if let Ok(out) = optimize(&bad_stream) {
                let _ = optimize(&out).expect("our own output is accepted");
            }
        }
    }

    /// Not a test: the timing `bench/jpeg_huffman.sh` prints (run it in
    /// release). 512x512 tiles encoded as `jpeg::encode` does (quality 75),
    /// then recoded; synthetic ones, plus raw 512x512 tiles named in
    /// COGTOOL_BENCH_TILES as `path:samples,...`.
    #[test]
    #[ignore]
    fn bench_recoding_against_encoding() {
        let mut tiles: Vec<(String, Vec<u8>, usize)> = vec![
            ("synthetic smooth RGB".into(), image(512, 512, 3, 0), 3),
            ("synthetic textured RGB".into(), image(512, 512, 3, 2), 3),
            ("synthetic noise RGB".into(), image(512, 512, 3, 1), 3),
            ("synthetic noise gray".into(), image(512, 512, 1, 1), 1),
        ];
        for spec in std::env::var("COGTOOL_BENCH_TILES").unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
            let (path, samples) = spec.rsplit_once(':').expect("path:samples");
            let samples: usize = samples.parse().unwrap();
            let px = std::fs::read(path).unwrap();
            assert_eq!(px.len(), 512 * 512 * samples, "{}", path);
            tiles.push((path.to_string(), px, samples));
        }
        let runs = 40;
        for (name, px, samples) in tiles {
            let (color, sampling) = if samples == 3 {
                (ColorType::Rgb, SamplingFactor::F_2_2)
            } else {
                (ColorType::Luma, SamplingFactor::F_1_1)
            };
            let mut encoded = Vec::new();
            let t = std::time::Instant::now();
            for _ in 0..runs {
                encoded.clear();
                let mut enc = Encoder::new(&mut encoded, 75);
                enc.set_sampling_factor(sampling);
                enc.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
                enc.encode(&px, 512, 512, color).unwrap();
            }
            let encode = t.elapsed().as_secs_f64() / runs as f64;
            let mut recoded = Vec::new();
            let t = std::time::Instant::now();
            for _ in 0..runs {
                recoded = optimize(std::hint::black_box(&encoded)).unwrap();
            }
            let recode = t.elapsed().as_secs_f64() / runs as f64;
            println!(
                "{}: encode {:.2} ms, recode {:.2} ms ({:.0}% of encode); {} -> {} bytes ({:.3})",
                name,
                encode * 1e3,
                recode * 1e3,
                recode / encode * 100.0,
                encoded.len(),
                recoded.len(),
                recoded.len() as f64 / encoded.len() as f64
            );
        }
    }
}
