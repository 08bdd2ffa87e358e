//! Picture-level encoding: source padding, the CTU rows (coded and deblocked by `wavefront`), NAL packaging.

use std::sync::Arc;

use softvpu_core::Frame;

use crate::analysis::{InterRef, Preset};
use crate::bitstream::{escaped_len, write_nal, NalType};
use crate::cu::{BlockMap, CuKind, MotionCode, Node};
use crate::md5::Md5;
use crate::padded::PaddedYuv;
use crate::params::{self, SliceKind, StreamParams};
use crate::plane::Yuv;
use crate::recon_sse::SseArea;
use crate::syntax::PictureLayout;
use crate::wavefront::{self, CodedRows, Progress, RowBuffers};
use crate::zscan::Availability;

/// Stream settings fixed for the life of an encoder.
#[derive(Clone, Debug)]
pub struct HevcSettings {
    pub width: usize,
    pub height: usize,
    /// Frame rate as numerator / denominator.
    pub fps: (u32, u32),
    /// Target bitrate (for the level); 0 for constant QP.
    pub bitrate_kbps: u32,
    /// Append an MD5 decoded-picture-hash SEI to every picture.
    pub picture_hash: bool,
    /// Measure each picture's squared error against its source ([`CodedPicture::sse`]).
    pub measure_error: bool,
    /// Frames from one IDR to the next; 0 for only the first.
    pub intra_period: u32,
    /// Worker threads per picture (CTU rows in a wavefront); the stream does not depend
    /// on it.
    pub threads: usize,
    pub preset: Preset,
}

/// Merge candidates P slices allow (five_minus_max_num_merge_cand = 5 - this).
const MAX_MERGE_CAND: usize = 3;

/// Chooses the QP of each CTU while a picture is coded: the rate controller's hook. Rows
/// are coded in parallel, so it is asked from several threads, in no fixed order.
pub trait QpPlan: Sync {
    /// QP (0..=51) of the CTU at column `col`, row `row` (in CTUs), knowing the sizes of
    /// the CTUs that `done` lists (the same whatever the thread count).
    fn ctu_qp(&self, col: usize, row: usize, done: &Progress<'_>) -> i32;
}

/// Every CTU at the slice QP.
#[derive(Clone, Copy, Debug)]
pub struct ConstantQp(pub i32);

impl QpPlan for ConstantQp {
    fn ctu_qp(&self, _col: usize, _row: usize, _done: &Progress<'_>) -> i32 {
        self.0
    }
}

/// One coded picture.
#[derive(Clone, Debug)]
pub struct CodedPicture {
    /// The access unit in Annex-B byte-stream format.
    pub data: Vec<u8>,
    pub keyframe: bool,
    /// The slice QP.
    pub qp: i32,
    /// The lowest, mean (over luma area) and highest QP the CTUs were coded with.
    pub qp_min: i32,
    pub qp_mean: f64,
    pub qp_max: i32,
    /// The decoder's output picture at the coded size (crop to the input size to display).
    /// Shared with the encoder, which predicts the next picture from it.
    pub recon: Arc<Yuv>,
    pub stats: PictureStats,
    /// The sum of squared differences between the displayed part of `recon` and the
    /// input, per plane (Y, Cb, Cr), when [`HevcSettings::measure_error`] asks for it.
    pub sse: Option<[u64; 3]>,
}

/// What the coding decisions of a picture were, for reports and coverage tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PictureStats {
    /// Luma prediction blocks per intra mode 0..=34.
    pub luma_modes: [u32; 35],
    /// Intra CUs per coded intra_chroma_pred_mode 0..=4 (4: the luma mode).
    pub chroma_codes: [u32; 5],
    /// CUs per size: 8x8, 16x16, 32x32, 64x64.
    pub cu_sizes: [u32; 4],
    pub intra_cus: u32,
    /// Intra CUs with four 4x4 luma prediction blocks.
    pub nxn_cus: u32,
    /// Inter CUs without residual or motion difference (cu_skip_flag).
    pub skip_cus: u32,
    /// Inter CUs with merged motion and residual.
    pub merge_cus: u32,
    /// Inter CUs with a coded motion vector difference.
    pub amvp_cus: u32,
    /// Inter CUs predicted from a block reaching outside the reference picture.
    pub outside_cus: u32,
    /// The farthest any prediction block reached outside the picture, in luma samples.
    pub max_outside: u32,
}

