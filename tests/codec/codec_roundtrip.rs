//! Codec round trips (every lossless codec x predictor x sample type x odd
//! block sizes), known vectors, big-endian decoding, JPEG/WebP, and hostile
//! streams: truncated, corrupt, or expanding past the block (bombs).

use cogtool::ErrorKind;
use cogtool::codec::{self, BlockLayout, EncodeOptions, checksum, predictor};
use cogtool::tiff::{ByteOrder, SampleFormat};
use cogtool::tiff::{Compression as C, Photometric, Predictor};

const LOSSLESS: &[C] = &[C::NONE, C::LZW, C::DEFLATE, C::DEFLATE_OLD, C::PACKBITS, C::ZSTD];

/// (format, bits) of every GDAL data type we store.
const TYPES: &[(SampleFormat, u16)] = &[
    (SampleFormat::Uint, 8),
    (SampleFormat::Int, 8),
    (SampleFormat::Uint, 16),
    (SampleFormat::Int, 16),
    (SampleFormat::Uint, 32),
    (SampleFormat::Int, 32),
    (SampleFormat::Uint, 64),
    (SampleFormat::Int, 64),
    (SampleFormat::Float, 32),
    (SampleFormat::Float, 64),
    (SampleFormat::ComplexInt, 32),
    (SampleFormat::ComplexFloat, 64),
];

fn layout(w: usize, h: usize, samples: usize, format: SampleFormat, bits: u16, predictor: u16) -> BlockLayout {
    BlockLayout {
        width: w,
        height: h,
        samples,
        bits_per_sample: bits,
        sample_format: format,
        byte_order: ByteOrder::Little,
        predictor: Predictor(predictor),
        photometric: Photometric(if samples == 3 { 2 } else { 1 }),
        jpeg_tables: None,
    }
}

/// Deterministic pseudo-random but smooth-ish bytes (so codecs compress).
fn pixels(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 7 < 3 { (i / 5) as u8 } else { (x >> 24) as u8 }
        })
        .collect()
}

fn opts(compression: C, predictor: u16) -> EncodeOptions {
    EncodeOptions { compression, level: None, quality: None, predictor: Predictor(predictor) }
}

