//! What the structural rules in `code_rules` read Rust source with: a small lexer that blanks
//! out comments and string and char literals and hands the string literals over apart, so a
//! rule about code never matches text inside a string or a comment, and a rule about SQL reads
//! only string literals; and the matching of code, imports, SQL words and functions on top of
//! it. Like the rules, it spells what it looks for only inside literals and comments.

use std::ops::Range;

// ---------------------------------------------------------------------------------------------
// Matching code, imports and SQL words.
// ---------------------------------------------------------------------------------------------

/// Whether `c` can be part of an identifier.
pub(crate) fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets of `needle` in `text`. A needle that begins with an identifier character is not
/// found inside a longer identifier, nor one that ends with one, unless the needle ends in `*`:
/// `sqlx::query*` finds `sqlx::query_as`, `env::var` does not find `env::variant`.
pub(crate) fn find_needle(text: &str, needle: &str) -> Vec<usize> {
    let (needle, open_end) = match needle.strip_suffix('*') {
        Some(needle) => (needle, true),
        None => (needle, false),
    };
    let starts_word = needle.starts_with(is_ident);
    let ends_word = !open_end && needle.ends_with(is_ident);
    text.match_indices(needle)
        .map(|(at, _)| at)
        .filter(|&at| {
            let continues_before = text[..at].chars().next_back().is_some_and(is_ident);
            let continues_after = text[at + needle.len()..]
                .chars()
                .next()
                .is_some_and(is_ident);
            let inside_a_longer_word =
                (starts_word && continues_before) || (ends_word && continues_after);
            !inside_a_longer_word
        })
        .collect()
}

/// The lines of blanked code, numbered from 1, with the spaces around `::` removed.
pub(crate) fn code_lines(code: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    code.lines().enumerate().map(|(index, line)| {
        let mut line = line.to_owned();
        while line.contains(" ::") || line.contains(":: ") {
            line = line.replace(" ::", "::").replace(":: ", "::");
        }
        (index + 1, line)
    })
}

/// Every path the `use` declarations of blanked `code` import, with the line each declaration
/// begins on: `use a::{b, c::{d as e}};` gives `a::b` and `a::c::d`.
pub(crate) fn imports(code: &str) -> Vec<(usize, String)> {
    let mut paths = Vec::new();
    for at in find_needle(code, "use") {
        let rest = &code[at + "use".len()..];
        let Some(end) = rest.find(';') else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let tree = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        let mut tree = tree;
        for spaced in [" ::", ":: ", "{ ", " {", " }", "} ", ", ", " ,"] {
            tree = tree.replace(spaced, spaced.trim());
        }
        let line = line_of(code, at);
        let mut expanded = Vec::new();
        expand_use_tree("", &tree, &mut expanded);
        paths.extend(expanded.into_iter().map(|path| (line, path)));
    }
    paths
}

/// Adds to `paths` the full paths of the use tree `tree` under `prefix`.
fn expand_use_tree(prefix: &str, tree: &str, paths: &mut Vec<String>) {
    let tree = tree.trim().trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let head = format!("{prefix}{}", &tree[..open]);
        let inner = &tree[open + 1..];
        let inner = inner.strip_suffix('}').unwrap_or(inner);
        for item in split_top_level(inner) {
            expand_use_tree(&head, item, paths);
        }
    } else {
        let name = tree.split(" as ").next().unwrap_or(tree).trim();
        if !name.is_empty() {
            let path = format!("{prefix}{name}");
            paths.push(path.strip_suffix("::self").unwrap_or(&path).to_owned());
        }
    }
}

/// `list` split at the commas outside braces.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0_usize, 0);
    for (at, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&list[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

/// The keyword of `keywords` that `text` begins with (after whitespace), written in capitals
/// and followed by whitespace.
pub(crate) fn leading_keyword<'a>(text: &str, keywords: &[&'a str]) -> Option<&'a str> {
    let text = text.trim_start();
    let word: String = text.chars().take_while(|c| is_ident(*c)).collect();
    let after = text[word.len()..].chars().next();
    keywords
        .iter()
        .copied()
        .find(|keyword| *keyword == word && after.is_some_and(char::is_whitespace))
}

