//! The two halves of a distributed run, called by `convert::write_cog`
//! once the plan is resolved:
//! [`part`] computes and stages one stripe, [`assemble`] checks the staged
//! parts, computes the levels above k and writes OUTPUT.

use super::plan::{self, PartPlan};
use super::stage::{self, PartStage, Piece, StageSink, StagedPart};
use crate::create::config::Config;
use crate::create::encode::{DistWork, SharedStage, encode_levels, segment_worst, worst_case_bytes};
use crate::create::input::info::InputInfo;
use crate::create::input::rows::Sources;
use crate::create::layout::ifd::CogIfd;
use crate::create::layout::plan::{IfdOrder, choose_bigtiff, plan as plan_layout};
use crate::create::options::CreateOptions;
use crate::create::pipeline::levels::LevelSource;
use crate::create::pipeline::repack::Plan;
use crate::create::pipeline::spill::Spills;
use crate::create::report::{Progress, Summary};
use crate::create::sink::cloud_stream::ObjectStream;
use crate::create::sink::segments::LocalSegments;
use crate::{Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What both halves share: the resolved plan of the run.
pub(crate) struct Job<'a> {
    pub output: &'a str,
    pub o: &'a CreateOptions,
    /// How an S3 OUTPUT (and its staging) is reached.
    pub remote: &'a crate::source::OpenOptions,
    pub cfg: &'a Config,
    pub inp: &'a InputInfo,
    pub ifds: &'a [CogIfd],
    pub order: IfdOrder,
}

impl Job<'_> {
    fn planes(&self) -> usize {
        if self.cfg.separate { self.cfg.bands } else { 1 }
    }

    fn spills(&self, sink: Box<dyn crate::create::sink::SegmentSink>) -> Spills {
        let order = self.order;
        Spills::streaming(
            sink,
            self.planes(),
            &self.ifds.iter().map(|i| i.tiles).collect::<Vec<_>>(),
            (0..order.levels).map(|l| order.image(l)).collect(),
            (0..order.levels).map(|l| order.mask(l)).collect(),
            self.cfg.levels.iter().map(|l| l.tiles() as usize).collect(),
        )
    }

    fn fingerprint(&self, p: &PartPlan, count: usize) -> String {
        super::fingerprint(self.o, &format!("{:?}", self.ifds), self.cfg, p.k, count)
    }

    /// The plan of a run in `count` parts.
    fn plan(&self, count: usize) -> PartPlan {
        let fed = !self.cfg.level_sources.contains(&LevelSource::Computed);
        plan::plan(&self.cfg.levels, count, fed)
    }

    /// The tiles of a part, IFD by IFD (image, then mask, level by level
    /// up to k), band by band: (IFD, index) in the order counts.bin keeps.
    fn part_tiles(&self, p: &PartPlan, part: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for level in 0..=p.k {
            let g = self.cfg.levels[level];
            let (r0, r1) = p.rows(&self.cfg.levels, level, part);
            if r1 <= r0 {
                continue;
            }
            let across = g.tiles_across() as usize;
            let (t0, t1) = ((r0 / g.block) as usize * across, (r1.div_ceil(g.block)) as usize * across);
            let per_plane = g.tiles() as usize;
            for p in 0..self.planes() {
                out.extend((t0..t1).map(|t| (self.order.image(level), p * per_plane + t)));
            }
            if let Some(m) = self.order.mask(level) {
                out.extend((t0..t1).map(|t| (m, t)));
            }
        }
        out
    }

    fn summary(&self, bytes: u64, bigtiff: bool, report: Vec<String>) -> Summary {
        Summary {
            levels: self.order.levels,
            with_mask: self.order.with_mask,
            bigtiff,
            bytes,
            verified: false,
            uploaded: None,
            notes: self.cfg.notes(self.inp),
            level_report: report,
        }
    }
}

