//! The CTU rows of a picture coded in wavefront order (WPP: one CABAC substream per row,
//! contexts carried down from the second CTU of the row above), spread over threads.
//!
//! Row `r` belongs to worker `r % threads`. Each worker keeps its own copy of the picture
//! being reconstructed and of its block map; after every CTU it sends the CTU's bottom
//! line of samples and blocks (all that the next row reads of it) to the worker of the
//! next row, which pastes it in before it needs it. A
//! CTU starts once the CTU above and to the right is done, so every sample and block a
//! decision reads (left, above, above-right) is in place, whatever the thread count: the
//! stream is the same for one thread and for many.
//!
//! The worker of the first row never waits, so a picture takes as long as that worker's
//! rows. The others, while they wait for the row above or once out of rows, work out for
//! P-picture CTUs the others will plan next their intra estimates
//! ([`crate::source_intra`]) and the tile SATDs of the vectors just above them
//! ([`crate::tile_cache::SharedTiles`]), which takes that work off the busiest worker.
//! Both are exact, so the plan decides as it would have.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};

use crate::analysis::{CtuSearch, InterRef, Lambda, Preset, TuScratch};
use crate::cabac::{BinSink, CabacWriter, Contexts};
use crate::cu::{BlockInfo, BlockMap, CtuLevels};
use crate::deblock::{deblock_band, deblock_band_top, DeblockParams, EdgeRows, EdgeStrengths};
use crate::edges::{mark_edges, CuQps};
use crate::encoder::{PictureStats, QpPlan};
use crate::plane::Yuv;
use crate::recon_sse::{self, SseArea};
use crate::source_intra::SourceEstimates;
use crate::syntax::{CtuSyntax, PictureLayout};
use crate::tile_cache::SharedTiles;

/// One picture's coding job: everything the workers share, read-only.
pub(crate) struct Picture<'a> {
    pub src: &'a Yuv,
    pub layout: PictureLayout<'a>,
    pub reference: Option<InterRef<'a>>,
    pub slice_qp: i32,
    pub plan: &'a dyn QpPlan,
    pub preset: Preset,
    /// Measure the reconstruction's squared error against the source in this area.
    pub sse: Option<SseArea>,
}

/// What the rows produced, assembled.
pub(crate) struct CodedRows {
    /// The CABAC substream of every CTU row, each byte-aligned.
    pub substreams: Vec<Vec<u8>>,
    /// The picture's reconstruction (deblocked), block map and edges (the assembling worker's
    /// buffers).
    pub buffers: RowBuffers,
    pub stats: PictureStats,
    pub qps: QpSummary,
    /// The reconstruction's squared error per plane, when the job asked for it.
    pub sse: Option<[u64; 3]>,
}

/// What a worker codes into, kept from picture to picture: a picture's worth of fresh,
/// zeroed memory per worker per picture cost more than the deblocking filter.
pub(crate) struct RowBuffers {
    pub rec: Yuv,
    pub map: BlockMap,
    pub edges: EdgeStrengths,
    levels: CtuLevels,
    scratch: Box<TuScratch>,
    /// Messages pasted in, kept to carry this worker's next CTUs: what workers send each
    /// other goes round the ring, so their buffers are allocated once, not per CTU (at
    /// most a row's worth are kept).
    spare: Vec<CtuDone>,
    /// Row bands sent to the assembling worker (see [`RowBand`]), kept the same way.
    bands: Vec<RowBand>,
}

impl std::fmt::Debug for RowBuffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowBuffers")
            .field("width", &self.rec.width())
            .field("height", &self.rec.height())
            .finish_non_exhaustive()
    }
}

impl RowBuffers {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            rec: Yuv::new(width, height),
            map: BlockMap::new(width, height),
            edges: EdgeStrengths::new(width, height),
            levels: CtuLevels::default(),
            scratch: TuScratch::new(),
            spare: Vec::new(),
            bands: Vec::new(),
        }
    }

    /// How many messages are kept for reuse.
    #[cfg(test)]
    pub fn spare_messages(&self) -> usize {
        self.spare.len()
    }

    /// Buffers for a `width` x `height` picture from `pool`, or new ones. What a picture
    /// reads of them it has written first (the block map and the reconstruction only where
    /// available), but for the edge strengths, which are cleared.
    fn take(pool: &mut Vec<RowBuffers>, width: usize, height: usize) -> Self {
        let fits = |b: &RowBuffers| b.rec.width() == width && b.rec.height() == height;
        match pool.pop().filter(fits) {
            Some(mut b) => {
                b.edges.clear();
                b
            }
            None => Self::new(width, height),
        }
    }
}

/// The lowest, highest and area-weighted mean of the CTU QPs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QpSummary {
    pub min: i32,
    pub max: i32,
    weighted: f64,
    area: f64,
}

impl QpSummary {
    fn new() -> Self {
        Self {
            min: i32::MAX,
            max: i32::MIN,
            weighted: 0.0,
            area: 0.0,
        }
    }

