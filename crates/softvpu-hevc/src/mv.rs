//! Motion vectors and their predictors: the merge candidate list and the AMVP list of a
//! 2Nx2N prediction block with one reference picture (no temporal candidates).

use crate::cu::BlockMap;
use crate::syntax::PictureLayout;

/// A motion vector in quarter luma samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mv {
    pub x: i16,
    pub y: i16,
}

impl Mv {
    pub const ZERO: Mv = Mv { x: 0, y: 0 };

    pub const fn new(x: i16, y: i16) -> Self {
        Self { x, y }
    }

    /// Component-wise difference, saturated to the coded range.
    pub fn minus(self, other: Mv) -> Mv {
        let d = |a: i16, b: i16| (i32::from(a) - i32::from(b)).clamp(-32768, 32767) as i16;
        Mv::new(d(self.x, other.x), d(self.y, other.y))
    }
}

/// Most merge candidates a slice may allow (five_minus_max_num_merge_cand = 0).
pub const MAX_MERGE_CANDS: usize = 5;

/// Motion of the neighbouring block at (`nx`, `ny`) as seen from a block at z-scan address
/// `cur_zs`: `None` when it is unavailable (outside, not yet coded) or intra.
fn neighbour(
    map: &BlockMap,
    layout: &PictureLayout<'_>,
    cur_zs: usize,
    nx: isize,
    ny: isize,
) -> Option<Mv> {
    let (Ok(nx), Ok(ny)) = (usize::try_from(nx), usize::try_from(ny)) else {
        return None;
    };
    if !layout.avail.available_zs(cur_zs, nx, ny) {
        return None;
    }
    let info = map.get(nx, ny);
    (!info.is_intra()).then_some(info.mv)
}

/// The five spatial neighbours of a prediction block, named as in the specification.
struct Neighbours {
    a0: Option<Mv>,
    a1: Option<Mv>,
    b0: Option<Mv>,
    b1: Option<Mv>,
    b2: Option<Mv>,
}

impl Neighbours {
    fn of(map: &BlockMap, layout: &PictureLayout<'_>, x: usize, y: usize, size: usize) -> Self {
        let (xi, yi, s) = (x as isize, y as isize, size as isize);
        // The block's z-scan address, looked up once for all five.
        let cur_zs = layout.avail.min_tb_addr_zs(x, y);
        let nb = |nx, ny| neighbour(map, layout, cur_zs, nx, ny);
        Self {
            a0: nb(xi - 1, yi + s),
            a1: nb(xi - 1, yi + s - 1),
            b0: nb(xi + s, yi - 1),
            b1: nb(xi + s - 1, yi - 1),
            b2: nb(xi - 1, yi - 1),
        }
    }
}

/// The merge candidate list and the two AMVP predictors of the `size`x`size` block at
/// (`x`, `y`), from one look at its neighbours.
pub fn candidates(
    map: &BlockMap,
    layout: &PictureLayout<'_>,
    x: usize,
    y: usize,
    size: usize,
) -> ([Mv; MAX_MERGE_CANDS], [Mv; 2]) {
    let n = Neighbours::of(map, layout, x, y, size);
    (n.merge(), n.amvp())
}

impl Neighbours {
    /// The merge candidate list: spatial candidates with the specification's pruning,
    /// then zero vectors. A slice allowing fewer candidates uses a prefix of it.
    fn merge(&self) -> [Mv; MAX_MERGE_CANDS] {
        let n = self;
        let mut list = [Mv::ZERO; MAX_MERGE_CANDS];
        let differs =
            |c: Option<Mv>, other: Option<Mv>| c.is_some() && (other.is_none() || c != other);
        let mut spatial = [None; 5];
        spatial[0] = n.a1;
        spatial[1] = n.b1.filter(|_| differs(n.b1, n.a1));
        spatial[2] = n.b0.filter(|_| differs(n.b0, n.b1));
        spatial[3] = n.a0.filter(|_| differs(n.a0, n.a1));
        // B2 only when fewer than four of the others made it.
        if spatial[..4].iter().flatten().count() != 4 && differs(n.b2, n.a1) && differs(n.b2, n.b1)
        {
            spatial[4] = n.b2;
        }
        for (slot, mv) in list.iter_mut().zip(spatial.into_iter().flatten()) {
            *slot = mv;
        }
        // Zero candidates fill the rest (with one reference they are all the same).
        list
    }

    /// The two AMVP predictors.
    fn amvp(&self) -> [Mv; 2] {
        let n = self;
        // Every inter neighbour refers to the one reference picture, so no vector needs
        // scaling and the first available one of each group is the predictor.
        let mut a = n.a0.or(n.a1);
        let b_first = n.b0.or(n.b1).or(n.b2);
        let mut b = b_first;
        if n.a0.is_none() && n.a1.is_none() {
            // isScaledFlag is 0: A takes B's vector, and B is searched again (finding the
            // same).
            a = b_first;
            b = b_first;
        }
        let mut list = [Mv::ZERO; 2];
        for (slot, mv) in list
            .iter_mut()
            .zip([a, b.filter(|&mv| a != Some(mv))].into_iter().flatten())
        {
            *slot = mv;
        }
        list
    }
}
