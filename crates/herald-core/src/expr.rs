//! Payload filters: a small expression language over an event's attributes and JSON data.
//!
//! The syntax is a subset of CEL (docs/catalog.md has the reference): attributes `id`, `type`,
//! `source`, `subject`, `time`, `key` and `data` (the JSON payload: `data.a.b`, `data["x-y"]`,
//! `data.items[0]`); literals (numbers, `'…'` / `"…"` strings, `true`, `false`, `null`, lists
//! `[1, 2]`); `== != < <= > >=`, `in` (list membership, object key), `&& || !`, parentheses;
//! `has(data.a.b)`, `size(x)`, and the methods `startsWith`, `endsWith`, `contains`, `size`.
//!
//! A filter is parsed once ([`Filter::parse`]) and evaluated per event ([`Filter::matches`]);
//! the payload is parsed only when the expression reads `data`. As in CEL, an error (a missing
//! field, comparing a string with a number) makes the event not match, and `&&` / `||` ignore an
//! error on one side when the other side decides.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value as Json;

/// Longest filter accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting accepted (bounds recursion on hostile input).
const MAX_DEPTH: usize = 100;

/// Why a filter expression was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    /// The expression is longer than [`MAX_FILTER_LEN`].
    #[error("filter is longer than {MAX_FILTER_LEN} bytes")]
    TooLong,
    /// The expression is not valid; `at` is the byte offset of the problem.
    #[error("filter: {message} at byte {at}")]
    Syntax {
        /// What is wrong.
        message: String,
        /// Byte offset in the expression.
        at: usize,
    },
}

/// The parts of an event a filter reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventView<'a> {
    /// CloudEvents `id`.
    pub id: &'a str,
    /// CloudEvents `type`.
    pub event_type: &'a str,
    /// CloudEvents `source`.
    pub source: &'a str,
    /// CloudEvents `subject`, when set.
    pub subject: Option<&'a str>,
    /// CloudEvents `time` (RFC 3339), when set.
    pub time: Option<&'a str>,
    /// The partition key, when set and UTF-8.
    pub key: Option<&'a str>,
    /// The payload (parsed as JSON only if the filter reads `data`).
    pub data: &'a [u8],
}

impl<'a> EventView<'a> {
    /// The view of a decoded event and its record key (a key that is not UTF-8 reads as unset).
    pub fn of(event: &'a crate::Event, key: Option<&'a [u8]>) -> Self {
        Self {
            id: &event.id,
            event_type: &event.ty,
            source: &event.source,
            subject: event.subject.as_deref(),
            time: event.time.as_deref(),
            key: key.and_then(|k| std::str::from_utf8(k).ok()),
            data: &event.data,
        }
    }
}

/// A parsed filter expression, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
    /// The parts of the payload the expression reads; `None` = it does not read `data`.
    needs: Option<Need>,
}

impl Filter {
    /// Parses an expression; an empty (or blank) one is refused: callers treat "no filter" as
    /// `Option::None`.
    pub fn parse(src: &str) -> Result<Self, FilterError> {
        if src.len() > MAX_FILTER_LEN {
            return Err(FilterError::TooLong);
        }
        let tokens = lex(src)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            depth: 0,
            end: src.len(),
        };
        let root = p.expr()?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(syntax(format!("unexpected {}", t.tok.describe()), t.at));
        }
        if let Some(kind) = root.static_kind()
            && kind != Kind::Bool
        {
            return Err(syntax("the expression is not a condition (true/false)", 0));
        }
        let needs = root.reads_data().then(|| {
            let mut need = Need::Fields(Vec::new());
            root.collect_needs(&mut need);
            need
        });
        Ok(Self { root, needs })
    }

    /// A filter no event passes (stands for a stored filter that no longer parses).
    pub fn nothing() -> Self {
        Self {
            root: Node::Bool(false),
            needs: None,
        }
    }

    /// Whether the event passes the filter (an evaluation error counts as no).
    pub fn matches(&self, event: &EventView<'_>) -> bool {
        let data = OnceCell::new();
        let ctx = Ctx {
            event,
            data: &data,
            needs: self.needs.as_ref(),
        };
        matches!(eval(&self.root, &ctx), Ok(Val::Bool(true)))
    }
}

