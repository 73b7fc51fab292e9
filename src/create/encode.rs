//! The engine of `create`: every level of the pyramid computed and encoded
//! into [`Spills`], for a single run, for one part of a distributed run
//! (its stripe and halo, staging level k's pixels) and for the assembly
//! (the levels above k from the staged pixels). Reading rows, feeding the
//! pyramid, statistics, and the tile-encoding pools live here;
//! [`crate::create::convert`] decides what to write and writes it.

use crate::create::config::{Config, MaskSource};
use crate::create::input::info::InputInfo;
use crate::create::input::rows::{RowSource, Sources};
use crate::create::layout::ifd::CogIfd;
use crate::create::layout::plan::IfdSlot;
use crate::create::options::CreateOptions;
use crate::create::parts::stage::PartStage;
use crate::create::pipeline::encode_queue::EncodeQueue;
use crate::create::pipeline::levels::LevelSource;
use crate::create::pipeline::pyramid::{LevelWindow, Pyramid, StagedRows};
use crate::create::pipeline::repack::{self, Plan};
use crate::create::pipeline::sample::{Sample, for_sample_type, from_le_into};
use crate::create::pipeline::spill::Spills;
use crate::create::pipeline::stats::{Statistics, Validity};
use crate::create::pipeline::tile_encoder::{CutTile, TileEncoder};
use crate::create::report::Progress;
use crate::{Error, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// Every level of the pyramid computed and encoded into `spills`, on two
/// pools of `--threads`: one compresses tiles, the other reads and
/// resamples (in parallel where it can) and cuts the next tiles meanwhile.
/// Returns the band statistics when they are computed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_levels(
    cfg: &Config,
    o: &CreateOptions,
    inp: &InputInfo,
    src: Sources,
    plans: &[Plan],
    spills: &mut Spills,
    progress: &mut dyn Progress,
    dist: &DistWork,
) -> Result<Option<Statistics>> {
    let threads = o.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let pool = |name: &'static str| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("cogtool-{}-{}", name, i))
            .build()
            .map_err(|e| Error::io(format!("cannot start {} threads: {}", threads, e)))
    };
    let (work_pool, encode_pool) = (pool("read")?, pool("encode")?);
    let total_tiles: u64 = cfg.levels.iter().map(|l| l.tiles_down() * l.tiles_across()).sum();
    progress.start(total_tiles);
    // Levels whose stored tiles fit are copied first, a tile row at a time.
    let cancel = progress.cancel();
    for (level, p) in plans.iter().enumerate() {
        if let Plan::Copy { from, image, mask } = p {
            let g = cfg.levels[level];
            // A part copies its stripe's tile rows; the assembly the levels above k.
            let rows = match dist {
                DistWork::None => Some(0..g.tiles_down() as usize),
                DistWork::Part { windows, .. } => windows[level].map(|w| {
                    let b = g.block as usize;
                    if w.cut_end > w.cut_start { w.cut_start / b..w.cut_end.div_ceil(b) } else { 0..0 }
                }),
                DistWork::Assemble { k, .. } => (level > *k).then(|| 0..g.tiles_down() as usize),
            };
            let Some(rows) = rows else { continue };
            let mut done = |n: u64| progress.tiles(n);
            let (stored, mask) = (&src.stored[*from], mask.as_ref());
            repack::copy_level(cfg, level, stored, image, mask, spills, rows, &cancel, &mut done)?;
        }
    }
    let mut decoded = repack::decoded(cfg, plans);
    // Statistics need the full resolution's pixels even when its tiles are copied.
    decoded[0] |= cfg.statistics;
    let fed = Feeds { decoded, cut: plans.iter().map(|p| !p.is_copy()).collect(), dist };
    let mut stats = None;
    if fed.decoded.iter().any(|&d| d) {
        stats = work_pool.install(|| run_pyramid(cfg, inp, src, &fed, &encode_pool, spills, progress))?;
    }
    spills.finish()?;
    progress.finish();
    Ok(stats)
}

