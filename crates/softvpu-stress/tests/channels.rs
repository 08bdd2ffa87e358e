//! 32 channels at once in one process, every stream checked (the `channels` binary
//! runs the same with longer clips and larger pictures).
#![allow(clippy::unwrap_used)]

use softvpu_stress::channels::{self, Clip};
use softvpu_testkit as kit;

#[test]
fn thirty_two_channels_at_once_stay_conformant() {
    let specs = channels::mixed(32, 10, 320 * 240);
    let clip = Clip::load(10);
    let together = channels::encode_at_once(&specs, &clip);
    let dir = kit::scratch_dir("channels");
    for (spec, stream) in specs.iter().zip(together) {
        let stream = stream.unwrap_or_else(|e| panic!("{}: {e}", spec.name()));
        let alone = channels::encode(spec, &clip).unwrap();
        channels::check(spec, &stream, &alone, &dir);
    }
}