/// The words of `text` (runs of identifier characters) with their byte offsets.
pub(crate) fn words(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, is_ident(c)) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                words.push((from, &text[from..at]));
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// Whether `words` begin with the sequence `needle`, regardless of case; a needle word ending in
/// `*` also matches longer words.
pub(crate) fn words_match(words: &[(usize, &str)], needle: &[&str]) -> bool {
    needle.len() <= words.len()
        && needle
            .iter()
            .zip(words)
            .all(|(wanted, (_, word))| match wanted.strip_suffix('*') {
                Some(prefix) => word
                    .get(..prefix.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(prefix)),
                None => word.eq_ignore_ascii_case(wanted),
            })
}

/// The first of the word sequences `needles` found in `text`, as written there.
pub(crate) fn first_words(text: &str, needles: &[&[&str]]) -> Option<String> {
    let words = words(text);
    (0..words.len()).find_map(|start| {
        needles
            .iter()
            .find(|needle| words_match(&words[start..], needle))
            .map(|needle| {
                let written: Vec<&str> = words[start..start + needle.len()]
                    .iter()
                    .map(|(_, word)| *word)
                    .collect();
                written.join(" ")
            })
    })
}

// ---------------------------------------------------------------------------------------------
// Functions: signature and body, found by bracket matching on blanked code.
// ---------------------------------------------------------------------------------------------

/// A function with a body, found in blanked code.
#[derive(Debug)]
pub(crate) struct Function<'a> {
    pub(crate) name: &'a str,
    /// The line of its `fn`.
    pub(crate) line: usize,
    /// From `fn` to the body: generics, parameters, return type, where clause.
    pub(crate) signature: &'a str,
    /// The byte range of the body, braces included.
    pub(crate) body: Range<usize>,
}

/// The functions with a body in blanked `code`, in order (a nested one after its parent).
pub(crate) fn functions(code: &str) -> Vec<Function<'_>> {
    let bytes = code.as_bytes();
    let mut functions = Vec::new();
    for at in find_needle(code, "fn") {
        let after_fn = at + "fn".len();
        let name_start = skip_whitespace(bytes, after_fn);
        let name_len = code[name_start..]
            .chars()
            .take_while(|c| is_ident(*c))
            .map(char::len_utf8)
            .sum::<usize>();
        if name_len == 0 || name_start == after_fn {
            continue; // `fn(u8) -> u8`, a function pointer type
        }
        let mut next = skip_whitespace(bytes, name_start + name_len);
        if bytes.get(next) == Some(&b'<') {
            let Some(close) = closing_angle(bytes, next) else {
                continue;
            };
            next = skip_whitespace(bytes, close + 1);
        }
        if bytes.get(next) != Some(&b'(') {
            continue;
        }
        let Some(parameters_end) = closing(bytes, next) else {
            continue;
        };
        let Some(body_start) = body_start(bytes, parameters_end + 1) else {
            continue;
        };
        let Some(body_end) = closing(bytes, body_start) else {
            continue;
        };
        functions.push(Function {
            name: &code[name_start..name_start + name_len],
            line: line_of(code, at),
            signature: &code[at..body_start],
            body: body_start..body_end + 1,
        });
    }
    functions
}