    fn add(&mut self, qp: i32, area: usize) {
        self.min = self.min.min(qp);
        self.max = self.max.max(qp);
        self.weighted += f64::from(qp) * area as f64;
        self.area += area as f64;
    }

    fn merge(&mut self, other: &QpSummary) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.weighted += other.weighted;
        self.area += other.area;
    }

    pub fn mean(&self) -> f64 {
        self.weighted / self.area.max(1.0)
    }
}

/// The size and QP of a coded CTU, as the rate controller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtuRecord {
    pub col: usize,
    pub row: usize,
    pub bits: u32,
    pub qp: i32,
}

/// The CTUs coded before the one whose QP is being chosen — those before it in every
/// wavefront schedule: the CTUs to its left, and in the row `k` above those up to `k`
/// columns to its right. Their sizes do not depend on the thread count.
#[derive(Debug)]
pub struct Progress<'a> {
    records: &'a [AtomicU64],
    cols: usize,
    col: usize,
    row: usize,
}

impl Progress<'_> {
    /// For each row from the first to the CTU's own, how many of its CTUs (from the left)
    /// are known to be coded. The counts only grow from one CTU of a row to the next, so a
    /// caller may keep sums from its previous CTU and add the new ones.
    pub fn rows(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..=self.row).map(|row| {
            let end = if row == self.row {
                self.col
            } else {
                (self.col + 1 + (self.row - row)).min(self.cols)
            };
            (row, end)
        })
    }

    /// The record of a CTU [`Progress::rows`] counts as coded.
    pub fn record(&self, col: usize, row: usize) -> CtuRecord {
        let packed = self.records[row * self.cols + col].load(Ordering::Acquire);
        CtuRecord {
            col,
            row,
            bits: (packed >> 8) as u32,
            qp: (packed & 0xFF) as i32,
        }
    }
}

/// What the worker of row `r` tells the worker of row `r + 1` after each CTU: all that
/// row `r + 1` reads of it. Intra prediction reads the sample line just above a block
/// (above-left and above-right included), and merge candidates, AMVP predictors, the
/// split and skip flags' contexts and the boundary strengths of the CTU's top edge read
/// the 4x4 blocks just above; a row's top edge is filtered on the assembled picture (see
/// [`RowBand`]).
#[derive(Default)]
struct CtuDone {
    col: usize,
    /// The CTU's bottom sample line of luma, Cb and Cr (as it is before deblocking, which
    /// intra prediction reads) and its bottom row of 4x4 blocks.
    rec: [Vec<u8>; 3],
    blocks: Vec<BlockInfo>,
    /// After the row's second CTU: the contexts the next row starts from.
    contexts: Option<Box<Contexts>>,
}

/// A coded row, not yet deblocked, on its way to the worker that assembles the picture:
/// its samples, blocks and edge strengths. That worker (the one of the last row but one)
/// is out of rows while the last row is coded: it deblocks the others' rows into its
/// picture then, and filters the edges between rows. The picture waits for the worker of
/// the last row, which thus deblocks none of its other rows; once it is done, its last
/// row (deblocked in place) joins the others and one edge is left to filter. (Each
/// worker filtering its own rows and the first joining them at the end took the first
/// worker 1.5-1.7 ms more a 1080p picture, which the last row's wait now hides.)
#[derive(Default)]
struct RowBand {
    row: usize,
    rec: [Vec<u8>; 3],
    blocks: Vec<BlockInfo>,
    edges: EdgeRows,
}

/// What a worker does with its rows once they are coded, with several workers.
enum Finished {
    /// Sends them to the worker that assembles the picture.
    Send(Sender<RowBand>),
    /// Deblocks them, and receives, deblocks and joins the others'.
    Gather(Receiver<RowBand>),
}

/// One worker's copy of the picture and its share of the results.
struct Worker<'a> {
    job: &'a Picture<'a>,
    records: &'a [AtomicU64],
    /// What the workers share to work ahead for each other, with several.
    ahead: Option<Ahead<'a>>,
    /// This worker's first row (its rows are every `threads`-th from it).
    first: usize,
    bufs: RowBuffers,
    stats: PictureStats,
    qps: QpSummary,
    /// Squared error of this worker's rows but for their boundaries (see [`SseArea`]).
    sse: [u64; 3],
    /// The contexts the next row starts from.
    synced: Option<Box<Contexts>>,
    /// Substreams of this worker's rows, with their row numbers.
    rows: Vec<(usize, Vec<u8>)>,
}

/// What workers share to work out the plan's intra estimates ahead of each other (see
/// [`crate::source_intra`]).
#[derive(Clone, Copy)]
struct Ahead<'a> {
    estimates: &'a SourceEstimates,
    tiles: &'a SharedTiles,
    /// Per row, how many of its CTUs have been started.
    started: &'a [AtomicUsize],
    threads: usize,
}

/// What a worker's block map holds while it works ahead: its current row and column (the
/// CTUs before it are coded), how many CTUs of the row above it has heard (their bottom
/// row of blocks, which is what the tile seeds read), and its rows.
#[derive(Clone, Copy)]
struct Holding {
    row: usize,
    col: usize,
    heard: usize,
    first: usize,
    step: usize,
}

