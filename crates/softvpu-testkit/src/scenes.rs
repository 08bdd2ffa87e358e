//! Synthetic camera motion for inter-prediction tests: a textured world seen through a
//! window that pans by fractional amounts, stands still, cuts to another world, or shows
//! objects moving against each other. Frames are NV12.

/// What the camera does for a run of frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shot {
    /// The window moves by (`dx`, `dy`) luma samples per frame.
    Pan { dx: f32, dy: f32 },
    /// Nothing moves.
    Still,
    /// Two textured squares cross each other in front of a still background.
    Objects,
    /// Switch to a different world (a hard scene cut) and pan by (`dx`, `dy`).
    Cut { dx: f32, dy: f32 },
}

/// A script visiting every direction of motion, fast and slow, a still scene, crossing
/// objects and a cut, in `frames` frames.
pub fn tour(frames: usize) -> Vec<Shot> {
    let shots = [
        Shot::Pan { dx: 1.25, dy: 0.5 },
        Shot::Pan {
            dx: -0.75,
            dy: -2.25,
        },
        Shot::Pan { dx: 2.5, dy: -1.75 },
        Shot::Pan {
            dx: -3.25,
            dy: 0.25,
        },
        Shot::Still,
        Shot::Objects,
        Shot::Cut { dx: 0.5, dy: 1.5 },
        Shot::Pan {
            dx: -11.5,
            dy: 9.25,
        },
    ];
    (0..frames)
        .map(|i| shots[i * shots.len() / frames])
        .collect()
}

/// Renders the frames of `script` at `width` x `height` (even).
pub fn render(script: &[Shot], width: usize, height: usize) -> Vec<Vec<u8>> {
    let (mut ox, mut oy, mut world) = (0f32, 0f32, 1u32);
    let mut objects_t = 0f32;
    let mut frames = Vec::with_capacity(script.len());
    for (i, &shot) in script.iter().enumerate() {
        match shot {
            Shot::Pan { dx, dy } => {
                ox += dx;
                oy += dy;
            }
            Shot::Cut { dx, dy } => {
                if i > 0 && !matches!(script[i - 1], Shot::Cut { .. }) {
                    world += 1;
                }
                ox += dx;
                oy += dy;
            }
            Shot::Objects => objects_t += 1.0,
            Shot::Still => {}
        }
        let mut frame = world_view(width, height, ox, oy, world);
        if shot == Shot::Objects {
            let side = (width.min(height) / 3).max(4) & !1;
            let travel = objects_t * 2.75;
            let a = (
                travel - side as f32 / 2.0,
                height as f32 / 4.0 + objects_t * 0.5,
            );
            let b = (
                width as f32 - travel - side as f32 / 2.0,
                height as f32 / 2.0 - objects_t,
            );
            paste_square(&mut frame, width, height, a, side, 7);
            paste_square(&mut frame, width, height, b, side, 11);
        }
        frames.push(frame);
    }
    frames
}

fn hash(x: i32, y: i32, seed: u32) -> u32 {
    let mut h = (x as u32).wrapping_mul(0x8DA6_B343)
        ^ (y as u32).wrapping_mul(0xD816_3841)
        ^ seed.wrapping_mul(0xCB1A_B31F);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5BD1_E995);
    h ^ (h >> 15)
}

/// Texture value of integer world position (`x`, `y`): smooth blobs, fine grain, and
/// hard-edged glyph rows like text.
fn texel(x: i32, y: i32, seed: u32) -> f32 {
    let cell = 16;
    let (cx, cy) = (x.div_euclid(cell), y.div_euclid(cell));
    let (fx, fy) = (
        x.rem_euclid(cell) as f32 / cell as f32,
        y.rem_euclid(cell) as f32 / cell as f32,
    );
    let v = |i: i32, j: i32| (hash(cx + i, cy + j, seed) & 255) as f32;
    let blob = v(0, 0) * (1.0 - fx) * (1.0 - fy)
        + v(1, 0) * fx * (1.0 - fy)
        + v(0, 1) * (1.0 - fx) * fy
        + v(1, 1) * fx * fy;
    let grain = (hash(x, y, seed ^ 0x55) & 15) as f32 - 7.5;
    let glyph_band = y.div_euclid(24) % 3 == 0;
    let glyph = if glyph_band && hash(x.div_euclid(5), y.div_euclid(8), seed ^ 0xAA) & 3 == 0 {
        -90.0
    } else {
        0.0
    };
    (blob * 0.7 + 40.0 + grain + glyph).clamp(0.0, 255.0)
}

/// Bilinear sample of the texture at a fractional world position.
fn sample(x: f32, y: f32, seed: u32) -> u8 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (ix, iy) = (x0 as i32, y0 as i32);
    let t = |i, j| texel(ix + i, iy + j, seed);
    let v = t(0, 0) * (1.0 - fx) * (1.0 - fy)
        + t(1, 0) * fx * (1.0 - fy)
        + t(0, 1) * (1.0 - fx) * fy
        + t(1, 1) * fx * fy;
    v.round().clamp(0.0, 255.0) as u8
}

fn world_view(w: usize, h: usize, ox: f32, oy: f32, world: u32) -> Vec<u8> {
    let mut f = vec![0u8; w * h * 3 / 2];
    for y in 0..h {
        for x in 0..w {
            f[y * w + x] = sample(x as f32 + ox, y as f32 + oy, world);
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            let (cx, cy) = (x as f32 + ox / 2.0, y as f32 + oy / 2.0);
            let i = w * h + y * w + 2 * x;
            f[i] = 128 + (sample(cx, cy, world ^ 0x100) / 4) - 32;
            f[i + 1] = 128 + (sample(cx, cy, world ^ 0x200) / 4) - 32;
        }
    }
    f
}

/// Draws a textured square whose top-left corner is at `at` (may be partly outside).
fn paste_square(f: &mut [u8], w: usize, h: usize, at: (f32, f32), side: usize, seed: u32) {
    let (x0, y0) = (at.0.floor() as i64, at.1.floor() as i64);
    for j in 0..side as i64 {
        for i in 0..side as i64 {
            let (x, y) = (x0 + i, y0 + j);
            if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
                continue;
            }
            f[y as usize * w + x as usize] = sample(i as f32 + at.0.fract(), j as f32, seed);
            if x % 2 == 0 && y % 2 == 0 {
                let c = w * h + (y as usize / 2) * w + x as usize;
                f[c] = 60 + (i * 3) as u8 % 64;
                f[c + 1] = 190 - (j * 2) as u8 % 64;
            }
        }
    }
}
