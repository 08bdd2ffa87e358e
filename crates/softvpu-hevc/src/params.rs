//! Parameter sets (VPS, SPS, PPS with VUI), slice headers and SEI messages.

use crate::bitstream::BitWriter;

/// Coding-structure constants shared by the parameter sets and the coding loop.
pub const LOG2_MIN_CB: u32 = 3;
pub const LOG2_MIN_TB: u32 = 2;
pub const LOG2_MAX_TB: u32 = 5;
/// Bits of pic_order_cnt_lsb.
pub const LOG2_MAX_POC_LSB: u32 = 8;

/// What the parameter sets describe.
#[derive(Clone, Debug)]
pub struct StreamParams {
    /// Input (display) size.
    pub width: usize,
    pub height: usize,
    /// Coded size: the input size rounded up to the minimum CU.
    pub coded_width: usize,
    pub coded_height: usize,
    pub log2_ctb: u32,
    pub fps_num: u32,
    pub fps_den: u32,
    /// Target bitrate, used to pick the level; 0 when unknown (constant QP).
    pub bitrate_kbps: u32,
    pub level_idc: u8,
    /// One row per CTU row as a WPP substream.
    pub wpp: bool,
}

impl StreamParams {
    pub fn new(width: usize, height: usize, fps: (u32, u32), bitrate_kbps: u32) -> Self {
        let min_cb = 1 << LOG2_MIN_CB;
        let coded_width = width.div_ceil(min_cb) * min_cb;
        let coded_height = height.div_ceil(min_cb) * min_cb;
        let level_idc = level_idc(coded_width, coded_height, fps, bitrate_kbps);
        Self {
            width,
            height,
            coded_width,
            coded_height,
            log2_ctb: 6,
            fps_num: fps.0,
            fps_den: fps.1,
            bitrate_kbps,
            level_idc,
            wpp: true,
        }
    }

    pub fn ctb_size(&self) -> usize {
        1 << self.log2_ctb
    }

    pub fn width_in_ctbs(&self) -> usize {
        self.coded_width.div_ceil(self.ctb_size())
    }

    pub fn height_in_ctbs(&self) -> usize {
        self.coded_height.div_ceil(self.ctb_size())
    }
}

/// (level_idc, MaxLumaPs, MaxLumaSr, Main-tier MaxBr in kbps) from the level limits table.
const LEVELS: [(u8, u64, u64, u64); 13] = [
    (30, 36_864, 552_960, 128),
    (60, 122_880, 3_686_400, 1_500),
    (63, 245_760, 7_372_800, 3_000),
    (90, 552_960, 16_588_800, 6_000),
    (93, 983_040, 33_177_600, 10_000),
    (120, 2_228_224, 66_846_720, 12_000),
    (123, 2_228_224, 133_693_440, 20_000),
    (150, 8_912_896, 267_386_880, 25_000),
    (153, 8_912_896, 534_773_760, 40_000),
    (156, 8_912_896, 1_069_547_520, 60_000),
    (180, 35_651_584, 1_069_547_520, 60_000),
    (183, 35_651_584, 2_139_095_040, 120_000),
    (186, 35_651_584, 4_278_190_080, 240_000),
];

/// The lowest level whose picture size, sample rate and bitrate limits hold.
pub fn level_idc(width: usize, height: usize, fps: (u32, u32), bitrate_kbps: u32) -> u8 {
    let ps = (width * height) as u64;
    let sr = ps * u64::from(fps.0) / u64::from(fps.1.max(1));
    let side = width.max(height) as u64;
    LEVELS
        .iter()
        .find(|&&(_, max_ps, max_sr, max_br)| {
            ps <= max_ps
                && side * side <= max_ps * 8
                && sr <= max_sr
                && u64::from(bitrate_kbps) <= max_br
        })
        .map_or(186, |l| l.0)
}

fn profile_tier_level(w: &mut BitWriter, level_idc: u8) {
    w.u(2, 0); // general_profile_space
    w.flag(false); // general_tier_flag: Main tier
    w.u(5, 1); // general_profile_idc: Main
               // general_profile_compatibility_flag[j]: Main (1) and Main 10 (2).
    w.u(32, (1 << 30) | (1 << 29));
    w.flag(true); // general_progressive_source_flag
    w.flag(false); // general_interlaced_source_flag
    w.flag(false); // general_non_packed_constraint_flag
    w.flag(true); // general_frame_only_constraint_flag
    w.u(32, 0); // general_reserved_zero_43bits (first 32)
    w.u(11, 0); // (last 11)
    w.flag(false); // general_inbld_flag
    w.u(8, u32::from(level_idc));
}