impl Holding {
    /// Whether the map holds row `row` up to column `col`.
    fn holds(&self, row: usize, col: usize) -> bool {
        if row == self.row {
            col < self.col
        } else if row + 1 == self.row {
            col < self.heard || row % self.step == self.first % self.step
        } else {
            row < self.row && row % self.step == self.first % self.step
        }
    }
}

/// Codes every CTU row of `job` on `threads` workers, with buffers from `pool` (the first
/// worker's come back in [`CodedRows`], the others' go back to `pool`).
pub(crate) fn code_rows(
    job: &Picture<'_>,
    threads: usize,
    pool: &mut Vec<RowBuffers>,
) -> CodedRows {
    let (cols, rows) = ctb_grid(&job.layout);
    let threads = threads.clamp(1, rows);
    let estimates = (threads > 1 && job.reference.is_some())
        .then(|| SourceEstimates::new(&job.layout, cols, rows))
        .flatten();
    let tiles = estimates.as_ref().map(|_| SharedTiles::new(cols, rows));
    code_rows_sharing(job, threads, pool, estimates.as_ref().zip(tiles.as_ref()))
}

/// [`code_rows`] with the tables the workers share to work out intra estimates and tile
/// SATDs ahead for each other, if any.
fn code_rows_sharing(
    job: &Picture<'_>,
    threads: usize,
    pool: &mut Vec<RowBuffers>,
    shared: Option<(&SourceEstimates, &SharedTiles)>,
) -> CodedRows {
    let (w, h) = (job.layout.width, job.layout.height);
    let (cols, rows) = ctb_grid(&job.layout);
    let records: Vec<AtomicU64> = (0..cols * rows).map(|_| AtomicU64::new(0)).collect();
    let started: Vec<AtomicUsize> = (0..rows).map(|_| AtomicUsize::new(0)).collect();
    let ahead = shared.map(|(estimates, tiles)| Ahead {
        estimates,
        tiles,
        started: &started,
        threads,
    });
    let mut new_worker = || Worker {
        job,
        records: &records,
        ahead,
        first: 0,
        bufs: RowBuffers::take(pool, w, h),
        stats: PictureStats::default(),
        qps: QpSummary::new(),
        sse: [0; 3],
        synced: None,
        rows: Vec::new(),
    };
    if threads == 1 {
        let mut worker = new_worker();
        for row in 0..rows {
            worker.code_row(row, None, None);
            // The row above is done with: this row read the last of its samples.
            if row > 0 {
                worker.deblock_row(row - 1);
            }
        }
        worker.deblock_row(rows - 1);
        for row in 1..rows {
            worker.filter_boundary(row);
        }
        return worker.into_rows(rows);
    }
    // Worker k hears from worker k - 1 (the row above) and tells worker k + 1. Only the
    // workers hold senders: one that panics closes its channel, so the worker below stops
    // instead of waiting for ever, and the scope re-raises the panic.
    let (senders, receivers): (Vec<Sender<CtuDone>>, Vec<Receiver<CtuDone>>) =
        (0..threads).map(|_| channel()).unzip();
    let outboxes: Vec<Sender<CtuDone>> = (0..threads)
        .map(|k| senders[(k + 1) % threads].clone())
        .collect();
    drop(senders);
    // The worker of the last row but one finishes before the last row does: it assembles.
    let gatherer = (rows - 2) % threads;
    let (band_sender, band_receiver) = channel();
    let mut finished: Vec<Finished> = (0..threads)
        .map(|_| Finished::Send(band_sender.clone()))
        .collect();
    finished[gatherer] = Finished::Gather(band_receiver);
    drop(band_sender);
    let mut workers: Vec<Worker<'_>> = (0..threads).map(|_| new_worker()).collect();
    share_bands(&mut workers, gatherer);
    let workers: Vec<Worker<'_>> = std::thread::scope(|scope| {
        let mut jobs = receivers
            .into_iter()
            .zip(outboxes)
            .zip(finished.drain(..))
            .enumerate();
        let mine = jobs.next().map(|(_, pair)| (pair, workers.remove(0)));
        let handles: Vec<_> = jobs
            .zip(workers)
            .map(|((k, ((inbox, outbox), finished)), worker)| {
                scope.spawn(move || worker.code_rows_from(k, threads, &inbox, &outbox, finished))
            })
            .collect();
        // This thread codes the first worker's rows.
        let first = mine.map(|(((inbox, outbox), finished), worker)| {
            worker.code_rows_from(0, threads, &inbox, &outbox, finished)
        });
        first
            .into_iter()
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            )
            .collect()
    });
    assemble(workers, gatherer, &job.layout, pool)
}

