//! Seeds and structure-aware mutations shared by the hostile-input tests
//! (tests/read/mutation.rs runs them in-process, tests/cli/hostile_cli.rs through the
//! binary). Everything is deterministic: the same seed files and the same
//! PRNG seed give the same inputs, so a failure names a case that can be
//! regenerated (`MUTATION_DUMP=N`).
#![allow(dead_code)]

use cogtool::source::{MemSource, Reader};
use cogtool::tiff::tags::*;
use cogtool::tiff::write::{IfdBuilder, OutTag, header};
use cogtool::tiff::{FieldType, Ghost, Tiff};
use std::path::Path;
use std::sync::Arc;

pub fn open_mem(bytes: Vec<u8>) -> cogtool::Result<Tiff> {
    Tiff::open(Arc::new(Reader::new(Arc::new(MemSource::new(bytes)), 16 * 1024, false)))
}

/// Small deterministic PRNG (xorshift64*): no dev-dependency, stable forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

// ---------------------------------------------------------------------------
// Seeds built in the test, so the mutation test runs without any fixture.

#[derive(Clone, Copy)]
pub enum Codec {
    None,
    Deflate,
    Lzw,
    Zstd,
    PackBits,
}

impl Codec {
    fn code(self) -> u16 {
        match self {
            Codec::None => 1,
            Codec::Deflate => 8,
            Codec::Lzw => 5,
            Codec::Zstd => 50000,
            Codec::PackBits => 32773,
        }
    }
    fn encode(self, raw: &[u8]) -> Vec<u8> {
        use std::io::Write;
        match self {
            Codec::None => raw.to_vec(),
            Codec::Deflate => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(raw).unwrap();
                e.finish().unwrap()
            }
            Codec::Lzw => weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8).encode(raw).unwrap(),
            Codec::Zstd => zstd::bulk::compress(raw, 3).unwrap(),
            Codec::PackBits => packbits(raw),
        }
    }
}

/// PackBits: runs of equal bytes as repeat packets, the rest as literals.
fn packbits(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let mut run = 1;
        while i + run < raw.len() && run < 128 && raw[i + run] == raw[i] {
            run += 1;
        }
        if run >= 3 {
            out.push((257 - run) as u8);
            out.push(raw[i]);
            i += run;
        } else {
            let n = (raw.len() - i).min(128);
            out.push((n - 1) as u8);
            out.extend_from_slice(&raw[i..i + n]);
            i += n;
        }
    }
    out
}

#[derive(Clone, Copy)]
pub struct Spec {
    pub bigtiff: bool,
    pub width: u32,
    pub height: u32,
    /// Tile size, or None for strips of `rows_per_strip`.
    pub tile: Option<u32>,
    pub rows_per_strip: u32,
    pub bands: u16,
    pub bits: u16,
    pub sample_format: u16,
    pub codec: Codec,
    pub predictor: u16,
    pub planar_separate: bool,
    pub overviews: usize,
    pub mask: bool,
    pub ghost: bool,
    pub geo: bool,
}

struct Level {
    builder: IfdBuilder,
    blocks: Vec<Vec<u8>>,
    offsets_tag: u16,
}

/// A small COG-shaped file: header, optional ghost area, every IFD, then
/// the block data, as GDAL lays it out (without leaders/trailers).
pub fn build(spec: &Spec) -> Vec<u8> {
    let mut levels = Vec::new();
    let (mut w, mut h) = (spec.width, spec.height);
    for level in 0..=spec.overviews {
        levels.push(make_level(spec, level, w, h, false));
        if spec.mask {
            levels.push(make_level(spec, level, w, h, true));
        }
        w = w.div_ceil(2);
        h = h.div_ceil(2);
    }
    let mut pos = if spec.bigtiff { 16 } else { 8 };
    let ghost = if spec.ghost { Ghost::gdal_bytes(spec.mask) } else { Vec::new() };
    pos += ghost.len() as u64;
    let mut ifd_at = Vec::new();
    for l in &levels {
        ifd_at.push(pos);
        pos += l.builder.size();
        pos += pos % 2;
    }
    let data_start = pos;
    for l in levels.iter_mut() {
        let mut offs = Vec::new();
        for b in &l.blocks {
            offs.push(pos);
            pos += b.len() as u64;
        }
        l.builder.push(OutTag::offsets(l.offsets_tag, &offs, spec.bigtiff));
    }
    let mut out = header(spec.bigtiff, ifd_at[0]);
    out.extend_from_slice(&ghost);
    for (i, l) in levels.iter().enumerate() {
        let next = ifd_at.get(i + 1).copied().unwrap_or(0);
        out.resize(ifd_at[i] as usize, 0);
        out.extend_from_slice(&l.builder.encode(ifd_at[i], next));
    }
    out.resize(data_start as usize, 0);
    for l in &levels {
        for b in &l.blocks {
            out.extend_from_slice(b);
        }
    }
    assert_eq!(open_mem(out.clone()).map(|t| t.ifds.len()).unwrap_or(0), levels.len(), "seed must parse");
    out
}