#[test]
fn lossless_round_trip_every_codec_predictor_type_and_size() {
    let mut cases = 0;
    for &comp in LOSSLESS {
        for &(format, bits) in TYPES {
            for predictor in [1u16, 2, 3] {
                if matches!(comp, C::PACKBITS | C::NONE) && predictor != 1 {
                    continue;
                }
                // horizontal differencing acts on whole samples of 8..64 bits
                if predictor == 2 && bits > 64 {
                    continue;
                }
                for &(w, h, s) in &[(1, 1, 1), (3, 5, 3), (17, 9, 1), (100, 80, 4), (33, 2, 2)] {
                    let l = layout(w, h, s, format, bits, predictor);
                    let data = pixels(l.decoded_bytes().unwrap(), (w * 31 + h + bits as usize) as u64);
                    let enc = codec::encode(&opts(comp, predictor), &data, &l)
                        .unwrap_or_else(|e| panic!("encode {} p{} {:?}/{}: {}", comp, predictor, format, bits, e));
                    let dec = codec::decode(comp, &enc, &l).unwrap_or_else(|e| {
                        panic!("decode {} p{} {:?}/{} {}x{}x{}: {}", comp, predictor, format, bits, w, h, s, e)
                    });
                    assert_eq!(
                        dec, data,
                        "codec {} predictor {} {:?}/{} {}x{}x{}",
                        comp, predictor, format, bits, w, h, s
                    );
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 500, "{} cases", cases);
}

#[test]
fn levels_are_checked_and_change_the_output() {
    let l = layout(64, 64, 1, SampleFormat::Uint, 8, 1);
    let data = pixels(64 * 64, 3);
    let fast = codec::encode(&EncodeOptions { level: Some(1), ..opts(C::DEFLATE, 1) }, &data, &l).unwrap();
    let best = codec::encode(&EncodeOptions { level: Some(12), ..opts(C::DEFLATE, 1) }, &data, &l).unwrap();
    assert!(best.len() <= fast.len());
    assert_eq!(codec::decode(C::DEFLATE, &best, &l).unwrap(), data);
    let e = codec::encode(&EncodeOptions { level: Some(13), ..opts(C::DEFLATE, 1) }, &data, &l).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Usage);
    assert!(e.message.contains("1..12"), "{}", e.message);
    let e = codec::encode(&EncodeOptions { level: Some(23), ..opts(C::ZSTD, 1) }, &data, &l).unwrap_err();
    assert!(e.message.contains("1..22"), "{}", e.message);
    let z = codec::encode(&EncodeOptions { level: Some(19), ..opts(C::ZSTD, 1) }, &data, &l).unwrap();
    assert_eq!(codec::decode(C::ZSTD, &z, &l).unwrap(), data);
}

#[test]
fn packbits_matches_the_tiff_specification_example() {
    // TIFF 6.0 section 9's example
    let packed = [0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7, 0xAA];
    let want = [
        0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22, 0xAA, 0xAA, 0xAA, 0xAA,
        0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
    ];
    let l = layout(want.len(), 1, 1, SampleFormat::Uint, 8, 1);
    assert_eq!(codec::decode(C::PACKBITS, &packed, &l).unwrap(), want);
    // our encoder never lets a run cross a row
    let l2 = layout(4, 2, 1, SampleFormat::Uint, 8, 1);
    let enc = codec::encode(&opts(C::PACKBITS, 1), &[7; 8], &l2).unwrap();
    assert_eq!(enc, [0xFD, 7, 0xFD, 7]);
}

#[test]
fn predictors_match_known_vectors() {
    // horizontal, 8-bit, 2 samples per pixel: differences per sample
    let mut enc = [10, 200, 12, 190, 15, 195];
    predictor::apply(Predictor(2), &mut enc, 3, 2, 8).unwrap();
    assert_eq!(enc, [10, 200, 2, 246, 3, 5]);
    // horizontal, 16-bit little-endian: 1000, 999 -> 1000, -1
    let mut enc = [0xE8, 0x03, 0xE7, 0x03];
    predictor::apply(Predictor(2), &mut enc, 2, 1, 16).unwrap();
    assert_eq!(enc, [0xE8, 0x03, 0xFF, 0xFF]);
    // floating point: 1.0f32, 2.0f32 -> planes (MSB first) 3F 40 | 80 00 | 00 00 | 00 00, then byte deltas
    let l = layout(2, 1, 1, SampleFormat::Float, 32, 3);
    let mut data = 1.0f32.to_le_bytes().to_vec();
    data.extend_from_slice(&2.0f32.to_le_bytes());
    let mut enc = data.clone();
    predictor::apply(Predictor(3), &mut enc, 2, 1, 32).unwrap();
    assert_eq!(enc, [0x3F, 0x01, 0x40, 0x80, 0, 0, 0, 0]);
    let z = codec::encode(&opts(C::DEFLATE, 3), &data, &l).unwrap();
    assert_eq!(codec::decode(C::DEFLATE, &z, &l).unwrap(), data);
    // with no compression the predictor tag is ignored, as libtiff does
    assert_eq!(codec::decode(C::NONE, &data, &l).unwrap(), data);
    assert_eq!(codec::encode(&opts(C::NONE, 3), &data, &l).unwrap_err().kind, ErrorKind::Usage);
}

#[test]
fn big_endian_blocks_decode_to_little_endian() {
    for &(format, bits) in TYPES.iter().filter(|t| t.1 > 8) {
        for predictor in [1u16, 2, 3] {
            if predictor == 2 && bits > 64 {
                continue;
            }
            let mut l = layout(13, 3, 2, format, bits, predictor);
            let data = pixels(l.decoded_bytes().unwrap(), bits as u64);
            // what a big-endian writer stores: predictor on values, then each
            // sample in big-endian order (predictor 3 planes are order-free)
            let mut stored = data.clone();
            predictor::apply(Predictor(predictor), &mut stored, 13, 2, bits).unwrap();
            if predictor != 3 {
                let complex = matches!(format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat);
                let unit = if complex { bits as usize / 16 } else { bits as usize / 8 };
                stored.chunks_exact_mut(unit).for_each(|c| c.reverse());
            }
            l.byte_order = ByteOrder::Big;
            let z = codec::encode(&opts(C::DEFLATE, 1), &stored, &layout(13, 3, 2, format, bits, 1)).unwrap();
            assert_eq!(
                codec::decode(C::DEFLATE, &z, &l).unwrap(),
                data,
                "{:?}/{} predictor {}",
                format,
                bits,
                predictor
            );
        }
    }
}

#[test]
fn truncated_and_corrupt_streams_are_format_errors() {
    let l = layout(64, 32, 1, SampleFormat::Uint, 16, 2);
    let data = pixels(l.decoded_bytes().unwrap(), 9);
    for &comp in LOSSLESS {
        let p = if matches!(comp, C::PACKBITS | C::NONE) { 1 } else { 2 };
        let enc = codec::encode(&opts(comp, p), &data, &l).unwrap();
        let lp = layout(64, 32, 1, SampleFormat::Uint, 16, p);
        for cut in [0, 1, enc.len() / 2] {
            match codec::decode(comp, &enc[..cut], &lp) {
                Err(e) => assert_eq!(e.kind, ErrorKind::Format, "codec {} cut {}: {}", comp, cut, e.message),
                Ok(_) => panic!("codec {}: a stream cut at {} of {} bytes decoded", comp, cut, enc.len()),
            }
        }
        // losing only the last byte may lose nothing but an end code (LZW):
        // then the pixels must still be right
        if let Ok(out) = codec::decode(comp, &enc[..enc.len() - 1], &lp) {
            assert!(out == data, "codec {}: a stream missing its last byte decoded to wrong pixels", comp);
        }
        // flipped bytes: an error or some output, never a panic
        for i in (0..enc.len()).step_by(enc.len() / 17 + 1) {
            let mut bad = enc.clone();
            bad[i] ^= 0x5A;
            if let Ok(out) = codec::decode(comp, &bad, &lp) {
                assert_eq!(out.len(), data.len());
            }
        }
    }
    let e = codec::decode(C::DEFLATE, b"this is not zlib", &l).unwrap_err();
    assert!(e.message.contains("deflate stream is corrupt"), "{}", e.message);
    let e = codec::decode(C::ZSTD, b"\x28\xb5\x2f\xfdgarbage", &l).unwrap_err();
    assert!(e.message.contains("zstd"), "{}", e.message);
}

#[test]
fn streams_expanding_past_the_block_are_refused() {
    // 1 MiB of zeros compresses to a few hundred bytes: a small bomb
    let big = layout(1024, 1024, 1, SampleFormat::Uint, 8, 1);
    let zeros = vec![0u8; 1024 * 1024];
    let small = layout(16, 16, 1, SampleFormat::Uint, 8, 1);
    for &comp in &[C::LZW, C::DEFLATE, C::PACKBITS, C::ZSTD] {
        let enc = codec::encode(&opts(comp, 1), &zeros, &big).unwrap();
        let Err(e) = codec::decode(comp, &enc, &small) else { panic!("codec {}: bomb decoded", comp) };
        assert_eq!(e.kind, ErrorKind::Format, "codec {}", comp);
        assert!(e.message.contains("expands beyond"), "codec {}: {}", comp, e.message);
    }
    // a declared block beyond the allocation limit is refused before allocating
    let huge = layout(1 << 20, 1 << 20, 4, SampleFormat::Uint, 8, 1);
    let e = codec::decode(C::DEFLATE, &[0x78, 0x9c], &huge).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit);
    // a stream far too small for its (allowed) block is refused before allocating
    let big_ok = layout(16384, 16384, 4, SampleFormat::Uint, 8, 1);
    for comp in [C::DEFLATE, C::LZW, C::PACKBITS] {
        let e = codec::decode(comp, &[0x78, 0x9c, 0, 0], &big_ok).unwrap_err();
        assert!(e.message.contains("cannot hold a block of 1073741824 bytes"), "{}", e.message);
    }
}

#[test]
fn unsupported_codecs_say_so() {
    assert!(!C::can_decode(C(34887)));
    assert!(C::can_decode(C::JPEG) && C::can_decode(C::WEBP));
    let l = layout(4, 4, 1, SampleFormat::Uint, 8, 1);
    let e = codec::decode(C(34887), &[0; 16], &l).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("LERC"), "{}", e.message);
    let e = codec::encode(&opts(C::PACKBITS, 2), &[0; 16], &l).unwrap_err();
    assert!(e.message.contains("predictor"), "{}", e.message);
}