/// The largest size the tile data could take (every tile stored raw, plus
/// its leader and trailer): with `BIGTIFF=IF_SAFER`, GDAL's rule.
pub(crate) fn worst_case_bytes(cfg: &Config, ifds: &[CogIfd], slots: &[IfdSlot]) -> u64 {
    ifds.iter()
        .zip(slots)
        .map(|(ifd, slot)| {
            let planes = if cfg.separate { cfg.bands } else { 1 };
            let per_tile = if matches!(slot, IfdSlot::Mask(_)) {
                1u64 << 16
            } else {
                (cfg.sample_bytes * cfg.bands / planes) as u64 * cfg.levels[0].block.pow(2)
            };
            ifd.tiles * (per_tile + 8)
        })
        .sum()
}

/// The largest size each streamed segment could take (file order, see
/// [`Spills::segment`]): its tiles stored raw, framed, each mask tile (one
/// byte per pixel at most) with its band-1 tile. Only an estimate for the
/// part numbering: compressed tiles may exceed it, which the S3 part
/// planner absorbs.
pub(crate) fn segment_worst(cfg: &Config, planes: usize) -> Vec<u64> {
    let mut worst = vec![0; cfg.levels.len() * planes];
    for (level, g) in cfg.levels.iter().enumerate() {
        let pixels = g.block * g.block;
        let image = (cfg.sample_bytes * cfg.bands / planes) as u64 * pixels + 8;
        for plane in 0..planes {
            let mut w = g.tiles() * image;
            if plane == 0 && cfg.with_mask() {
                w += g.tiles() * (pixels + 8);
            }
            worst[Spills::segment(cfg.levels.len(), planes, level, plane)] = w;
        }
    }
    worst
}

/// Which levels are decoded (fed levels whose pixels are needed) and which
/// cut into tiles (those not copied): see [`repack`].
struct Feeds<'d> {
    decoded: Vec<bool>,
    cut: Vec<bool>,
    dist: &'d DistWork,
}

/// The share of a distributed run (see [`crate::create::parts`]).
pub(crate) enum DistWork {
    /// A single run: everything.
    None,
    /// A part: what each level handles (it cuts levels up to `k`); the
    /// levels whose pixels are staged and where they go.
    Part { windows: Vec<Option<LevelWindow>>, k: usize, staged: Vec<usize>, stage: SharedStage },
    /// The assembly: levels up to `k` are the parts' tiles; each staged
    /// level's rows come from the parts' pixels (each part's directory and
    /// its number of rows, in order); the other levels above k are
    /// computed.
    Assemble { k: usize, staged: Vec<(usize, Vec<(PathBuf, u64)>)> },
}

/// A part's staging, shared by the tile sink and the staged rows.
pub(crate) type SharedStage = Arc<std::sync::Mutex<Option<PartStage>>>;

/// Bytes of one sample component, and components per sample (2 for the
/// real and imaginary parts of complex samples, else 1).
fn components(cfg: &Config, inp: &InputInfo) -> (usize, usize) {
    if inp.is_complex() { (cfg.sample_bytes / 2, 2) } else { (cfg.sample_bytes, 1) }
}

/// Dispatch on the sample type, then stream the rows through the pyramid.
fn run_pyramid(
    cfg: &Config,
    inp: &InputInfo,
    src: Sources,
    fed: &Feeds,
    encode_pool: &rayon::ThreadPool,
    spills: &mut Spills,
    progress: &mut dyn Progress,
) -> Result<Option<Statistics>> {
    let (comp_bytes, parts) = components(cfg, inp);
    for_sample_type!(inp.sample_format, comp_bytes,
        T => stream::<T>(cfg, inp, src, fed, encode_pool, spills, progress, parts),
        _ => Err(Error::unsupported(format!("{}-byte {} samples", comp_bytes, inp.sample_format.name()))))
}

