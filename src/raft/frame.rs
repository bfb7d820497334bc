//! Length-prefixed protobuf frames: a 4-byte big-endian length, then a `RaftFrame`.
//!
//! The length is a claim, not a size to allocate: the payload is read in pieces and the buffer
//! grows only by what arrived, so a peer that announces a large frame and sends little costs
//! little. A frame may not exceed [`MAX_FRAME_BYTES`], derived from the protocol's own limits.

use omsvc_core::proto::{raft_frame::Kind, RaftFrame};
use omsvc_core::table::{MAX_CONFIGURATION_BYTES, MAX_SERVICE_NAME_BYTES};
use prost::Message;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

/// The largest replicated command: a set request with a name and a value at their limits, plus
/// room for its protobuf tags, lengths and a few small fields (an epoch, say).
pub const MAX_COMMAND_BYTES: usize = MAX_CONFIGURATION_BYTES + MAX_SERVICE_NAME_BYTES + 1024;

/// Everything around the largest payload: the frame's own fields (cluster name, ids, error)
/// and the JSON of the request that carries the payload (votes, log ids, snapshot meta).
pub const FRAME_ENVELOPE_BYTES: usize = 64 * 1024;

/// The largest frame accepted or sent. Commands travel as hex in JSON (two bytes per byte), so
/// one command at its limit fits, with its envelope. Larger messages are split by the sender:
/// append-entries into fewer entries per request (openraft's `PayloadTooLarge`), snapshot
/// chunks into pieces of [`MAX_SNAPSHOT_PIECE_BYTES`].
pub const MAX_FRAME_BYTES: usize = 2 * MAX_COMMAND_BYTES + FRAME_ENVELOPE_BYTES;

/// Snapshot data travels as a JSON array of numbers (up to four bytes per byte): a piece of
/// this size stays well below [`MAX_FRAME_BYTES`].
pub const MAX_SNAPSHOT_PIECE_BYTES: usize = 1024 * 1024;

// One command at its limits fits in a frame, the frame stays near that, and a snapshot piece
// fits with its envelope: checked when compiling.
const _: () = assert!(MAX_FRAME_BYTES >= 2 * (MAX_CONFIGURATION_BYTES + MAX_SERVICE_NAME_BYTES));
const _: () = assert!(MAX_FRAME_BYTES < 9 * 1024 * 1024);
const _: () = assert!(4 * MAX_SNAPSHOT_PIECE_BYTES + FRAME_ENVELOPE_BYTES <= MAX_FRAME_BYTES);

/// How much of a payload is read at a time: the buffer grows by at most this much beyond the
/// bytes that arrived.
const READ_PIECE_BYTES: usize = 64 * 1024;
/// Frames up to this size are not charged to a [`ReadBudget`]: what they can hold is bounded by
/// the connection limit, and the requests of clients (status, reads, small writes) never wait
/// behind large frames.
pub const SMALL_FRAME_BYTES: usize = READ_PIECE_BYTES;
/// A budget counts in units of this many bytes.
const BUDGET_UNIT_BYTES: usize = 1024;

/// A shared cap on the bytes of large frames being read, across connections. A frame larger
/// than [`SMALL_FRAME_BYTES`] reserves its claimed length whole before its payload is read
/// (waiting for room if needed), so no reader ever waits while holding part of the budget: two
/// readers cannot starve each other. Shared by the connections of untrusted peers, it bounds
/// what all of them together can make a node hold; a peer that claims a large frame and sends
/// nothing holds its reservation until the caller's frame timeout closes it.
#[derive(Debug, Clone)]
pub struct ReadBudget {
    units: Arc<Semaphore>,
}

impl ReadBudget {
    /// A budget of `bytes`, at least one frame of [`MAX_FRAME_BYTES`].
    pub fn new(bytes: usize) -> ReadBudget {
        let units = (bytes / BUDGET_UNIT_BYTES).max(MAX_FRAME_BYTES.div_ceil(BUDGET_UNIT_BYTES));
        ReadBudget {
            units: Arc::new(Semaphore::new(units)),
        }
    }

