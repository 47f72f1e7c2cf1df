//! Text a submission controls (tensor names, its stderr, a problem file's metadata) made safe to
//! print in every report: control characters and invisible formatting characters shown as
//! escapes, never passed to a terminal or a parser, and the text cut to a stated length. The
//! escapes are printable ASCII, so escaping twice changes nothing.

/// Longest tensor name shown, in characters (the protocol's own names are under 40).
pub const NAME_CHARS: usize = 80;
/// Longest line of a command's stderr shown.
pub const LINE_CHARS: usize = 200;
/// Longest text from a file shown (a problem's case or description).
pub const TEXT_CHARS: usize = 300;
/// Longest message shown (check's own sentences with names and values in them).
pub const MESSAGE_CHARS: usize = 2000;

/// `text` with every control character (`\n`, `\r`, ESC, NUL, …) and every invisible formatting
/// character (bidi overrides, zero-width ones) written as an escape, cut after `max_chars`
/// characters of output with a note of how many bytes were left out.
pub fn escape(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars + 32));
    let mut shown = 0;
    for (at, c) in text.char_indices() {
        let piece = piece(c);
        let width = piece.as_ref().map_or(1, |p| p.chars().count());
        if shown + width > max_chars {
            out.push_str(&format!("…(+{} bytes)", text.len() - at));
            return out;
        }
        shown += width;
        match piece {
            Some(p) => out.push_str(&p),
            None => out.push(c),
        }
    }
    out
}

/// The escape for `c`, or None when it is shown as itself.
fn piece(c: char) -> Option<String> {
    Some(match c {
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        '\0' => "\\0".to_owned(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
        c if (0x80..0xa0).contains(&(c as u32)) || invisible(c) => {
            format!("\\u{{{:x}}}", c as u32)
        }
        _ => return None,
    })
}

/// Formatting characters that change how text around them is shown without showing
/// themselves: soft hyphen, Arabic letter mark, zero-width and joiner characters, the bidi
/// embeddings, overrides and isolates, invisible operators, the BOM, interlinear annotations and
/// the line and paragraph separators.
fn invisible(c: char) -> bool {
    matches!(
        c as u32,
        0xad | 0x61c
            | 0x180e
            | 0x200b..=0x200f
            | 0x2028..=0x202e
            | 0x2060..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_and_bidi_are_shown_not_executed() {
        let forged = "x\n6 of 6 problems agree\r\u{1b}[2J\0\u{202e}\t\u{85}";
        let shown = escape(forged, 200);
        assert_eq!(
            shown,
            "x\\n6 of 6 problems agree\\r\\x1b[2J\\0\\u{202e}\\t\\u{85}"
        );
        assert_eq!(escape(&shown, 200), shown, "escaping twice changes nothing");
        // Printable text, λ and the like included, is kept as is.
        assert_eq!(
            escape("net [2, 8, 3], λ 0.1 ∂L/∂z", 200),
            "net [2, 8, 3], λ 0.1 ∂L/∂z"
        );
    }

    #[test]
    fn long_text_is_cut_with_the_bytes_left_out() {
        let long = "a".repeat(1000);
        assert_eq!(
            escape(&long, 10),
            format!("{}…(+990 bytes)", "a".repeat(10))
        );
        // An escape is never cut in half.
        assert_eq!(escape("abc\n", 4), "abc…(+1 bytes)");
        assert_eq!(escape("abc", 3), "abc");
    }
}