fn syntax(message: impl Into<String>, at: usize) -> FilterError {
    FilterError::Syntax {
        message: message.into(),
        at,
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Op(&'static str),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(_) => "string".to_owned(),
            Tok::Op(o) => format!("'{o}'"),
        }
    }
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    at: usize,
}

const OPS: [&str; 16] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ",", ".", "-",
];

fn lex(src: &str) -> Result<Vec<Token>, FilterError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let at = i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(src[at..i].to_owned()),
                at,
            });
        } else if c.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || bytes[i] == b'.'
                    || bytes[i] == b'e'
                    || bytes[i] == b'E'
                    || ((bytes[i] == b'-' || bytes[i] == b'+')
                        && matches!(bytes[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            let n: f64 = src[at..i]
                .parse()
                .map_err(|_| syntax(format!("invalid number '{}'", &src[at..i]), at))?;
            out.push(Token {
                tok: Tok::Num(n),
                at,
            });
        } else if c == b'"' || c == b'\'' {
            let (s, next) = lex_string(src, i)?;
            out.push(Token {
                tok: Tok::Str(s),
                at,
            });
            i = next;
        } else if let Some(op) = OPS.iter().find(|op| src[i..].starts_with(**op)) {
            i += op.len();
            out.push(Token {
                tok: Tok::Op(op),
                at,
            });
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(syntax(format!("unexpected character '{ch}'"), at));
        }
    }
    Ok(out)
}

/// Reads a quoted string starting at `start` (the quote); returns it and the index after it.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), FilterError> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        let at = start + 1 + off;
        match c {
            c if c == quote => return Ok((out, at + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, c @ ('\\' | '"' | '\''))) => out.push(c),
                Some((_, 'u')) => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    let ch = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == 4)
                        .and_then(char::from_u32)
                        .ok_or_else(|| syntax("invalid \\u escape", at))?;
                    out.push(ch);
                }
                _ => return Err(syntax("invalid escape in string", at)),
            },
            c => out.push(c),
        }
    }
    Err(syntax("unterminated string", start))
}

// ---------------------------------------------------------------- parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Id,
    Type,
    Source,
    Subject,
    Time,
    Key,
    Data,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

/// A string predicate method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrFn {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Node>),
    Attr(Attr),
    Field(Box<Node>, String),
    Index(Box<Node>, Box<Node>),
    Has(Box<Node>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    StrFn(StrFn, Box<Node>, Box<Node>),
    Size(Box<Node>),
}

/// A result type known before evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Other,
}

impl Node {
    fn static_kind(&self) -> Option<Kind> {
        match self {
            Node::Bool(_)
            | Node::Has(_)
            | Node::Not(_)
            | Node::And(..)
            | Node::Or(..)
            | Node::Cmp(..)
            | Node::StrFn(..) => Some(Kind::Bool),
            Node::Null
            | Node::Num(_)
            | Node::Str(_)
            | Node::List(_)
            | Node::Attr(_)
            | Node::Size(_) => Some(Kind::Other),
            Node::Field(..) | Node::Index(..) => None,
        }
    }

    fn reads_data(&self) -> bool {
        match self {
            Node::Attr(a) => *a == Attr::Data,
            Node::Null | Node::Bool(_) | Node::Num(_) | Node::Str(_) => false,
            Node::List(items) => items.iter().any(Node::reads_data),
            Node::Field(n, _) | Node::Has(n) | Node::Not(n) | Node::Size(n) => n.reads_data(),
            Node::Index(a, b)
            | Node::And(a, b)
            | Node::Or(a, b)
            | Node::Cmp(_, a, b)
            | Node::StrFn(_, a, b) => a.reads_data() || b.reads_data(),
        }
    }
}

impl Node {
    /// Adds the payload paths this expression reads to `need`.
    fn collect_needs(&self, need: &mut Need) {
        if let Some(path) = self.json_path() {
            // A selection read as a value: the whole subtree below the path.
            need.add(&path, true);
            return;
        }
        match self {
            Node::Has(inner) => {
                // has() only asks whether the last field is there: its parents are walked.
                if let Some(path) = inner.json_path() {
                    need.add(&path, false);
                }
            }
            Node::List(items) => items.iter().for_each(|n| n.collect_needs(need)),
            Node::Field(n, _) | Node::Not(n) | Node::Size(n) => n.collect_needs(need),
            Node::Index(a, b)
            | Node::And(a, b)
            | Node::Or(a, b)
            | Node::Cmp(_, a, b)
            | Node::StrFn(_, a, b) => {
                a.collect_needs(need);
                b.collect_needs(need);
            }
            Node::Null | Node::Bool(_) | Node::Num(_) | Node::Str(_) | Node::Attr(_) => {}
        }
    }