/// The function of `functions` whose body most closely holds the byte `offset`.
pub(crate) fn innermost_function(functions: &[Function<'_>], offset: usize) -> Option<usize> {
    functions
        .iter()
        .enumerate()
        .filter(|(_, function)| function.body.contains(&offset))
        .min_by_key(|(_, function)| function.body.len())
        .map(|(index, _)| index)
}

/// The first byte at or after `from` that is not whitespace.
fn skip_whitespace(bytes: &[u8], from: usize) -> usize {
    from + bytes[from.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count()
}

/// The `{` that opens the body of a function whose parameter list ends before `from`; `None`
/// for a declaration without a body (`;`). Parentheses and brackets of the return type are
/// skipped (`-> [u8; 4]`).
fn body_start(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'{' => return Some(at),
            b';' => return None,
            b'(' | b'[' => at = closing(bytes, at)? + 1,
            _ => at += 1,
        }
    }
    None
}

/// The bracket that closes the one at `open` (`(`, `[` or `{`).
fn closing(bytes: &[u8], open: usize) -> Option<usize> {
    let (opener, closer) = match bytes.get(open)? {
        b'(' => (b'(', b')'),
        b'[' => (b'[', b']'),
        b'{' => (b'{', b'}'),
        _ => return None,
    };
    let mut depth = 0_usize;
    for (at, &byte) in bytes.iter().enumerate().skip(open) {
        if byte == opener {
            depth += 1;
        } else if byte == closer {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        }
    }
    None
}

