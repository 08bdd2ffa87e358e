//! Picture-level encoding: source padding, the CTU loop, deblocking, NAL packaging.

use std::cell::Cell;

use softvpu_core::Frame;

use crate::analysis::{CtuSearch, InterRef, Lambda};
use crate::bitstream::{write_nal, NalType};
use crate::cabac::{BinSink, CabacWriter, Contexts};
use crate::cu::{BlockMap, CtuLevels, CuKind, MotionCode, Node};
use crate::deblock::{deblock, DeblockParams, EdgeStrengths};
use crate::md5::Md5;
use crate::params::{self, SliceKind, StreamParams};
use crate::plane::Yuv;
use crate::syntax::{CtuSyntax, PictureLayout};
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
    /// Frames from one IDR to the next; 0 for only the first.
    pub intra_period: u32,
}

/// Merge candidates P slices allow (five_minus_max_num_merge_cand = 5 - this).
const MAX_MERGE_CAND: usize = 3;

/// Chooses the QP of each CTU while a picture is coded: the rate controller's hook.
pub trait QpPlan {
    /// QP (0..=51) of the CTU at column `col`, row `row` (in CTUs), knowing the bits the
    /// picture has taken so far. CTUs come in raster order.
    fn ctu_qp(&mut self, col: usize, row: usize, bits_so_far: u64) -> i32;
}

/// Every CTU at the slice QP.
#[derive(Clone, Copy, Debug)]
pub struct ConstantQp(pub i32);

impl QpPlan for ConstantQp {
    fn ctu_qp(&mut self, _col: usize, _row: usize, _bits: u64) -> i32 {
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
    pub recon: Yuv,
    pub stats: PictureStats,
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
            skip_cus: 0,
            merge_cus: 0,
            amvp_cus: 0,
            outside_cus: 0,
            max_outside: 0,
        }
    }
}

impl PictureStats {
    fn count(&mut self, nodes: &[Node], width: usize, height: usize) {
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
    pic: Yuv,
    map: BlockMap,
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
}

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
        Self {
            settings,
            params,
            avail,
            reference: None,
            since_idr: 0,
            force_idr: false,
        }
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
        self.encode_planned(frame, qp, &mut ConstantQp(qp))
    }

    /// Encodes `frame` with slice QP `qp` and each CTU at the QP `plan` gives it.
    pub fn encode_planned(
        &mut self,
        frame: &Frame<'_>,
        qp: i32,
        plan: &mut dyn QpPlan,
    ) -> CodedPicture {
        let qp = qp.clamp(0, 51);
        let idr = self.next_is_idr();
        if idr {
            self.reference = None;
            self.since_idr = 0;
            self.force_idr = false;
        }
        let poc = self.reference.as_ref().map_or(0, |r| r.next_poc);
        let p = &self.params;
        let src = pad_frame(frame, p.coded_width, p.coded_height);
        let mut rec = Yuv::new(p.coded_width, p.coded_height);
        let mut map = BlockMap::new(p.coded_width, p.coded_height);
        let mut edges = EdgeStrengths::new(p.coded_width, p.coded_height);
        let mut levels = CtuLevels::default();
        let layout = PictureLayout {
            width: p.coded_width,
            height: p.coded_height,
            log2_ctb: p.log2_ctb,
            avail: &self.avail,
            p_slice: !idr,
            max_merge_cand: MAX_MERGE_CAND,
        };
        let mut ctx = Contexts::new(u32::from(!idr), qp);
        let mut cabac = CabacWriter::new();
        let mut stats = PictureStats::default();
        let reference = self.reference.as_ref().map(|r| InterRef {
            pic: &r.pic,
            map: &r.map,
        });
        let (wc, hc) = (p.width_in_ctbs(), p.height_in_ctbs());
        let mut qps = QpTrack::new(qp);
        for ctb in 0..wc * hc {
            let (ctu_x, ctu_y) = ((ctb % wc) << p.log2_ctb, (ctb / wc) << p.log2_ctb);
            let bits = cabac.bytes_so_far() as u64 * 8;
            let ctu_qp = qps.allowed(plan.ctu_qp(ctb % wc, ctb / wc, bits));
            let lambda = Lambda::intra(ctu_qp);
            let nodes = CtuSearch {
                src: &src,
                rec: &mut rec,
                map: &mut map,
                levels: &mut levels,
                layout,
                ctu_x,
                ctu_y,
                lambda,
                ctx: &ctx,
                reference,
            }
            .run();
            let pending_delta = Cell::new(Some(ctu_qp - qps.predicted));
            let syntax = CtuSyntax {
                layout,
                map: &map,
                levels: &levels,
                ctu_x,
                ctu_y,
                qp_delta: Some(&pending_delta),
            };
            syntax.write_ctu(&mut cabac, &mut ctx, &nodes);
            cabac.terminate(u32::from(ctb + 1 == wc * hc)); // end_of_slice_segment_flag
            let cu_qps = CuQps {
                predicted: qps.predicted,
                coded: ctu_qp,
            };
            let last = mark_edges(
                &mut edges,
                &mut map,
                &levels,
                &nodes,
                (ctu_x, ctu_y),
                cu_qps,
            );
            qps.finish_ctu(ctu_qp, last, 1 << (2 * p.log2_ctb));
            stats.count(&nodes, p.coded_width, p.coded_height);
        }
        deblock(&mut rec, &edges, &DeblockParams::default());

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
        let mut slice = params::slice_header(p, slice_kind, qp, &[]);
        slice.extend_from_slice(&cabac.finish());
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
        self.reference = Some(Reference {
            pic: rec.clone(),
            map,
            next_poc: poc + 1,
        });
        CodedPicture {
            data,
            keyframe: idr,
            qp,
            qp_min: qps.min,
            qp_mean: qps.mean(),
            qp_max: qps.max,
            recon: rec,
            stats,
        }
    }
}