    /// `data.a.b` as `["a", "b"]`; an index makes the indexed value whole (`data.a[0]` →
    /// `["a"]`, plus the index's own reads, which [`Node::collect_needs`] adds).
    fn json_path(&self) -> Option<Vec<&str>> {
        match self {
            Node::Attr(Attr::Data) => Some(Vec::new()),
            Node::Field(inner, name) => {
                let mut path = inner.json_path()?;
                path.push(name);
                Some(path)
            }
            Node::Index(inner, _) => inner.json_path(),
            _ => None,
        }
    }
}

/// Which parts of the payload to keep when parsing it.
#[derive(Debug, Clone, PartialEq)]
enum Need {
    /// The whole value.
    All,
    /// Only these fields of an object (other values parse as `null`, which has no fields).
    Fields(Vec<(String, Need)>),
}

impl Need {
    /// Records a path; `whole` = the value at its end is read entirely, else only its presence.
    fn add(&mut self, path: &[&str], whole: bool) {
        let Need::Fields(fields) = self else {
            return;
        };
        let Some((first, rest)) = path.split_first() else {
            if whole {
                *self = Need::All;
            }
            return;
        };
        let i = match fields.iter().position(|(name, _)| name == first) {
            Some(i) => i,
            None => {
                let leaf = if rest.is_empty() && !whole {
                    // Presence only: keep the value, it is small or the question is rare.
                    Need::All
                } else {
                    Need::Fields(Vec::new())
                };
                fields.push(((*first).to_owned(), leaf));
                fields.len() - 1
            }
        };
        fields[i].1.add(rest, whole);
    }
}

/// Deserializes a payload keeping only what a [`Need`] names, skipping the rest unallocated.
struct Pruned<'n>(&'n Need);

impl<'de> serde::de::DeserializeSeed<'de> for Pruned<'_> {
    type Value = Json;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        match self.0 {
            Need::All => serde::Deserialize::deserialize(d),
            Need::Fields(fields) => d.deserialize_any(PrunedVisitor(fields)),
        }
    }
}

struct PrunedVisitor<'n>(&'n [(String, Need)]);

/// Finds a key among the needed fields without allocating it.
struct KeySeed<'n>(&'n [(String, Need)]);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|(name, _)| name == key))
    }
}