#[allow(clippy::too_many_arguments)]
fn stream<T: Sample>(
    cfg: &Config,
    inp: &InputInfo,
    src: Sources,
    fed: &Feeds,
    encode_pool: &rayon::ThreadPool,
    spills: &mut Spills,
    progress: &mut dyn Progress,
    parts: usize,
) -> Result<Option<Statistics>> {
    let comps = cfg.bands * parts;
    let mut stats: Option<Statistics> = None;
    // Tiles in flight: half a row of full-resolution tiles plus two per
    // thread keeps every encoder busy while the next rows are read (each
    // finished tile makes room for the next one) without holding more.
    let l0 = &cfg.levels[0];
    let tile_bytes = (l0.block * l0.block) as usize * comps * T::BYTES;
    let budget = (l0.tiles_across().div_ceil(2) as usize + 2 * encode_pool.current_num_threads()) * tile_bytes;
    let mut queue = EncodeQueue::new(encode_pool, TileEncoder::new(cfg, comps, inp.sample_format), budget as u64);
    let cancel = progress.cancel();
    let mut done = |n: u64| progress.tiles(n);
    {
        let sink = |cut: CutTile<T>| {
            cancel.check("conversion stopped, temporary files removed")?;
            queue.submit(cut, spills, &mut done)
        };
        let mut pyr = Pyramid::<T, _>::new(cfg, comps, cfg.with_mask(), &fed.cut, sink);
        let mut rows0 = (0, inp.height);
        // Full-resolution rows the statistics count: a part's own stripe.
        let mut counted = rows0;
        match fed.dist {
            DistWork::None => {}
            DistWork::Part { windows, k, staged, stage } => {
                let keep = staged
                    .iter()
                    .map(|&level| {
                        let stage = stage.clone();
                        let f: StagedRows<'static, T> = Box::new(move |data: &[T], valid: Option<&[u8]>| {
                            let mut g = stage.lock().map_err(|_| Error::format("internal error: staging lock"))?;
                            let st = g.as_mut().ok_or_else(|| Error::format("internal error: staging closed"))?;
                            st.write_pixels(level, bytemuck::cast_slice(data), valid)
                        });
                        (level, f)
                    })
                    .collect();
                pyr.restrict(windows, *k, keep);
                let w0 = windows[0].expect("a part with rows has a full-resolution window");
                rows0 = (w0.start as u64, w0.end as u64);
                counted = (w0.cut_start as u64, w0.cut_end as u64);
            }
            DistWork::Assemble { k, staged } => {
                pyr.only_above(*k, &staged.iter().map(|s| s.0).collect::<Vec<_>>());
                for (level, parts) in staged {
                    feed_staged(cfg, *level, parts, comps, &mut pyr)?;
                }
                rows0 = (0, 0);
            }
        }
        if cfg.statistics {
            let new = Statistics::new::<T>(cfg.bands, parts, validity(cfg), rows0.0, counted);
            // A part keeps each block's state for the assembly to merge.
            stats = Some(if matches!(fed.dist, DistWork::Part { .. }) { new.keep_blocks() } else { new });
        }
        if fed.decoded[0] && rows0.1 > rows0.0 {
            let full = Fed { level: 0, width: inp.width, rows: rows0, image: src.image, mask: src.mask };
            feed_rows(cfg, &full, &mut pyr, parts, stats.as_mut())?;
        }
        // Levels taken from the input's own overviews, one after the other.
        for (level, s) in cfg.level_sources.iter().enumerate() {
            if let LevelSource::Copied(i) = *s
                && fed.decoded[level]
            {
                let (g, rows) = (cfg.levels[level], &src.overviews[i]);
                let mask = if cfg.mask == MaskSource::InputMask { rows.mask } else { None };
                // A part reads its window of the level only.
                let window = match fed.dist {
                    DistWork::Part { windows, .. } => windows[level].map_or((0, 0), |w| (w.start as u64, w.end as u64)),
                    _ => (0, g.height),
                };
                if window.1 > window.0 {
                    let fed = Fed { level, width: g.width, rows: window, image: rows.image, mask };
                    feed_rows(cfg, &fed, &mut pyr, parts, None)?;
                }
            }
        }
    }
    queue.finish(spills, &mut done)?;
    if let Some(s) = stats.as_mut() {
        s.finish::<T>();
    }
    Ok(stats)
}