    /// Bytes not reserved by any reader now.
    pub fn available_bytes(&self) -> usize {
        self.units.available_permits() * BUDGET_UNIT_BYTES
    }

    async fn reserve(&self, bytes: usize) -> io::Result<Charge> {
        let units = bytes.div_ceil(BUDGET_UNIT_BYTES) as u32;
        let permits = self
            .units
            .acquire_many(units)
            .await
            .map_err(|_| io::Error::other("the read budget was closed"))?;
        permits.forget();
        Ok(Charge {
            budget: Some(self.clone()),
            units,
        })
    }
}

/// What one frame holds of a [`ReadBudget`]; returned when dropped.
#[derive(Debug, Default)]
pub struct Charge {
    budget: Option<ReadBudget>,
    units: u32,
}

impl Drop for Charge {
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            budget.units.add_permits(self.units as usize);
        }
    }
}

/// Writes `frame` with its length prefix; a frame over [`MAX_FRAME_BYTES`] is refused unsent.
pub async fn write_frame<W: AsyncWriteExt + Unpin>(
    writer: &mut W,
    frame: &RaftFrame,
) -> io::Result<()> {
    let bytes = frame.encode_to_vec();
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "frame of {} bytes exceeds the {MAX_FRAME_BYTES}-byte limit",
                bytes.len()
            ),
        ));
    }
    writer
        .write_all(&(bytes.len() as u32).to_be_bytes())
        .await?;
    writer.write_all(&bytes).await?;
    writer.flush().await
}

/// Reads one frame. A length over the limit or bytes that are not a `RaftFrame` are
/// `InvalidData`: the connection cannot be trusted further and is closed by the caller. An end
/// of stream before the first byte is `UnexpectedEof` with [`is_clean_close`] true.
pub async fn read_frame<R: AsyncReadExt + Unpin>(reader: &mut R) -> io::Result<RaftFrame> {
    read_frame_charged(reader, None)
        .await
        .map(|(frame, _)| frame)
}

/// [`read_frame`], reserving a large frame's length in `budget` before its payload is read (the
/// returned [`Charge`] holds it until dropped).
pub async fn read_frame_charged<R: AsyncReadExt + Unpin>(
    reader: &mut R,
    budget: Option<&ReadBudget>,
) -> io::Result<(RaftFrame, Charge)> {
    let mut length = [0u8; 4];
    let first = reader.read(&mut length).await?;
    if first == 0 {
        return Err(clean_close());
    }
    reader.read_exact(&mut length[first..]).await?;
    let length = u32::from_be_bytes(length) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame length {length} exceeds the {MAX_FRAME_BYTES}-byte limit (not an omsvc peer?)"),
        ));
    }
    let charge = match budget {
        Some(budget) if length > SMALL_FRAME_BYTES => budget.reserve(length).await?,
        _ => Charge::default(),
    };
    let mut bytes = Vec::new();
    while bytes.len() < length {
        let piece = (length - bytes.len()).min(READ_PIECE_BYTES);
        bytes.reserve_exact(piece);
        let start = bytes.len();
        bytes.resize(start + piece, 0);
        reader.read_exact(&mut bytes[start..]).await?;
    }
    let frame = RaftFrame::decode(bytes.as_slice())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("garbled frame: {e}")))?;
    if Kind::try_from(frame.kind).unwrap_or(Kind::Unspecified) == Kind::Unspecified {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of unknown kind {}", frame.kind),
        ));
    }
    Ok((frame, charge))
}

const CLEAN_CLOSE: &str = "the peer closed the connection between frames";

fn clean_close() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, CLEAN_CLOSE)
}