impl Default for PictureStats {
    fn default() -> Self {
        Self {
            luma_modes: [0; 35],
            chroma_codes: [0; 5],
            cu_sizes: [0; 4],
            intra_cus: 0,
            nxn_cus: 0,
            skip_cus: 0,
            merge_cus: 0,
            amvp_cus: 0,
            outside_cus: 0,
            max_outside: 0,
        }
    }
}

impl PictureStats {
    pub(crate) fn count(&mut self, nodes: &[Node], width: usize, height: usize) {
        for node in nodes {
            let Node::Leaf(cu) = node else { continue };
            self.cu_sizes[(cu.log2 - 3) as usize] += 1;
            let intra = match cu.kind {
                CuKind::Intra(intra) => intra,
                CuKind::Inter(inter) => {
                    let size = 1i32 << cu.log2;
                    let (x, y) = (
                        cu.x as i32 + (i32::from(inter.mv.x) >> 2),
                        cu.y as i32 + (i32::from(inter.mv.y) >> 2),
                    );
                    let beyond = [-x, -y, x + size - width as i32, y + size - height as i32];
                    let outside = beyond.into_iter().max().unwrap_or(0).max(0) as u32;
                    if outside > 0 {
                        self.outside_cus += 1;
                        self.max_outside = self.max_outside.max(outside);
                    }
                    match (inter.skip, inter.motion) {
                        (true, _) => self.skip_cus += 1,
                        (false, MotionCode::Merge(_)) => self.merge_cus += 1,
                        (false, MotionCode::Amvp { .. }) => self.amvp_cus += 1,
                    }
                    continue;
                }
            };
            self.intra_cus += 1;
            self.nxn_cus += u32::from(intra.nxn);
            let parts = if intra.nxn { 4 } else { 1 };
            for &mode in &intra.luma_modes[..parts] {
                self.luma_modes[usize::from(mode)] += 1;
            }
            self.chroma_codes[usize::from(intra.chroma_code)] += 1;
        }
    }

    /// Adds another picture's counts.
    pub fn accumulate(&mut self, other: &PictureStats) {
        let add = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.luma_modes, &other.luma_modes);
        add(&mut self.chroma_codes, &other.chroma_codes);
        add(&mut self.cu_sizes, &other.cu_sizes);
        self.intra_cus += other.intra_cus;
        self.nxn_cus += other.nxn_cus;
        self.skip_cus += other.skip_cus;
        self.merge_cus += other.merge_cus;
        self.amvp_cus += other.amvp_cus;
        self.outside_cus += other.outside_cus;
        self.max_outside = self.max_outside.max(other.max_outside);
    }
}

/// The last reconstructed picture and its decisions, which the next P picture predicts from.
#[derive(Debug)]
struct Reference {
    pic: Arc<Yuv>,
    map: BlockMap,
    /// Which picture of the stream it is (counting from 0).
    number: u64,
    /// Picture order count of the next picture.
    next_poc: u32,
}

/// H.265 encoder state across pictures.
#[derive(Debug)]
pub struct HevcEncoder {
    settings: HevcSettings,
    params: StreamParams,
    avail: Availability,
    reference: Option<Reference>,
    /// Pictures coded since the last IDR.
    since_idr: u32,
    force_idr: bool,
    /// Memory kept from picture to picture: the source at the coded size, the workers'
    /// buffers, and past references' pictures and block maps, reused once nothing else
    /// holds the picture (a caller may keep [`CodedPicture::recon`] a while).
    src: Yuv,
    pool: Vec<RowBuffers>,
    retired: Vec<Reference>,
    /// The reference picture with its edges repeated into a margin, refilled for each P
    /// picture: what motion compensation reads.
    padded: Option<PaddedReference>,
    /// Pictures coded so far.
    pictures: u64,
}

/// The padded copy of a reference picture and the number of the picture it holds.
#[derive(Debug)]
struct PaddedReference {
    pic: PaddedYuv,
    of: u64,
}