/// Part `index` of `count`: encode levels 0..=k of its stripe (with the
/// rows its kernel needs from the neighbours), stage their tiles, their
/// sizes and level k's pixels, and move the part into place.
pub(crate) fn part(
    job: &Job,
    src: Sources,
    plans: &[Plan],
    (index, count): (usize, usize),
    recipe: &[String],
    input: &str,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    if count == 0 || index >= count {
        return Err(Error::usage(format!("--part {}/{}: the index must be below the count", index, count)));
    }
    let cfg = job.cfg;
    let p = job.plan(count);
    let stripe = p.stripes[index];
    let busy = !p.idle(&cfg.levels, index);
    // An S3 OUTPUT's part is built in a local temp directory, then uploaded.
    let s3_prefix = stage::staging_url(job.output);
    let local = match &s3_prefix {
        Some(_) => Some(stage::TempDir::new(&job.o.tmpdir.clone().unwrap_or_else(std::env::temp_dir), "part")?),
        None => None,
    };
    let staging = local.as_ref().map_or_else(|| stage::staging_dir(job.output), |t| t.0.clone());
    let segments = cfg.levels.len() * job.planes();
    let stage: SharedStage = Arc::new(Mutex::new(Some(PartStage::create(&staging, index, count, segments)?)));
    let mut spills = job.spills(Box::new(StageSink(stage.clone())));
    let staged: Vec<usize> =
        plan::staged(&cfg.levels, &p, index, cfg.method, cfg.complex).iter().map(|s| s.0).collect();
    if busy {
        for &level in &staged {
            let mut g = lock(&stage)?;
            let st = g.as_mut().ok_or_else(|| Error::format("internal error: staging closed"))?;
            st.open_pixels(level, cfg.with_mask())?;
        }
        for level in 0..=p.k {
            let g = cfg.levels[level];
            let (r0, _) = p.rows(&cfg.levels, level, index);
            spills.start_at(level, (r0 / g.block) as usize * g.tiles_across() as usize);
        }
        let windows = plan::windows(&cfg.levels, &p, index, cfg.method, cfg.complex);
        let dist = DistWork::Part { windows, k: p.k, staged, stage: stage.clone() };
        let stats = encode_levels(cfg, job.o, job.inp, src, plans, &mut spills, progress, &dist)?;
        if let Some(st) = stats {
            let g = lock(&stage)?;
            g.as_ref()
                .ok_or_else(|| Error::format("internal error: staging closed"))?
                .write_file("stats.bin", &st.staged())?;
        }
    }
    let all = spills.counts();
    let counts: Vec<u64> = job.part_tiles(&p, index).iter().map(|&(i, t)| all[i][t]).collect();
    let manifest = json!({
        "format": stage::MANIFEST_FORMAT,
        "cogtool": env!("CARGO_PKG_VERSION"),
        "part": index,
        "parts": count,
        "k": p.k,
        "stripe": [stripe.0, stripe.1],
        "input": input,
        "fingerprint": job.fingerprint(&p, count),
        "recipe": recipe,
    });
    drop(spills);
    let st = lock(&stage)?.take().ok_or_else(|| Error::format("internal error: staging closed"))?;
    let done = st.commit(&counts, manifest)?;
    if let Some(prefix) = &s3_prefix {
        stage::upload_part(&done, prefix, job.remote)?;
    }
    let staging = s3_prefix.map_or(staging, PathBuf::from);
    let rows = if p.fed && busy {
        format!("its share of the tile rows of levels 0 to {} (all read, none computed)", p.k)
    } else if busy {
        format!("rows {} to {} of full resolution, levels 0 to {}", stripe.0, stripe.1, p.k)
    } else {
        "nothing (more parts than stripes)".to_string()
    };
    let report = vec![format!("part {} of {}: {} staged in {}", index, count, rows, staging.display())];
    Ok(job.summary(0, false, report))
}

fn lock(stage: &SharedStage) -> Result<std::sync::MutexGuard<'_, Option<PartStage>>> {
    stage.lock().map_err(|_| Error::format("internal error: staging lock"))
}

