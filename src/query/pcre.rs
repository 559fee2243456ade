//! `$regex` as MongoDB runs it (PCRE in UTF mode, without Unicode properties),
//! translated into the syntax of the linear-time `regex` crate.
//!
//! The two dialects agree on most of the syntax; the translation handles where they
//! differ in meaning:
//! - `\d \w \s \b` (and their negations) are ASCII-only in PCRE without UCP: `\d` does
//!   not match `٣`, `\w` does not match `ø`. Literal non-ASCII text is unaffected.
//! - Extended mode (`x`) ignores whitespace and `#` comments *outside* character classes
//!   only; the crate's own `x` would drop whitespace inside classes too, so `x` is applied
//!   here (also when set inline, `(?x)`) and never passed on.
//! - Without `m`, `$` also matches before a final newline (as `\Z` does).
//! - Inside a class, `[` and the crate's set operators (`&&`, `--`, `~~`) are literal text,
//!   and `\b` is a backspace.
//! - A `{` that does not start a quantifier is a literal brace; `(?#…)` is a comment.
//!
//! Known limit: with `i`, a `\w` or `\W` *inside a bracketed class* follows the crate's
//! case folding, which adds `ſ` (U+017F) and `K` (U+212A) to the ASCII word characters.

use super::Invalid;
use regex::{Regex, RegexBuilder};

/// Longest pattern accepted, and the compiled-size limit of one regex.
pub const MAX_REGEX_LEN: usize = 512;
pub const MAX_REGEX_SIZE: usize = 256 * 1024;
/// Lazy-DFA cache per regex: compiled once per request and reused for every
/// document, so a larger cache than the crate's per-search default pays off.
pub const DFA_CACHE: usize = 2 * 1024 * 1024;

const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t-\r ";

/// Compiles a `$regex` pattern with its `$options` letters (`i m s x u`).
pub fn compile(pattern: &str, options: &str) -> Result<Regex, Invalid> {
    if pattern.len() > MAX_REGEX_LEN {
        return Err(Invalid);
    }
    let (mut flags, mut case_insensitive, mut dot_all) = (Flags::default(), false, false);
    for letter in options.chars() {
        match letter {
            'i' => case_insensitive = true,
            'm' => flags.multi_line = true,
            's' => dot_all = true,
            'x' => flags.extended = true,
            // UTF-8 is always on: `u` is accepted and changes nothing.
            'u' => {}
            _ => return Err(Invalid),
        }
    }
    RegexBuilder::new(&translate(pattern, flags)?)
        .case_insensitive(case_insensitive)
        .multi_line(flags.multi_line)
        .dot_matches_new_line(dot_all)
        .size_limit(MAX_REGEX_SIZE)
        .dfa_size_limit(DFA_CACHE)
        .build()
        .map_err(|_| Invalid)
}

/// The pattern-level flags the translation itself needs to know.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    extended: bool,
    multi_line: bool,
}