fn make_level(spec: &Spec, level: usize, w: u32, h: u32, mask: bool) -> Level {
    let (bands, bits, fmt) = if mask { (1u16, 1u16, 1u16) } else { (spec.bands, spec.bits, spec.sample_format) };
    let (bw, bh) = match spec.tile {
        Some(t) => (t, t),
        None => (w, spec.rows_per_strip.min(h)),
    };
    let planes = if spec.planar_separate && !mask { bands as u32 } else { 1 };
    let per_block_samples = if planes > 1 { 1 } else { bands as u32 };
    let row_bytes = (bw * per_block_samples * bits as u32).div_ceil(8);
    let n = w.div_ceil(bw) * h.div_ceil(bh) * planes;
    let mut blocks = Vec::new();
    for i in 0..n {
        let rows = if spec.tile.is_none() { bh.min(h - (i % h.div_ceil(bh)) * bh) } else { bh };
        let raw: Vec<u8> = (0..row_bytes * rows).map(|k| ((k / 7 + i * 13 + level as u32) % 251) as u8).collect();
        blocks.push(spec.codec.encode(&raw));
    }
    let mut b = IfdBuilder::new(spec.bigtiff);
    let nst = (level > 0) as u32 | if mask { 4 } else { 0 };
    if nst != 0 {
        b.push(OutTag::long(NEW_SUBFILE_TYPE, nst));
    }
    b.push(OutTag::long(IMAGE_WIDTH, w));
    b.push(OutTag::long(IMAGE_LENGTH, h));
    b.push(OutTag::shorts(BITS_PER_SAMPLE, &vec![bits; bands as usize]));
    b.push(OutTag::short(COMPRESSION, spec.codec.code()));
    let photometric = if mask {
        4
    } else if bands >= 3 {
        2
    } else {
        1
    };
    b.push(OutTag::short(PHOTOMETRIC, photometric));
    b.push(OutTag::short(SAMPLES_PER_PIXEL, bands));
    b.push(OutTag::short(PLANAR_CONFIG, if planes > 1 { 2 } else { 1 }));
    if spec.predictor != 1 && !mask {
        b.push(OutTag::short(PREDICTOR, spec.predictor));
    }
    b.push(OutTag::shorts(SAMPLE_FORMAT, &vec![fmt; bands as usize]));
    let counts: Vec<u64> = blocks.iter().map(|b| b.len() as u64).collect();
    let offsets_tag = if let Some(t) = spec.tile {
        b.push(OutTag::short(TILE_WIDTH, t as u16));
        b.push(OutTag::short(TILE_LENGTH, t as u16));
        b.push(OutTag::offsets(TILE_BYTE_COUNTS, &counts, spec.bigtiff));
        TILE_OFFSETS
    } else {
        b.push(OutTag::long(ROWS_PER_STRIP, bh));
        b.push(OutTag::offsets(STRIP_BYTE_COUNTS, &counts, spec.bigtiff));
        STRIP_OFFSETS
    };
    // Placeholder of the right length so the IFD size is final.
    b.push(OutTag::offsets(offsets_tag, &vec![0; blocks.len()], spec.bigtiff));
    if level == 0 && !mask && spec.geo {
        b.push(OutTag::doubles(MODEL_PIXEL_SCALE, &[0.5, 0.5, 0.0]));
        b.push(OutTag::doubles(MODEL_TIEPOINT, &[0.0, 0.0, 0.0, 440720.0, 3751320.0, 0.0]));
        b.push(OutTag::shorts(
            GEO_KEY_DIRECTORY,
            &[1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 26711, 3073, GEO_ASCII_PARAMS, 22, 0],
        ));
        b.push(OutTag::ascii(GEO_ASCII_PARAMS, "NAD27 / UTM zone 11N|"));
        b.push(OutTag::ascii(
            GDAL_METADATA,
            "<GDALMetadata>\n  <Item name=\"AREA\">x &amp; y</Item>\n  <Item name=\"DESCRIPTION\" sample=\"0\" role=\"description\">band one</Item>\n</GDALMetadata>",
        ));
        b.push(OutTag::ascii(GDAL_NODATA, "0"));
    }
    Level { builder: b, blocks, offsets_tag }
}

