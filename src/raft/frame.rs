//! Length-prefixed protobuf frames: a 4-byte big-endian length, then a `RaftFrame`.

use crate::core::proto::{raft_frame::Kind, RaftFrame};
use prost::Message;
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest frame accepted: a full snapshot of a table at its limits fits well below it.
pub const MAX_FRAME_BYTES: usize = 256 * 1024 * 1024;

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
/// `InvalidData`: the connection cannot be trusted further and is closed by the caller.
pub async fn read_frame<R: AsyncReadExt + Unpin>(reader: &mut R) -> io::Result<RaftFrame> {
    let mut length = [0u8; 4];
    reader.read_exact(&mut length).await?;
    let length = u32::from_be_bytes(length) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame length {length} exceeds the {MAX_FRAME_BYTES}-byte limit (not an omsvc peer?)"),
        ));
    }
    let mut bytes = vec![0u8; length];
    reader.read_exact(&mut bytes).await?;
    let frame = RaftFrame::decode(bytes.as_slice())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("garbled frame: {e}")))?;
    if Kind::try_from(frame.kind).unwrap_or(Kind::Unspecified) == Kind::Unspecified {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of unknown kind {}", frame.kind),
        ));
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_and_garbage_is_invalid_data() {
        let frame = RaftFrame {
            cluster: "c".into(),
            request_id: 7,
            kind: Kind::Vote as i32,
            payload: b"{}".to_vec(),
            error: String::new(),
        };
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
}