fn gradient_rgb(w: usize, h: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            v.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, ((x + y) * 2) as u8]);
        }
    }
    v
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap()
}

#[test]
fn jpeg_round_trips_with_tables_split_as_libtiff_stores_them() {
    for (samples, photometric) in [(1usize, 1u16), (3, 6), (3, 2)] {
        let mut l = layout(48, 32, samples, SampleFormat::Uint, 8, 1);
        l.photometric = Photometric(photometric);
        let data =
            if samples == 3 { gradient_rgb(48, 32) } else { gradient_rgb(48, 32).iter().step_by(3).copied().collect() };
        let full = codec::encode(&EncodeOptions { quality: Some(90), ..opts(C::JPEG, 1) }, &data, &l).unwrap();
        let (tables, block) = codec::split_jpeg_tables(&full).unwrap();
        assert_eq!(&tables[..2], &[0xFF, 0xD8]);
        assert_eq!(&tables[tables.len() - 2..], &[0xFF, 0xD9]);
        assert!(tables.windows(2).any(|m| m == [0xFF, 0xDB]), "tables hold DQT");
        assert!(tables.windows(2).any(|m| m == [0xFF, 0xC4]), "tables hold DHT");
        assert!(!block.windows(2).any(|m| m == [0xFF, 0xDB]), "block has no DQT");
        assert!(!block.windows(2).any(|m| m == [0xFF, 0xE0]), "block has no APP0");
        let direct = codec::decode(C::JPEG, &full, &l).unwrap();
        l.jpeg_tables = Some(tables);
        let spliced = codec::decode(C::JPEG, &block, &l).unwrap();
        assert_eq!(direct, spliced);
        let d = max_diff(&direct, &data);
        assert!(d <= 24, "samples {} photometric {}: max diff {}", samples, photometric, d);
        // truncated block: an error, not a panic
        let _ = codec::decode(C::JPEG, &block[..block.len() / 2], &l);
        assert!(codec::decode(C::JPEG, &block[..10], &l).is_err());
    }
    // a JPEG frame larger than the block is refused before decoding
    let l = layout(64, 64, 1, SampleFormat::Uint, 8, 1);
    let full = codec::encode(&opts(C::JPEG, 1), &[128; 64 * 64], &l).unwrap();
    assert!(codec::decode(C::JPEG, &full, &layout(16, 16, 1, SampleFormat::Uint, 8, 1)).is_err());
}

