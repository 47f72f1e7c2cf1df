//! CMD checked once, before any problem runs: `sh -c 'CMD "$@"'` must hand the problem and
//! answer paths to CMD as its last two arguments. A CMD ending in `;`, `&`, `|`, a newline or a
//! backslash, or in a comment, or with a quote left open, would instead have sh run the problem
//! file as a command (or fail) on every problem; a CMD whose program does not exist would fail
//! every problem the same way. Each is a usage error, saying why.

use std::process::{Command, Stdio};

use super::escape::{MESSAGE_CHARS, NAME_CHARS, escape};

/// What the end of CMD leaves `"$@"` in.
#[derive(Debug, PartialEq, Eq)]
enum Tail {
    Clean,
    Quote(char),
    Comment,
    Backslash,
}

/// Reads CMD as sh would for quotes, backslashes and comments: where it leaves the text that
/// follows it, and the last character outside quotes and comments.
fn scan(cmd: &str) -> (Tail, Option<char>) {
    let mut quote: Option<char> = None;
    let (mut comment, mut escaped) = (false, false);
    let mut last: Option<char> = None;
    let mut prev: Option<char> = None;
    for c in cmd.chars() {
        if comment {
            if c == '\n' {
                comment = false;
                last = Some(c);
            }
        } else if escaped {
            escaped = false;
            last = Some('x');
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                escaped = true;
            }
            last = Some('x');
        } else {
            match c {
                '\\' => escaped = true,
                '\'' | '"' => quote = Some(c),
                '#' if prev.is_none_or(|p| p.is_whitespace() || ";&|()<>".contains(p)) => {
                    comment = true;
                }
                c if c == ' ' || c == '\t' => {}
                c => last = Some(c),
            }
        }
        prev = Some(c);
    }
    let tail = match (quote, comment, escaped) {
        (Some(q), _, _) => Tail::Quote(q),
        (_, true, _) => Tail::Comment,
        (_, _, true) => Tail::Backslash,
        _ => Tail::Clean,
    };
    (tail, last)
}

/// Refuses a CMD that cannot receive the two paths, or whose program is not found.
pub fn validate(cmd: &str) -> Result<(), String> {
    if cmd.trim().is_empty() {
        return Err("--exec needs a command".to_owned());
    }
    let passes =
        "sh would run the problem file as a command instead of passing the two paths to CMD";
    match scan(cmd) {
        (Tail::Quote(q), _) => {
            return Err(format!(
                "--exec: CMD leaves a {q} quote open: sh cannot run it"
            ));
        }
        (Tail::Comment, _) => {
            return Err(
                "--exec: CMD ends in a comment (#…), which would swallow the two paths sh adds after it"
                    .to_owned(),
            );
        }
        (Tail::Backslash, _) => {
            return Err(
                "--exec: CMD ends in a backslash, which would join it to the paths sh adds"
                    .to_owned(),
            );
        }
        (Tail::Clean, Some('\n')) => {
            return Err(format!("--exec: CMD ends in a newline: {passes}"));
        }
        (Tail::Clean, Some(c @ (';' | '&' | '|'))) => {
            return Err(format!("--exec: CMD ends in `{c}`: {passes}"));
        }
        _ => {}
    }
    syntax(cmd)?;
    exists(cmd)
}

/// `sh -n`: the shell's own syntax check of the command line it will run.
fn syntax(cmd: &str) -> Result<(), String> {
    let out = Command::new("sh")
        .arg("-n")
        .arg("-c")
        .arg(format!("{cmd} \"$@\""))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `sh` to check CMD: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let why = err
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("a syntax error");
    Err(format!(
        "--exec: sh cannot parse CMD: {}",
        escape(why, MESSAGE_CHARS)
    ))
}

/// The program CMD starts, when its first word is plain (no quotes, expansions or globs, after
/// any `NAME=value` assignments): found by sh as a builtin, keyword or program.
fn exists(cmd: &str) -> Result<(), String> {
    let plain = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/+-:@%,".contains(c))
    };
    let first = cmd
        .split([' ', '\t', '\n'])
        .filter(|w| !w.is_empty())
        .find(|w| !is_assignment(w));
    let Some(word) = first.filter(|w| plain(w)) else {
        return Ok(());
    };
    let found = Command::new("sh")
        .arg("-c")
        .arg("command -v -- \"$1\"")
        .arg("mlp2d")
        .arg(word)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Ok(());
    }
    Err(format!(
        "--exec: `{}` is not a command sh can find (not a builtin, not on PATH, not an executable file)",
        escape(word, NAME_CHARS)
    ))
}

/// `NAME=value` with a plain value: an assignment sh makes before the command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, value)| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !value.contains(['\'', '"', '$', '`', '\\'])
    })
}

#[cfg(test)]
mod tests {
    use super::{Tail, scan};

    #[test]
    fn quotes_comments_and_escapes_are_read_as_sh_reads_them() {
        assert_eq!(scan("python3 x.py"), (Tail::Clean, Some('y')));
        assert_eq!(scan("python3 x.py;"), (Tail::Clean, Some(';')));
        assert_eq!(scan("a &  "), (Tail::Clean, Some('&')));
        assert_eq!(scan("a\n"), (Tail::Clean, Some('\n')));
        assert_eq!(scan("a 'b"), (Tail::Quote('\''), Some('x')));
        assert_eq!(scan("a \"b\\\"\""), (Tail::Clean, Some('x')));
        assert_eq!(scan("a # b"), (Tail::Comment, Some('a')));
        assert_eq!(scan("a#b"), (Tail::Clean, Some('b')), "# inside a word");
        assert_eq!(scan("a '#' ;x"), (Tail::Clean, Some('x')));
        assert_eq!(scan("# c\na"), (Tail::Clean, Some('a')));
        assert_eq!(scan("a \\"), (Tail::Backslash, Some('a')));
        assert_eq!(
            scan("a ';'"),
            (Tail::Clean, Some('x')),
            "a quoted ; is an argument"
        );
    }
}