/// The padded copy to fill with `reference`'s planes, None when it holds them already.
/// Tags the copy with the reference's number: the caller fills it.
fn stale_padded<'a>(
    padded: &'a mut Option<PaddedReference>,
    reference: &Reference,
) -> Option<&'a mut PaddedYuv> {
    if padded.as_ref().is_some_and(|p| p.of == reference.number) {
        return None;
    }
    let pic = &reference.pic;
    let slot = padded.get_or_insert_with(|| PaddedReference {
        pic: PaddedYuv::new(pic.width(), pic.height()),
        of: reference.number,
    });
    slot.of = reference.number;
    Some(&mut slot.pic)
}

/// At most this many past references are kept for reuse (each a picture and a block map).
const RETIRED: usize = 4;

impl HevcEncoder {
    /// `width` and `height` must be even and at least 2 (the caller validates frames).
    pub fn new(settings: HevcSettings) -> Self {
        let params = StreamParams::new(
            settings.width,
            settings.height,
            settings.fps,
            settings.bitrate_kbps,
        );
        let avail = Availability::new(params.coded_width, params.coded_height, params.log2_ctb);
        let src = Yuv::new(params.coded_width, params.coded_height);
        Self {
            settings,
            params,
            avail,
            reference: None,
            since_idr: 0,
            force_idr: false,
            src,
            pool: Vec::new(),
            retired: Vec::new(),
            padded: None,
            pictures: 0,
        }
    }

    /// Keeps a reference no longer needed for the buffers of a later picture.
    fn recycle(&mut self, old: Reference) {
        if self.retired.len() == RETIRED {
            self.retired.remove(0);
        }
        self.retired.push(old);
    }

    /// Makes the next picture an IDR.
    pub fn request_idr(&mut self) {
        self.force_idr = true;
    }

    pub fn params(&self) -> &StreamParams {
        &self.params
    }

    /// Whether the next picture will be an IDR.
    pub fn next_is_idr(&self) -> bool {
        let period = self.settings.intra_period;
        self.force_idr || self.reference.is_none() || (period > 0 && self.since_idr >= period)
    }

    /// Encodes `frame` at `qp` (0..=51): an IDR at the start of each intra period, else a P
    /// picture predicted from the previous one.
    pub fn encode(&mut self, frame: &Frame<'_>, qp: i32) -> CodedPicture {
        self.encode_planned(frame, qp, &ConstantQp(qp))
    }

    /// Encodes `frame` with slice QP `qp` and each CTU at the QP `plan` gives it.
    pub fn encode_planned(
        &mut self,
        frame: &Frame<'_>,
        qp: i32,
        plan: &dyn QpPlan,
    ) -> CodedPicture {
        pad_frame(frame, &mut self.src);
        self.code_source(qp, plan)
    }

    /// Encodes `frame` with the slice QP and plan that `make_plan` returns, which runs while
    /// the frame is copied in (on another thread when the encoder has several): a rate
    /// controller's analysis of the frame need not wait for the copy. The caller's thread
    /// then fills the reference's padded copy (the frame's copy takes about as long as the
    /// analysis and that fill together: 1.3-1.6 ms against 1.0-1.2 and 0.6-0.8 ms at
    /// 1080p).
    pub fn encode_with<P: QpPlan>(
        &mut self,
        frame: &Frame<'_>,
        make_plan: impl FnOnce() -> (i32, P),
    ) -> (CodedPicture, P) {
        let (qp, plan) = if self.settings.threads > 1 {
            let reference = self.reference.as_ref().filter(|_| !self.next_is_idr());
            let (src, padded) = (&mut self.src, &mut self.padded);
            let stale = reference.and_then(|r| Some((stale_padded(padded, r)?, &*r.pic)));
            std::thread::scope(|scope| {
                scope.spawn(move || pad_frame(frame, src));
                let plan = make_plan();
                if let Some((copy, pic)) = stale {
                    copy.fill(pic);
                }
                plan
            })
        } else {
            pad_frame(frame, &mut self.src);
            make_plan()
        };
        (self.code_source(qp, &plan), plan)
    }

