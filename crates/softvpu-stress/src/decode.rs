//! Decoding with the pure-Rust HEVC decoder `rusty_h265`, for checks that run in-process.

use rusty_h265::{Decoder, Error};

/// Every picture of an Annex-B stream, as planar 4:2:0, in output order.
pub fn hevc(stream: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut decoder = Decoder::new();
    decoder
        .push_annexb(stream, None)
        .map_err(|e| format!("the stream does not decode: {e:?}"))?;
    decoder.flush();
    let mut pictures = Vec::new();
    loop {
        match decoder.next_frame() {
            Ok(frame) => {
                let mut yuv = Vec::new();
                frame.write_yuv(&mut yuv);
                pictures.push(yuv);
            }
            Err(Error::Again | Error::Eof) => return Ok(pictures),
            Err(e) => return Err(format!("the decoder failed: {e:?}")),
        }
    }
}