fn translate(pattern: &str, initial: Flags) -> Result<String, Invalid> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut flags = initial;
    let mut groups: Vec<Flags> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = *chars.get(i + 1).ok_or(Invalid)?;
                i += 2;
                match next {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    'w' => out.push_str(r"(?-u:\w)"),
                    // Outside Unicode mode the crate refuses a class that can match
                    // non-ASCII bytes; `(?-i:…)` keeps case folding out of it instead.
                    'W' => out.push_str(&format!("(?-i:[^{WORD}])")),
                    's' => out.push_str(&format!("[{SPACE}]")),
                    'S' => out.push_str(&format!("[^{SPACE}]")),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    'Z' => out.push_str(r"(?:\n?\z)"),
                    'Q' => {
                        // `\Q…\E`: literal text.
                        let end =
                            (i..chars.len()).find(|&j| chars[j] == '\\' && chars.get(j + 1) == Some(&'E'));
                        let text: String = chars[i..end.unwrap_or(chars.len())].iter().collect();
                        out.push_str(&format!("(?:{})", regex::escape(&text)));
                        i = end.map_or(chars.len(), |e| e + 2);
                    }
                    'E' => {}
                    'x' | 'p' | 'P' => {
                        out.push('\\');
                        out.push(next);
                        i = copy_braced(&chars, i, &mut out);
                    }
                    w if w.is_whitespace() => push_hex(&mut out, w),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            '[' => {
                i = class(&chars, i, &mut out)?;
                continue;
            }
            '(' => {
                groups.push(flags);
                if chars.get(i + 1) == Some(&'?') {
                    i = group_start(&chars, i, &mut flags, &mut out, &mut groups)?;
                    continue;
                }
                out.push('(');
            }
            ')' => {
                flags = groups.pop().ok_or(Invalid)?;
                out.push(')');
            }
            '{' => {
                let end = quantifier_end(&chars, i);
                match end {
                    Some(end) => out.extend(&chars[i..end]),
                    None => out.push_str(r"\{"),
                }
                i = end.unwrap_or(i + 1);
                continue;
            }
            '}' => out.push_str(r"\}"),
            '$' if !flags.multi_line => out.push_str(r"(?:\n?\z)"),
            '#' if flags.extended => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            w if flags.extended && is_pcre_space(w) => {}
            other => out.push(other),
        }
        i += 1;
    }
    Ok(out)
}

/// PCRE's extended-mode whitespace: space, \t, \n, \v, \f, \r (and in UTF mode, the
/// Unicode pattern white space characters).
fn is_pcre_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\x0B'
            | '\x0C'
            | '\r'
            | '\u{85}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn push_hex(out: &mut String, c: char) {
    out.push_str(&format!(r"\x{{{:X}}}", c as u32));
}

/// `{n}`, `{n,}`, `{n,m}`: the index after the closing brace when `chars[start]` opens
/// a quantifier, `None` when the brace is literal text (as PCRE reads it).
fn quantifier_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let digits = |i: &mut usize| {
        let from = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if !digits(&mut i) {
        return None;
    }
    if chars.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    (chars.get(i) == Some(&'}')).then_some(i + 1)
}

/// `(?…`: inline flags, comments and every other group kind. Returns the index after
/// what was consumed. `groups` already holds the enclosing flags for this `(`.
fn group_start(
    chars: &[char],
    start: usize,
    flags: &mut Flags,
    out: &mut String,
    groups: &mut Vec<Flags>,
) -> Result<usize, Invalid> {
    let mut i = start + 2;
    if chars.get(i) == Some(&'#') {
        // A comment, up to the next `)`.
        groups.pop();
        while chars.get(i).ok_or(Invalid)? != &')' {
            i += 1;
        }
        return Ok(i + 1);
    }
    let is_flag = |c: &char| matches!(c, 'i' | 'm' | 's' | 'x' | 'u' | 'U' | '-');
    let flag_end = i + chars[i..].iter().take_while(|c| is_flag(c)).count();
    match chars.get(flag_end) {
        Some(&end) if (end == ')' || end == ':') && flag_end > i => {
            let mut on = String::new();
            let mut off = String::new();
            let mut negate = false;
            for &f in &chars[i..flag_end] {
                match f {
                    '-' => negate = true,
                    'x' => flags.extended = !negate,
                    'm' => {
                        flags.multi_line = !negate;
                        (if negate { &mut off } else { &mut on }).push(f)
                    }
                    // PCRE has no `u` inline flag; `U` (ungreedy) is the crate's `U` too.
                    'u' => return Err(Invalid),
                    other => (if negate { &mut off } else { &mut on }).push(other),
                }
            }
            let mut spec = on;
            if !off.is_empty() {
                spec.push('-');
                spec.push_str(&off);
            }
            if end == ')' {
                // `(?flags)` applies to the rest of the enclosing group.
                groups.pop();
                if !spec.is_empty() {
                    out.push_str(&format!("(?{spec})"));
                }
            } else if spec.is_empty() {
                out.push_str("(?:");
            } else {
                out.push_str(&format!("(?{spec}:"));
            }
            Ok(flag_end + 1)
        }
        _ => {
            // `(?:`, `(?P<name>`, `(?<name>`; look-around is refused by the crate.
            out.push_str("(?");
            Ok(i)
        }
    }
}

