//! Picture-level encoding: source padding, the CTU loop, deblocking, NAL packaging.

use softvpu_core::Frame;

use crate::analysis::{IntraSearch, Lambda};
use crate::bitstream::{write_nal, NalType};
use crate::cabac::{BinSink, CabacWriter, Contexts};
use crate::cu::{BlockMap, CtuLevels, CuKind, Node};
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
}

/// One coded picture.
#[derive(Clone, Debug)]
pub struct CodedPicture {
    /// The access unit in Annex-B byte-stream format.
    pub data: Vec<u8>,
    pub keyframe: bool,
    pub qp: i32,
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
}

impl Default for PictureStats {
    fn default() -> Self {
        Self {
            luma_modes: [0; 35],
            chroma_codes: [0; 5],
            cu_sizes: [0; 4],
            intra_cus: 0,
        }
    }
}

impl PictureStats {
    fn count(&mut self, nodes: &[Node]) {
        for node in nodes {
            let Node::Leaf(cu) = node else { continue };
            self.cu_sizes[(cu.log2 - 3) as usize] += 1;
            let CuKind::Intra(intra) = cu.kind;
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
    }
}

/// H.265 encoder state across pictures.
#[derive(Debug)]
pub struct HevcEncoder {
    settings: HevcSettings,
    params: StreamParams,
    avail: Availability,
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
        }
    }

    pub fn params(&self) -> &StreamParams {
        &self.params
    }

    /// Encodes `frame` as an IDR picture at `qp` (0..=51).
    pub fn encode(&mut self, frame: &Frame<'_>, qp: i32) -> CodedPicture {
        let qp = qp.clamp(0, 51);
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
        };
        let lambda = Lambda::intra(qp);
        let mut ctx = Contexts::new(0, qp);
        let mut cabac = CabacWriter::new();
        let mut stats = PictureStats::default();
        let (wc, hc) = (p.width_in_ctbs(), p.height_in_ctbs());
        for ctb in 0..wc * hc {
            let (ctu_x, ctu_y) = ((ctb % wc) << p.log2_ctb, (ctb / wc) << p.log2_ctb);
            let nodes = IntraSearch {
                src: &src,
                rec: &mut rec,
                map: &mut map,
                levels: &mut levels,
                layout,
                ctu_x,
                ctu_y,
                lambda,
                ctx: &ctx,
            }
            .run();
            let syntax = CtuSyntax {
                layout,
                map: &map,
                levels: &levels,
                ctu_x,
                ctu_y,
            };
            syntax.write_ctu(&mut cabac, &mut ctx, &nodes);
            cabac.terminate(u32::from(ctb + 1 == wc * hc)); // end_of_slice_segment_flag
            mark_edges(&mut edges, &nodes, qp);
            stats.count(&nodes);
        }
        deblock(&mut rec, &edges, &DeblockParams::default());

        let mut data = Vec::new();
        write_nal(&mut data, NalType::Vps, &params::vps(p));
        write_nal(&mut data, NalType::Sps, &params::sps(p));
        write_nal(&mut data, NalType::Pps, &params::pps(p));
        let mut slice = params::slice_header(p, SliceKind::Idr, qp, &[]);
        slice.extend_from_slice(&cabac.finish());
        write_nal(&mut data, NalType::IdrWRadl, &slice);
        if self.settings.picture_hash {
            write_nal(
                &mut data,
                NalType::SuffixSei,
                &params::picture_hash_sei(&picture_md5(&rec)),
            );
        }
        CodedPicture {
            data,
            keyframe: true,
            qp,
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

/// Boundary strength 2 on every transform-block edge of the 8x8 grid (all blocks are intra).
fn mark_edges(edges: &mut EdgeStrengths, nodes: &[Node], qp: i32) {
    for node in nodes {
        let Node::Leaf(cu) = node else { continue };
        let CuKind::Intra(intra) = cu.kind;
        let size = 1usize << cu.log2;
        edges.set_qp(cu.x, cu.y, size, size, qp);
        let tu = if cu.log2 > 5 || intra.tu_split {
            size / 2
        } else {
            size
        };
        if tu < 8 {
            // NxN: the inner 4x4 edges are off the 8x8 grid; the CU edges still count.
            mark_square(edges, cu.x, cu.y, size);
            continue;
        }
        for ty in (cu.y..cu.y + size).step_by(tu) {
            for tx in (cu.x..cu.x + size).step_by(tu) {
                mark_square(edges, tx, ty, tu);
            }
        }
    }
}

/// bS 2 on the left and top edges of a square (its right and bottom belong to neighbours).
fn mark_square(edges: &mut EdgeStrengths, x: usize, y: usize, size: usize) {
    for k in (0..size).step_by(4) {
        if x > 0 {
            edges.set_vertical(x, y + k, 2);
        }
        if y > 0 {
            edges.set_horizontal(x + k, y, 2);
        }
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