    /// Codes the picture in `self.src` (see [`Self::encode_planned`]).
    fn code_source(&mut self, qp: i32, plan: &dyn QpPlan) -> CodedPicture {
        let qp = qp.clamp(0, 51);
        let idr = self.next_is_idr();
        if idr {
            if let Some(old) = self.reference.take() {
                self.recycle(old);
            }
            self.since_idr = 0;
            self.force_idr = false;
        }
        let poc = self.reference.as_ref().map_or(0, |r| r.next_poc);
        let p = &self.params;
        let src = &self.src;
        let layout = PictureLayout {
            width: p.coded_width,
            height: p.coded_height,
            log2_ctb: p.log2_ctb,
            avail: &self.avail,
            p_slice: !idr,
            max_merge_cand: MAX_MERGE_CAND,
        };
        if let Some(r) = &self.reference {
            if let Some(copy) = stale_padded(&mut self.padded, r) {
                copy.fill(&r.pic);
            }
        }
        let reference = self.reference.as_ref().zip(self.padded.as_ref());
        let reference = reference.map(|(r, padded)| InterRef {
            pic: &padded.pic,
            map: &r.map,
            estimates: None,
            tiles: None,
        });
        let job = wavefront::Picture {
            src,
            layout,
            reference,
            slice_qp: qp,
            plan,
            preset: self.settings.preset,
            sse: self.settings.measure_error.then_some(SseArea {
                width: self.settings.width,
                height: self.settings.height,
            }),
        };
        let CodedRows {
            substreams,
            mut buffers,
            stats,
            qps,
            sse,
        } = wavefront::code_rows(&job, self.settings.threads, &mut self.pool);
        // The picture and its block map become the reference; the buffers take the last
        // reference's in their place.
        let (w, h) = (p.coded_width, p.coded_height);
        let (spare_rec, spare_map) = spare(&mut self.retired, w, h);
        let rec = std::mem::replace(&mut buffers.rec, spare_rec);
        let map = std::mem::replace(&mut buffers.map, spare_map);
        self.pool.push(buffers);

        let mut data = Vec::new();
        let slice_kind = if idr {
            write_nal(&mut data, NalType::Vps, &params::vps(p));
            write_nal(&mut data, NalType::Sps, &params::sps(p));
            write_nal(&mut data, NalType::Pps, &params::pps(p));
            SliceKind::Idr
        } else {
            SliceKind::P {
                poc,
                max_merge_cand: MAX_MERGE_CAND as u32,
            }
        };
        // Entry points: the escaped size of every substream but the last. Each substream
        // (and the header) ends in a non-zero byte, so no escape straddles two of them.
        let entry_points: Vec<u32> = substreams[..substreams.len() - 1]
            .iter()
            .map(|s| escaped_len(s) as u32)
            .collect();
        let mut slice = params::slice_header(p, slice_kind, qp, &entry_points);
        for s in &substreams {
            slice.extend_from_slice(s);
        }
        let nal = if idr {
            NalType::IdrWRadl
        } else {
            NalType::TrailR
        };
        write_nal(&mut data, nal, &slice);
        if self.settings.picture_hash {
            write_nal(
                &mut data,
                NalType::SuffixSei,
                &params::picture_hash_sei(&picture_md5(&rec)),
            );
        }
        self.since_idr += 1;
        self.pictures += 1;
        let rec = Arc::new(rec);
        let last = self.reference.replace(Reference {
            pic: Arc::clone(&rec),
            map,
            number: self.pictures,
            next_poc: poc + 1,
        });
        if let Some(old) = last {
            self.recycle(old);
        }
        CodedPicture {
            data,
            keyframe: idr,
            qp,
            qp_min: qps.min,
            qp_mean: qps.mean(),
            qp_max: qps.max,
            recon: rec,
            stats,
            sse,
        }
    }
}

/// The source at the coded size, right and bottom edges replicated.
/// A picture and block map for a `w` x `h` picture: a retired reference's that nothing
/// else holds any more, or new ones.
fn spare(retired: &mut Vec<Reference>, w: usize, h: usize) -> (Yuv, BlockMap) {
    let free = retired.iter().position(|r| Arc::strong_count(&r.pic) == 1);
    let unwrapped = free.and_then(|i| {
        let r = retired.remove(i);
        Arc::try_unwrap(r.pic).ok().map(|pic| (pic, r.map))
    });
    unwrapped.unwrap_or_else(|| (Yuv::new(w, h), BlockMap::new(w, h)))
}