/// Hands the row bands the workers' buffers keep to the workers that send rows, in equal
/// shares (the one that gathers them ends up holding them all).
fn share_bands(workers: &mut [Worker<'_>], gatherer: usize) {
    let mut spare: Vec<RowBand> = workers
        .iter_mut()
        .flat_map(|w| std::mem::take(&mut w.bufs.bands))
        .collect();
    let mut senders = workers.len() - 1;
    for (_, worker) in workers
        .iter_mut()
        .enumerate()
        .filter(|&(k, _)| k != gatherer)
    {
        let share = spare.len() / senders;
        senders -= 1;
        worker.bufs.bands = spare.split_off(spare.len() - share);
    }
}

/// Picture size in CTBs.
fn ctb_grid(layout: &PictureLayout<'_>) -> (usize, usize) {
    let ctb = 1usize << layout.log2_ctb;
    (layout.width.div_ceil(ctb), layout.height.div_ceil(ctb))
}

/// The luma rows of CTU row `row`.
fn row_band(layout: &PictureLayout<'_>, row: usize) -> Range<usize> {
    let ctb = 1usize << layout.log2_ctb;
    row * ctb..((row + 1) * ctb).min(layout.height)
}

/// The results of the workers, whose picture worker `gatherer` has assembled; returns the
/// others' buffers to `pool`.
fn assemble(
    mut workers: Vec<Worker<'_>>,
    gatherer: usize,
    layout: &PictureLayout<'_>,
    pool: &mut Vec<RowBuffers>,
) -> CodedRows {
    let (_, rows) = ctb_grid(layout);
    // The last row, deblocked inside by its worker once done, joins the others.
    let threads = workers.len();
    let last = workers[(rows - 1) % threads].band(rows - 1);
    let mut first = workers.remove(gatherer);
    first.join_row(last);
    first.filter_boundary(rows - 1);
    for other in &workers {
        first.stats.accumulate(&other.stats);
        recon_sse::add(&mut first.sse, other.sse);
        first.qps.merge(&other.qps);
    }
    for other in workers {
        first.rows.extend(other.rows);
        pool.push(other.bufs);
    }
    first.into_rows(rows)
}

impl Worker<'_> {
    /// Codes and deblocks rows `first`, `first + step`, ... of the picture, hearing from
    /// the worker of the rows above on `inbox` and telling the one below on `outbox`.
    fn code_rows_from(
        mut self,
        first: usize,
        step: usize,
        inbox: &Receiver<CtuDone>,
        outbox: &Sender<CtuDone>,
        finished: Finished,
    ) -> Self {
        let (_, rows) = ctb_grid(&self.job.layout);
        self.first = first;
        let mut last = first;
        for row in (first..rows).step_by(step) {
            let above = (row > 0).then_some(inbox);
            let below = (row + 1 < rows).then_some(outbox);
            self.code_row(row, above, below);
            match &finished {
                // The receiver only goes away when its worker panicked.
                Finished::Send(bands) if row + 1 < rows => {
                    let _ = bands.send(self.band(row));
                }
                // The next row reads its own copy of this one; the last row is joined once
                // done, in place.
                _ => self.deblock_row(row),
            }
            last = row;
        }
        // The rows still being coded by others go faster for what is worked out for them.
        let holding = self.holding(last + 1, 0, 0);
        while self.work_ahead(last + 1..rows, holding) {}
        if let Finished::Gather(bands) = finished {
            self.gather(&bands);
        }
        self
    }

    /// Row `row` as coded, for the worker that assembles the picture.
    fn band(&mut self, row: usize) -> RowBand {
        let lines = row_band(&self.job.layout, row);
        let mut band = self.bufs.bands.pop().unwrap_or_default();
        self.bufs.rec.rows_out(lines.clone(), &mut band.rec);
        self.bufs.map.rows_out(lines.clone(), &mut band.blocks);
        self.bufs.edges.rows_out(lines, &mut band.edges);
        band.row = row;
        band
    }

    /// Receives the other workers' rows but the last, deblocks them into this worker's
    /// picture and filters each edge between two of those rows once both are in.
    fn gather(&mut self, bands: &Receiver<RowBand>) {
        let rows = ctb_grid(&self.job.layout).1 - 1;
        let mut ready = vec![false; rows];
        for &(row, _) in &self.rows {
            ready[row] = true;
        }
        for row in 1..rows {
            if ready[row - 1] && ready[row] {
                self.filter_boundary(row);
            }
        }
        let mut missing = ready.iter().filter(|&&r| !r).count();
        while missing > 0 {
            // A closed channel means a worker panicked; the join re-raises it.
            let Ok(band) = bands.recv() else {
                return;
            };
            let row = band.row;
            self.join_row(band);
            self.deblock_row(row);
            ready[row] = true;
            missing -= 1;
            for edge in [row, row + 1] {
                if edge > 0 && edge < rows && ready[edge - 1] && ready[edge] {
                    self.filter_boundary(edge);
                }
            }
        }
    }

    /// Puts a row another worker coded into this worker's picture.
    fn join_row(&mut self, band: RowBand) {
        let lines = row_band(&self.job.layout, band.row);
        self.bufs.rec.rows_in(lines.clone(), &band.rec);
        self.bufs.map.rows_in(lines.clone(), &band.blocks);
        self.bufs.edges.rows_in(lines, &band.edges);
        if self.bufs.bands.len() < ctb_grid(&self.job.layout).1 {
            self.bufs.bands.push(band);
        }
    }

    /// Filters the edge on top of row `row` (not the first), once this row and the one
    /// above are deblocked inside.
    fn filter_boundary(&mut self, row: usize) {
        let top = row_band(&self.job.layout, row).start;
        let RowBuffers { rec, edges, .. } = &mut self.bufs;
        deblock_band_top(rec, edges, &DeblockParams::default(), top);
        if let Some(area) = self.job.sse {
            recon_sse::add(&mut self.sse, area.boundary(self.job.src, rec, top));
        }
    }

    /// The rows' substreams and the picture, every row in it and filtered.
    fn into_rows(mut self, rows: usize) -> CodedRows {
        self.rows.sort_by_key(|r| r.0);
        debug_assert_eq!(self.rows.len(), rows);
        CodedRows {
            substreams: self.rows.into_iter().map(|r| r.1).collect(),
            buffers: self.bufs,
            stats: self.stats,
            qps: self.qps,
            sse: self.job.sse.map(|_| self.sse),
        }
    }

    /// Deblocks CTU row `row` of this worker's picture but for the edge on its top (see
    /// [`deblock_band`]), once no CTU still to be coded from this picture reads it.
    fn deblock_row(&mut self, row: usize) {
        let band = row_band(&self.job.layout, row);
        let RowBuffers { rec, edges, .. } = &mut self.bufs;
        deblock_band(rec, edges, &DeblockParams::default(), band.clone());
        if let Some(area) = self.job.sse {
            let (_, rows) = ctb_grid(&self.job.layout);
            let part = area.row_interior(self.job.src, rec, band, row == 0, row + 1 == rows);
            recon_sse::add(&mut self.sse, part);
        }
    }

    /// Codes CTU row `row` into its own substream. `above` brings the row above when
    /// another worker codes it; `below` takes this row to the next row's worker.
    fn code_row(
        &mut self,
        row: usize,
        above: Option<&Receiver<CtuDone>>,
        below: Option<&Sender<CtuDone>>,
    ) {
        let job = self.job;
        let (cols, rows) = ctb_grid(&job.layout);
        let mut heard = 0; // CTUs of the row above pasted in so far
        let mut ctx = Contexts::new(u32::from(job.reference.is_some()), job.slice_qp);
        let mut cabac = CabacWriter::new();
        // With WPP, each row's first quantisation group predicts from the slice QP.
        let mut predicted = job.slice_qp;
        for col in 0..cols {
            if let Some(inbox) = above {
                while heard < (col + 2).min(cols) {
                    // A closed channel means the worker above panicked; the join re-raises it.
                    let Some(done) = self.hear(inbox, self.holding(row, col, heard)) else {
                        return;
                    };
                    heard = done.col + 1;
                    self.paste(row - 1, done);
                }
            }
            // Contexts come from the row above after its second CTU; a picture one CTU
            // wide starts every row afresh (9.3.1).
            if col == 0 && row > 0 && cols > 1 {
                if let Some(synced) = self.synced.take() {
                    ctx = *synced;
                }
            }
            if let Some(ahead) = self.ahead {
                ahead.started[row].store(col + 1, Ordering::Relaxed);
            }
            let before = cabac.bytes_so_far();
            let progress = Progress {
                records: self.records,
                cols,
                col,
                row,
            };
            let qp = allowed(job.plan.ctu_qp(col, row, &progress), predicted);
            predicted = self.code_ctu(col, row, qp, predicted, &mut ctx, &mut cabac);
            if col == 1 {
                self.synced = Some(Box::new(ctx.clone()));
            }
            cabac.terminate(u32::from(row + 1 == rows && col + 1 == cols)); // end_of_slice_segment_flag
            let bits = ((cabac.bytes_so_far() - before) * 8) as u64;
            self.records[row * cols + col].store((bits << 8) | qp as u64, Ordering::Release);
            if let Some(outbox) = below {
                let contexts = if col == 1 { self.synced.take() } else { None };
                // The receiver only goes away when its worker panicked.
                let _ = outbox.send(self.done(col, row, contexts));
            }
        }
        if row + 1 < rows {
            cabac.terminate(1); // end_of_subset_one_bit, then byte_alignment()
        }
        self.rows.push((row, cabac.finish()));
    }

    /// Decides, codes and records CTU (`col`, `row`) at `qp`; returns the QpY of its last
    /// CU, which predicts the next CTU's QP.
    fn code_ctu(
        &mut self,
        col: usize,
        row: usize,
        qp: i32,
        predicted: i32,
        ctx: &mut Contexts,
        cabac: &mut CabacWriter,
    ) -> i32 {
        let job = self.job;
        let log2_ctb = job.layout.log2_ctb;
        let (ctu_x, ctu_y) = (col << log2_ctb, row << log2_ctb);
        let nodes = CtuSearch {
            src: job.src,
            rec: &mut self.bufs.rec,
            map: &mut self.bufs.map,
            levels: &mut self.bufs.levels,
            layout: job.layout,
            ctu_x,
            ctu_y,
            lambda: Lambda::intra(qp),
            ctx,
            reference: job.reference.map(|r| InterRef {
                estimates: self.ahead.map(|a| a.estimates),
                tiles: self.ahead.map(|a| a.tiles),
                ..r
            }),
            preset: job.preset,
        }
        .run(&mut self.bufs.scratch);
        let pending_delta = Cell::new(Some(qp - predicted));
        CtuSyntax {
            layout: job.layout,
            map: &self.bufs.map,
            levels: &self.bufs.levels,
            ctu_x,
            ctu_y,
            qp_delta: Some(&pending_delta),
        }
        .write_ctu(cabac, ctx, &nodes);
        let qps = CuQps {
            predicted,
            coded: qp,
        };
        let last = mark_edges(
            &mut self.bufs.edges,
            &mut self.bufs.map,
            &self.bufs.levels,
            &nodes,
            (ctu_x, ctu_y),
            qps,
        );
        let (w, h) = (job.layout.width, job.layout.height);
        let ctb = 1usize << log2_ctb;
        self.qps.add(qp, ctb.min(w - ctu_x) * ctb.min(h - ctu_y));
        self.stats.count(&nodes, w, h);
        last
    }

    /// What this worker's map holds at column `col` of row `row`, having heard `heard`
    /// CTUs of the row above.
    fn holding(&self, row: usize, col: usize, heard: usize) -> Holding {
        Holding {
            row,
            col,
            heard,
            first: self.first,
            step: self.ahead.map_or(1, |a| a.threads),
        }
    }

    /// The next CTU of the row above `at.row`; while none has come, works out intra
    /// estimates and tile SATDs for the rows being coded or coded next (the row above
    /// first: it is the one waited for). None when the worker above has gone (it panicked).
    fn hear(&mut self, inbox: &Receiver<CtuDone>, at: Holding) -> Option<CtuDone> {
        let rows = ctb_grid(&self.job.layout).1;
        let (row, threads) = (at.row, at.step);
        loop {
            match inbox.try_recv() {
                Ok(done) => return Some(done),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {
                    // The row above, then the other workers' next rows.
                    let mut order = (row - 1..row).chain(row + 1..(row + threads).min(rows));
                    if !order.any(|r| self.work_ahead(r..r + 1, at)) {
                        return inbox.recv().ok();
                    }
                }
            }
        }
    }

    /// Works out one CTU's intra estimates, or else its tile SATDs, among `rows`, for a CTU
    /// that no one has started (in each row, past the CTU being coded and the one after
    /// it); tile SATDs only where the map holds the CTUs above it (`at`). False when there
    /// is nothing to do, or no sharing.
    fn work_ahead(&mut self, rows: Range<usize>, at: Holding) -> bool {
        let Some(ahead) = self.ahead else {
            return false;
        };
        let layout = &self.job.layout;
        let cols = ctb_grid(layout).0;
        for row in rows {
            let started = ahead.started[row].load(Ordering::Relaxed);
            let from = if started == 0 { 0 } else { started + 1 };
            if let Some(col) = (from..cols).find(|&col| !ahead.estimates.has(col, row)) {
                let pred = &mut self.bufs.scratch.pred;
                ahead
                    .estimates
                    .work_out(self.job.src, layout, (col, row), pred);
                return true;
            }
            let Some(reference) = self.job.reference.filter(|_| row > 0) else {
                continue;
            };
            let seedable = |col: usize| {
                !ahead.tiles.has(col, row) && at.holds(row - 1, (col + 1).min(cols - 1))
            };
            if let Some(col) = (from..cols).find(|&col| seedable(col)) {
                let log2 = layout.log2_ctb;
                let inter = &mut self.bufs.scratch.inter;
                let (src, map) = (&self.job.src.planes[0], &self.bufs.map);
                ahead.tiles.fill_with(col, row, || {
                    let at = (col << log2, row << log2);
                    let size = (layout.width, layout.height);
                    let luma = &reference.pic.planes[0];
                    inter.work_out_seeds(src, luma, map, at, 1 << log2, size)
                });
                return true;
            }
        }
        false
    }

    /// The part of the picture inside CTU (`col`, `row`): (x, y, w, h) in luma samples.
    fn ctu_rect(&self, col: usize, row: usize) -> (usize, usize, usize, usize) {
        let layout = &self.job.layout;
        let ctb = 1usize << layout.log2_ctb;
        let (x, y) = (col * ctb, row * ctb);
        (x, y, ctb.min(layout.width - x), ctb.min(layout.height - y))
    }

    /// The message telling the next row's worker that CTU (`col`, `row`) is done: its
    /// bottom line (see [`CtuDone`]).
    fn done(&mut self, col: usize, row: usize, contexts: Option<Box<Contexts>>) -> CtuDone {
        let (x, y, w, h) = self.ctu_rect(col, row);
        let mut done = self.bufs.spare.pop().unwrap_or_default();
        let [luma, cb, cr] = &self.bufs.rec.planes;
        luma.rect(x, y + h - 1, w, 1, &mut done.rec[0]);
        cb.rect(x / 2, (y + h) / 2 - 1, w / 2, 1, &mut done.rec[1]);
        cr.rect(x / 2, (y + h) / 2 - 1, w / 2, 1, &mut done.rec[2]);
        self.bufs.map.rect(x, y + h - 4, w, 4, &mut done.blocks);
        done.col = col;
        done.contexts = contexts;
        done
    }

    /// Puts the bottom line of CTU (`done.col`, `row`) that the worker of that row sent
    /// into this worker's picture and block map.
    fn paste(&mut self, row: usize, mut done: CtuDone) {
        let (x, y, w, h) = self.ctu_rect(done.col, row);
        for (c, line) in done.rec.iter().enumerate() {
            let (px, py, pw) = if c == 0 {
                (x, y + h - 1, w)
            } else {
                (x / 2, (y + h) / 2 - 1, w / 2)
            };
            self.bufs.rec.planes[c].put_rect(px, py, pw, line);
        }
        self.bufs.map.put_rect(x, y + h - 4, w, &done.blocks);
        if let Some(contexts) = done.contexts.take() {
            self.synced = Some(contexts);
        }
        // A row's worth covers every message in flight; more would only pile up with a
        // worker that hears more CTUs than it tells (one row more, with some row counts).
        if self.bufs.spare.len() < ctb_grid(&self.job.layout).0 {
            self.bufs.spare.push(done);
        }
    }
}

