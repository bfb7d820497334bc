//! A hex dump of opaque configuration bytes for human output.

use std::fmt::Write;

/// A classic 16-bytes-a-line dump with an ASCII column, at most `max_lines` lines.
pub fn dump(bytes: &[u8], max_lines: usize) -> String {
    let mut out = String::new();
    for (line, chunk) in bytes.chunks(16).enumerate().take(max_lines) {
        let _ = write!(out, "  {:08x}  ", line * 16);
        for column in 0..16 {
            match chunk.get(column) {
                Some(byte) => {
                    let _ = write!(out, "{byte:02x} ");
                }
                None => out.push_str("   "),
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    let shown = max_lines.saturating_mul(16);
    if bytes.len() > shown {
        let _ = writeln!(out, "  ... {} more bytes", bytes.len() - shown);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn dump_shows_offsets_hex_and_ascii() {
        let text = super::dump(b"hello, world!\x00\x01\x02xyz", 4);
        assert_eq!(
            text,
            "  00000000  68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 00 01 02  hello, world!...\n\
             \x20 00000010  78 79 7a                                         xyz\n"
        );
    }
}
