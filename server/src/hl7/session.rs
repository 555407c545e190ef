//! One MLLP connection: bytes are framed (`domain::hl7::mllp`), each message goes through the
//! intake and its ACK is written back framed, in order. A connection that sends nothing for
//! `idle_timeout_seconds`, or whose message does not arrive whole within
//! `frame_timeout_seconds`, is closed; memory stays bounded by `max_message_kib`.

use super::intake::{self, Inbound};
use crate::state::AppState;
use domain::hl7::mllp::{self, Decoder, Frame};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The limits of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_message: usize,
    pub idle: Duration,
    pub frame: Duration,
}

impl Limits {
    pub fn of(state: &AppState) -> Self {
        let h = &state.config.hl7;
        Self {
            max_message: usize::try_from(h.max_message_kib).unwrap_or(1024) * 1024,
            idle: Duration::from_secs(u64::from(h.idle_timeout_seconds)),
            frame: Duration::from_secs(u64::from(h.frame_timeout_seconds)),
        }
    }
}

/// Why a connection ended (for the log).
#[derive(Debug, thiserror::Error)]
pub enum End {
    #[error("closed by the peer")]
    Closed,
    #[error("idle for too long")]
    Idle,
    #[error("a message did not arrive whole in time")]
    FrameTimeout,
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
}

async fn answer<S: AsyncWrite + Unpin>(
    state: &AppState,
    stream: &mut S,
    peer: &str,
    frame: Frame,
    max: usize,
) -> Result<(), End> {
    let a = match frame {
        Frame::Message(bytes) => {
            intake::receive(
                state,
                Inbound {
                    bytes: &bytes,
                    peer,
                },
            )
            .await
        }
        Frame::TooLarge { size, head } => {
            let why = format!(
                "the message is {size} bytes, over the limit of {max} bytes (hl7.max_message_kib)"
            );
            intake::reject_frame(state, Inbound { bytes: &head, peer }, &why, size).await
        }
        Frame::Truncated { head } => {
            let why = "truncated MLLP frame: a new frame began before its end (0x1C 0x0D)";
            intake::reject_frame(state, Inbound { bytes: &head, peer }, why, head.len()).await
        }
        Frame::Garbage(n) => {
            tracing::warn!(%peer, bytes = n, "HL7: bytes outside an MLLP frame skipped");
            return Ok(());
        }
    };
    metrics::counter!("passerelle_hl7_messages_total", "ack" => a.code.as_str()).increment(1);
    stream.write_all(&mllp::frame(&a.ack)).await?;
    stream.flush().await?;
    Ok(())
}

/// Serves one connection until it closes, idles or stalls.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    state: AppState,
    mut stream: S,
    peer: String,
    limits: Limits,
) -> End {
    let mut decoder = Decoder::new(limits.max_message);
    let mut buf = vec![0u8; 64 * 1024];
    let mut frames = Vec::new();
    let mut frame_started: Option<Instant> = None;
    loop {
        let wait = match frame_started {
            Some(t) => limits.frame.saturating_sub(t.elapsed()),
            None => limits.idle,
        };
        let n = match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Err(_) if frame_started.is_some() => return stalled(&state, &mut decoder, &peer).await,
            Err(_) => return End::Idle,
            Ok(Err(e)) => return End::Io(e),
            Ok(Ok(0)) => {
                if let Some(Frame::Truncated { head }) = decoder.finish() {
                    let why = "the connection closed inside an MLLP frame";
                    intake::reject_frame(
                        &state,
                        Inbound {
                            bytes: &head,
                            peer: &peer,
                        },
                        why,
                        head.len(),
                    )
                    .await;
                }
                return End::Closed;
            }
            Ok(Ok(n)) => n,
        };
        decoder.push(&buf[..n], &mut frames);
        for f in frames.drain(..) {
            if let Err(e) = answer(&state, &mut stream, &peer, f, limits.max_message).await {
                return e;
            }
        }
        frame_started = match (decoder.in_frame(), frame_started) {
            (true, Some(t)) => Some(t),
            (true, None) => Some(Instant::now()),
            (false, _) => None,
        };
    }
}

/// A frame that stopped arriving: recorded (not applied), and the connection closed.
async fn stalled(state: &AppState, decoder: &mut Decoder, peer: &str) -> End {
    if let Some(Frame::Truncated { head }) = decoder.finish() {
        let why = "the message did not arrive whole in time (hl7.frame_timeout_seconds)";
        intake::reject_frame(state, Inbound { bytes: &head, peer }, why, head.len()).await;
    }
    End::FrameTimeout
}