fn pad_frame(frame: &Frame<'_>, yuv: &mut Yuv) {
    let (width, height) = (yuv.width(), yuv.height());
    let (fw, fh) = (frame.width() as usize, frame.height() as usize);
    let [y, u, v] = &mut yuv.planes;
    for r in 0..height {
        let src = frame.y_row(r.min(fh - 1));
        let dst = y.row_mut(r);
        dst[..fw].copy_from_slice(&src[..fw]);
        let last = src[fw - 1];
        dst[fw..].fill(last);
    }
    let (cw, ch) = (fw / 2, fh / 2);
    for r in 0..height / 2 {
        let src = &frame.uv_row(r.min(ch - 1))[..2 * cw];
        let (du, dv) = (u.row_mut(r), v.row_mut(r));
        deinterleave(src, &mut du[..cw], &mut dv[..cw]);
        for dst in [du, dv] {
            let last = dst[cw - 1];
            dst[cw..width / 2].fill(last);
        }
    }
}

/// Splits a row of interleaved Cb/Cr pairs into `u` and `v`, sixteen pairs at a time: the
/// fixed-length loop vectorises (one loop over the row does not).
fn deinterleave(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    const N: usize = 16;
    let whole = u.len() / N * N;
    let chunks = uv.chunks_exact(2 * N).zip(u.chunks_exact_mut(N));
    for ((pairs, cu), cv) in chunks.zip(v.chunks_exact_mut(N)) {
        for i in 0..N {
            cu[i] = pairs[2 * i];
            cv[i] = pairs[2 * i + 1];
        }
    }
    for i in whole..u.len() {
        u[i] = uv[2 * i];
        v[i] = uv[2 * i + 1];
    }
}