impl<'de> serde::de::Visitor<'de> for PrunedVisitor<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(found) = map.next_key_seed(KeySeed(self.0))? {
            match found {
                Some(i) => {
                    let (name, need) = &self.0[i];
                    let value = map.next_value_seed(Pruned(need))?;
                    out.insert(name.clone(), value);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(Json::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_str<E>(self, _: &str) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |t| t.at)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), FilterError> {
        if self.eat(op) {
            return Ok(());
        }
        let found = self
            .peek()
            .map_or_else(|| "the end".to_owned(), Tok::describe);
        Err(syntax(format!("expected '{op}', found {found}"), self.at()))
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("expression nested too deeply", self.at()));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Node, FilterError> {
        let depth = self.depth;
        self.descend()?;
        let mut left = self.and()?;
        while self.eat("||") {
            // A chain is a left-deep tree: each operand is a level of depth.
            self.descend()?;
            left = Node::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth = depth;
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, FilterError> {
        let depth = self.depth;
        let mut left = self.unary()?;
        while self.eat("&&") {
            self.descend()?;
            left = Node::And(Box::new(left), Box::new(self.unary()?));
        }
        self.depth = depth;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, FilterError> {
        if self.eat("!") {
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Node, FilterError> {
        let left = self.postfix()?;
        let op = match self.peek() {
            Some(Tok::Op("==")) => Cmp::Eq,
            Some(Tok::Op("!=")) => Cmp::Ne,
            Some(Tok::Op("<")) => Cmp::Lt,
            Some(Tok::Op("<=")) => Cmp::Le,
            Some(Tok::Op(">")) => Cmp::Gt,
            Some(Tok::Op(">=")) => Cmp::Ge,
            Some(Tok::Ident(w)) if w == "in" => Cmp::In,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.postfix()?;
        Ok(Node::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn postfix(&mut self) -> Result<Node, FilterError> {
        let depth = self.depth;
        let node = self.suffixes();
        self.depth = depth;
        node
    }

    /// A primary and its `.field`, `.method(…)` and `[index]` suffixes, each a level of depth.
    fn suffixes(&mut self) -> Result<Node, FilterError> {
        let mut node = self.primary()?;
        loop {
            if self.eat(".") {
                let at = self.at();
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return Err(syntax("expected a field or method name after '.'", at));
                };
                self.pos += 1;
                self.descend()?;
                if self.eat("(") {
                    let method = match name.as_str() {
                        "startsWith" => StrFn::StartsWith,
                        "endsWith" => StrFn::EndsWith,
                        "contains" => StrFn::Contains,
                        "size" => {
                            self.expect(")")?;
                            node = Node::Size(Box::new(node));
                            continue;
                        }
                        other => return Err(syntax(format!("unknown method '{other}'"), at)),
                    };
                    let arg = self.expr()?;
                    self.expect(")")?;
                    node = Node::StrFn(method, Box::new(node), Box::new(arg));
                } else {
                    if !reads_json(&node) {
                        return Err(syntax(format!("'{name}' is not a field of this value"), at));
                    }
                    node = Node::Field(Box::new(node), name);
                }
            } else if self.eat("[") {
                let at = self.at();
                self.descend()?;
                if !reads_json(&node) {
                    return Err(syntax("only data can be indexed", at));
                }
                let index = self.expr()?;
                self.expect("]")?;
                node = Node::Index(Box::new(node), Box::new(index));
            } else {
                return Ok(node);
            }
        }
    }

    fn primary(&mut self) -> Result<Node, FilterError> {
        let at = self.at();
        let Some(tok) = self.peek().cloned() else {
            return Err(syntax("unexpected end of the expression", at));
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Node::Num(n)),
            Tok::Str(s) => Ok(Node::Str(s)),
            Tok::Op("-") => match self.peek().cloned() {
                Some(Tok::Num(n)) => {
                    self.pos += 1;
                    Ok(Node::Num(-n))
                }
                _ => Err(syntax("'-' must precede a number", at)),
            },
            Tok::Op("(") => {
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Op("[") => {
                self.descend()?;
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                self.depth -= 1;
                Ok(Node::List(items))
            }
            Tok::Ident(word) => self.word(&word, at),
            Tok::Op(op) => Err(syntax(format!("unexpected '{op}'"), at)),
        }
    }

    fn word(&mut self, word: &str, at: usize) -> Result<Node, FilterError> {
        Ok(match word {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            "null" => Node::Null,
            "id" => Node::Attr(Attr::Id),
            "type" => Node::Attr(Attr::Type),
            "source" => Node::Attr(Attr::Source),
            "subject" => Node::Attr(Attr::Subject),
            "time" => Node::Attr(Attr::Time),
            "key" => Node::Attr(Attr::Key),
            "data" => Node::Attr(Attr::Data),
            "has" | "size" => {
                self.expect("(")?;
                let inner = self.expr()?;
                self.expect(")")?;
                if word == "size" {
                    return Ok(Node::Size(Box::new(inner)));
                }
                if !matches!(
                    inner,
                    Node::Field(..)
                        | Node::Index(..)
                        | Node::Attr(Attr::Subject | Attr::Time | Attr::Key)
                ) {
                    return Err(syntax(
                        "has() takes a field of data (has(data.a.b)) or subject, time or key",
                        at,
                    ));
                }
                Node::Has(Box::new(inner))
            }
            other => {
                return Err(syntax(
                    format!(
                        "unknown name '{other}' (attributes: id, type, source, subject, time, key, data)"
                    ),
                    at,
                ));
            }
        })
    }
}

/// Whether a node is (a selection inside) the JSON payload, the only value with fields.
fn reads_json(node: &Node) -> bool {
    match node {
        Node::Attr(Attr::Data) => true,
        Node::Field(inner, _) | Node::Index(inner, _) => reads_json(inner),
        _ => false,
    }
}

// ---------------------------------------------------------------- evaluation

struct Ctx<'e, 'a> {
    event: &'e EventView<'a>,
    data: &'e OnceCell<Option<Json>>,
    needs: Option<&'e Need>,
}

impl<'e> Ctx<'e, '_> {
    /// The payload, parsed on first use keeping only what the expression reads.
    fn data(&self) -> Option<&'e Json> {
        let needs = self.needs?;
        self.data
            .get_or_init(|| {
                let mut de = serde_json::Deserializer::from_slice(self.event.data);
                let value = serde::de::DeserializeSeed::deserialize(Pruned(needs), &mut de).ok()?;
                de.end().ok()?;
                Some(value)
            })
            .as_ref()
    }
}

/// A value during evaluation; JSON scalars are turned into the plain variants.
#[derive(Debug, Clone)]
enum Val<'e> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'e, str>),
    List(Vec<Val<'e>>),
    /// A JSON array or object.
    Json(&'e Json),
}

/// Evaluation failed: the event does not match (CEL's error value).
#[derive(Debug)]
struct NoValue;

type Res<'e> = Result<Val<'e>, NoValue>;

fn from_json(v: &Json) -> Val<'_> {
    match v {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(*b),
        Json::Number(n) => n.as_f64().map_or(Val::Null, Val::Num),
        Json::String(s) => Val::Str(Cow::Borrowed(s)),
        Json::Array(_) | Json::Object(_) => Val::Json(v),
    }
}

fn opt_str(s: Option<&str>) -> Res<'_> {
    s.map(|s| Val::Str(Cow::Borrowed(s))).ok_or(NoValue)
}

/// The JSON value a selection points at, without converting it.
fn select<'e>(node: &'e Node, ctx: &Ctx<'e, '_>) -> Result<&'e Json, NoValue> {
    match node {
        Node::Attr(Attr::Data) => ctx.data().ok_or(NoValue),
        Node::Field(inner, name) => select(inner, ctx)?.get(name).ok_or(NoValue),
        Node::Index(inner, index) => {
            let base = select(inner, ctx)?;
            match (base, eval(index, ctx)?) {
                (Json::Array(items), Val::Num(n)) if n >= 0.0 && n.fract() == 0.0 => {
                    items.get(n as usize).ok_or(NoValue)
                }
                (Json::Object(map), Val::Str(k)) => map.get(k.as_ref()).ok_or(NoValue),
                _ => Err(NoValue),
            }
        }
        _ => Err(NoValue),
    }
}

fn eval<'e>(node: &'e Node, ctx: &Ctx<'e, '_>) -> Res<'e> {
    let ev = ctx.event;
    Ok(match node {
        Node::Null => Val::Null,
        Node::Bool(b) => Val::Bool(*b),
        Node::Num(n) => Val::Num(*n),
        Node::Str(s) => Val::Str(Cow::Borrowed(s)),
        Node::List(items) => Val::List(
            items
                .iter()
                .map(|n| eval(n, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Node::Attr(Attr::Id) => Val::Str(Cow::Borrowed(ev.id)),
        Node::Attr(Attr::Type) => Val::Str(Cow::Borrowed(ev.event_type)),
        Node::Attr(Attr::Source) => Val::Str(Cow::Borrowed(ev.source)),
        Node::Attr(Attr::Subject) => opt_str(ev.subject)?,
        Node::Attr(Attr::Time) => opt_str(ev.time)?,
        Node::Attr(Attr::Key) => opt_str(ev.key)?,
        Node::Attr(Attr::Data) | Node::Field(..) | Node::Index(..) => from_json(select(node, ctx)?),
        Node::Has(inner) => Val::Bool(match inner.as_ref() {
            Node::Attr(Attr::Subject) => ev.subject.is_some(),
            Node::Attr(Attr::Time) => ev.time.is_some(),
            Node::Attr(Attr::Key) => ev.key.is_some(),
            sel => select(sel, ctx).is_ok(),
        }),
        Node::Not(inner) => Val::Bool(!truth(eval(inner, ctx))?),
        // Either side decides when it is definite, even if the other one is an error (CEL).
        Node::And(a, b) => match (truth(eval(a, ctx)), || truth(eval(b, ctx))) {
            (Ok(false), _) => Val::Bool(false),
            (left, right) => match (left, right()) {
                (_, Ok(false)) => Val::Bool(false),
                (Ok(true), Ok(true)) => Val::Bool(true),
                _ => return Err(NoValue),
            },
        },
        Node::Or(a, b) => match (truth(eval(a, ctx)), || truth(eval(b, ctx))) {
            (Ok(true), _) => Val::Bool(true),
            (left, right) => match (left, right()) {
                (_, Ok(true)) => Val::Bool(true),
                (Ok(false), Ok(false)) => Val::Bool(false),
                _ => return Err(NoValue),
            },
        },
        Node::Cmp(op, a, b) => compare(*op, eval(a, ctx)?, eval(b, ctx)?)?,
        Node::Size(target) => size(&eval(target, ctx)?)?,
        Node::StrFn(method, target, arg) => {
            let (Val::Str(s), Val::Str(x)) = (eval(target, ctx)?, eval(arg, ctx)?) else {
                return Err(NoValue);
            };
            Val::Bool(match method {
                StrFn::StartsWith => s.starts_with(x.as_ref()),
                StrFn::EndsWith => s.ends_with(x.as_ref()),
                StrFn::Contains => s.contains(x.as_ref()),
            })
        }
    })
}

fn size<'e>(v: &Val<'e>) -> Res<'e> {
    let n = match v {
        Val::Str(s) => s.chars().count(),
        Val::List(items) => items.len(),
        Val::Json(Json::Array(items)) => items.len(),
        Val::Json(Json::Object(map)) => map.len(),
        _ => return Err(NoValue),
    };
    Ok(Val::Num(n as f64))
}

fn truth(v: Res<'_>) -> Result<bool, NoValue> {
    match v? {
        Val::Bool(b) => Ok(b),
        _ => Err(NoValue),
    }
}

fn equal(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Val::Json(x), Val::Json(y)) => x == y,
        (Val::Json(Json::Array(x)), Val::List(y)) | (Val::List(y), Val::Json(Json::Array(x))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(&from_json(a), b))
        }
        // Values of different types are unequal (CEL's heterogeneous equality).
        _ => false,
    }
}

