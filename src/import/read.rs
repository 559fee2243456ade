//! Reading `mongoexport` files one document at a time: one JSON document per line,
//! or one JSON array (`--jsonArray`, elements found by [`ArrayScanner`]). Memory
//! holds one document, never a file.

use super::array::{ArrayScanner, Found};
use serde_json::Value as Json;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub use crate::ingest::{Collection, Doc};

/// The longest document read. MongoDB documents stop at 16 MiB of BSON; their
/// Extended JSON is larger, but not four times so. Keeps memory bounded whatever
/// a file holds.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// Opens the collection's file in `dir`; `Ok(None)` when an optional one is absent.
pub fn open_collection(collection: Collection, dir: &Path) -> Result<Option<Documents>, String> {
    open(dir, collection.file(), collection.required())
}

/// UTF-8's byte-order mark, which some tools put before the first document.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn open(dir: &Path, file: &'static str, required: bool) -> Result<Option<Documents>, String> {
    let path = dir.join(file);
    match File::open(&path) {
        Ok(f) => Ok(Some(Documents::new(file, BufReader::with_capacity(256 << 10, f)))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The documents of one file, in order, each with its line.
pub struct Documents<R = BufReader<File>> {
    file: &'static str,
    input: R,
    form: Option<Form>,
    /// The line of the next unread byte (1-based).
    line: usize,
    buf: Vec<u8>,
    max_document: usize,
    finished: bool,
}

enum Form {
    Lines,
    Array(Box<ArrayScanner>),
}

impl<R: BufRead> Documents<R> {
    pub fn new(file: &'static str, input: R) -> Self {
        Self::with_limit(file, input, MAX_DOCUMENT_BYTES)
    }

    pub fn with_limit(file: &'static str, input: R, max_document: usize) -> Self {
        Documents { file, input, form: None, line: 1, buf: Vec::new(), max_document, finished: false }
    }

    /// Skips a byte-order mark and leading whitespace, then tells the forms apart
    /// by the first byte: `[` starts an array.
    fn detect(&mut self) -> std::io::Result<Form> {
        if self.input.fill_buf()?.starts_with(BOM) {
            self.input.consume(BOM.len());
        }
        loop {
            let bytes = self.input.fill_buf()?;
            let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
                if bytes.is_empty() {
                    return Ok(Form::Lines);
                }
                let (len, newlines) = (bytes.len(), count_newlines(bytes));
                self.input.consume(len);
                self.line += newlines;
                continue;
            };
            let newlines = count_newlines(&bytes[..first]);
            let array = bytes[first] == b'[';
            self.input.consume(first);
            self.line += newlines;
            return Ok(if array {
                Form::Array(Box::new(ArrayScanner::new(self.line, self.max_document)))
            } else {
                Form::Lines
            });
        }
    }

    fn next_line(&mut self) -> std::io::Result<Option<Result<Doc, String>>> {
        loop {
            let line = self.line;
            let Some(too_long) = read_line(&mut self.input, &mut self.buf, self.max_document)? else {
                return Ok(None);
            };
            self.line += 1;
            if too_long {
                return Ok(Some(Err(self.too_long(line))));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(self.parse(line, 0)));
        }
    }

    fn next_element(&mut self) -> std::io::Result<Option<Result<Doc, String>>> {
        let Some(Form::Array(scanner)) = &mut self.form else { unreachable!("array form") };
        loop {
            let bytes = self.input.fill_buf()?;
            let found = if bytes.is_empty() {
                match scanner.finish() {
                    None => return Ok(None),
                    found => found,
                }
            } else {
                let (used, found) = scanner.feed(bytes);
                self.input.consume(used);
                found
            };
            let line = scanner.element_line();
            match found {
                None => continue,
                Some(Found::Element) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(scanner.element());
                    let column = scanner.element_column();
                    return Ok(Some(self.parse(line, column)));
                }
                Some(Found::TooLong) => return Ok(Some(Err(self.too_long(line)))),
                Some(Found::Malformed { line, what }) => {
                    self.finished = true;
                    return Ok(Some(Err(format!("{}:{line}: not a JSON array: {what}", self.file))));
                }
            }
        }
    }

    /// Parses the text in `buf`, which starts on `line` after `column` bytes.
    fn parse(&self, line: usize, column: usize) -> Result<Doc, String> {
        match serde_json::from_slice(&self.buf) {
            Ok(json @ Json::Object(_)) => Ok(Doc { file: self.file, line, json }),
            Ok(_) => Err(format!("{}:{line}: not a document (a JSON object)", self.file)),
            Err(e) => {
                // serde_json counts lines from the start of this text.
                let at = line + e.line().saturating_sub(1);
                let text = e.to_string();
                let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(what, _)| what);
                let column = e.column() + if e.line() <= 1 { column } else { 0 };
                Err(format!("{}:{at}: invalid JSON: {what} (column {column})", self.file))
            }
        }
    }

    fn too_long(&self, line: usize) -> String {
        format!("{}:{line}: a document longer than {} bytes", self.file, self.max_document)
    }
}