/// True for the error of a peer that closed its connection between frames: an ordinary
/// disconnect, not a bad frame.
pub fn is_clean_close(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::UnexpectedEof && error.to_string() == CLEAN_CLOSE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote_frame() -> RaftFrame {
        RaftFrame {
            cluster: "c".into(),
            request_id: 7,
            kind: Kind::Vote as i32,
            payload: b"{}".to_vec(),
            error: String::new(),
        }
    }

    #[tokio::test]
    async fn frames_round_trip_and_garbage_is_invalid_data() {
        let frame = vote_frame();
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &frame).await.unwrap();
        assert_eq!(read_frame(&mut buffer.as_slice()).await.unwrap(), frame);

        let huge = [0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            read_frame(&mut huge.as_slice()).await.unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let garbled = [0, 0, 0, 3, 0xff, 0xff, 0xff];
        assert_eq!(
            read_frame(&mut garbled.as_slice())
                .await
                .unwrap_err()
                .kind(),
            io::ErrorKind::InvalidData
        );
        let unknown_kind = RaftFrame { kind: 99, ..frame };
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &unknown_kind).await.unwrap();
        assert_eq!(
            read_frame(&mut buffer.as_slice()).await.unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[tokio::test]
    async fn a_large_claim_reserves_budget_and_gives_it_back_however_the_frame_ends() {
        let (mut attacker, mut node) = tokio::io::duplex(1 << 20);
        attacker
            .write_all(&(MAX_FRAME_BYTES as u32).to_be_bytes())
            .await
            .unwrap();
        attacker.write_all(&[0; 10]).await.unwrap();
        let budget = ReadBudget::new(MAX_FRAME_BYTES);
        let before = budget.available_bytes();
        let reading = tokio::spawn({
            let budget = budget.clone();
            async move {
                read_frame_charged(&mut node, Some(&budget))
                    .await
                    .map(|_| ())
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(before - budget.available_bytes() >= MAX_FRAME_BYTES);
        drop(attacker); // a half frame, then the end: an error, and the budget comes back
        let error = reading.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(!is_clean_close(&error));
        assert_eq!(budget.available_bytes(), before);

        // Small frames are not charged: they never wait behind large claims.
        let mut small = Vec::new();
        write_frame(&mut small, &vote_frame()).await.unwrap();
        let _hog = budget.reserve(budget.available_bytes()).await.unwrap();
        let (frame, charge) = read_frame_charged(&mut small.as_slice(), Some(&budget))
            .await
            .unwrap();
        assert_eq!(frame, vote_frame());
        assert_eq!(charge.units, 0);
    }

    #[tokio::test]
    async fn a_close_between_frames_is_clean_and_one_inside_a_header_is_not() {
        let empty: &[u8] = &[];
        assert!(is_clean_close(
            &read_frame(&mut { empty }).await.unwrap_err()
        ));
        let partial_header: &[u8] = &[0, 0];
        let error = read_frame(&mut { partial_header }).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(!is_clean_close(&error));
    }

    #[tokio::test]
    async fn readers_beyond_the_budget_wait_whole_and_never_deadlock() {
        let budget = ReadBudget::new(MAX_FRAME_BYTES);
        let total = budget.available_bytes();
        let mut streams = Vec::new();
        let mut readers = Vec::new();
        for _ in 0..4 {
            let (mut attacker, mut node) = tokio::io::duplex(MAX_FRAME_BYTES);
            attacker
                .write_all(&(MAX_FRAME_BYTES as u32).to_be_bytes())
                .await
                .unwrap();
            attacker
                .write_all(&vec![0; MAX_FRAME_BYTES / 2])
                .await
                .unwrap();
            streams.push(attacker);
            let budget = budget.clone();
            readers.push(tokio::spawn(async move {
                read_frame_charged(&mut node, Some(&budget))
                    .await
                    .map(|_| ())
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // Four half frames were sent (two frames' worth); the budget holds one frame, taken
        // whole by one reader.
        assert!(budget.available_bytes() < MAX_FRAME_BYTES);
        drop(streams);
        for reader in readers {
            let ended = tokio::time::timeout(std::time::Duration::from_secs(10), reader)
                .await
                .expect("every reader ends once its peer is gone");
            assert!(ended.unwrap().is_err());
        }
        assert_eq!(budget.available_bytes(), total);
    }
}
