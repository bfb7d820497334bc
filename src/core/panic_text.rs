//! The text of a panic's payload, for messages and logs.

use std::any::Any;

/// The message a panic was raised with (`panic!("...")` gives a `&str` or a `String`), or a
/// placeholder for any other payload.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

#[cfg(test)]
mod tests {
    use super::panic_text;

    #[test]
    fn static_and_formatted_messages_and_other_payloads() {
        let of = |body: fn()| panic_text(std::panic::catch_unwind(body).unwrap_err().as_ref());
        assert_eq!(of(|| panic!("static")), "static");
        assert_eq!(of(|| panic!("formatted {}", 7)), "formatted 7");
        assert_eq!(
            of(|| std::panic::panic_any(7_u32)),
            "non-string panic payload"
        );
    }
}