fn compare<'e>(op: Cmp, a: Val<'e>, b: Val<'e>) -> Res<'e> {
    use std::cmp::Ordering;
    let ordering = |a: &Val<'_>, b: &Val<'_>| -> Result<Ordering, NoValue> {
        match (a, b) {
            (Val::Num(x), Val::Num(y)) => x.partial_cmp(y).ok_or(NoValue),
            (Val::Str(x), Val::Str(y)) => Ok(x.cmp(y)),
            (Val::Bool(x), Val::Bool(y)) => Ok(x.cmp(y)),
            _ => Err(NoValue),
        }
    };
    Ok(Val::Bool(match op {
        Cmp::Eq => equal(&a, &b),
        Cmp::Ne => !equal(&a, &b),
        Cmp::Lt => ordering(&a, &b)? == Ordering::Less,
        Cmp::Le => ordering(&a, &b)? != Ordering::Greater,
        Cmp::Gt => ordering(&a, &b)? == Ordering::Greater,
        Cmp::Ge => ordering(&a, &b)? != Ordering::Less,
        Cmp::In => match &b {
            Val::List(items) => items.iter().any(|x| equal(&a, x)),
            Val::Json(Json::Array(items)) => items.iter().any(|x| equal(&a, &from_json(x))),
            Val::Json(Json::Object(map)) => match &a {
                Val::Str(k) => map.contains_key(k.as_ref()),
                _ => return Err(NoValue),
            },
            _ => return Err(NoValue),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(data: &str) -> EventView<'_> {
        EventView {
            id: "01",
            event_type: "order.created",
            source: "/shop/eu",
            subject: Some("order/42"),
            time: Some("2026-01-02T03:04:05Z"),
            key: Some("customer-7"),
            data: data.as_bytes(),
        }
    }

    fn check(expr: &str, data: &str) -> bool {
        Filter::parse(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .matches(&ev(data))
    }

    const DATA: &str = r#"{"amount": 120.5, "currency": "EUR", "tags": ["vip", "new"],
        "customer": {"tier": "gold", "country": "FR"}, "items": [{"sku": "a-1"}], "x-y": 1, "n": null}"#;

    #[test]
    fn attributes_and_strings() {
        assert!(check("type == 'order.created'", DATA));
        assert!(check(
            "type.startsWith(\"order.\") && source.endsWith('/eu')",
            DATA
        ));
        assert!(check("subject.contains('42') && key == 'customer-7'", DATA));
        assert!(check("id in ['01', '02']", DATA));
        assert!(!check("type != 'order.created'", DATA));
        assert!(check("time >= '2026-01-01T00:00:00Z'", DATA));
        assert!(check(
            "has(subject) && size(type) == 13 && type.size() == 13",
            DATA
        ));
    }

    #[test]
    fn data_paths_numbers_and_membership() {
        assert!(check("data.amount > 100 && data.amount <= 120.5", DATA));
        assert!(check("data.customer.tier in ['gold', 'platinum']", DATA));
        assert!(check("'vip' in data.tags && 'tier' in data.customer", DATA));
        assert!(check(
            "data.items[0].sku == 'a-1' && data[\"x-y\"] == 1",
            DATA
        ));
        assert!(check(
            "has(data.customer.country) && !has(data.customer.city)",
            DATA
        ));
        assert!(check("data.n == null && size(data.tags) == 2", DATA));
        assert!(check("data.amount >= -1.5e3", DATA));
        assert!(check("data.tags == ['vip', 'new']", DATA));
        assert!(!check("data.customer.tier == 'silver'", DATA));
        // The payload is parsed keeping only what the expression reads: mixing a whole value
        // with a path below it, or a presence test with a read, keeps what each needs.
        assert!(check(
            "size(data.customer) == 2 && data.customer.tier == 'gold'",
            DATA
        ));
        assert!(check(
            "has(data.customer) && data.customer.country == 'FR'",
            DATA
        ));
        assert!(check("has(data.amount) && !has(data.amount.x)", DATA));
        assert!(!check(
            "data.currency == null || has(data.currency.x)",
            DATA
        ));
        assert!(check(
            "size(data) == 7 && data.customer.tier == 'gold'",
            DATA
        ));
    }

    #[test]
    fn errors_do_not_match_but_definite_sides_decide() {
        // Missing field and type mismatch: no match.
        assert!(!check("data.missing == 1", DATA));
        assert!(!check("data.currency > 3", DATA));
        assert!(!check("!(data.currency > 3)", DATA));
        // Like CEL, the definite side of || and && wins over an error.
        assert!(check("data.missing == 1 || type == 'order.created'", DATA));
        assert!(check("type == 'order.created' || data.missing == 1", DATA));
        assert!(!check("data.missing == 1 && true", DATA));
        // A payload that is not JSON has no data, attributes still work.
        assert!(!check("data.a == 1", "not json"));
        assert!(check("has(data.a) || type == 'order.created'", "not json"));
    }

    #[test]
    fn logic_precedence_and_parentheses() {
        assert!(check("false && true || true", DATA));
        assert!(!check("false && (true || true)", DATA));
        assert!(check("!false && !!true", DATA));
    }

    #[test]
    fn invalid_expressions_are_refused_with_a_position() {
        let err = |s: &str| Filter::parse(s).unwrap_err().to_string();
        assert!(err("").contains("unexpected end"));
        assert!(err("type ==").contains("unexpected end"));
        assert_eq!(
            Filter::parse("type == 'a' &&& x").unwrap_err(),
            syntax("unexpected character '&'", 14)
        );
        assert!(err("colour == 'red'").contains("unknown name 'colour'"));
        assert!(err("type.upper()").contains("unknown method"));
        assert!(err("type.x == 1").contains("not a field"));
        assert!(err("'abc").contains("unterminated"));
        assert!(err("data.a == 'x' #").contains("unexpected character '#'"));
        assert!(err("type").contains("not a condition"));
        assert!(err("1 + 2").contains("unexpected character '+'"));
        assert!(err("has(type)").contains("has()"));
        assert_eq!(
            Filter::parse(&"x".repeat(MAX_FILTER_LEN + 1)).unwrap_err(),
            FilterError::TooLong
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{}true{}", "(".repeat(500), ")".repeat(500));
        assert!(
            Filter::parse(&deep)
                .unwrap_err()
                .to_string()
                .contains("deeply")
        );
        let nots = format!("{}true", "!".repeat(500));
        assert!(Filter::parse(&nots).is_err());
        let lists = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert!(Filter::parse(&lists).is_err());
        let fields = format!("data{} == 1", ".a".repeat(500));
        assert!(Filter::parse(&fields).is_err());
        let chain = vec!["true"; 500].join(" || ");
        assert!(Filter::parse(&chain).is_err());
        let chain = vec!["true"; 50].join(" && ");
        assert!(Filter::parse(&chain).is_ok());
    }
}
