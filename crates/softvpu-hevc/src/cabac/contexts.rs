//! The Main-profile context variables of one slice and their initialisation (9.3.2.2,
//! initValue Tables 9-5 .. 9-37).
//!
//! Each field is indexed by the spec's ctxInc for that syntax element (ctxIdx minus the
//! element's offset for the current initType). Contexts that a slice type never uses (e.g. the
//! inter elements of I slices) are initialised from 154 and simply stay unused.

use super::Context;

/// initValue used where the spec defines no context for an init type (never coded there).
const UNUSED: u8 = 154;

/// All context variables of a slice segment, one array per syntax element.
#[derive(Clone, Debug)]
pub struct Contexts {
    /// sao_merge_left_flag and sao_merge_up_flag (shared), ctxInc 0.
    pub sao_merge_flag: [Context; 1],
    /// sao_type_idx_luma / sao_type_idx_chroma bin 0 (bin 1 is bypass).
    pub sao_type_idx: [Context; 1],
    /// ctxInc = (left available && CtDepth left > cqtDepth)
    /// + (above available && CtDepth above > cqtDepth), 0..=2.
    pub split_cu_flag: [Context; 3],
    /// ctxInc 0.
    pub cu_transquant_bypass_flag: [Context; 1],
    /// ctxInc = left available && left skipped + above available && above skipped, 0..=2.
    pub cu_skip_flag: [Context; 3],
    /// ctxInc 0.
    pub pred_mode_flag: [Context; 1],
    /// bin 0 -> 0, bin 1 -> 1, bin 2 -> 2 if log2CbSize == MinCbLog2SizeY else 3 (AMP);
    /// bin 3 is bypass. I slices only use ctxInc 0.
    pub part_mode: [Context; 4],
    /// ctxInc 0.
    pub prev_intra_luma_pred_flag: [Context; 1],
    /// bin 0 -> 0; bins 1 and 2 are bypass.
    pub intra_chroma_pred_mode: [Context; 1],
    /// ctxInc 0.
    pub rqt_root_cbf: [Context; 1],
    /// ctxInc 0.
    pub merge_flag: [Context; 1],
    /// bin 0 -> 0; the remaining bins are bypass.
    pub merge_idx: [Context; 1],
    /// bin 0 -> CtDepth if nPbW + nPbH != 12 else 4; bin 1 -> 4.
    pub inter_pred_idc: [Context; 5],
    /// ref_idx_l0 / ref_idx_l1 (shared): bin 0 -> 0, bin 1 -> 1, further bins bypass.
    pub ref_idx: [Context; 2],
    /// mvp_l0_flag / mvp_l1_flag (shared), ctxInc 0.
    pub mvp_flag: [Context; 1],
    /// ctxInc = 5 - log2TrafoSize, 0..=2.
    pub split_transform_flag: [Context; 3],
    /// ctxInc = 1 if trafoDepth == 0 else 0.
    pub cbf_luma: [Context; 2],
    /// cbf_cb / cbf_cr (shared): ctxInc = trafoDepth, 0..=3.
    pub cbf_chroma: [Context; 4],
    /// ctxInc 0 (both components, both lists).
    pub abs_mvd_greater0_flag: [Context; 1],
    /// ctxInc 0 (both components, both lists).
    pub abs_mvd_greater1_flag: [Context; 1],
    /// bin 0 -> 0, bins 1..=4 -> 1; the suffix is bypass.
    pub cu_qp_delta_abs: [Context; 2],
    /// ctxInc 0 for luma, 1 for chroma.
    pub transform_skip_flag: [Context; 2],
    /// ctxInc = (binIdx >> ctxShift) + ctxOffset: luma 0..=14 with
    /// ctxOffset = 3 * (log2TrafoSize - 2) + ((log2TrafoSize - 1) >> 2),
    /// ctxShift = (log2TrafoSize + 1) >> 2; chroma 15..=17 with ctxOffset = 15,
    /// ctxShift = log2TrafoSize - 2.
    pub last_sig_coeff_x_prefix: [Context; 18],
    /// Same layout as `last_sig_coeff_x_prefix`.
    pub last_sig_coeff_y_prefix: [Context; 18],
    /// ctxInc = csbfCtx (0 or 1, right or below sub-block coded) for luma, 2 + csbfCtx for
    /// chroma.
    pub coded_sub_block_flag: [Context; 4],
    /// ctxInc = sigCtx for luma (0..=26), 27 + sigCtx for chroma (27..=41).
    pub sig_coeff_flag: [Context; 42],
    /// ctxInc = ctxSet * 4 + greater1Ctx: luma ctxSet 0..=3 -> 0..=15, chroma ctxSet 0..=1
    /// -> 16 + (0..=7).
    pub coeff_abs_level_greater1_flag: [Context; 24],
    /// ctxInc = ctxSet: luma 0..=3, chroma 4 + (0..=1).
    pub coeff_abs_level_greater2_flag: [Context; 6],
}