/// A bracketed class starting at `chars[start] == '['`; returns the index after `]`.
fn class(chars: &[char], start: usize, out: &mut String) -> Result<usize, Invalid> {
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or(Invalid)?;
        // A `]` first in the class is a literal.
        if c == ']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        let (single, next) = class_item(chars, i, out)?;
        i = next;
        // `a-z`: a range between two single characters; any other `-` is literal.
        let range = single && chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']');
        if range {
            out.push('-');
            let (end_single, next) = class_item(chars, i + 1, out)?;
            if !end_single {
                return Err(Invalid);
            }
            i = next;
        }
    }
}

/// One item of a class at `chars[i]`, written to `out`: whether it is a single
/// character (a possible range end), and the index after it.
fn class_item(chars: &[char], mut i: usize, out: &mut String) -> Result<(bool, usize), Invalid> {
    let c = chars[i];
    i += 1;
    match c {
        '\\' => {
            let next = *chars.get(i).ok_or(Invalid)?;
            i += 1;
            let set = match next {
                'd' => "0-9".to_owned(),
                'D' => "[^0-9]".to_owned(),
                'w' => WORD.to_owned(),
                'W' => format!("[^{WORD}]"),
                's' => SPACE.to_owned(),
                'S' => format!("[^{SPACE}]"),
                'b' => {
                    out.push_str(r"\x08");
                    return Ok((true, i));
                }
                'p' | 'P' => {
                    out.push('\\');
                    out.push(next);
                    i = copy_braced(chars, i, out);
                    return Ok((false, i));
                }
                'x' => {
                    out.push_str(r"\x");
                    i = copy_braced(chars, i, out);
                    return Ok((true, i));
                }
                w if w.is_whitespace() => {
                    push_hex(out, w);
                    return Ok((true, i));
                }
                other => {
                    out.push('\\');
                    out.push(other);
                    return Ok((!other.is_ascii_alphabetic(), i));
                }
            };
            out.push_str(&set);
            Ok((false, i))
        }
        '[' if chars.get(i) == Some(&':') => {
            // A POSIX class, `[:alpha:]`, copied as is.
            let close = (i + 1..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == ':' && chars[j + 1] == ']')
                .ok_or(Invalid)?;
            out.extend(&chars[i - 1..close + 2]);
            Ok((false, close + 2))
        }
        // Literal in PCRE, syntax in the crate.
        '[' | '&' | '~' | '-' => {
            out.push('\\');
            out.push(c);
            Ok((true, i))
        }
        w if w.is_whitespace() => {
            push_hex(out, w);
            Ok((true, i))
        }
        other => {
            out.push(other);
            Ok((true, i))
        }
    }
}