impl<R: BufRead> Iterator for Documents<R> {
    type Item = Result<Doc, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = (|| {
            if self.form.is_none() {
                self.form = Some(self.detect()?);
            }
            match self.form {
                Some(Form::Lines) => self.next_line(),
                _ => self.next_element(),
            }
        })();
        match result {
            Ok(None) => {
                self.finished = true;
                None
            }
            Ok(Some(doc)) => Some(doc),
            Err(e) => {
                self.finished = true;
                Some(Err(format!("{}:{}: {e}", self.file, self.line)))
            }
        }
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `max` bytes; the
/// rest of a longer line is skipped. `None` at the end of the input, else whether
/// the line was too long.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let bytes = input.fill_buf()?;
        if bytes.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let newline = bytes.iter().position(|b| *b == b'\n');
        let take = newline.unwrap_or(bytes.len());
        if buf.len() + take <= max {
            buf.extend_from_slice(&bytes[..take]);
        } else {
            too_long = true;
        }
        input.consume(take + usize::from(newline.is_some()));
        if newline.is_some() {
            return Ok(Some(too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<(usize, Json), String>> {
        Documents::with_limit("x.json", text.as_bytes(), 40).map(|d| d.map(|d| (d.line, d.json))).collect()
    }

    fn lines(text: &str) -> Vec<Result<usize, String>> {
        read(text).into_iter().map(|d| d.map(|(line, _)| line)).collect()
    }

    #[test]
    fn array_elements_know_their_line() {
        assert_eq!(lines("\n[\n {\"_id\": \"a\"},\n\n {\"_id\": \"b\"}\n]"), [Ok(3), Ok(5)]);
    }

    #[test]
    fn bad_lines_are_reported_with_file_and_line() {
        let docs = read("{\"_id\": \"a\"}\n{oops\n\n{\"_id\": \"b\"}");
        assert_eq!(docs.len(), 3);
        let error = docs[1].as_ref().unwrap_err();
        assert!(error.starts_with("x.json:2: invalid JSON: key must be a string (column 2)"), "{error}");
        assert_eq!(docs[2].as_ref().unwrap().0, 4);
    }

    #[test]
    fn errors_inside_array_elements_name_the_line_of_the_error() {
        let docs = lines("[{\"a\": 1},\n {\"b\":\n  oops},\n {\"c\": 3}, {\"d\" 4}]");
        assert_eq!(docs[0], Ok(1));
        assert_eq!(docs[1], Err("x.json:3: invalid JSON: expected value (column 3)".into()));
        assert_eq!(docs[2], Ok(4));
        assert_eq!(docs[3], Err("x.json:4: invalid JSON: expected `:` (column 17)".into()));
        let docs = lines("[{\"a\": 1}\n {\"b\": 2}]");
        assert_eq!(docs[1], Err("x.json:2: not a JSON array: expected `,` or `]` after a document".into()));
        assert_eq!(docs.len(), 2, "a broken array stops its file");
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
        assert_eq!(
            read("\u{FEFF}{\"a\": 1}\r\n{\"a\": 2}\r\n"),
            [Ok((1, serde_json::json!({"a": 1}))), Ok((2, serde_json::json!({"a": 2})))]
        );
        assert_eq!(lines("\u{FEFF}\n[{}]"), [Ok(2)]);
    }

    #[test]
    fn documents_must_be_objects_and_not_too_long() {
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(40));
        assert_eq!(
            lines(&format!("[1, {long},\n{{}}]")),
            [
                Err("x.json:1: not a document (a JSON object)".into()),
                Err("x.json:1: a document longer than 40 bytes".into()),
                Ok(2)
            ]
        );
        assert_eq!(
            lines(&format!("{long}\n{{}}\n")),
            [Err("x.json:1: a document longer than 40 bytes".into()), Ok(2)]
        );
        assert_eq!(lines(""), []);
        assert_eq!(lines(" \n\n"), []);
    }
}