impl Contexts {
    /// Initialises every context for `init_type` (0: I, 1: P, 2: B; P with cabac_init_flag
    /// uses 2 and B with cabac_init_flag uses 1) and SliceQpY.
    pub fn new(init_type: u32, slice_qp: i32) -> Self {
        debug_assert!(init_type <= 2, "initType {init_type}");
        let t = (init_type as usize).min(2);
        let qp = slice_qp;
        Self {
            sao_merge_flag: init(&SAO_MERGE_FLAG[t], qp),
            sao_type_idx: init(&SAO_TYPE_IDX[t], qp),
            split_cu_flag: init(&SPLIT_CU_FLAG[t], qp),
            cu_transquant_bypass_flag: init(&CU_TRANSQUANT_BYPASS_FLAG[t], qp),
            cu_skip_flag: init(&CU_SKIP_FLAG[t], qp),
            pred_mode_flag: init(&PRED_MODE_FLAG[t], qp),
            part_mode: init(&PART_MODE[t], qp),
            prev_intra_luma_pred_flag: init(&PREV_INTRA_LUMA_PRED_FLAG[t], qp),
            intra_chroma_pred_mode: init(&INTRA_CHROMA_PRED_MODE[t], qp),
            rqt_root_cbf: init(&RQT_ROOT_CBF[t], qp),
            merge_flag: init(&MERGE_FLAG[t], qp),
            merge_idx: init(&MERGE_IDX[t], qp),
            inter_pred_idc: init(&INTER_PRED_IDC[t], qp),
            ref_idx: init(&REF_IDX[t], qp),
            mvp_flag: init(&MVP_FLAG[t], qp),
            split_transform_flag: init(&SPLIT_TRANSFORM_FLAG[t], qp),
            cbf_luma: init(&CBF_LUMA[t], qp),
            cbf_chroma: init(&CBF_CHROMA[t], qp),
            abs_mvd_greater0_flag: init(&ABS_MVD_GREATER0_FLAG[t], qp),
            abs_mvd_greater1_flag: init(&ABS_MVD_GREATER1_FLAG[t], qp),
            cu_qp_delta_abs: init(&CU_QP_DELTA_ABS[t], qp),
            transform_skip_flag: init(&TRANSFORM_SKIP_FLAG[t], qp),
            last_sig_coeff_x_prefix: init(&LAST_SIG_COEFF_PREFIX[t], qp),
            last_sig_coeff_y_prefix: init(&LAST_SIG_COEFF_PREFIX[t], qp),
            coded_sub_block_flag: init(&CODED_SUB_BLOCK_FLAG[t], qp),
            sig_coeff_flag: init(&SIG_COEFF_FLAG[t], qp),
            coeff_abs_level_greater1_flag: init(&COEFF_ABS_LEVEL_GREATER1_FLAG[t], qp),
            coeff_abs_level_greater2_flag: init(&COEFF_ABS_LEVEL_GREATER2_FLAG[t], qp),
        }
    }
}

fn init<const N: usize>(values: &[u8; N], qp: i32) -> [Context; N] {
    values.map(|v| Context::new(v, qp))
}

// initValue tables, indexed [initType][ctxInc].