/// After `\x` or `\p`: a `{…}` argument copied as is, if there is one.
fn copy_braced(chars: &[char], i: usize, out: &mut String) -> usize {
    if chars.get(i) != Some(&'{') {
        return i;
    }
    match chars[i..].iter().position(|&c| c == '}') {
        Some(len) => {
            out.extend(&chars[i..=i + len]);
            i + len + 1
        }
        None => i,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, options: &str, text: &str) -> bool {
        compile(pattern, options).unwrap_or_else(|_| panic!("{pattern:?} /{options}")).is_match(text)
    }

    /// (pattern, options, text, MongoDB's answer)
    const RULES: &[(&str, &str, &str, bool)] = &[
        // `u` is accepted and redundant.
        ("^gug", "iu", "Guggy", true),
        ("^é", "u", "été", true),
        // A string pattern is a pattern, never a `/…/flags` literal.
        // (`^` stays an anchor inside it: `/^g/i` can match no text at all.)
        ("/^g/i", "", "Guggy", false),
        ("/^g/i", "", "/^g/i", false),
        (r"/\^g/i", "", "/^g/i", true),
        ("/a/g", "", "x/a/g", true),
        // `\d \w \s \b` are ASCII-only; literal non-ASCII text still matches.
        (r"\d", "", "٣", false),
        (r"\d", "", "3", true),
        (r"^\w+$", "", "øre", false),
        (r"^\w+$", "", "ore_9", true),
        (r"^\w+$", "i", "\u{212A}", false),
        (r"^\W$", "i", "\u{212A}", true),
        (r"^\W$", "", "ø", true),
        (r"\s", "", "\u{A0}", false),
        (r"\s", "", "\x0B", true),
        (r"^\S$", "", "\u{2003}", true),
        (r"\bre\b", "", "øre", true),
        (r"\Bre", "", "øre", false),
        (r"^[\d]$", "", "٣", false),
        (r"^[\w-]+$", "", "a-b_c", true),
        (r"^[\w]$", "", "ø", false),
        (r"^[^\w]$", "", "ø", true),
        (r"^[\s]$", "", "\u{3000}", false),
        (r"^[\D]$", "", "٣", true),
        ("^øre$", "i", "ØRE", true),
        ("^.$", "", "٣", true),
        // `x` ignores whitespace and comments outside classes only.
        ("^[a ]", "x", " lead", true),
        ("^ g u g # a comment", "xi", "Guggy", true),
        ("^a b", "x", "a b", false),
        (r"^a\ b", "x", "a b", true),
        ("(?x) ^ a b", "", "ab", true),
        ("(?x: a b ) c d", "", "ab c d", true),
        ("[#]x", "x", "#x", true),
        // PCRE's reading of other syntax.
        ("a{", "", "a{", true),
        ("{}", "", "{}", true),
        ("a{2}", "", "aa", true),
        ("a{1,}b", "", "aab", true),
        ("[[]", "", "[", true),
        ("[a&&b]", "", "&", true),
        ("[a~~b]", "", "~", true),
        ("[%--]", "", "*", true),
        ("[a-]", "", "-", true),
        (r"^[\w-z]$", "", "-", true),
        (r"\x{263A}", "", "☺", true),
        (r"[\x{263A}]", "", "☺", true),
        (r"\p{Greek}", "", "α", true),
        (r"\Qa.b\E", "", "axb", false),
        (r"\Qa.b\E", "", "a.b", true),
        ("[]a]", "", "]", true),
        ("[[:digit:]]", "", "7", true),
        ("a(?#note)b", "", "ab", true),
        ("end$", "", "the end\n", true),
        ("end$", "m", "end\nmore", true),
        ("end$", "", "end\nmore", false),
        (r"end\Z", "", "end\n", true),
        ("^line", "m", "a\nline", true),
        ("a.b", "s", "a\nb", true),
        ("a.b", "", "a\nb", false),
        ("(?i)gug", "", "GUG", true),
        ("(?-i)gug", "i", "GUG", false),
    ];

    #[test]
    fn each_rule_gives_mongodbs_answer() {
        for (pattern, options, text, expected) in RULES {
            assert_eq!(is_match(pattern, options, text), *expected, "{pattern:?} /{options} on {text:?}");
        }
    }

    #[test]
    fn invalid_patterns_and_options_are_refused() {
        for (pattern, options) in [
            ("(", ""),
            ("x", "g"),
            ("x", "l"),
            ("(?=x)", ""),
            (r"(a)\1", ""),
            ("\\", ""),
            ("[a", ""),
            ("(?#open", ""),
            ("a)", ""),
            ("(?u)a", ""),
        ] {
            assert!(compile(pattern, options).is_err(), "{pattern:?} /{options}");
        }
        assert!(compile(&"a".repeat(MAX_REGEX_LEN + 1), "").is_err());
    }
}
