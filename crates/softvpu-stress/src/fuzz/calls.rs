//! Arbitrary call sequences on small channels: sends of good and bad frames, receives,
//! flushes and drops in any order. The encoder must answer each as documented.

use softvpu::{Codec, Config, Encoder, Error, Frame};

use super::input::Input;
use super::{check_packet, config, content, receive};

/// The most calls one input makes, so that every run stays short.
const MAX_CALLS: usize = 48;

pub fn calls(data: &[u8]) {
    let mut input = Input::new(data);
    let codec = config::codec(&mut input);
    let config = config::valid_small(&mut input, codec, 48);
    let mut channel = Channel::open(config.clone());
    for _ in 0..MAX_CALLS {
        if input.is_empty() {
            break;
        }
        match input.u8() % 8 {
            0 | 1 => channel.send_good(&mut input),
            2 => channel.send_other_size(&mut input),
            3 => channel.send_bad_planes(&mut input),
            4 | 5 => channel.receive(),
            6 => channel.flush(),
            _ => channel = Channel::open(config.clone()),
        }
    }
    channel.drain();
}

/// An encoder and what the harness expects of it.
struct Channel {
    encoder: Encoder,
    config: Config,
    sent: u64,
    received: u64,
    flushed: bool,
}

impl Channel {
    fn open(config: Config) -> Self {
        let encoder = Encoder::new(config.clone())
            .unwrap_or_else(|e| panic!("a valid configuration was refused: {e}"));
        Self {
            encoder,
            config,
            sent: 0,
            received: 0,
            flushed: false,
        }
    }

    fn size(&self) -> (u32, u32) {
        (self.config.width(), self.config.height())
    }

    fn send_good(&mut self, input: &mut Input<'_>) {
        let (w, h) = self.size();
        let nv12 = content::frame(input, w, h, self.sent as u32);
        let frame = Frame::from_nv12(&nv12, w, h).expect("the harness builds valid frames");
        self.send(&frame);
    }

    /// Sends `frame`, which is valid and of the channel's size.
    fn send(&mut self, frame: &Frame<'_>) {
        match (self.encoder.send_frame(frame), self.flushed) {
            (Ok(()), false) => self.sent += 1,
            (Err(Error::Flushed), true) => {}
            (result, flushed) => panic!("send after flush={flushed} gave {result:?}"),
        }
    }

    fn send_other_size(&mut self, input: &mut Input<'_>) {
        let (w, h) = self.size();
        let (ow, oh) = (input.even(2, 64), input.even(2, 64));
        let nv12 = vec![input.u8(); Frame::nv12_len(ow, oh)];
        let frame = Frame::from_nv12(&nv12, ow, oh).expect("an even size within limits");
        let result = self.encoder.send_frame(&frame);
        match result {
            Ok(()) if (ow, oh) == (w, h) && !self.flushed => self.sent += 1,
            Err(Error::Flushed) if self.flushed => {}
            Err(Error::FrameSizeMismatch { expected, actual })
                if expected == (w, h) && actual == (ow, oh) && (ow, oh) != (w, h) => {}
            other => panic!("a {ow}x{oh} frame to a {w}x{h} channel gave {other:?}"),
        }
    }

    /// Planes of any length and stride: refused with an error unless every row fits.
    fn send_bad_planes(&mut self, input: &mut Input<'_>) {
        let (w, h) = self.size();
        let y_stride = usize::from(input.u8());
        let uv_stride = usize::from(input.u8());
        let y = vec![input.u8(); usize::from(input.u16() % 8192)];
        let uv = vec![input.u8(); usize::from(input.u16() % 4096)];
        let fits = |len: usize, stride: usize, rows: usize| {
            stride >= w as usize && len >= stride * (rows - 1) + w as usize
        };
        let result = Frame::from_planes(&y, y_stride, &uv, uv_stride, w, h);
        let expect_ok =
            fits(y.len(), y_stride, h as usize) && fits(uv.len(), uv_stride, h as usize / 2);
        assert_eq!(result.is_ok(), expect_ok, "{w}x{h}: {result:?}");
        if let Ok(frame) = result {
            self.send(&frame);
        }
    }

    fn receive(&mut self) {
        let packet = receive(&mut self.encoder);
        if self.received == self.sent {
            assert!(packet.is_none(), "a packet with nothing in flight");
            return;
        }
        let packet = packet.expect("a frame in flight gives a packet");
        check_packet(&packet, self.config.codec(), self.received);
        let n = self.received;
        let period = u64::from(self.config.keyframe_interval());
        let key = match self.config.codec() {
            Codec::Mjpeg => true,
            Codec::H265 => n == 0 || (period > 0 && n.is_multiple_of(period)),
        };
        assert_eq!(
            packet.is_keyframe(),
            key,
            "frame {n}, intra period {period}"
        );
        self.received += 1;
    }

    fn flush(&mut self) {
        self.encoder.flush().expect("flush never fails");
        self.flushed = true;
    }

    fn drain(&mut self) {
        while self.received < self.sent {
            self.receive();
        }
        self.receive();
    }
}