/// MD5 of each reconstructed plane at the coded size, as the picture-hash SEI defines it.
fn picture_md5(rec: &Yuv) -> [[u8; 16]; 3] {
    rec.planes.each_ref().map(|plane| {
        let mut h = Md5::new();
        for r in 0..plane.height {
            h.update(plane.row(r));
        }
        h.finish()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::Pattern;

    /// A fast-preset encoder at constant QP, one IDR, no hash.
    fn fast_encoder(width: usize, height: usize, threads: usize) -> HevcEncoder {
        HevcEncoder::new(HevcSettings {
            width,
            height,
            fps: (30, 1),
            bitrate_kbps: 0,
            picture_hash: false,
            measure_error: false,
            intra_period: 0,
            threads,
            preset: Preset::Fast,
        })
    }

    /// The fast preset's shortcut for 16x16 intra CUs still lets 8x8 CUs code a picture
    /// whose 8x8 squares have nothing in common (and keeps 16x16 CUs whole on a gradient).
    #[test]
    fn intra_cus_split_where_the_quadrants_differ() {
        let (w, h) = (128usize, 64usize);
        let code = |sample: &dyn Fn(usize, usize) -> u8| {
            let mut nv12 = vec![128u8; Frame::nv12_len(w as u32, h as u32)];
            for y in 0..h {
                for x in 0..w {
                    nv12[y * w + x] = sample(x, y);
                }
            }
            let frame = Frame::from_nv12(&nv12, w as u32, h as u32).unwrap();
            fast_encoder(w, h, 1).encode(&frame, 27).stats.cu_sizes
        };
        // Squares of unrelated levels with a fine texture of their own.
        let squares = code(&|x, y| {
            let level = ((x / 8) * 97 + (y / 8) * 61) % 200 + 20;
            (level + (x * 3 + y * 5) % 7) as u8
        });
        assert!(squares[0] > 32, "8x8 CUs: {squares:?}");
        let gradient = code(&|x, y| (x + y) as u8);
        assert_eq!(gradient[0], 0, "8x8 CUs on a gradient: {gradient:?}");
    }

    #[test]
    fn padding_repeats_the_last_column_and_row_of_each_plane() {
        // Chroma rows shorter than the sixteen pairs split at once, and longer.
        for (w, h, coded) in [(10u32, 6u32, (24, 16)), (70, 6, (88, 8))] {
            let nv12: Vec<u8> = (0..Frame::nv12_len(w, h))
                .map(|i| (i * 7 % 251) as u8)
                .collect();
            let frame = Frame::from_nv12(&nv12, w, h).unwrap();
            let mut yuv = Yuv::new(coded.0, coded.1);
            pad_frame(&frame, &mut yuv);
            let (w, h) = (w as usize, h as usize);
            for y in 0..coded.1 {
                for x in 0..coded.0 {
                    let want = frame.y_row(y.min(h - 1))[x.min(w - 1)];
                    assert_eq!(yuv.planes[0].row(y)[x], want, "luma ({x}, {y})");
                }
            }
            for y in 0..coded.1 / 2 {
                for x in 0..coded.0 / 2 {
                    let pair = &frame.uv_row(y.min(h / 2 - 1))[2 * x.min(w / 2 - 1)..];
                    assert_eq!(yuv.planes[1].row(y)[x], pair[0], "Cb ({x}, {y})");
                    assert_eq!(yuv.planes[2].row(y)[x], pair[1], "Cr ({x}, {y})");
                }
            }
        }
    }

    /// Three workers on three CTU rows: the third hears a row and tells none, every
    /// picture; what it keeps for reuse stays within a row's worth however many pictures.
    #[test]
    fn workers_keep_at_most_a_row_of_messages() {
        let (w, h) = (202usize, 130usize);
        let mut enc = fast_encoder(w, h, 3);
        for i in 0..8 {
            let nv12 = Pattern::Noise { seed: i }.render(w as u32, h as u32, i as u32);
            let frame = Frame::from_nv12(&nv12, w as u32, h as u32).unwrap();
            enc.encode(&frame, 30);
        }
        let cols = w.div_ceil(64);
        let kept: Vec<usize> = enc.pool.iter().map(RowBuffers::spare_messages).collect();
        assert!(kept.iter().any(|&n| n > 0), "messages are reused: {kept:?}");
        assert!(kept.iter().all(|&n| n <= cols), "{kept:?}");
    }

    /// Reconstructions a caller drops are reused for later pictures; ones it keeps are
    /// never written again.
    #[test]
    fn pictures_are_reused_only_once_nothing_holds_them() {
        let (w, h) = (96usize, 64usize);
        let frame_of = |i: u64| Pattern::Noise { seed: i }.render(w as u32, h as u32, 0);
        let mut enc = fast_encoder(w, h, 2);
        let mut addresses = Vec::new();
        for i in 0..6 {
            let nv12 = frame_of(i);
            let coded = enc.encode(&Frame::from_nv12(&nv12, w as u32, h as u32).unwrap(), 30);
            addresses.push(coded.recon.planes[0].data.as_ptr() as usize);
        }
        addresses.sort_unstable();
        addresses.dedup();
        assert!(
            addresses.len() <= 3,
            "dropped pictures are reused: {addresses:?}"
        );

        let mut kept = Vec::new();
        for i in 0..6 {
            let nv12 = frame_of(i);
            let coded = enc.encode(&Frame::from_nv12(&nv12, w as u32, h as u32).unwrap(), 30);
            kept.push(((*coded.recon).clone(), coded.recon));
        }
        assert!(enc.retired.len() <= RETIRED);
        for (copy, held) in &kept {
            assert_eq!(copy, &**held, "a held picture is left alone");
        }
    }

    /// The error measured while coding equals the error of the finished picture, for any
    /// thread count, picture size (rows cut by the bottom, widths not a multiple of 8)
    /// and picture type.
    #[test]
    fn measured_error_is_the_error_of_the_picture() {
        for (w, h) in [(200usize, 150usize), (130, 66), (64, 8), (96, 200)] {
            for threads in [1, 2, 3] {
                let mut enc = fast_encoder(w, h, threads);
                enc.settings.measure_error = true;
                for i in 0..3u32 {
                    let nv12 = Pattern::Moving.render(w as u32, h as u32, 3 * i);
                    let frame = Frame::from_nv12(&nv12, w as u32, h as u32).unwrap();
                    let coded = enc.encode(&frame, 20 + 8 * i as i32);
                    // The displayed part of each reconstructed plane against the input's.
                    let input = softvpu_core::Picture::from_frame(&frame);
                    let expected: [u64; 3] = std::array::from_fn(|c| {
                        let (plane, pw, ph) = match c {
                            0 => (&input.y, w, h),
                            1 => (&input.u, w / 2, h / 2),
                            _ => (&input.v, w / 2, h / 2),
                        };
                        let rec = &coded.recon.planes[c];
                        (0..ph)
                            .map(|y| {
                                softvpu_core::metrics::sse(
                                    &plane[y * pw..][..pw],
                                    &rec.row(y)[..pw],
                                )
                            })
                            .sum()
                    });
                    assert_eq!(
                        coded.sse,
                        Some(expected),
                        "{w}x{h}, {threads} threads, picture {i}"
                    );
                }
            }
        }
    }
}
