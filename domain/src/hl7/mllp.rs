//! MLLP framing (HL7 v2.5.1 Implementation Guide, Appendix C): each message travels as
//! `<VT> message <FS><CR>` (0x0B … 0x1C 0x0D). A pure decoder: bytes in, frames out, memory
//! bounded by the largest message accepted (a larger one is skipped to its end, keeping only
//! its beginning to answer it).

/// Start block (VT).
pub const START: u8 = 0x0B;
/// End block (FS), followed by a carriage return.
pub const END: u8 = 0x1C;
pub const CR: u8 = 0x0D;

/// How much of an over-long or truncated message is kept to read its MSH for the answer.
pub const HEAD: usize = 8192;

/// What the decoder found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A whole message.
    Message(Vec<u8>),
    /// A message longer than the limit: its length and first bytes.
    TooLarge { size: usize, head: Vec<u8> },
    /// A frame that a new start block interrupted before its end (the sender gave up on it).
    Truncated { head: Vec<u8> },
    /// Bytes outside any frame (other than line ends and spaces) were skipped.
    Garbage(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    Inside,
    Skipping,
    AfterEnd,
}

/// The framing decoder of one connection.
#[derive(Debug)]
pub struct Decoder {
    max: usize,
    state: State,
    buf: Vec<u8>,
    size: usize,
    garbage: usize,
}

/// Wraps a message in its frame.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&[END, CR]);
    out
}

impl Decoder {
    /// A decoder accepting messages of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            state: State::Outside,
            buf: Vec::new(),
            size: 0,
            garbage: 0,
        }
    }

    /// Whether part of a frame is waiting for the rest.
    pub fn in_frame(&self) -> bool {
        matches!(self.state, State::Inside | State::Skipping)
    }

    fn flush_garbage(&mut self, out: &mut Vec<Frame>) {
        if self.garbage > 0 {
            out.push(Frame::Garbage(self.garbage));
            self.garbage = 0;
        }
    }

    fn start(&mut self, out: &mut Vec<Frame>) {
        if self.in_frame() {
            let head = std::mem::take(&mut self.buf);
            out.push(Frame::Truncated {
                head: head.into_iter().take(HEAD).collect(),
            });
        }
        self.flush_garbage(out);
        self.buf.clear();
        self.size = 0;
        self.state = State::Inside;
    }

    fn end(&mut self, out: &mut Vec<Frame>) {
        let body = std::mem::take(&mut self.buf);
        out.push(if self.state == State::Skipping {
            Frame::TooLarge {
                size: self.size,
                head: body,
            }
        } else {
            Frame::Message(body)
        });
        self.state = State::AfterEnd;
    }

    /// Feeds bytes read from the connection; complete frames are appended to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Frame>) {
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            match self.state {
                State::Outside | State::AfterEnd => {
                    if b == START {
                        self.start(out);
                    } else if !(b == CR || b == b'\n' || b == b' ' || b == b'\t') {
                        self.garbage += 1;
                    }
                    if self.state == State::AfterEnd {
                        self.state = State::Outside;
                    }
                }
                State::Inside | State::Skipping => {
                    // Copy the run up to the next control byte at once.
                    let run = data[i..]
                        .iter()
                        .position(|c| *c == END || *c == START)
                        .unwrap_or(data.len() - i);
                    if run > 0 {
                        self.take(&data[i..i + run]);
                        i += run;
                        continue;
                    }
                    if b == END {
                        self.end(out);
                    } else {
                        self.start(out);
                    }
                }
            }
            i += 1;
        }
        if !self.in_frame() {
            self.flush_garbage(out);
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        self.size += bytes.len();
        if self.state == State::Inside && self.size > self.max {
            self.state = State::Skipping;
            self.buf.truncate(HEAD);
        }
        match self.state {
            State::Inside => self.buf.extend_from_slice(bytes),
            _ => {
                let room = HEAD.saturating_sub(self.buf.len());
                self.buf.extend_from_slice(&bytes[..room.min(bytes.len())]);
            }
        }
    }

    /// At the end of the connection: the frame left unfinished, if any.
    pub fn finish(&mut self) -> Option<Frame> {
        if !self.in_frame() {
            return None;
        }
        self.state = State::Outside;
        let head = std::mem::take(&mut self.buf);
        Some(Frame::Truncated {
            head: head.into_iter().take(HEAD).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(max: usize, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut d = Decoder::new(max);
        let mut out = Vec::new();
        for c in chunks {
            d.push(c, &mut out);
        }
        out.extend(d.finish());
        out
    }

    #[test]
    fn frames_across_reads() {
        let f = frame(b"MSH|a");
        let (a, b) = f.split_at(3);
        assert_eq!(run(100, &[a, b]), vec![Frame::Message(b"MSH|a".to_vec())]);
        let two = [frame(b"one"), frame(b"two")].concat();
        assert_eq!(
            run(100, &[&two]),
            vec![
                Frame::Message(b"one".to_vec()),
                Frame::Message(b"two".to_vec())
            ]
        );
    }

    #[test]
    fn faults() {
        assert_eq!(
            run(100, &[b"\x0bMSH|par", b"tial"]),
            vec![Frame::Truncated {
                head: b"MSH|partial".to_vec()
            }],
            "connection closed inside a frame"
        );
        assert_eq!(
            run(100, &[b"\x0bMSH|lost\x0bMSH|ok\x1c\r"]),
            vec![
                Frame::Truncated {
                    head: b"MSH|lost".to_vec()
                },
                Frame::Message(b"MSH|ok".to_vec())
            ]
        );
        assert_eq!(
            run(100, &[b"hello\r\n", &frame(b"x")]),
            vec![Frame::Garbage(5), Frame::Message(b"x".to_vec())]
        );
        assert_eq!(run(100, &[b"\x1c\x1c"]), vec![Frame::Garbage(2)]);
    }

    #[test]
    fn too_large_is_skipped_with_bounded_memory() {
        let mut d = Decoder::new(1000);
        let mut out = Vec::new();
        d.push(b"\x0bMSH|", &mut out);
        let chunk = vec![b'x'; 65_536];
        for _ in 0..320 {
            d.push(&chunk, &mut out);
            assert!(d.buf.len() <= HEAD);
        }
        d.push(b"\x1c\r", &mut out);
        d.push(&frame(b"next"), &mut out);
        match &out[..] {
            [Frame::TooLarge { size, head }, Frame::Message(next)] => {
                assert_eq!(*size, 4 + 320 * 65_536);
                assert!(head.starts_with(b"MSH|"));
                assert_eq!(next, b"next");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