/// `wanted` clamped to 0..=51 and to what cu_qp_delta can reach from `predicted`
/// (-26..=25).
fn allowed(wanted: i32, predicted: i32) -> i32 {
    wanted.clamp(0, 51).clamp(predicted - 26, predicted + 25)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cu::BlockMap;
    use crate::encoder::ConstantQp;
    use crate::padded::PaddedYuv;
    use crate::tile_cache::Seed;
    use crate::zscan::Availability;

    /// A P picture coded with every CTU's intra estimates and tile SATDs worked out before
    /// it starts is the picture the plan codes working them out itself; tables of wrong
    /// values change it (the tables are read).
    #[test]
    fn work_done_ahead_leaves_the_stream_as_it_is() {
        let (w, h) = (200usize, 136usize);
        let (src, reference) = moved_texture(w, h);
        let padded = PaddedYuv::of(&reference);
        let (map, avail) = (BlockMap::new(w, h), Availability::new(w, h, 6));
        let layout = PictureLayout {
            width: w,
            height: h,
            log2_ctb: 6,
            avail: &avail,
            p_slice: true,
            max_merge_cand: 3,
        };
        let plan = ConstantQp(30);
        let job = Picture {
            src: &src,
            layout,
            reference: Some(InterRef {
                pic: &padded,
                map: &map,
                estimates: None,
                tiles: None,
            }),
            slice_qp: 30,
            plan: &plan,
            preset: Preset::Fast,
            sse: None,
        };
        let (cols, rows) = ctb_grid(&job.layout);
        let own = code_rows(&job, 1, &mut Vec::new());
        assert!(
            own.stats.intra_cus > 0,
            "no intra CUs: the estimates decide nothing"
        );
        let table = SourceEstimates::new(&job.layout, cols, rows).expect("64x64 CTUs");
        let mut pred = [0u8; 32 * 32];
        for row in 0..rows {
            for col in 0..cols {
                table.work_out(job.src, &job.layout, (col, row), &mut pred);
            }
        }
        // Tile SATDs from the picture's own decisions above each CTU, as a worker holding
        // them would work out; zeroed, they mislead.
        let mut inter = crate::inter_search::InterScratch::default();
        let (tiles, zeroed) = (SharedTiles::new(cols, rows), SharedTiles::new(cols, rows));
        let mut seeded = 0;
        for row in 0..rows {
            for col in 0..cols {
                let (src, luma) = (&src.planes[0], &padded.planes[0]);
                let at = (col * 64, row * 64);
                let seeds = inter.work_out_seeds(src, luma, &own.buffers.map, at, 64, (w, h));
                seeded += seeds.len();
                let wrong = seeds.iter().map(|s| Seed {
                    satd: [0; 64],
                    ..s.clone()
                });
                zeroed.fill_with(col, row, || wrong.collect());
                tiles.fill_with(col, row, || seeds);
            }
        }
        assert!(seeded > 0, "no seeds: the tiles decide nothing");
        let ahead = code_rows_sharing(&job, 1, &mut Vec::new(), Some((&table, &tiles)));
        assert_eq!(own.substreams, ahead.substreams);
        let wrong = SourceEstimates::filled(&job.layout, cols, rows, 0);
        let misled = code_rows_sharing(&job, 1, &mut Vec::new(), Some((&wrong, &tiles)));
        assert_ne!(own.substreams, misled.substreams);
        let misled = code_rows_sharing(&job, 1, &mut Vec::new(), Some((&table, &zeroed)));
        assert_ne!(own.substreams, misled.substreams);
    }

    /// A textured source and a reference whose left part is the source moved by (3, 2)
    /// and whose right part is unrelated (where intra wins).
    fn moved_texture(w: usize, h: usize) -> (Yuv, Yuv) {
        moved(w, h, |x, y| ((x * 7 + y * 3) ^ (x * y / 16)) as u8)
    }

    /// [`moved_texture`] of the picture `texture` draws.
    fn moved(w: usize, h: usize, texture: impl Fn(usize, usize) -> u8) -> (Yuv, Yuv) {
        let (mut src, mut reference) = (Yuv::new(w, h), Yuv::new(w, h));
        for y in 0..h {
            for x in 0..w {
                src.planes[0].set(x, y, texture(x, y));
                let moved = if x < 120 {
                    texture(x + 3, y + 2)
                } else {
                    (x * 131 + y * 71) as u8
                };
                reference.planes[0].set(x, y, moved);
            }
        }
        (src, reference)
    }

    /// However many workers code the rows (and whichever of them joins the picture), the
    /// substreams, the deblocked picture, its block map and its squared error are the
    /// same, in an I and a P picture; filtering a row twice, or not at all, would change
    /// the picture.
    #[test]
    fn any_worker_count_joins_the_same_picture() {
        let (w, h) = (200usize, 328usize);
        // Smooth shapes with soft noise: blocky at QP 37, so deblocking filters much.
        let (src, reference) = moved(w, h, |x, y| {
            let wave = ((x as f64 / 11.0).sin() * 50.0 + (y as f64 / 7.0).cos() * 40.0) as i32;
            (128 + wave + ((x * 31 + y * 17) % 5) as i32) as u8
        });
        let padded = PaddedYuv::of(&reference);
        let (map, avail) = (BlockMap::new(w, h), Availability::new(w, h, 6));
        let plan = ConstantQp(37);
        let inter = InterRef {
            pic: &padded,
            map: &map,
            estimates: None,
            tiles: None,
        };
        let blocks = |coded: &CodedRows| {
            let mut out = Vec::new();
            coded.buffers.map.rows_out(0..h, &mut out);
            out
        };
        for reference in [None, Some(inter)] {
            let job = Picture {
                src: &src,
                layout: PictureLayout {
                    width: w,
                    height: h,
                    log2_ctb: 6,
                    avail: &avail,
                    p_slice: reference.is_some(),
                    max_merge_cand: 3,
                },
                reference,
                slice_qp: 37,
                plan: &plan,
                preset: Preset::Fast,
                sse: Some(SseArea {
                    width: w,
                    height: h - 6,
                }),
            };
            let mut pool = Vec::new();
            let one = code_rows(&job, 1, &mut pool);
            if reference.is_none() {
                let mut twice = one.buffers.rec.clone();
                let params = DeblockParams::default();
                deblock_band(&mut twice, &one.buffers.edges, &params, 64..128);
                assert!(twice != one.buffers.rec, "filtering a row again shows");
                assert!(one.stats.intra_cus > 0);
            }
            for threads in 2..=6 {
                // Twice each, the second time with the buffers and row bands kept.
                for _ in 0..2 {
                    let many = code_rows(&job, threads, &mut pool);
                    assert_eq!(many.substreams, one.substreams, "{threads} workers");
                    assert!(many.buffers.rec == one.buffers.rec, "{threads} workers");
                    assert!(blocks(&many) == blocks(&one), "{threads} workers");
                    assert_eq!(many.sse, one.sse, "{threads} workers");
                    pool.push(many.buffers);
                }
            }
        }
    }

    /// The rows a CTU's QP choice reads: all of its own row to its left, and in the row
    /// `k` above, the CTUs up to `k` columns to its right (what every wavefront schedule
    /// has coded by then); from one CTU of a row to the next the counts only grow.
    #[test]
    fn progress_lists_the_staircase_and_only_grows_along_a_row() {
        let (cols, rows) = (7, 5);
        let records: Vec<AtomicU64> = (0..cols * rows)
            .map(|i| AtomicU64::new(((i as u64) << 8) | 30))
            .collect();
        for row in 0..rows {
            let mut before: Option<Vec<(usize, usize)>> = None;
            for col in 0..cols {
                let p = Progress {
                    records: &records,
                    cols,
                    col,
                    row,
                };
                let counts: Vec<(usize, usize)> = p.rows().collect();
                let want: Vec<(usize, usize)> = (0..=row)
                    .map(|r| {
                        (
                            r,
                            if r == row {
                                col
                            } else {
                                (col + 1 + row - r).min(cols)
                            },
                        )
                    })
                    .collect();
                assert_eq!(counts, want, "CTU ({col}, {row})");
                if let Some(before) = before {
                    assert!(before.iter().zip(&counts).all(|(a, b)| a.1 <= b.1));
                }
                before = Some(counts);
                let seen: Vec<_> = p
                    .rows()
                    .flat_map(|(r, end)| (0..end).map(move |c| (c, r)))
                    .map(|(c, r)| p.record(c, r))
                    .map(|c| (c.col, c.row, c.bits, c.qp))
                    .collect();
                let listed: Vec<_> = want
                    .iter()
                    .flat_map(|&(r, end)| (0..end).map(move |c| (c, r, (r * cols + c) as u32, 30)))
                    .collect();
                assert_eq!(seen, listed);
            }
        }
    }
}
