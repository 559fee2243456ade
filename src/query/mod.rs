//! `query`: a MongoDB-style filter, parsed once into a typed tree, then matched
//! against each visible integration. It can only narrow a listing: the pipeline
//! applies it after, and in addition to, the room and visibility rules.

mod matching;
mod parse;
mod pcre;

use crate::document::Value;
use regex::Regex;

/// Why a query was refused; only ever shown as the generic 400.
#[derive(Debug)]
pub struct Invalid;

/// A parsed `query`; the empty query matches everything.
#[derive(Debug, Clone)]
pub struct Filter(Expr);

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Nor(Vec<Expr>),
    /// Conditions on one dotted path, all of which must hold.
    Field(String, Vec<Cond>),
}

#[derive(Debug, Clone)]
enum Cond {
    Eq(Value),
    Ne(Value),
    Gt(Value),
    Gte(Value),
    Lt(Value),
    Lte(Value),
    In(Vec<Pattern>),
    Nin(Vec<Pattern>),
    Exists(bool),
    Regex(Regex),
    Not(Vec<Cond>),
    All(Vec<Pattern>),
    Size(usize),
    ElemMatch(ElemMatch),
}

/// A value to compare with, or a regular expression to match strings with.
#[derive(Debug, Clone)]
enum Pattern {
    Value(Value),
    Regex(Regex),
}

#[derive(Debug, Clone)]
enum ElemMatch {
    /// `{$elemMatch: {$gt: 1, $lt: 5}}`: conditions on the element itself.
    Conds(Vec<Cond>),
    /// `{$elemMatch: {name: "x"}}`: a query on each element as a document.
    Query(Box<Expr>),
}

impl Filter {
    /// Parses the raw parameter; any error is the parameter's 400.
    pub fn parse(raw: &str) -> Result<Filter, crate::error::ApiError> {
        parse::parse(raw).map(Filter).map_err(|_| crate::error::ApiError::InvalidQuery(raw.to_owned()))
    }

    /// `path` holds a string containing `text`, literally and ignoring case (as
    /// MongoDB's `$regex` of the escaped text with `$options: "i"`).
    pub fn contains_ignoring_case(path: &str, text: &str) -> Filter {
        let regex = regex::RegexBuilder::new(&regex::escape(text)).case_insensitive(true).build();
        // A literal too large to compile (far past any URL) matches nothing.
        let cond = regex
            .map_or_else(|_| Expr::Or(Vec::new()), |r| Expr::Field(path.to_owned(), vec![Cond::Regex(r)]));
        Filter(cond)
    }

    /// `path` equals the string `value`.
    pub fn equals(path: &str, value: &str) -> Filter {
        Filter(Expr::Field(path.to_owned(), vec![Cond::Eq(Value::String(value.to_owned()))]))
    }

    /// Every filter given must hold; `None` when none is.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        let mut all: Vec<Expr> = filters.into_iter().map(|f| f.0).collect();
        match all.len() {
            0 => None,
            1 => all.pop().map(Filter),
            _ => Some(Filter(Expr::And(all))),
        }
    }

    pub fn matches(&self, doc: &Value) -> bool {
        matching::expr(&self.0, doc)
    }

    /// The top-level fields the filter looks at: a document parsed with only these
    /// matches exactly as the whole one does.
    pub fn top_level_fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        collect_fields(&self.0, &mut fields);
        fields
    }
}

fn collect_fields(expr: &Expr, fields: &mut Vec<String>) {
    match expr {
        Expr::And(all) | Expr::Or(all) | Expr::Nor(all) => all.iter().for_each(|e| collect_fields(e, fields)),
        // `$elemMatch` queries look inside the path's own value: its top-level field covers them.
        Expr::Field(path, _) => crate::document::add_top_level(fields, path),
    }
}