const SAO_MERGE_FLAG: [[u8; 1]; 3] = [[153], [153], [153]];
const SAO_TYPE_IDX: [[u8; 1]; 3] = [[200], [185], [160]];
const SPLIT_CU_FLAG: [[u8; 3]; 3] = [[139, 141, 157], [107, 139, 126], [107, 139, 126]];
const CU_TRANSQUANT_BYPASS_FLAG: [[u8; 1]; 3] = [[154], [154], [154]];
const CU_SKIP_FLAG: [[u8; 3]; 3] = [[UNUSED; 3], [197, 185, 201], [197, 185, 201]];
const PRED_MODE_FLAG: [[u8; 1]; 3] = [[UNUSED], [149], [134]];
const PART_MODE: [[u8; 4]; 3] = [
    [184, UNUSED, UNUSED, UNUSED],
    [154, 139, 154, 154],
    [154, 139, 154, 154],
];
const PREV_INTRA_LUMA_PRED_FLAG: [[u8; 1]; 3] = [[184], [154], [183]];
const INTRA_CHROMA_PRED_MODE: [[u8; 1]; 3] = [[63], [152], [152]];
const RQT_ROOT_CBF: [[u8; 1]; 3] = [[UNUSED], [79], [79]];
const MERGE_FLAG: [[u8; 1]; 3] = [[UNUSED], [110], [154]];
const MERGE_IDX: [[u8; 1]; 3] = [[UNUSED], [122], [137]];
const INTER_PRED_IDC: [[u8; 5]; 3] = [[UNUSED; 5], [95, 79, 63, 31, 31], [95, 79, 63, 31, 31]];
const REF_IDX: [[u8; 2]; 3] = [[UNUSED; 2], [153, 153], [153, 153]];
const MVP_FLAG: [[u8; 1]; 3] = [[UNUSED], [168], [168]];
const SPLIT_TRANSFORM_FLAG: [[u8; 3]; 3] = [[153, 138, 138], [124, 138, 94], [224, 167, 122]];
const CBF_LUMA: [[u8; 2]; 3] = [[111, 141], [153, 111], [153, 111]];
const CBF_CHROMA: [[u8; 4]; 3] = [
    [94, 138, 182, 154],
    [149, 107, 167, 154],
    [149, 92, 167, 154],
];
const ABS_MVD_GREATER0_FLAG: [[u8; 1]; 3] = [[UNUSED], [140], [169]];
const ABS_MVD_GREATER1_FLAG: [[u8; 1]; 3] = [[UNUSED], [198], [198]];
const CU_QP_DELTA_ABS: [[u8; 2]; 3] = [[154, 154], [154, 154], [154, 154]];
const TRANSFORM_SKIP_FLAG: [[u8; 2]; 3] = [[139, 139], [139, 139], [139, 139]];

#[rustfmt::skip]
const LAST_SIG_COEFF_PREFIX: [[u8; 18]; 3] = [
    [110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63],
    [125, 110, 94, 110, 95, 79, 125, 111, 110, 78, 110, 111, 111, 95, 94, 108, 123, 108],
    [125, 110, 124, 110, 95, 94, 125, 111, 111, 79, 125, 126, 111, 111, 79, 108, 123, 93],
];

const CODED_SUB_BLOCK_FLAG: [[u8; 4]; 3] = [
    [91, 171, 134, 141],
    [121, 140, 61, 154],
    [121, 140, 61, 154],
];

#[rustfmt::skip]
const SIG_COEFF_FLAG: [[u8; 42]; 3] = [
    [
        111, 111, 125, 110, 110, 94, 124, 108, 124, 107, 125, 141, 179, 153, 125, 107, 125, 141,
        179, 153, 125, 107, 125, 141, 179, 153, 125,
        140, 139, 182, 182, 152, 136, 152, 136, 153, 136, 139, 111, 136, 139, 111,
    ],
    [
        155, 154, 139, 153, 139, 123, 123, 63, 153, 166, 183, 140, 136, 153, 154, 166, 183, 140,
        136, 153, 154, 166, 183, 140, 136, 153, 154,
        170, 153, 123, 123, 107, 121, 107, 121, 167, 151, 183, 140, 151, 183, 140,
    ],
    [
        170, 154, 139, 153, 139, 123, 123, 63, 124, 166, 183, 140, 136, 153, 154, 166, 183, 140,
        136, 153, 154, 166, 183, 140, 136, 153, 154,
        170, 153, 138, 138, 122, 121, 122, 121, 167, 151, 183, 140, 151, 183, 140,
    ],
];

#[rustfmt::skip]
const COEFF_ABS_LEVEL_GREATER1_FLAG: [[u8; 24]; 3] = [
    [
        140, 92, 137, 138, 140, 152, 138, 139, 153, 74, 149, 92, 139, 107, 122, 152,
        140, 179, 166, 182, 140, 227, 122, 197,
    ],
    [
        154, 196, 196, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121, 136, 137,
        169, 194, 166, 167, 154, 167, 137, 182,
    ],
    [
        154, 196, 167, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121, 136, 122,
        169, 208, 166, 167, 154, 152, 167, 182,
    ],
];