/// The built-in seeds: every codec, both TIFF flavours, tiles and strips,
/// masks, planar separate, several sample types, and a big-endian copy.
pub fn builtin_seeds() -> Vec<(String, Vec<u8>)> {
    let base = Spec {
        bigtiff: false,
        width: 40,
        height: 36,
        tile: Some(16),
        rows_per_strip: 8,
        bands: 1,
        bits: 8,
        sample_format: 1,
        codec: Codec::None,
        predictor: 1,
        planar_separate: false,
        overviews: 1,
        mask: false,
        ghost: true,
        geo: true,
    };
    let mut seeds = vec![
        ("cog_gray_none".to_string(), build(&base)),
        (
            "bigcog_rgb_deflate_mask".to_string(),
            build(&Spec { bigtiff: true, bands: 3, codec: Codec::Deflate, predictor: 2, mask: true, ..base }),
        ),
        (
            "strips_u16_lzw".to_string(),
            build(&Spec { tile: None, bits: 16, codec: Codec::Lzw, predictor: 2, overviews: 0, ghost: false, ..base }),
        ),
        (
            "cog_f32_zstd_separate".to_string(),
            build(&Spec {
                bands: 2,
                bits: 32,
                sample_format: 3,
                codec: Codec::Zstd,
                predictor: 3,
                planar_separate: true,
                ..base
            }),
        ),
        (
            "cog_rgb_packbits".to_string(),
            build(&Spec { bands: 3, codec: Codec::PackBits, overviews: 2, geo: false, ..base }),
        ),
    ];
    let be = to_big_endian(&seeds[0].1);
    seeds.push(("cog_gray_none_be".to_string(), be));
    seeds
}

/// Every `*.tif`/`*.tiff` under `dir` (not recursive), smallest files only,
/// sorted by name so the case numbering is stable.
pub fn file_seeds(dir: &Path, max_bytes: u64) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if !(ext == "tif" || ext == "tiff") || !p.is_file() {
            continue;
        }
        if p.metadata().map(|m| m.len() > max_bytes).unwrap_or(true) {
            continue;
        }
        if let Ok(b) = std::fs::read(&p) {
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), b));
        }
    }
    out
}

/// Rewrite a little-endian TIFF as big-endian: header, IFD fields and tag
/// values swapped element by element (block data is left alone).
pub fn to_big_endian(le: &[u8]) -> Vec<u8> {
    let t = open_mem(le.to_vec()).expect("seed parses");
    let mut out = le.to_vec();
    let big = t.bigtiff;
    let swap = |out: &mut Vec<u8>, pos: u64, n: usize| out[pos as usize..pos as usize + n].reverse();
    out[0..2].copy_from_slice(b"MM");
    swap(&mut out, 2, 2);
    if big {
        swap(&mut out, 4, 2);
        swap(&mut out, 6, 2);
        swap(&mut out, 8, 8);
    } else {
        swap(&mut out, 4, 4);
    }
    let (cs, es, ps) = if big { (8u64, 20u64, 8usize) } else { (2, 12, 4) };
    for ifd in &t.ifds {
        swap(&mut out, ifd.offset, cs as usize);
        for (i, e) in ifd.entries.iter().enumerate() {
            let at = ifd.offset + cs + i as u64 * es;
            swap(&mut out, at, 2);
            swap(&mut out, at + 2, 2);
            swap(&mut out, at + 4, if big { 8 } else { 4 });
            let Some(ft) = e.field_type else { continue };
            let elem = match ft {
                FieldType::Rational | FieldType::SRational => 4,
                other => other.size() as usize,
            };
            let n = e.byte_len() as usize / elem;
            let base = if e.inline {
                e.value_offset
            } else {
                swap(&mut out, at + if big { 12 } else { 8 }, ps);
                e.value_offset
            };
            if elem > 1 {
                for k in 0..n {
                    swap(&mut out, base + (k * elem) as u64, elem);
                }
            }
        }
        swap(&mut out, ifd.offset + cs + ifd.entries.len() as u64 * es, ps);
    }
    out
}

// ---------------------------------------------------------------------------
// Structure map of a seed: where the fields worth attacking are.

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldKind {
    FirstIfd,
    EntryCount,
    Tag,
    Type,
    Count,
    /// The entry's value field: the value itself or an offset to it.
    Value,
    Next,
    /// An element of a strile offsets/byte-counts array.
    Strile,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub pos: usize,
    pub width: usize,
    pub kind: FieldKind,
}