/// video_parameter_set_rbsp()
pub fn vps(p: &StreamParams) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.u(4, 0); // vps_video_parameter_set_id
    w.flag(true); // vps_base_layer_internal_flag
    w.flag(true); // vps_base_layer_available_flag
    w.u(6, 0); // vps_max_layers_minus1
    w.u(3, 0); // vps_max_sub_layers_minus1
    w.flag(true); // vps_temporal_id_nesting_flag
    w.u(16, 0xffff); // vps_reserved_0xffff_16bits
    profile_tier_level(&mut w, p.level_idc);
    w.flag(false); // vps_sub_layer_ordering_info_present_flag
    dpb_sizes(&mut w);
    w.u(6, 0); // vps_max_layer_id
    w.ue(0); // vps_num_layer_sets_minus1
    w.flag(false); // vps_timing_info_present_flag
    w.flag(false); // vps_extension_flag
    w.trailing_bits();
    w.into_bytes()
}

/// max_dec_pic_buffering_minus1, max_num_reorder_pics, max_latency_increase_plus1:
/// one reference plus the current picture, no reordering.
fn dpb_sizes(w: &mut BitWriter) {
    w.ue(1);
    w.ue(0);
    w.ue(0);
}

/// seq_parameter_set_rbsp()
pub fn sps(p: &StreamParams) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.u(4, 0); // sps_video_parameter_set_id
    w.u(3, 0); // sps_max_sub_layers_minus1
    w.flag(true); // sps_temporal_id_nesting_flag
    profile_tier_level(&mut w, p.level_idc);
    w.ue(0); // sps_seq_parameter_set_id
    w.ue(1); // chroma_format_idc: 4:2:0
    w.ue(p.coded_width as u32);
    w.ue(p.coded_height as u32);
    let crop_right = (p.coded_width - p.width) / 2;
    let crop_bottom = (p.coded_height - p.height) / 2;
    let cropped = crop_right > 0 || crop_bottom > 0;
    w.flag(cropped); // conformance_window_flag
    if cropped {
        // Offsets count chroma samples (SubWidthC = SubHeightC = 2).
        w.ue(0);
        w.ue(crop_right as u32);
        w.ue(0);
        w.ue(crop_bottom as u32);
    }
    w.ue(0); // bit_depth_luma_minus8
    w.ue(0); // bit_depth_chroma_minus8
    w.ue(LOG2_MAX_POC_LSB - 4);
    w.flag(false); // sps_sub_layer_ordering_info_present_flag
    dpb_sizes(&mut w);
    w.ue(LOG2_MIN_CB - 3);
    w.ue(p.log2_ctb - LOG2_MIN_CB);
    w.ue(LOG2_MIN_TB - 2);
    w.ue(LOG2_MAX_TB - LOG2_MIN_TB);
    w.ue(1); // max_transform_hierarchy_depth_inter
    w.ue(1); // max_transform_hierarchy_depth_intra
    w.flag(false); // scaling_list_enabled_flag
    w.flag(false); // amp_enabled_flag
    w.flag(false); // sample_adaptive_offset_enabled_flag
    w.flag(false); // pcm_enabled_flag
    w.ue(1); // num_short_term_ref_pic_sets
             // st_ref_pic_set(0): the previous picture, used by the current one.
    w.ue(1); // num_negative_pics
    w.ue(0); // num_positive_pics
    w.ue(0); // delta_poc_s0_minus1
    w.flag(true); // used_by_curr_pic_s0_flag
    w.flag(false); // long_term_ref_pics_present_flag
    w.flag(false); // sps_temporal_mvp_enabled_flag
    w.flag(true); // strong_intra_smoothing_enabled_flag
    w.flag(true); // vui_parameters_present_flag
    vui(&mut w, p);
    w.flag(false); // sps_extension_present_flag
    w.trailing_bits();
    w.into_bytes()
}

/// vui_parameters(): limited-range BT.709 and the frame rate.
fn vui(w: &mut BitWriter, p: &StreamParams) {
    w.flag(false); // aspect_ratio_info_present_flag
    w.flag(false); // overscan_info_present_flag
    w.flag(true); // video_signal_type_present_flag
    w.u(3, 5); // video_format: unspecified
    w.flag(false); // video_full_range_flag
    w.flag(true); // colour_description_present_flag
    w.u(8, 1); // colour_primaries: BT.709
    w.u(8, 1); // transfer_characteristics: BT.709
    w.u(8, 1); // matrix_coeffs: BT.709
    w.flag(false); // chroma_loc_info_present_flag
    w.flag(false); // neutral_chroma_indication_flag
    w.flag(false); // field_seq_flag
    w.flag(false); // frame_field_info_present_flag
    w.flag(false); // default_display_window_flag
    w.flag(true); // vui_timing_info_present_flag
    w.u(32, p.fps_den); // vui_num_units_in_tick
    w.u(32, p.fps_num); // vui_time_scale
    w.flag(false); // vui_poc_proportional_to_timing_flag
    w.flag(false); // vui_hrd_parameters_present_flag
    w.flag(false); // bitstream_restriction_flag
}