/// Empty statistics of the output's bands, for a distributed run's
/// assembly to merge the parts' staged blocks into.
pub(crate) fn empty_statistics(cfg: &Config, inp: &InputInfo) -> Result<Statistics> {
    let (comp_bytes, parts) = components(cfg, inp);
    for_sample_type!(inp.sample_format, comp_bytes,
        T => Ok(Statistics::new::<T>(cfg.bands, parts, validity(cfg), 0, (0, 0))),
        _ => Err(Error::unsupported(format!("{}-byte {} samples", comp_bytes, inp.sample_format.name()))))
}

/// Which samples statistics count, as GDAL decides: by nodata when the
/// output has one (even one its type cannot hold: then all count), else by
/// the output's mask, else by an alpha band that masks the others.
fn validity(cfg: &Config) -> Validity {
    let has_nodata = cfg.nodata_text.is_some();
    Validity {
        nodata: cfg.nodata.filter(|_| has_nodata),
        use_mask: !has_nodata && cfg.with_mask(),
        alpha: cfg.alpha.filter(|a| !has_nodata && !cfg.with_mask() && a.masks_colour).map(|a| a.index),
    }
}

/// A level whose rows are read rather than computed: full resolution, or
/// one copied from the input's own overviews.
struct Fed<'a> {
    level: usize,
    width: u64,
    /// The rows read: all of them, or a part's window.
    rows: (u64, u64),
    image: &'a dyn RowSource,
    mask: Option<&'a dyn RowSource>,
}

/// Assembling: level `k`'s rows from each part's staged pixels (and
/// validity), in order, a tile row at a time (the levels are fed one after
/// the other: each holds at most a tile row).
fn feed_staged<T: Sample, S: FnMut(CutTile<T>) -> Result<()>>(
    cfg: &Config,
    k: usize,
    staged: &[(PathBuf, u64)],
    comps: usize,
    pyr: &mut Pyramid<T, S>,
) -> Result<()> {
    use std::io::Read;
    let g = cfg.levels[k];
    let row_samples = g.width as usize * comps;
    let open = |p: PathBuf| {
        std::fs::File::open(&p).map_err(|e| Error::io(format!("{}: {}", p.display(), crate::error::describe_io(&e))))
    };
    let (mut bytes, mut samples) = (Vec::new(), Vec::<T>::new());
    let (pixel_file, valid_file) = crate::create::parts::stage::pixel_files(k);
    for (dir, rows) in staged {
        let mut pixels = std::io::BufReader::new(open(dir.join(&pixel_file))?);
        let mut valid =
            if cfg.with_mask() { Some(std::io::BufReader::new(open(dir.join(&valid_file))?)) } else { None };
        let mut left = *rows;
        while left > 0 {
            let n = left.min(g.block) as usize;
            bytes.resize(n * row_samples * T::BYTES, 0);
            pixels.read_exact(&mut bytes).map_err(|e| Error::io(format!("{}: {}", dir.display(), e)))?;
            from_le_into(&bytes, &mut samples);
            let v = match valid.as_mut() {
                Some(r) => {
                    let mut v = vec![0u8; n * g.width as usize];
                    r.read_exact(&mut v).map_err(|e| Error::io(format!("{}: {}", dir.display(), e)))?;
                    Some(v)
                }
                None => None,
            };
            pyr.push(k, &samples, v)?;
            left -= n as u64;
        }
    }
    Ok(())
}