/// The `>` that closes the generics opened at `open`; the `>` of `->` does not count.
fn closing_angle(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0_usize;
    for (at, &byte) in bytes.iter().enumerate().skip(open) {
        match byte {
            b'<' => depth += 1,
            b'>' if at > 0 && bytes[at - 1] == b'-' => {}
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// The line (from 1) of the byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

// ---------------------------------------------------------------------------------------------
// The lexer.
// ---------------------------------------------------------------------------------------------

/// A string literal of Rust source (plain, raw, byte or C string).
#[derive(Debug)]
pub(crate) struct Literal {
    /// The line its opening quote (or prefix) is on.
    pub(crate) line: usize,
    /// Where it begins in [`Lexed::code`].
    pub(crate) offset: usize,
    /// Its contents. Escapes are decoded, except that `\n`, `\r` and `\t` become a space and a
    /// line continuation keeps its newlines: the newlines of `text` are those of the source, so
    /// a line within the literal can be told.
    pub(crate) text: String,
}

/// Rust source taken apart.
#[derive(Debug)]
pub(crate) struct Lexed {
    /// The source with every comment and every string and char literal replaced by spaces
    /// (newlines kept): the lines are the source's, and only code is left on them.
    pub(crate) code: String,
    /// The string literals, in order.
    pub(crate) literals: Vec<Literal>,
}

/// Splits Rust `source` into code and string literals.
pub(crate) fn lex(source: &str) -> Lexed {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        at: 0,
        line: 1,
        code: String::with_capacity(source.len()),
        literals: Vec::new(),
    };
    while let Some(c) = lexer.peek(0) {
        match c {
            '/' if lexer.peek(1) == Some('/') => lexer.line_comment(),
            '/' if lexer.peek(1) == Some('*') => lexer.block_comment(),
            '"' => lexer.string(0),
            '\'' => lexer.char_or_lifetime(),
            c if is_ident(c) => lexer.word(),
            _ => lexer.keep(),
        }
    }
    Lexed {
        code: lexer.code,
        literals: lexer.literals,
    }
}

/// The state of [`lex`]: a cursor over the source and what has been split off so far.
struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: usize,
    code: String,
    literals: Vec<Literal>,
}

impl Lexer {
    /// The character `ahead` places after the cursor.
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// Moves past the next character, copying it to the code.
    fn keep(&mut self) {
        if let Some(c) = self.peek(0) {
            self.code.push(c);
            self.advance(c);
        }
    }

    /// Moves past the next character, blanking it in the code; returns it.
    fn blank(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.code.push(if c == '\n' { '\n' } else { ' ' });
        self.advance(c);
        Some(c)
    }

    fn advance(&mut self, c: char) {
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
    }

    /// `// ...` up to the end of the line.
    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.blank();
        }
    }

    /// `/* ... */`, nested ones included.
    fn block_comment(&mut self) {
        let mut depth = 0_usize;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.blank();
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.blank();
                self.blank();
                if depth == 0 {
                    return;
                }
                continue;
            }
            self.blank();
        }
    }

    /// An identifier, a keyword or a number, unless it is the prefix of a literal: `b'x'`,
    /// `b"..."`, `c"..."`, `r"..."`, `r#"..."#`, `br"..."`, `cr#"..."#`. A raw identifier
    /// (`r#type`) stays code.
    fn word(&mut self) {
        let (first, second) = (self.peek(0), self.peek(1));
        match (first, second) {
            (Some('b'), Some('\'')) => {
                self.blank();
                self.char_or_lifetime();
                return;
            }
            (Some('b' | 'c'), Some('"')) => {
                self.string(1);
                return;
            }
            _ => {}
        }
        let prefix = match (first, second) {
            (Some('r'), _) => Some(1),
            (Some('b' | 'c'), Some('r')) => Some(2),
            _ => None,
        };
        if let Some(prefix) = prefix {
            let hashes = (prefix..)
                .take_while(|ahead| self.peek(*ahead) == Some('#'))
                .count();
            if self.peek(prefix + hashes) == Some('"') {
                self.raw_string(prefix, hashes);
                return;
            }
        }
        while self.peek(0).is_some_and(is_ident) {
            self.keep();
        }
    }

    /// A string with escapes, after a prefix of `prefix` characters.
    fn string(&mut self, prefix: usize) {
        let (line, offset) = (self.line, self.code.len());
        for _ in 0..=prefix {
            self.blank(); // the prefix and the opening quote
        }
        let mut text = String::new();
        while let Some(c) = self.blank() {
            match c {
                '"' => break,
                '\\' => self.escape(&mut text),
                c => text.push(c),
            }
        }
        self.literals.push(Literal { line, offset, text });
    }

    /// The escape after a `\` of a string, decoded into `text` (see [`Literal::text`]).
    fn escape(&mut self, text: &mut String) {
        match self.blank() {
            Some('n' | 'r' | 't') => text.push(' '),
            Some('0') => text.push('\0'),
            Some('\n') => {
                text.push('\n');
                while self.peek(0).is_some_and(char::is_whitespace) {
                    if self.blank() == Some('\n') {
                        text.push('\n');
                    }
                }
            }
            Some(c @ ('\\' | '"' | '\'')) => text.push(c),
            Some(c) => {
                text.push('\\');
                text.push(c);
            }
            None => {}
        }
    }

    /// A raw string: `prefix` characters (`r`, `br`, `cr`), `hashes` `#`, then `"..."` closed
    /// by a quote and as many `#`.
    fn raw_string(&mut self, prefix: usize, hashes: usize) {
        let (line, offset) = (self.line, self.code.len());
        for _ in 0..prefix + hashes + 1 {
            self.blank();
        }
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if c == '"' && (1..=hashes).all(|ahead| self.peek(ahead) == Some('#')) {
                for _ in 0..=hashes {
                    self.blank();
                }
                break;
            }
            text.push(c);
            self.blank();
        }
        self.literals.push(Literal { line, offset, text });
    }

    /// At a `'`: a char literal (`'a'`, `'\n'`, `'\u{1F600}'`, `'"'`), blanked, or a lifetime or
    /// label (`'a`, `'_`, `'outer:`), kept.
    fn char_or_lifetime(&mut self) {
        let escaped = self.peek(1) == Some('\\');
        if !escaped && self.peek(2) != Some('\'') {
            self.keep();
            return;
        }
        self.blank(); // the opening quote
        if escaped {
            self.blank();
            self.blank(); // the escaped character
        }
        while let Some(c) = self.blank() {
            if c == '\'' {
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests of the lexer and the matching, on tricky snippets.
// ---------------------------------------------------------------------------------------------

mod checks {
    use super::*;

    fn texts(lexed: &Lexed) -> Vec<&str> {
        lexed.literals.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn lexer_blanks_strings_with_escapes_and_braces() {
        let source = r#"let a = "x \" { y"; let b = '{'; let c = "a\\";"#;
        let lexed = lex(source);
        assert_eq!(texts(&lexed), [r#"x " { y"#, r"a\"]);
        assert!(!lexed.code.contains('{'), "{:?}", lexed.code);
        assert!(lexed.code.contains("let c ="));
        assert_eq!(lexed.code.chars().count(), source.chars().count());
    }

    #[test]
    fn lexer_reads_raw_and_byte_strings_but_not_raw_identifiers() {
        let source = "r#\"a \"quoted\" }\"#; r\"b\\\"; br\"c\"; b\"d\"; c\"e\"; let r#type = 1;";
        let lexed = lex(source);
        assert_eq!(texts(&lexed), ["a \"quoted\" }", "b\\", "c", "d", "e"]);
        assert!(lexed.code.contains("let r#type = 1;"), "{:?}", lexed.code);
    }

    #[test]
    fn lexer_blanks_nested_comments() {
        let source = "/* a /* b */ \"not a string\" */ code // \"nor this\"\nmore \"yes\"";
        let lexed = lex(source);
        assert_eq!(texts(&lexed), ["yes"]);
        assert_eq!(lexed.literals[0].line, 2);
        assert_eq!(lexed.code.lines().next().map(str::trim), Some("code"));
    }

    #[test]
    fn lexer_tells_char_literals_from_lifetimes() {
        let source = "fn f<'a>(x: &'a str) -> char { let _: &'_ str = x; \
                      'outer: loop { break 'outer; } \
                      if x == \"'\" { '\\'' } else if x.is_empty() { '\"' } else { '\\u{1F600}' } }";
        let lexed = lex(source);
        assert_eq!(texts(&lexed), ["'"]);
        for kept in ["<'a>", "&'a str", "&'_ str", "'outer: loop", "break 'outer"] {
            assert!(
                lexed.code.contains(kept),
                "{kept:?} lost in {:?}",
                lexed.code
            );
        }
        assert!(!lexed.code.contains('"'), "{:?}", lexed.code);
    }

    #[test]
    fn lexer_keeps_the_lines_of_multi_line_literals() {
        let source = "let a = \"SELECT \\\n   x\nFROM t\";\nlet b = \"z\\n\";";
        let lexed = lex(source);
        assert_eq!(texts(&lexed), ["SELECT \nx\nFROM t", "z "]);
        assert_eq!(lexed.literals[1].line, 4);
        assert_eq!(lexed.code.lines().count(), source.lines().count());
    }

    #[test]
    fn functions_are_found_by_their_brackets_not_by_braces_in_strings() {
        let source = "fn update<F: Fn() -> u8>(db: &mut PgConnection) -> [u8; 2] {\n\
                      let s = format!(\"UPDATE {} SET\", t);\n}\n\
                      trait T { fn declared(&self); }\n\
                      fn next() { let f: fn(u8) -> u8 = g; }";
        let lexed = lex(source);
        let found = functions(&lexed.code);
        let names: Vec<&str> = found.iter().map(|f| f.name).collect();
        assert_eq!(names, ["update", "next"]);
        assert_eq!(found[1].line, 5);
        assert!(found[0].signature.contains("&mut PgConnection"));
        assert_eq!(
            innermost_function(&found, lexed.literals[0].offset),
            Some(0)
        );
    }

    #[test]
    fn use_trees_are_expanded() {
        let code =
            "use sqlx::{self, PgPool, query_as as qa};\nuse std::env::{\n    self,\n    var,\n};";
        let paths: Vec<String> = imports(code).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            paths,
            [
                "sqlx",
                "sqlx::PgPool",
                "sqlx::query_as",
                "std::env",
                "std::env::var"
            ]
        );
    }
}
