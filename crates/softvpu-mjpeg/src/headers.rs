//! JFIF marker segments written before the entropy-coded data.

use crate::tables::{HuffmanSpec, AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA, ZIGZAG};

const SOI: u8 = 0xD8;
const APP0: u8 = 0xE0;
const DQT: u8 = 0xDB;
const SOF0: u8 = 0xC0;
const DHT: u8 = 0xC4;
const DRI: u8 = 0xDD;
const SOS: u8 = 0xDA;
pub const EOI: u8 = 0xD9;
/// First of the eight restart markers RST0..RST7.
pub const RST0: u8 = 0xD0;

/// Writes a marker segment: marker, big-endian length (including itself), payload.
fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
}

/// Everything from SOI up to and including SOS for a 4:2:0 YCbCr baseline image.
/// The quantisation tables are in natural order; `restart_interval` counts MCUs.
pub fn write_headers(
    out: &mut Vec<u8>,
    width: u16,
    height: u16,
    luma_q: &[u16; 64],
    chroma_q: &[u16; 64],
    restart_interval: u16,
) {
    out.extend_from_slice(&[0xFF, SOI]);
    // JFIF 1.01, no density units, 1:1 aspect, no thumbnail.
    segment(
        out,
        APP0,
        &[b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
    );

    let mut dqt = Vec::with_capacity(130);
    for (id, table) in [luma_q, chroma_q].into_iter().enumerate() {
        dqt.push(id as u8); // 8-bit precision, table id
        dqt.extend(ZIGZAG.iter().map(|&n| table[n] as u8));
    }
    segment(out, DQT, &dqt);

    let [h_hi, h_lo] = height.to_be_bytes();
    let [w_hi, w_lo] = width.to_be_bytes();
    // Y sampled 2x2 with table 0; Cb and Cr 1x1 with table 1.
    segment(
        out,
        SOF0,
        &[
            8, h_hi, h_lo, w_hi, w_lo, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
        ],
    );

    let mut dht = Vec::with_capacity(420);
    for (class_id, spec) in [
        (0x00, &DC_LUMA),
        (0x10, &AC_LUMA),
        (0x01, &DC_CHROMA),
        (0x11, &AC_CHROMA),
    ] {
        huffman_table(&mut dht, class_id, spec);
    }
    segment(out, DHT, &dht);
    segment(out, DRI, &restart_interval.to_be_bytes());
    // Three components (Y: tables 0/0, Cb and Cr: 1/1), full spectral range.
    segment(out, SOS, &[3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

fn huffman_table(out: &mut Vec<u8>, class_id: u8, spec: &HuffmanSpec) {
    out.push(class_id);
    out.extend_from_slice(&spec.counts);
    out.extend_from_slice(spec.symbols);
}