pub struct Map {
    pub little: bool,
    pub bigtiff: bool,
    pub fields: Vec<Field>,
    /// Offsets where one structure ends and the next begins.
    pub boundaries: Vec<usize>,
    pub ifd_offsets: Vec<u64>,
    /// Out-of-line value offsets and block offsets: targets for overlaps.
    pub targets: Vec<u64>,
    /// Byte ranges of the header and IFDs, for focused bit flips.
    pub struct_ranges: Vec<(usize, usize)>,
}

pub fn map(bytes: &[u8]) -> Option<Map> {
    let t = open_mem(bytes.to_vec()).ok()?;
    let big = t.bigtiff;
    let (cs, es, ps) = if big { (8usize, 20usize, 8usize) } else { (2, 12, 4) };
    let off_w = if big { 8 } else { 4 };
    let mut m = Map {
        little: t.byte_order == cogtool::tiff::ByteOrder::Little,
        bigtiff: big,
        fields: vec![Field { pos: if big { 8 } else { 4 }, width: off_w, kind: FieldKind::FirstIfd }],
        boundaries: vec![0, 2, 4, if big { 16 } else { 8 }],
        ifd_offsets: Vec::new(),
        targets: vec![0, 2, 8],
        struct_ranges: vec![(0, if big { 16 } else { 8 })],
    };
    if let Some(g) = &t.ghost {
        m.boundaries.push((g.offset + 43) as usize);
        m.boundaries.push((g.offset + 43 + g.declared_size) as usize);
    }
    for ifd in &t.ifds {
        let o = ifd.offset as usize;
        m.ifd_offsets.push(ifd.offset);
        m.targets.push(ifd.offset);
        m.struct_ranges.push((o, o + ifd.size as usize));
        m.fields.push(Field { pos: o, width: cs, kind: FieldKind::EntryCount });
        m.boundaries.extend([o, o + cs, o + ifd.size as usize]);
        for (i, e) in ifd.entries.iter().enumerate() {
            let at = o + cs + i * es;
            m.boundaries.push(at);
            m.fields.push(Field { pos: at, width: 2, kind: FieldKind::Tag });
            m.fields.push(Field { pos: at + 2, width: 2, kind: FieldKind::Type });
            m.fields.push(Field { pos: at + 4, width: off_w, kind: FieldKind::Count });
            m.fields.push(Field { pos: at + 4 + off_w, width: off_w, kind: FieldKind::Value });
            if !e.inline {
                let (s, len) = (e.value_offset as usize, e.byte_len() as usize);
                m.boundaries.extend([s, s + len]);
                m.targets.push(e.value_offset);
            }
            let strile = matches!(e.tag, TILE_OFFSETS | TILE_BYTE_COUNTS | STRIP_OFFSETS | STRIP_BYTE_COUNTS);
            if strile && let Some(ft) = e.field_type {
                let sz = ft.size() as usize;
                let n = e.count as usize;
                for k in [0, 1, n / 2, n.saturating_sub(1)] {
                    if k < n {
                        m.fields.push(Field {
                            pos: e.value_offset as usize + k * sz,
                            width: sz,
                            kind: FieldKind::Strile,
                        });
                    }
                }
                if (e.tag == TILE_OFFSETS || e.tag == STRIP_OFFSETS)
                    && let Ok(v) = t.entry_value(e)
                {
                    for (k, off) in v.as_u64s().into_iter().enumerate() {
                        m.targets.push(off);
                        m.boundaries.push(off as usize);
                        if let Some(c) = ifd.entry(e.tag + 1).and_then(|c| t.entry_u64_at(c, k as u64).ok()) {
                            m.boundaries.push((off + c) as usize);
                        }
                    }
                }
            }
        }
        m.fields.push(Field { pos: o + cs + ifd.entries.len() * es, width: ps, kind: FieldKind::Next });
    }
    m.boundaries.push(bytes.len());
    m.boundaries.sort();
    m.boundaries.dedup();
    m.boundaries.retain(|&b| b <= bytes.len());
    m.targets.sort();
    m.targets.dedup();
    Some(m)
}

fn put(buf: &mut [u8], f: &Field, v: u64, little: bool) {
    let Some(dst) = buf.get_mut(f.pos..f.pos + f.width) else { return };
    let b = v.to_le_bytes();
    for i in 0..f.width {
        let byte = b[i];
        if little {
            dst[i] = byte;
        } else {
            dst[f.width - 1 - i] = byte;
        }
    }
}

