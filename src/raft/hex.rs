//! Lowercase hex for byte strings: how the openraft transport's JSON and the CLI show bytes.

/// `bytes` as lowercase hex, two digits a byte.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

/// Decodes hex digits (either case); says where the text is not hex.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!(
            "hex text has an odd number of digits ({})",
            text.len()
        ));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("not hex at position {i}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_says_what_is_wrong() {
        assert_eq!(super::encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(super::decode("00ABff").unwrap(), [0, 0xab, 0xff]);
        assert!(super::decode("abc").unwrap_err().contains("odd number"));
        assert!(super::decode("zz").unwrap_err().contains("position 0"));
        assert!(super::decode("aé").is_err());
    }
}
