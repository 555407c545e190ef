//! `multipart/related` answers (PS3.18 §8.7.1, RFC 2387) built as a stream: each part's bytes
//! are read from its spool file (or file ranges) chunk by chunk while the answer is sent, so
//! memory does not grow with the size of a study.

use axum::body::{Body, Bytes};
use futures_util::stream;
use std::io::SeekFrom;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

const CHUNK: usize = 256 * 1024;

/// Where a part's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `(offset, length)` ranges of a file, sent one after the other.
    File {
        path: PathBuf,
        ranges: Vec<(u64, u64)>,
    },
    Bytes(Bytes),
}

/// One part: its Content-Type and its bytes.
#[derive(Debug, Clone)]
pub struct Part {
    pub content_type: String,
    pub source: Source,
}

impl Part {
    fn len(&self) -> u64 {
        match &self.source {
            Source::File { ranges, .. } => ranges.iter().map(|(_, l)| l).sum(),
            Source::Bytes(b) => b.len() as u64,
        }
    }

    fn head(&self, boundary: &str, first: bool) -> Bytes {
        let lead = if first { "" } else { "\r\n" };
        Bytes::from(format!(
            "{lead}--{boundary}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            self.content_type,
            self.len()
        ))
    }
}

/// A fresh boundary (random, so it cannot occur by design in what it separates).
pub fn boundary() -> String {
    format!("passerelle-{}", uuid::Uuid::new_v4().simple())
}

/// The Content-Type of the whole answer.
pub fn content_type(boundary: &str, media: &str, ts: Option<&str>) -> String {
    match ts {
        Some(ts) => {
            format!(
                "multipart/related; type=\"{media}\"; transfer-syntax={ts}; boundary={boundary}"
            )
        }
        None => format!("multipart/related; type=\"{media}\"; boundary={boundary}"),
    }
}

enum Step {
    /// The next part to start.
    Part(usize),
    /// Reading a range of the current part's file.
    Reading {
        part: usize,
        range: usize,
        file: tokio::fs::File,
        left: u64,
    },
    End,
    Done,
}

struct Stream {
    boundary: String,
    parts: Vec<Part>,
}

fn short_file(path: &std::path::Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("{} is shorter than indexed", path.display()),
    )
}

impl Stream {
    /// Opens range `range` of part `part`, or moves on to the next part.
    async fn open(&self, part: usize, range: usize) -> std::io::Result<Step> {
        let Some(Part {
            source: Source::File { path, ranges },
            ..
        }) = self.parts.get(part)
        else {
            return Ok(Step::Part(part + 1));
        };
        let Some((offset, len)) = ranges.get(range) else {
            return Ok(Step::Part(part + 1));
        };
        let mut file = tokio::fs::File::open(path).await?;
        file.seek(SeekFrom::Start(*offset)).await?;
        Ok(Step::Reading {
            part,
            range,
            file,
            left: *len,
        })
    }

    /// The next chunk of bytes and the step after it.
    async fn next(&self, step: Step) -> std::io::Result<Option<(Bytes, Step)>> {
        match step {
            Step::Part(i) => match self.parts.get(i) {
                None => Ok(Some((Bytes::new(), Step::End))),
                Some(p) => {
                    let head = p.head(&self.boundary, i == 0);
                    let next = match &p.source {
                        Source::Bytes(b) => {
                            let mut v = head.to_vec();
                            v.extend_from_slice(b);
                            return Ok(Some((Bytes::from(v), Step::Part(i + 1))));
                        }
                        Source::File { .. } => self.open(i, 0).await?,
                    };
                    Ok(Some((head, next)))
                }
            },
            Step::Reading {
                part,
                range,
                mut file,
                left,
            } => {
                if left == 0 {
                    return Ok(Some((Bytes::new(), self.open(part, range + 1).await?)));
                }
                let want = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
                let mut buf = vec![0u8; want];
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    let path = match self.parts.get(part).map(|p| &p.source) {
                        Some(Source::File { path, .. }) => path.clone(),
                        _ => PathBuf::new(),
                    };
                    return Err(short_file(&path));
                }
                buf.truncate(n);
                let left = left - n as u64;
                let step = Step::Reading {
                    part,
                    range,
                    file,
                    left,
                };
                Ok(Some((Bytes::from(buf), step)))
            }
            Step::End => {
                let lead = if self.parts.is_empty() { "" } else { "\r\n" };
                let tail = format!("{lead}--{}--\r\n", self.boundary);
                Ok(Some((Bytes::from(tail), Step::Done)))
            }
            Step::Done => Ok(None),
        }
    }
}

/// The streamed body of `parts` separated by `boundary`. A file that cannot be read mid-way
/// ends the answer early (logged): the status line has already gone out.
pub fn body(boundary: String, parts: Vec<Part>) -> Body {
    let s = std::sync::Arc::new(Stream { boundary, parts });
    let chunks = stream::unfold(Some(Step::Part(0)), move |step| {
        let s = s.clone();
        async move {
            let mut step = step?;
            loop {
                match s.next(step).await {
                    Ok(Some((bytes, next))) if bytes.is_empty() => step = next,
                    Ok(Some((bytes, next))) => {
                        return Some((Ok::<Bytes, std::io::Error>(bytes), Some(next)));
                    }
                    Ok(None) => return None,
                    Err(e) => {
                        tracing::error!(error = %e, "WADO-RS answer cut short");
                        return Some((Err(e), None));
                    }
                }
            }
        }
    });
    Body::from_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn parts_from_files_and_bytes() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        let parts = vec![
            Part {
                content_type: "application/dicom".into(),
                source: Source::File {
                    path: path.clone(),
                    ranges: vec![(0, 10)],
                },
            },
            Part {
                content_type: "application/octet-stream".into(),
                source: Source::File {
                    path,
                    ranges: vec![(2, 2), (8, 2)],
                },
            },
            Part {
                content_type: "text/plain".into(),
                source: Source::Bytes(Bytes::from_static(b"hi")),
            },
        ];
        let b = body("B".into(), parts);
        let all = b.collect().await.expect("body").to_bytes();
        assert_eq!(
            std::str::from_utf8(&all).expect("utf8"),
            "--B\r\nContent-Type: application/dicom\r\nContent-Length: 10\r\n\r\n0123456789\
             \r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n2389\
             \r\n--B\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n--B--\r\n"
        );
    }
}