/// pic_parameter_set_rbsp()
pub fn pps(p: &StreamParams) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.ue(0); // pps_pic_parameter_set_id
    w.ue(0); // pps_seq_parameter_set_id
    w.flag(false); // dependent_slice_segments_enabled_flag
    w.flag(false); // output_flag_present_flag
    w.u(3, 0); // num_extra_slice_header_bits
    w.flag(true); // sign_data_hiding_enabled_flag
    w.flag(false); // cabac_init_present_flag
    w.ue(0); // num_ref_idx_l0_default_active_minus1
    w.ue(0); // num_ref_idx_l1_default_active_minus1
    w.se(0); // init_qp_minus26
    w.flag(false); // constrained_intra_pred_flag
    w.flag(false); // transform_skip_enabled_flag
                   // QP may change from CTU to CTU (rate control, adaptive quantisation).
    w.flag(true); // cu_qp_delta_enabled_flag
    w.ue(0); // diff_cu_qp_delta_depth: one quantisation group per CTU
    w.se(0); // pps_cb_qp_offset
    w.se(0); // pps_cr_qp_offset
    w.flag(false); // pps_slice_chroma_qp_offsets_present_flag
    w.flag(false); // weighted_pred_flag
    w.flag(false); // weighted_bipred_flag
    w.flag(false); // transquant_bypass_enabled_flag
    w.flag(false); // tiles_enabled_flag
    w.flag(p.wpp); // entropy_coding_sync_enabled_flag
    w.flag(false); // pps_loop_filter_across_slices_enabled_flag
    w.flag(false); // deblocking_filter_control_present_flag
    w.flag(false); // pps_scaling_list_data_present_flag
    w.flag(false); // lists_modification_present_flag
    w.ue(0); // log2_parallel_merge_level_minus2
    w.flag(false); // slice_segment_header_extension_present_flag
    w.flag(false); // pps_extension_present_flag
    w.trailing_bits();
    w.into_bytes()
}

/// The kind of picture a slice header describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceKind {
    Idr,
    /// A P picture predicting from the previous picture (the SPS's only reference set).
    P {
        poc: u32,
        max_merge_cand: u32,
    },
}

/// slice_segment_header() for the single slice of a picture, ending with byte_alignment().
/// With WPP on, `entry_points` are the byte sizes (emulation prevention included) of every
/// substream but the last.
pub fn slice_header(p: &StreamParams, kind: SliceKind, qp: i32, entry_points: &[u32]) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.flag(true); // first_slice_segment_in_pic_flag
    if kind == SliceKind::Idr {
        w.flag(false); // no_output_of_prior_pics_flag
    }
    w.ue(0); // slice_pic_parameter_set_id
    match kind {
        SliceKind::Idr => w.ue(2), // slice_type: I
        SliceKind::P {
            poc,
            max_merge_cand,
        } => {
            w.ue(1); // slice_type: P
            w.u(LOG2_MAX_POC_LSB, poc % (1 << LOG2_MAX_POC_LSB)); // slice_pic_order_cnt_lsb
            w.flag(true); // short_term_ref_pic_set_sps_flag (one set: no index coded)
            w.flag(false); // num_ref_idx_active_override_flag
            w.ue(5 - max_merge_cand); // five_minus_max_num_merge_cand
        }
    }
    w.se(qp - 26); // slice_qp_delta
    if p.wpp {
        w.ue(entry_points.len() as u32); // num_entry_point_offsets
        if let Some(&max) = entry_points.iter().max() {
            let len = (32 - max.saturating_sub(1).leading_zeros()).max(1);
            w.ue(len - 1); // offset_len_minus1
            for &e in entry_points {
                w.u(len, e - 1); // entry_point_offset_minus1
            }
        }
    }
    w.trailing_bits(); // byte_alignment()
    w.into_bytes()
}

/// A suffix SEI message carrying the MD5 decoded picture hash of the three planes.
pub fn picture_hash_sei(md5: &[[u8; 16]; 3]) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.u(8, 132); // payloadType: decoded_picture_hash
    w.u(8, 1 + 3 * 16); // payloadSize
    w.u(8, 0); // hash_type: MD5
    for digest in md5 {
        w.bytes(digest);
    }
    w.trailing_bits();
    w.into_bytes()
}
