//! Tiles are compressed on a pool of their own while the pipeline goes on
//! reading, resampling and cutting the next ones: no core waits for the
//! slowest tile of a row, and reading the input overlaps compression.
//!
//! Memory stays bounded: the bytes of tiles submitted and not yet written
//! are capped by a budget (a couple of full-resolution tile rows); past it,
//! `submit` first takes finished tiles off the queue.

use crate::create::pipeline::sample::Sample;
use crate::create::pipeline::spill::Spills;
use crate::create::pipeline::tile_encoder::{CutTile, EncodedTile, TileEncoder};
use crate::{Error, Result};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

pub struct EncodeQueue<'p> {
    pool: &'p rayon::ThreadPool,
    encoder: Arc<TileEncoder>,
    tx: Sender<Result<EncodedTile>>,
    rx: Receiver<Result<EncodedTile>>,
    /// Bytes of tiles submitted and not yet written to a spill.
    in_flight: u64,
    /// Jobs submitted whose result has not been received.
    outstanding: usize,
    budget: u64,
}

impl<'p> EncodeQueue<'p> {
    pub fn new(pool: &'p rayon::ThreadPool, encoder: TileEncoder, budget: u64) -> EncodeQueue<'p> {
        let (tx, rx) = channel();
        EncodeQueue { pool, encoder: Arc::new(encoder), tx, rx, in_flight: 0, outstanding: 0, budget }
    }

    /// Queue one tile for encoding. Finished tiles are handed to `out` as
    /// they come; `done` counts them (progress).
    pub fn submit<T: Sample>(&mut self, cut: CutTile<T>, out: &mut Spills, done: &mut dyn FnMut(u64)) -> Result<()> {
        let held = cut.held_bytes();
        while self.outstanding > 0 && self.in_flight + held > self.budget {
            self.receive(out, done)?;
        }
        self.in_flight += held;
        self.outstanding += 1;
        let (encoder, tx) = (Arc::clone(&self.encoder), self.tx.clone());
        let (level, index) = (cut.level, cut.index);
        self.pool.spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| encoder.encode(cut)))
                .unwrap_or_else(|p| Err(panicked(level, index, &*p)));
            // A closed channel means the run already failed: nothing to report to.
            let _ = tx.send(r);
        });
        while let Ok(r) = self.rx.try_recv() {
            self.accept(r, out, done)?;
        }
        Ok(())
    }

    /// Wait for every submitted tile.
    pub fn finish(&mut self, out: &mut Spills, done: &mut dyn FnMut(u64)) -> Result<()> {
        while self.outstanding > 0 {
            self.receive(out, done)?;
        }
        Ok(())
    }

    fn receive(&mut self, out: &mut Spills, done: &mut dyn FnMut(u64)) -> Result<()> {
        let r = self.rx.recv().map_err(|_| Error::format("internal error: the tile encoders stopped"))?;
        self.accept(r, out, done)
    }

    fn accept(&mut self, r: Result<EncodedTile>, out: &mut Spills, done: &mut dyn FnMut(u64)) -> Result<()> {
        self.outstanding -= 1;
        let freed = out.put(r?)?;
        self.in_flight -= freed;
        done(1);
        Ok(())
    }
}

fn panicked(level: usize, index: usize, payload: &(dyn std::any::Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    Error::format(format!("internal error encoding tile {} of level {}: {}", index, level, what))
}
