//! What goes into a log line from a request: control characters escaped, so
//! that a name holding a newline or a terminal escape cannot forge a line or
//! rewrite the operator's terminal.

/// The text with every control character written as `\u{…}`.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn newlines_and_escapes_are_written_out() {
        assert_eq!(
            super::escaped("eve\n2026 INFO admin logged in\u{1b}[2J"),
            "eve\\u{a}2026 INFO admin logged in\\u{1b}[2J"
        );
        assert_eq!(super::escaped("张三"), "张三");
    }
}