/// Check the `count` staged parts of OUTPUT, compute the levels above k
/// from their level-k pixels, and write OUTPUT: the head, then every level
/// in file order, the parts' staged tiles referenced, not copied twice.
/// The staging is removed once OUTPUT is in place.
pub(crate) fn assemble(
    job: &Job,
    src: Sources,
    plans: &[Plan],
    count: usize,
    input: &str,
    scratch: &Path,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    let cfg = job.cfg;
    let p = job.plan(count);
    let staging = stage::staging_dir(job.output);
    let s3_prefix = stage::staging_url(job.output);
    // An S3 staging's small files are copied here for the assembly.
    let mirror = match &s3_prefix {
        Some(_) => Some(stage::TempDir::new(scratch, "assemble")?),
        None => None,
    };
    let want = job.fingerprint(&p, count);
    let (mut missing, mut wrong, mut parts) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..count {
        let found = match (&s3_prefix, &mirror) {
            (Some(prefix), Some(m)) => StagedPart::open_s3(prefix, i, count, &m.0, job.remote)?,
            _ => StagedPart::open(&staging, i, count),
        };
        match found {
            None => missing.push(i.to_string()),
            Some(part) => {
                let m = &part.manifest;
                if m["cogtool"].as_str() != Some(env!("CARGO_PKG_VERSION")) {
                    wrong.push(format!("{} (made by cogtool {})", i, m["cogtool"]));
                } else if m["input"].as_str() != Some(input) {
                    wrong.push(format!("{} (INPUT changed since: {} then, {} now)", i, m["input"], input));
                } else if m["fingerprint"].as_str() != Some(want.as_str()) || m["part"].as_u64() != Some(i as u64) {
                    wrong.push(format!("{} (made with other options)", i));
                } else {
                    parts.push(part);
                }
            }
        }
    }
    if !missing.is_empty() || !wrong.is_empty() {
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!("part(s) {} of {} missing (not finished, or killed)", missing.join(", "), count));
        }
        if !wrong.is_empty() {
            why.push(format!("part(s) {} do not belong to this run; run them again", wrong.join(", ")));
        }
        return Err(Error::usage(format!("cannot assemble {}: {}", job.output, why.join("; "))));
    }
    let segments = cfg.levels.len() * job.planes();
    let sink: Box<dyn crate::create::sink::SegmentSink> = match &s3_prefix {
        Some(_) => {
            let worst = segment_worst(cfg, job.planes());
            Box::new(ObjectStream::new(job.output, &worst, job.remote, &progress.cancel(), job.o.overwrite)?)
        }
        None => Box::new(LocalSegments::new(Path::new(job.output), scratch, segments)),
    };
    let mut spills = job.spills(sink);
    // The parts' tiles of levels 0..=k, in part order within each segment.
    for level in 0..=p.k {
        for plane in 0..job.planes() {
            let seg = Spills::segment(cfg.levels.len(), job.planes(), level, plane);
            for part in &parts {
                match part.segment(seg) {
                    Some((Piece::File(path), len)) => spills.attach(seg, &path, len)?,
                    Some((Piece::Url(url), len)) => spills.attach_url(seg, &url, len, job.remote)?,
                    None => {}
                }
            }
        }
    }
    if p.k + 1 < cfg.levels.len() {
        // Each staged level's rows, part by part (parts without rows there
        // staged none).
        let mut staged: Vec<(usize, Vec<(PathBuf, u64)>)> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            for (n, (level, (a, b))) in
                plan::staged(&cfg.levels, &p, i, cfg.method, cfg.complex).into_iter().enumerate()
            {
                if staged.len() <= n {
                    staged.push((level, Vec::new()));
                }
                if b > a {
                    staged[n].1.push((part.dir.clone(), b - a));
                }
            }
        }
        encode_levels(cfg, job.o, job.inp, src, plans, &mut spills, progress, &DistWork::Assemble { k: p.k, staged })?;
    } else {
        spills.finish()?;
    }
    let mut counts = spills.counts();
    for (i, part) in parts.iter().enumerate() {
        let sizes = part.counts()?;
        let tiles = job.part_tiles(&p, i);
        if sizes.len() != tiles.len() {
            return Err(Error::format(format!(
                "cannot assemble {}: part {} has {} tile sizes, not {}",
                job.output,
                part.dir.display(),
                sizes.len(),
                tiles.len()
            )));
        }
        for ((i, t), n) in tiles.into_iter().zip(sizes) {
            counts[i][t] = n;
        }
    }
    // Statistics: the parts' block states merged in row order, as a
    // single run merges them; the full-resolution IFD gets the items.
    let mut ifds = job.ifds.to_vec();
    if cfg.statistics {
        let mut st = crate::create::encode::empty_statistics(cfg, job.inp)?;
        for (part, &stripe) in parts.iter().zip(&p.stripes) {
            match part.stats()? {
                Some(b) => st.merge_staged(&b, &part.dir.display().to_string())?,
                None if stripe.1 > stripe.0 => {
                    return Err(Error::format(format!(
                        "cannot assemble {}: part {} has no statistics",
                        job.output,
                        part.dir.display()
                    )));
                }
                None => {}
            }
        }
        let mut with = cfg.clone();
        crate::create::pipeline::stats::insert_items(&mut with.metadata, st.items());
        ifds[job.order.image(0)] = crate::create::config::image_ifd(&with, job.inp, 0);
    }
    let slots = job.order.sequence();
    let bigtiff = choose_bigtiff(job.o.bigtiff, &ifds, &counts, job.order, worst_case_bytes(cfg, &ifds, &slots))?;
    let layout = plan_layout(&ifds, &counts, job.order, bigtiff);
    let (bytes, _) = spills.finish_stream(layout.head.clone())?;
    if bytes != layout.total_len {
        return Err(Error::format(format!(
            "internal error: the layout has {} bytes but {} were written",
            layout.total_len, bytes
        )));
    }
    match &s3_prefix {
        Some(prefix) => crate::source::delete_prefix(prefix, job.remote)?,
        None => std::fs::remove_dir_all(&staging)
            .map_err(|e| Error::io(format!("{}: {}", staging.display(), crate::error::describe_io(&e))))?,
    }
    let report = vec![format!(
        "assembled from {} parts (levels 0 to {} staged, {} computed here)",
        count,
        p.k,
        cfg.levels.len() - p.k - 1
    )];
    Ok(job.summary(bytes, bigtiff, report))
}