#[test]
fn webp_lossless_is_exact_and_lossy_is_close() {
    for samples in [3usize, 4] {
        let l = layout(40, 24, samples, SampleFormat::Uint, 8, 1);
        let rgb = gradient_rgb(40, 24);
        let data: Vec<u8> = if samples == 3 {
            rgb
        } else {
            // alpha 0 on some pixels: lossless must keep their RGB (exact mode)
            rgb.chunks(3).enumerate().flat_map(|(i, p)| [p[0], p[1], p[2], if i % 5 == 0 { 0 } else { 255 }]).collect()
        };
        let lossless = codec::encode(&EncodeOptions { quality: Some(100), ..opts(C::WEBP, 1) }, &data, &l).unwrap();
        assert_eq!(codec::decode(C::WEBP, &lossless, &l).unwrap(), data);
        let lossy = codec::encode(&EncodeOptions { quality: Some(90), ..opts(C::WEBP, 1) }, &data, &l).unwrap();
        let back = codec::decode(C::WEBP, &lossy, &l).unwrap();
        let mean: f64 = back.iter().zip(&data).map(|(a, b)| a.abs_diff(*b) as f64).sum::<f64>() / data.len() as f64;
        assert!(mean < 4.0, "lossy mean diff {}", mean);
        assert!(codec::decode(C::WEBP, &lossy[..lossy.len() / 2], &l).is_err());
        assert!(codec::decode(C::WEBP, &lossy, &layout(20, 24, samples, SampleFormat::Uint, 8, 1)).is_err());
    }
}

