//! Where the coded stream goes. Packets are written whole: when a write fails (a full
//! disk, a file-size limit, a reader that went away), a file is cut back to the end of
//! the last complete packet, so what was encoded before the error stays playable.

use std::fs::File;
use std::io::{self, Write};

/// The destination of the coded stream, one packet at a time.
pub trait PacketSink {
    /// Writes one packet, all of it or (as far as the destination allows) none of it.
    fn write_packet(&mut self, packet: &[u8]) -> io::Result<()>;
    /// Pushes out anything buffered.
    fn finish(&mut self) -> io::Result<()>;
}

/// A file that ends at a packet boundary whatever happens.
#[derive(Debug)]
pub struct FileSink {
    file: File,
    /// Bytes of complete packets written.
    committed: u64,
}

impl FileSink {
    pub fn new(file: File) -> Self {
        Self { file, committed: 0 }
    }
}

impl PacketSink for FileSink {
    fn write_packet(&mut self, packet: &[u8]) -> io::Result<()> {
        // Packets are large, so writing each straight to the file costs nothing.
        match self.file.write_all(packet) {
            Ok(()) => {
                self.committed += packet.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Best effort: if even the cut fails, the original error is the one to report.
                let _ = self.file.set_len(self.committed);
                Err(e)
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Any other writer (stdout, a buffer): packets go in order, and a failed one may be
/// partly written, since a pipe cannot take bytes back.
#[derive(Debug)]
pub struct StreamSink<W: Write>(pub W);

impl<W: Write> PacketSink for StreamSink<W> {
    fn write_packet(&mut self, packet: &[u8]) -> io::Result<()> {
        self.0.write_all(packet)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cutting back after a failed write is tested end to end in tests/cli.rs, under a
    // file-size limit the kernel enforces.
    #[test]
    fn packets_are_written_in_order() {
        let dir = std::env::temp_dir().join(format!("softvpu-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        let mut sink = FileSink::new(File::create(&path).unwrap());
        sink.write_packet(b"first").unwrap();
        sink.write_packet(b"second").unwrap();
        sink.finish().unwrap();
        assert_eq!(sink.committed, 11);
        assert_eq!(std::fs::read(&path).unwrap(), b"firstsecond");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
