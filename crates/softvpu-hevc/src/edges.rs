//! Deblocking inputs gathered as each CTU is decided: CU QPs, transform-block cbfs and
//! the boundary strength of every edge on the 8x8 grid.

use crate::cu::{BlockMap, CtuLevels, CuKind, Node};
use crate::deblock::EdgeStrengths;

/// The QpY of a CTU's CUs: those before the first CU with a coded block keep the predicted
/// QP (their cu_qp_delta is still 0); from that CU on, the coded one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CuQps {
    pub predicted: i32,
    pub coded: i32,
}

/// Deblocking inputs of one decided CTU: the QP of every CU, the luma cbf of every transform
/// block (kept in the block map for later neighbours), and the boundary strength of every
/// transform and prediction edge on the 8x8 grid whose right or lower side is in the CTU.
/// Returns the QpY of the CTU's last CU.
pub(crate) fn mark_edges(
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
    if a.is_intra() || b.is_intra() {
        2
    } else if a.has_cbf() || b.has_cbf() {
        1
    } else {
        let far = |u: i16, v: i16| (i32::from(u) - i32::from(v)).abs() >= 4;
        u8::from(far(a.mv.x, b.mv.x) || far(a.mv.y, b.mv.y))
    }
}