#[test]
fn gdal_checksum_follows_gdal_rules() {
    // 0..11 as bytes: each value below its prime, so the sum is 0+1+...+10 + 11%7
    let data: Vec<u8> = (0..12).collect();
    assert_eq!(checksum::gdal_checksum(&data, 1, 0, SampleFormat::Uint, 1), 55 + 4);
    // band selection in interleaved data
    let two: Vec<u8> = (0..12u8).flat_map(|v| [v, 200]).collect();
    assert_eq!(checksum::gdal_checksum(&two, 2, 0, SampleFormat::Uint, 1), 59);
    // floats: +0.5 then floor; NaN counts as i32::MIN (third value: remainder mod 13)
    let f: Vec<u8> = [1.4f32, 1.6, f32::NAN].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(checksum::gdal_checksum(&f, 1, 0, SampleFormat::Float, 4), (1 + 2 + (i32::MIN % 13)) as u16);
    // negative integers keep C's remainder sign, the sum wraps to 16 bits
    let i: Vec<u8> = [-8i16].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(checksum::gdal_checksum(&i, 1, 0, SampleFormat::Int, 2), 65535);
    // UInt32 beyond i32 clamps to i32::MAX
    let u = u32::MAX.to_le_bytes();
    assert_eq!(checksum::gdal_checksum(&u, 1, 0, SampleFormat::Uint, 4), (i32::MAX % 7) as u16);
}

#[test]
fn mutated_streams_never_panic() {
    // A thousand mutations of a valid block per codec: flips, cuts,
    // duplications. Every outcome is an error or a block of the right size.
    let rgb = gradient_rgb(32, 24);
    let mut cases: Vec<(C, BlockLayout, Vec<u8>)> = Vec::new();
    for &comp in LOSSLESS {
        let p = if matches!(comp, C::PACKBITS | C::NONE) { 1 } else { 2 };
        let l = layout(32, 24, 3, SampleFormat::Uint, 8, p);
        cases.push((comp, l.clone(), codec::encode(&opts(comp, p), &rgb, &l).unwrap()));
    }
    let mut jl = layout(32, 24, 3, SampleFormat::Uint, 8, 1);
    jl.photometric = Photometric::YCBCR;
    let full = codec::encode(&opts(C::JPEG, 1), &rgb, &jl).unwrap();
    let (tables, block) = codec::split_jpeg_tables(&full).unwrap();
    jl.jpeg_tables = Some(tables);
    cases.push((C::JPEG, jl, block));
    let wl = layout(32, 24, 3, SampleFormat::Uint, 8, 1);
    for q in [80u8, 100] {
        cases.push((
            C::WEBP,
            wl.clone(),
            codec::encode(&EncodeOptions { quality: Some(q), ..opts(C::WEBP, 1) }, &rgb, &wl).unwrap(),
        ));
    }
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut runs = 0;
    for (comp, l, good) in &cases {
        let expected = l.decoded_bytes().unwrap();
        for _ in 0..1000 {
            let mut m = good.clone();
            match next() % 4 {
                0 => {
                    for _ in 0..1 + next() % 4 {
                        let i = (next() as usize) % m.len();
                        m[i] ^= 1 << (next() % 8);
                    }
                }
                1 => m.truncate((next() as usize) % m.len()),
                2 => {
                    let i = (next() as usize) % m.len();
                    let tail = m[i..].to_vec();
                    m.extend_from_slice(&tail);
                }
                _ => {
                    let i = (next() as usize) % m.len();
                    m[i] = [0x00, 0xFF, 0x80, 0x7F][(next() % 4) as usize];
                }
            }
            if let Ok(out) = codec::decode(*comp, &m, l) {
                assert_eq!(out.len(), expected, "codec {}", comp);
            }
            runs += 1;
        }
    }
    assert_eq!(runs, cases.len() * 1000);
}

#[test]
fn masks_pack_to_one_bit_rows_and_round_trip() {
    let (w, h) = (11usize, 3usize);
    let mask: Vec<u8> = (0..w * h).map(|i| if i % 3 == 0 { 255 } else { 0 }).collect();
    let packed = codec::pack_mask_rows(&mask, w, h);
    assert_eq!(packed.len(), 2 * h);
    assert_eq!(packed[0], 0b1001_0010);
    assert_eq!(packed[1], 0b0100_0000);
    let l = layout(w, h, 1, SampleFormat::Uint, 1, 1);
    let z = codec::encode(&opts(C::DEFLATE, 1), &packed, &l).unwrap();
    assert_eq!(codec::decode(C::DEFLATE, &z, &l).unwrap(), packed);
}