/// Read a fed level band by band, split off the mask, push into the
/// pyramid (`parts`: 2 for complex samples, else 1).
fn feed_rows<T: Sample, S: FnMut(CutTile<T>) -> Result<()>>(
    cfg: &Config,
    fed: &Fed,
    pyr: &mut Pyramid<T, S>,
    parts: usize,
    mut stats: Option<&mut Statistics>,
) -> Result<()> {
    let (reader, mask_reader, level) = (fed.image, fed.mask, fed.level);
    let width = fed.width as usize;
    let (src_comps, comps) = (cfg.src_bands * parts, cfg.bands * parts);
    let nodata = cfg.nodata;
    let step = reader.band_rows(cfg.levels[level].block);
    // Buffers reused band after band: the same pages every time.
    let (mut bytes, mut samples, mut colour) = (Vec::new(), Vec::<T>::new(), Vec::<T>::new());
    let (mut y, height) = fed.rows;
    // Without a mask to split off, the rows are read straight into the
    // pyramid's own buffer (on a little-endian machine their bytes are the
    // samples): one copy of every sample less.
    let in_place = matches!(cfg.mask, MaskSource::None) && src_comps == comps && cfg!(target_endian = "little");
    while y < height {
        // Bands on multiples of `step` (a part starts mid-band): each read
        // decodes its own input blocks, none twice.
        let y1 = ((y / step + 1) * step).min(height);
        if in_place {
            let rows = (y1 - y) as usize;
            pyr.push_with(level, rows, |dst| {
                reader.read_rows_to(y, y1, T::le_bytes_mut(dst).expect("little-endian"))?;
                if let Some(s) = stats.as_deref_mut() {
                    s.add(dst, width, None);
                }
                Ok(())
            })?;
            y = y1;
            continue;
        }
        reader.read_rows_into(y, y1, &mut bytes)?;
        let all: &[T] = match T::le_slice(&bytes) {
            Some(s) => s,
            None => {
                from_le_into(&bytes, &mut samples);
                &samples
            }
        };
        let n = all.len() / src_comps;
        let (data, valid): (&[T], _) = match cfg.mask {
            MaskSource::None => (all, None),
            MaskSource::Alpha => {
                // The alpha's components leave the pixel, the others stay in order.
                let a = cfg.mask_alpha.expect("alpha band") * parts;
                colour.clear();
                let mut valid = Vec::with_capacity(n);
                for px in all.chunks_exact(src_comps) {
                    colour.extend_from_slice(&px[..a]);
                    colour.extend_from_slice(&px[a + parts..]);
                    valid.push(if px[a].to_f64() != 0.0 { 255 } else { 0 });
                }
                (&colour, Some(valid))
            }
            MaskSource::Nodata => {
                let nd = nodata.unwrap_or(0.0);
                let valid = all
                    .chunks_exact(src_comps)
                    .map(|px| {
                        let all_nd = px.iter().all(|v| {
                            let x = v.to_f64();
                            if nd.is_nan() { x.is_nan() } else { x == nd }
                        });
                        if all_nd { 0 } else { 255 }
                    })
                    .collect();
                (all, Some(valid))
            }
            MaskSource::InputMask => {
                let m = mask_reader.expect("mask reader").read_rows(y, y1)?;
                let rows = (y1 - y) as usize;
                // 1-bit masks come back packed (MSB first, rows padded to bytes).
                let row_bytes = m.len() / rows.max(1);
                let valid: Vec<u8> = if row_bytes.is_multiple_of(width) {
                    // One byte per sample; a per-band mask (several samples)
                    // becomes one dataset mask: valid where any band is.
                    let k = row_bytes / width;
                    m.chunks_exact(k).map(|px| if px.iter().any(|&b| b != 0) { 255 } else { 0 }).collect()
                } else if row_bytes == width.div_ceil(8) {
                    (0..rows * width)
                        .map(|i| {
                            let (r, x) = (i / width, i % width);
                            if m[r * row_bytes + x / 8] & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }
                        })
                        .collect()
                } else {
                    return Err(Error::unsupported(format!(
                        "an internal mask with {} bytes per row of {} pixels",
                        row_bytes, width
                    )));
                };
                (all, Some(valid))
            }
        };
        if let Some(s) = stats.as_deref_mut() {
            s.add(data, width, valid.as_deref());
        }
        pyr.push(level, data, valid)?;
        y = y1;
    }
    Ok(())
}