const COEFF_ABS_LEVEL_GREATER2_FLAG: [[u8; 6]; 3] = [
    [138, 153, 136, 167, 152, 152],
    [107, 167, 91, 122, 107, 167],
    [107, 167, 91, 107, 107, 167],
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Sum and a position-weighted sum of all initValues for `t` (UNUSED padding counted as
    /// 154), as a transcription fingerprint.
    fn fingerprint(t: usize) -> (u32, u32) {
        let rows: [&[u8]; 27] = [
            &SAO_MERGE_FLAG[t],
            &SAO_TYPE_IDX[t],
            &SPLIT_CU_FLAG[t],
            &CU_TRANSQUANT_BYPASS_FLAG[t],
            &CU_SKIP_FLAG[t],
            &PRED_MODE_FLAG[t],
            &PART_MODE[t],
            &PREV_INTRA_LUMA_PRED_FLAG[t],
            &INTRA_CHROMA_PRED_MODE[t],
            &RQT_ROOT_CBF[t],
            &MERGE_FLAG[t],
            &MERGE_IDX[t],
            &INTER_PRED_IDC[t],
            &REF_IDX[t],
            &MVP_FLAG[t],
            &SPLIT_TRANSFORM_FLAG[t],
            &CBF_LUMA[t],
            &CBF_CHROMA[t],
            &ABS_MVD_GREATER0_FLAG[t],
            &ABS_MVD_GREATER1_FLAG[t],
            &CU_QP_DELTA_ABS[t],
            &TRANSFORM_SKIP_FLAG[t],
            &LAST_SIG_COEFF_PREFIX[t],
            &CODED_SUB_BLOCK_FLAG[t],
            &SIG_COEFF_FLAG[t],
            &COEFF_ABS_LEVEL_GREATER1_FLAG[t],
            &COEFF_ABS_LEVEL_GREATER2_FLAG[t],
        ];
        let all: Vec<u8> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        let sum = all.iter().map(|&v| u32::from(v)).sum();
        let weighted = all
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as u32 + 1) * u32::from(v))
            .sum();
        (sum, weighted)
    }

    #[test]
    fn table_fingerprints() {
        // Computed from the values cross-checked against libde265 and FFmpeg; guards against
        // accidental edits.
        assert_eq!(fingerprint(0), FINGERPRINTS[0]);
        assert_eq!(fingerprint(1), FINGERPRINTS[1]);
        assert_eq!(fingerprint(2), FINGERPRINTS[2]);
    }

    const FINGERPRINTS: [(u32, u32); 3] = [(18921, 1290065), (18832, 1331127), (19130, 1341690)];

    #[test]
    fn spot_values() {
        // A few hand-checked initial states.
        let c = Contexts::new(0, 26);
        // split_cu_flag ctx 0, initValue 139 at QP 26 -> preCtxState 63 -> state 0, MPS 0.
        assert_eq!(c.split_cu_flag[0], Context::from_parts(0, 0));
        // cbf_luma ctx 1, initValue 141 at QP 26 -> state 15, MPS 1.
        assert_eq!(c.cbf_luma[1], Context::from_parts(15, 1));
        // split_cu_flag ctx 2 = 157 -> state 24, MPS 1.
        assert_eq!(c.split_cu_flag[2], Context::from_parts(24, 1));
        // intra_chroma_pred_mode = 63 at QP 26: m = -30, n = 104, (-780)>>4 = -49 -> pre 55
        // -> state 8, MPS 0.
        assert_eq!(c.intra_chroma_pred_mode[0], Context::from_parts(8, 0));
        let p = Contexts::new(1, 30);
        // inter_pred_idc ctx 3 = 31 at QP 30: m = -40, n = 104, -1200>>4 = -75 -> pre 29
        // -> state 34, MPS 0.
        assert_eq!(p.inter_pred_idc[3], Context::from_parts(34, 0));
        assert_eq!(p.last_sig_coeff_x_prefix, p.last_sig_coeff_y_prefix);
        let b = Contexts::new(2, 30);
        assert_eq!(b.abs_mvd_greater0_flag[0], Context::new(169, 30));
        assert_eq!(b.sig_coeff_flag[0], Context::new(170, 30));
        assert_eq!(b.coeff_abs_level_greater1_flag[17], Context::new(208, 30));
    }

    #[test]
    fn every_context_follows_its_init_value() {
        for t in 0..3u32 {
            for qp in [0, 17, 26, 51] {
                let c = Contexts::new(t, qp);
                let tu = t as usize;
                for (i, &v) in SIG_COEFF_FLAG[tu].iter().enumerate() {
                    assert_eq!(c.sig_coeff_flag[i], Context::new(v, qp));
                }
                for (i, &v) in COEFF_ABS_LEVEL_GREATER1_FLAG[tu].iter().enumerate() {
                    assert_eq!(c.coeff_abs_level_greater1_flag[i], Context::new(v, qp));
                }
                for (i, &v) in LAST_SIG_COEFF_PREFIX[tu].iter().enumerate() {
                    assert_eq!(c.last_sig_coeff_x_prefix[i], Context::new(v, qp));
                }
                assert_eq!(c.part_mode[0], Context::new(PART_MODE[tu][0], qp));
                assert_eq!(c.cbf_chroma[3], Context::new(CBF_CHROMA[tu][3], qp));
            }
        }
    }
}