/// The source at the coded size, right and bottom edges replicated.
fn pad_frame(frame: &Frame<'_>, width: usize, height: usize) -> Yuv {
    let mut yuv = Yuv::new(width, height);
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
        let src = frame.uv_row(r.min(ch - 1));
        let (du, dv) = (u.row_mut(r), v.row_mut(r));
        for i in 0..width / 2 {
            let k = i.min(cw - 1);
            du[i] = src[2 * k];
            dv[i] = src[2 * k + 1];
        }
    }
    yuv
}

/// The QP prediction of quantisation groups (8.6.1) with one group per CTU and one slice:
/// a CTU's QP is predicted from the QpY of the last CU of the CTU before it.
#[derive(Debug)]
struct QpTrack {
    /// qPY_PRED of the next CTU.
    predicted: i32,
    min: i32,
    max: i32,
    weighted_sum: f64,
    area: f64,
}

impl QpTrack {
    fn new(slice_qp: i32) -> Self {
        Self {
            predicted: slice_qp,
            min: i32::MAX,
            max: i32::MIN,
            weighted_sum: 0.0,
            area: 0.0,
        }
    }

    /// `wanted` clamped to 0..=51 and to the range cu_qp_delta can reach (-26..=25).
    fn allowed(&self, wanted: i32) -> i32 {
        wanted
            .clamp(0, 51)
            .clamp(self.predicted - 26, self.predicted + 25)
    }

    fn finish_ctu(&mut self, coded: i32, last_cu: i32, area: usize) {
        self.predicted = last_cu;
        self.min = self.min.min(coded);
        self.max = self.max.max(coded);
        self.weighted_sum += f64::from(coded) * area as f64;
        self.area += area as f64;
    }

    fn mean(&self) -> f64 {
        self.weighted_sum / self.area.max(1.0)
    }
}

/// The QpY of a CTU's CUs: those before the first CU with a coded block keep the predicted
/// QP (their cu_qp_delta is still 0); from that CU on, the coded one.
#[derive(Clone, Copy, Debug)]
struct CuQps {
    predicted: i32,
    coded: i32,
}

/// Deblocking inputs of one decided CTU: the QP of every CU, the luma cbf of every transform
/// block (kept in the block map for later neighbours), and the boundary strength of every
/// transform and prediction edge on the 8x8 grid whose right or lower side is in the CTU.
/// Returns the QpY of the CTU's last CU.
fn mark_edges(
    edges: &mut EdgeStrengths,
    map: &mut BlockMap,
    levels: &CtuLevels,
    nodes: &[Node],
    ctu: (usize, usize),
    qps: CuQps,
) -> i32 {
    let mut squares = Vec::with_capacity(64);
    let mut qp = qps.predicted;
    for node in nodes {
        let Node::Leaf(cu) = node else { continue };
        let size = 1usize << cu.log2;
        let (cx, cy) = (cu.x - ctu.0, cu.y - ctu.1);
        if levels.any_nonzero(0, cx, cy, size)
            || levels.any_nonzero(1, cx / 2, cy / 2, size / 2)
            || levels.any_nonzero(2, cx / 2, cy / 2, size / 2)
        {
            qp = qps.coded;
        }
        edges.set_qp(cu.x, cu.y, size, size, qp);
        let tu = match cu.kind {
            CuKind::Intra(intra) if intra.nxn => 4,
            CuKind::Intra(intra) if cu.log2 > 5 || intra.tu_split => size / 2,
            _ => size.min(32),
        };
        for ty in (cu.y..cu.y + size).step_by(tu) {
            for tx in (cu.x..cu.x + size).step_by(tu) {
                let coded = levels.any_nonzero(0, tx - ctu.0, ty - ctu.1, tu);
                map.set_cbf(tx, ty, tu, coded);
                // 4x4 transform edges are off the 8x8 grid; their CU's edges still count.
                if tu >= 8 {
                    squares.push((tx, ty, tu));
                }
            }
        }
        if tu < 8 {
            squares.push((cu.x, cu.y, size));
        }
    }
    let last_cu_qp = qp;
    for (x, y, size) in squares {
        for k in (0..size).step_by(4) {
            if x > 0 {
                edges.set_vertical(x, y + k, strength(map, (x - 1, y + k), (x, y + k)));
            }
            if y > 0 {
                edges.set_horizontal(x + k, y, strength(map, (x + k, y - 1), (x + k, y)));
            }
        }
    }
    last_cu_qp
}

/// Boundary strength between the 4x4 blocks holding luma samples `p` and `q` across a
/// transform-block edge (8.7.2.4), with one reference picture.
fn strength(map: &BlockMap, p: (usize, usize), q: (usize, usize)) -> u8 {
    let (a, b) = (map.get(p.0, p.1), map.get(q.0, q.1));
    if a.intra || b.intra {
        2
    } else if a.cbf || b.cbf {
        1
    } else {
        let far = |u: i16, v: i16| (i32::from(u) - i32::from(v)).abs() >= 4;
        u8::from(far(a.mv.x, b.mv.x) || far(a.mv.y, b.mv.y))
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
