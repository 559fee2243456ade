//! Finds the elements of a top-level JSON array in a byte stream without parsing
//! them, so a `mongoexport --jsonArray` file is read one document at a time.
//!
//! The scanner only tracks what decides where an element ends: string quotes and
//! their escapes, and bracket depth. Each element's text is then parsed on its own
//! (malformed text inside an element is serde_json's to report).

/// What a call to [`ArrayScanner::feed`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// An element is complete; its text is in [`ArrayScanner::element`], and it
    /// started on [`ArrayScanner::element_line`].
    Element,
    /// An element longer than the limit ended; its text was not kept.
    TooLong,
    /// The text is not a JSON array; the message says why, at `line`.
    Malformed { line: usize, what: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[` (whitespace may come first).
    Start,
    /// After `[`: an element or `]`.
    First,
    /// After `,`: an element.
    Next,
    /// Inside an element.
    Element { depth: usize, in_string: bool, escaped: bool, scalar: bool },
    /// After an element: `,` or `]`.
    After,
    /// After the closing `]`: only whitespace.
    Done,
}

#[derive(Debug)]
pub struct ArrayScanner {
    state: State,
    /// The line of the next byte (1-based).
    line: usize,
    /// Bytes before the next byte on its line.
    column: usize,
    element_line: usize,
    element_column: usize,
    element: Vec<u8>,
    max_element: usize,
    too_long: bool,
}

impl ArrayScanner {
    /// `line` is the line the first fed byte is on.
    pub fn new(line: usize, max_element: usize) -> Self {
        ArrayScanner {
            state: State::Start,
            line,
            column: 0,
            element_line: line,
            element_column: 0,
            element: Vec::new(),
            max_element,
            too_long: false,
        }
    }

    pub fn element(&self) -> &[u8] {
        &self.element
    }

    pub fn element_line(&self) -> usize {
        self.element_line
    }

    /// Bytes before the element on its first line.
    pub fn element_column(&self) -> usize {
        self.element_column
    }

    /// Scans `bytes` until something is found; returns how many bytes were used
    /// (the caller feeds the rest again) and what was found, if anything.
    pub fn feed(&mut self, bytes: &[u8]) -> (usize, Option<Found>) {
        for (i, &b) in bytes.iter().enumerate() {
            if let State::Element { depth, in_string, escaped, scalar } = &mut self.state {
                // A scalar ends before its delimiter, which is then read as such.
                if *scalar && !*in_string && matches!(b, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    self.state = State::After;
                    return (i, Some(self.complete()));
                }
                let mut ended = false;
                if *in_string {
                    if *escaped {
                        *escaped = false;
                    } else if b == b'\\' {
                        *escaped = true;
                    } else if b == b'"' {
                        *in_string = false;
                        ended = *depth == 0 && !*scalar;
                    }
                } else {
                    match b {
                        b'"' => *in_string = true,
                        b'{' | b'[' => *depth += 1,
                        b'}' | b']' if *depth == 0 => {
                            return (i, Some(self.malformed("unbalanced brackets")));
                        }
                        b'}' | b']' => {
                            *depth -= 1;
                            ended = *depth == 0;
                        }
                        _ => {}
                    }
                }
                self.keep(b);
                if ended {
                    self.state = State::After;
                    return (i + 1, Some(self.complete()));
                }
                continue;
            }
            self.count(b);
            if b.is_ascii_whitespace() {
                continue;
            }
            match (self.state, b) {
                (State::Start, b'[') => self.state = State::First,
                (State::Start, _) => return (i, Some(self.malformed("expected `[`"))),
                (State::First, b']') | (State::After, b']') => self.state = State::Done,
                (State::After, b',') => self.state = State::Next,
                (State::First | State::Next, b',' | b']') => {
                    return (i, Some(self.malformed("expected a document")));
                }
                (State::First | State::Next, _) => {
                    self.element.clear();
                    self.too_long = false;
                    self.element_line = self.line;
                    self.element_column = self.column - 1;
                    // Objects and arrays end at their closing bracket, a string at its
                    // closing quote, numbers and literals before the next delimiter.
                    let (depth, in_string, scalar) = match b {
                        b'{' | b'[' => (1, false, false),
                        b'"' => (0, true, false),
                        _ => (0, false, true),
                    };
                    self.state = State::Element { depth, in_string, escaped: false, scalar };
                    self.element.push(b); // counted above
                }
                (State::After, _) => {
                    return (i, Some(self.malformed("expected `,` or `]` after a document")))
                }
                (State::Done, _) => return (i, Some(self.malformed("text after the closing `]`"))),
                (State::Element { .. }, _) => unreachable!("handled above"),
            }
        }
        (bytes.len(), None)
    }

    /// The end of the input: anything but a closed array is malformed.
    pub fn finish(&mut self) -> Option<Found> {
        match self.state {
            State::Done => None,
            State::Element { scalar: true, in_string: false, .. } => {
                self.state = State::After;
                Some(self.complete())
            }
            _ => Some(self.malformed("the array is not closed")),
        }
    }

    fn count(&mut self, b: u8) {
        if b == b'\n' {
            self.line += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn keep(&mut self, b: u8) {
        self.count(b);
        if self.element.len() < self.max_element {
            self.element.push(b);
        } else {
            self.too_long = true;
        }
    }

    fn complete(&mut self) -> Found {
        if self.too_long {
            self.element = Vec::new();
            Found::TooLong
        } else {
            Found::Element
        }
    }

    fn malformed(&mut self, what: &'static str) -> Found {
        Found::Malformed { line: self.line, what }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in chunks of `chunk` bytes; returns (line, element) or errors.
    fn scan(text: &str, chunk: usize) -> Vec<Result<(usize, String), String>> {
        let mut scanner = ArrayScanner::new(1, 64);
        let mut out = Vec::new();
        let mut bytes = text.as_bytes();
        let mut note = |scanner: &ArrayScanner, found| match found {
            Found::Element => {
                let text = String::from_utf8(scanner.element().to_vec()).unwrap();
                out.push(Ok((scanner.element_line(), text)));
                false
            }
            Found::TooLong => {
                out.push(Err(format!("{}: too long", scanner.element_line())));
                false
            }
            Found::Malformed { line, what } => {
                out.push(Err(format!("{line}: {what}")));
                true
            }
        };
        while !bytes.is_empty() {
            let (used, found) = scanner.feed(&bytes[..chunk.min(bytes.len())]);
            bytes = &bytes[used..];
            if found.is_some_and(|found| note(&scanner, found)) {
                return out;
            }
        }
        if let Some(found) = scanner.finish() {
            note(&scanner, found);
        }
        out
    }

    #[test]
    fn elements_come_with_their_first_line_whatever_the_chunking() {
        let text = "[\n {\"a\": \"x,]}\\\"\"},\n\n {\"b\": [1,\n {}]}, 7 ,\"s]\" , [ ]\n]\n";
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(
                scan(text, chunk),
                [
                    Ok((2, "{\"a\": \"x,]}\\\"\"}".to_owned())),
                    Ok((4, "{\"b\": [1,\n {}]}".to_owned())),
                    Ok((5, "7".to_owned())),
                    Ok((5, "\"s]\"".to_owned())),
                    Ok((5, "[ ]".to_owned())),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn empty_arrays_and_structural_errors() {
        assert_eq!(scan(" [ ] \n", 4), []);
        assert_eq!(scan("[{}", 4), [Ok((1, "{}".into())), Err("1: the array is not closed".into())]);
        assert_eq!(scan("[{},]", 4), [Ok((1, "{}".into())), Err("1: expected a document".into())]);
        assert_eq!(
            scan("[{}\n{}]", 4),
            [Ok((1, "{}".into())), Err("2: expected `,` or `]` after a document".into())]
        );
        assert_eq!(scan("[{}]\nx", 4), [Ok((1, "{}".into())), Err("2: text after the closing `]`".into())]);
        assert_eq!(
            scan("[{}}]", 4),
            [Ok((1, "{}".into())), Err("1: expected `,` or `]` after a document".into())]
        );
    }

    #[test]
    fn long_elements_are_reported_not_kept() {
        let long = format!("[{{\"a\": \"{}\"}},\n{{}}]", "x".repeat(100));
        assert_eq!(scan(&long, 16), [Err("1: too long".into()), Ok((2, "{}".into()))]);
    }
}