/// Values every count and offset field is set to.
pub fn special_values(file_len: u64) -> Vec<u64> {
    vec![
        0,
        1,
        2,
        3,
        0x7FFF,
        0xFFFF,
        1 << 31,
        (1 << 32) - 1,
        1 << 63,
        u64::MAX,
        file_len.saturating_sub(1),
        file_len,
        file_len + 1,
    ]
}

/// Generate every mutation of one seed, calling `f(label, bytes)` for each.
/// `random_rounds` scales the random part (bit flips, byte splats).
pub fn mutations(seed: &[u8], m: &Map, rng_seed: u64, random_rounds: usize, f: &mut dyn FnMut(String, Vec<u8>)) {
    let len = seed.len();
    let little = m.little;
    // Truncation at every structure boundary and one byte either side.
    for &b in &m.boundaries {
        for cut in [b.saturating_sub(1), b, b + 1] {
            if cut < len {
                f(format!("truncate@{}", cut), seed[..cut].to_vec());
            }
        }
    }
    // Every bit of the header.
    let hdr = if m.bigtiff { 16 } else { 8 };
    for bit in 0..hdr * 8 {
        let mut v = seed.to_vec();
        v[bit / 8] ^= 1 << (bit % 8);
        f(format!("header-bit{}", bit), v);
    }
    // Special values in every count, offset and strile field.
    let specials = special_values(len as u64);
    for fld in &m.fields {
        let values: Vec<u64> = match fld.kind {
            FieldKind::Tag => vec![0, 0xFFFF, TILE_OFFSETS as u64, STRIP_OFFSETS as u64, IMAGE_WIDTH as u64],
            FieldKind::Type => vec![0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 16, 18, 19],
            _ => specials.clone(),
        };
        for v in values {
            let mut buf = seed.to_vec();
            put(&mut buf, fld, v, little);
            if buf != seed {
                f(format!("{:?}@{}={}", fld.kind, fld.pos, v), buf);
            }
        }
    }
    // IFD loops: every next pointer (and the first-IFD pointer) aimed back
    // at every IFD, and into the middle of IFDs (overlapping directories).
    let ptrs: Vec<&Field> =
        m.fields.iter().filter(|f| matches!(f.kind, FieldKind::Next | FieldKind::FirstIfd)).collect();
    for p in &ptrs {
        for &target in &m.ifd_offsets {
            for delta in [0u64, 2, 4, 12, 14] {
                let mut buf = seed.to_vec();
                put(&mut buf, p, target + delta, little);
                if buf != seed {
                    f(format!("loop {:?}@{}->{}", p.kind, p.pos, target + delta), buf);
                }
            }
        }
    }
    // Overlaps: out-of-line values and strile offsets pointed at other
    // structures (IFDs, header, other values, other blocks).
    let ptr_fields: Vec<&Field> =
        m.fields.iter().filter(|f| matches!(f.kind, FieldKind::Value | FieldKind::Strile)).collect();
    let mut pick = Rng::new(rng_seed ^ 0x0E1A_9000);
    for p in &ptr_fields {
        for _ in 0..4 {
            let target = m.targets[pick.below(m.targets.len())];
            let mut buf = seed.to_vec();
            put(&mut buf, p, target, little);
            if buf != seed {
                f(format!("overlap {:?}@{}->{}", p.kind, p.pos, target), buf);
            }
        }
    }
    // Random damage, weighted to the header and IFDs where parsers live.
    let mut rng = Rng::new(rng_seed);
    for r in 0..random_rounds {
        let mut buf = seed.to_vec();
        let (s, e) = m.struct_ranges[rng.below(m.struct_ranges.len())];
        let e = e.min(len);
        let flips = 1 + rng.below(if r % 4 == 0 { 16 } else { 3 });
        for _ in 0..flips {
            let at = if e > s && rng.below(8) != 0 { s + rng.below(e - s) } else { rng.below(len) };
            match rng.below(4) {
                0 => buf[at] = rng.next() as u8,
                1 => buf[at] = [0u8, 0xFF, 0x7F, 0x80][rng.below(4)],
                _ => buf[at] ^= 1 << rng.below(8),
            }
        }
        f(format!("random#{}", r), buf);
    }
    // Chunk copies: a piece of the file pasted over another (duplicate IFDs,
    // entries overlapping values).
    for r in 0..random_rounds / 4 {
        let mut buf = seed.to_vec();
        let n = 1 + rng.below(64.min(len));
        let from = rng.below(len - n + 1);
        let to = rng.below(len - n + 1);
        let chunk = buf[from..from + n].to_vec();
        buf[to..to + n].copy_from_slice(&chunk);
        f(format!("paste#{}", r), buf);
    }
}
