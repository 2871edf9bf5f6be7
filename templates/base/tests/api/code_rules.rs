//! The structural rules of this code base, checked by reading the source files when the tests
//! run (from `CARGO_MANIFEST_DIR`, not compiled in), so an edited file is caught by an
//! already-built test binary. None needs a database.
//!
//! Each rule is a function over `(path, text)` pairs that returns its violations; the `#[test]`
//! of the same name runs it over the project's real files and lists every violation, with what
//! to do about it. Rust code is looked at through a small lexer ([`lex`]) that blanks out
//! comments and string and char literals and hands the string literals over apart: a rule about
//! code never matches text inside a string or a comment, and a rule about SQL only reads string
//! literals. This file spells its forbidden needles only inside string literals and comments,
//! which is why it does not break its own rules.

use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::Path;

/// A file of the project: its path from the crate root (`/`-separated) and its text.
type File = (String, String);

// ---------------------------------------------------------------------------------------------
// The rules, run over the project's files.
// ---------------------------------------------------------------------------------------------

#[test]
fn sql_lives_only_in_repositories() {
    assert_clean(
        "sql_lives_only_in_repositories",
        &find_sql_outside_repositories(&project_files()),
        "move the statement into a function of `src/repositories/` (one module per table) and \
         call that function. Only the files of `SQL_OUTSIDE_REPOSITORIES` in \
         tests/api/code_rules.rs may hold SQL elsewhere, each for the reason it gives.",
    );
}

#[test]
fn writes_run_only_inside_retry_write() {
    assert_clean(
        "writes_run_only_inside_retry_write",
        &find_writes_outside_retry_write(&project_files()),
        "a repository function that writes or locks rows takes its executor as \
         `db: &mut PgConnection`, and a service calls it inside `db::retry::write(&pool, |mut tx| \
         Box::pin(async move { ... repo::f(&mut tx, ...).await? ... Ok((value, tx)) }))` (or \
         `db::retry::delete_in_batches` for a purge). Never begin a transaction or take a \
         connection yourself: only the files of `CONNECTION_OWNERS` in tests/api/code_rules.rs do.",
    );
}

#[test]
fn no_postgresql_only_sql() {
    assert_clean(
        "no_postgresql_only_sql",
        &find_postgresql_only_sql(&project_files()),
        "the SQL must run on PostgreSQL and on CockroachDB alike: key rows with \
         `UUID PRIMARY KEY DEFAULT gen_random_uuid()` instead of a serial type, do in the \
         application (inside `db::retry::write`) what a trigger, function or procedure would do, \
         use a unique constraint or `SELECT ... FOR UPDATE` instead of an advisory lock, poll \
         instead of LISTEN/NOTIFY, and check constraints immediately (no DEFERRABLE).",
    );
}

#[test]
fn environment_is_read_only_in_configuration() {
    assert_clean(
        "environment_is_read_only_in_configuration",
        &find_environment_reads(&project_files()),
        "read the variable in `src/core/config.rs` (or a module of `src/core/config/`): give \
         `Config` a field, fill it in `from_lookup`, and hand the value to the code that needs \
         it. Everything else gets its settings from `Config::from_env()`, called once.",
    );
}

#[test]
fn no_compile_time_sqlx_macros() {
    assert_clean(
        "no_compile_time_sqlx_macros",
        &find_compile_time_sqlx_macros(&project_files()),
        "the crate builds without a database: use the runtime-checked functions \
         (`sqlx::query_as(\"SELECT ...\")` with `.bind(...)`) in `src/repositories/`, and \
         `#[tokio::test]` with `spawn_app()` (a fresh database per test) instead of the sqlx \
         test attribute.",
    );
}

// ---------------------------------------------------------------------------------------------
// Exceptions, each with its reason.
// ---------------------------------------------------------------------------------------------

/// Files outside `src/repositories/` that may hold SQL, and why. A path ending in `/` is a folder.
const SQL_OUTSIDE_REPOSITORIES: &[(&str, &str)] = &[
    (
        "src/db.rs",
        "owns the pool: the readiness ping (`SELECT 1`) and the list of applied migrations",
    ),
    (
        "src/db/retry.rs",
        "begins every write transaction and makes it SERIALIZABLE",
    ),
];

/// Files that may begin a transaction or take a connection of their own, and why.
const CONNECTION_OWNERS: &[(&str, &str)] = &[(
    "src/db/retry.rs",
    "`retry::write` begins the transaction of each attempt: the one place writes run",
)];

/// Where the process environment is read: the configuration, and nowhere else.
const CONFIGURATION: &[(&str, &str)] = &[
    (
        "src/core/config.rs",
        "`Config::from_env` reads every variable, once",
    ),
    (
        "src/core/config/",
        "the configuration's sections, read by `Config::from_lookup`",
    ),
];

/// Whether `path` is one of `exceptions` (or inside one that is a folder).
fn is_exception(path: &str, exceptions: &[(&str, &str)]) -> bool {
    exceptions.iter().any(|(exception, _reason)| {
        path == *exception || (exception.ends_with('/') && path.starts_with(exception))
    })
}

// ---------------------------------------------------------------------------------------------
// Rule 1: SQL lives only in `src/repositories/`.
// ---------------------------------------------------------------------------------------------

/// The sqlx items that run SQL, as paths (a trailing `*` also matches longer names).
const SQLX_QUERY_FUNCTIONS: &[&str] = &["sqlx::query*", "sqlx::raw_sql*", "sqlx::QueryBuilder*"];

/// The keywords that begin an SQL statement; a string literal beginning with one (in capitals,
/// then whitespace) holds SQL.
const SQL_STATEMENTS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "UPSERT", "WITH", "CREATE", "ALTER", "DROP", "TRUNCATE",
];

/// Calls of sqlx's query functions, and string literals that begin with an SQL statement, in
/// the Rust files of `src/` outside `src/repositories/` and [`SQL_OUTSIDE_REPOSITORIES`].
fn find_sql_outside_repositories(files: &[File]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in rust_files(files, "src/") {
        if path.starts_with("src/repositories/") || is_exception(path, SQL_OUTSIDE_REPOSITORIES) {
            continue;
        }
        let lexed = lex(text);
        find_in_code(path, text, &lexed, SQLX_QUERY_FUNCTIONS, &mut found);
        find_in_imports(path, text, &lexed, SQLX_QUERY_FUNCTIONS, &mut found);
        for literal in &lexed.literals {
            if let Some(keyword) = leading_keyword(&literal.text, SQL_STATEMENTS) {
                found.push(Violation::new(
                    path,
                    text,
                    literal.line,
                    format!("a string literal holds SQL (`{keyword} ...`)"),
                ));
            }
        }
    }
    by_place(found)
}

// ---------------------------------------------------------------------------------------------
// Rule 2: writes run only inside `db::retry::write`.
// ---------------------------------------------------------------------------------------------

/// Words of a string literal that make its function a write: statements that change rows.
const WRITE_WORDS: &[&[&str]] = &[&["INSERT"], &["UPDATE"], &["DELETE"], &["UPSERT"]];

/// Words of a string literal that make its function a row lock (`FOR UPDATE` is a write word).
const LOCK_WORDS: &[&[&str]] = &[&["FOR", "SHARE"], &["FOR", "KEY", "SHARE"]];

/// The executor types a write must not take: each can run outside the transaction of
/// `db::retry::write`. (Whitespace is ignored when comparing.)
const NOT_A_TRANSACTION: &[&str] = &[
    "PgPool",
    "Pool<",
    "PgExecutor",
    "Executor",
    "Acquire",
    "Transaction",
];

/// How a write takes the connection of its transaction. (Whitespace is ignored when comparing.)
const TRANSACTION_CONNECTION: &[&str] = &[
    "mutPgConnection",
    "mutsqlx::PgConnection",
    "mutsqlx::postgres::PgConnection",
];

/// Calls that begin a transaction or take a connection of the caller's own; a trailing `*`
/// also matches longer names.
const OWN_CONNECTION_CALLS: &[&str] = &[
    ".begin(",
    "::begin(",
    ".begin_with(",
    "::begin_with(",
    ".acquire(",
    "::acquire(",
    ".try_acquire(",
    "::try_acquire(",
    "PgConnection::connect*",
    "Connection::connect*",
];

/// (a) Functions of `src/repositories/` that write or lock rows but take an executor other than
/// `&mut PgConnection`; (b) calls in `src/` outside [`CONNECTION_OWNERS`] that begin a
/// transaction or take a connection.
/// (Tests are not checked: they open transactions of their own to stage races.)
fn find_writes_outside_retry_write(files: &[File]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in rust_files(files, "src/repositories/") {
        let lexed = lex(text);
        let functions = functions(&lexed.code);
        for literal in &lexed.literals {
            let Some(index) = innermost_function(&functions, literal.offset) else {
                continue;
            };
            let function = &functions[index];
            let Some(what) = first_words(&literal.text, WRITE_WORDS)
                .map(|words| format!("writes ({words})"))
                .or_else(|| {
                    first_words(&literal.text, LOCK_WORDS).map(|words| format!("locks ({words})"))
                })
            else {
                continue;
            };
            if let Some(problem) = executor_problem(function.signature) {
                found.push(Violation::new(
                    path,
                    text,
                    function.line,
                    format!("fn `{}` {what} but {problem}", function.name),
                ));
            }
        }
    }
    for (path, text) in rust_files(files, "src/") {
        if !is_exception(path, CONNECTION_OWNERS) {
            find_in_code(path, text, &lex(text), OWN_CONNECTION_CALLS, &mut found);
        }
    }
    by_place(found)
}

/// Why a write function's `signature` does not confine it to the transaction of
/// `db::retry::write`, if it does not.
fn executor_problem(signature: &str) -> Option<String> {
    let squeezed: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(executor) = NOT_A_TRANSACTION.iter().find(|bad| squeezed.contains(*bad)) {
        return Some(format!("takes `{executor}`, not `&mut PgConnection`"));
    }
    if !TRANSACTION_CONNECTION
        .iter()
        .any(|good| squeezed.contains(good))
    {
        return Some("takes no `&mut PgConnection`".to_owned());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Rule 3: no SQL that only PostgreSQL runs.
// ---------------------------------------------------------------------------------------------

/// What CockroachDB lacks, as word sequences matched regardless of case; a word ending in `*`
/// also matches longer words (`pg_advisory*` finds `pg_advisory_xact_lock`).
const POSTGRESQL_ONLY: &[(&[&str], &str)] = &[
    (&["pg_advisory*"], "an advisory lock"),
    (&["pg_try_advisory*"], "an advisory lock"),
    (&["LISTEN"], "LISTEN/NOTIFY"),
    (&["UNLISTEN"], "LISTEN/NOTIFY"),
    (&["NOTIFY"], "LISTEN/NOTIFY"),
    (&["pg_notify"], "LISTEN/NOTIFY"),
    (&["CREATE", "EXTENSION"], "an extension"),
    (&["CREATE", "TRIGGER"], "a trigger"),
    (&["CREATE", "CONSTRAINT", "TRIGGER"], "a trigger"),
    (&["CREATE", "OR", "REPLACE", "TRIGGER"], "a trigger"),
    (&["CREATE", "FUNCTION"], "a stored function"),
    (
        &["CREATE", "OR", "REPLACE", "FUNCTION"],
        "a stored function",
    ),
    (&["CREATE", "PROCEDURE"], "a stored procedure"),
    (
        &["CREATE", "OR", "REPLACE", "PROCEDURE"],
        "a stored procedure",
    ),
    (&["plpgsql"], "PL/pgSQL"),
    (&["SERIAL"], "a serial column"),
    (&["SERIAL2"], "a serial column"),
    (&["SERIAL4"], "a serial column"),
    (&["SERIAL8"], "a serial column"),
    (&["SMALLSERIAL"], "a serial column"),
    (&["BIGSERIAL"], "a serial column"),
    (&["DEFERRABLE"], "a deferrable constraint"),
];

/// The keywords that begin SQL for this rule: the statements, and what else can carry
/// PostgreSQL-only SQL.
const SQL_STATEMENTS_AND_COMMANDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "UPSERT", "WITH", "CREATE", "ALTER", "DROP",
    "TRUNCATE", "LISTEN", "UNLISTEN", "NOTIFY", "SET", "CALL", "DO", "LOCK",
];

/// PostgreSQL-only SQL in `migrations/**.sql` (comments ignored) and in the SQL string literals
/// of `src/`.
fn find_postgresql_only_sql(files: &[File]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in files {
        if path.starts_with("migrations/") && path.ends_with(".sql") {
            let sql = strip_sql_comments(text);
            find_postgresql_only(path, text, &sql, 1, &mut found);
        }
    }
    for (path, text) in rust_files(files, "src/") {
        for literal in lex(text).literals {
            if leading_keyword(&literal.text, SQL_STATEMENTS_AND_COMMANDS).is_some() {
                find_postgresql_only(path, text, &literal.text, literal.line, &mut found);
            }
        }
    }
    by_place(found)
}

/// Reports each [`POSTGRESQL_ONLY`] word sequence of `sql`, which begins on `first_line` of
/// the file.
fn find_postgresql_only(
    path: &str,
    text: &str,
    sql: &str,
    first_line: usize,
    found: &mut Vec<Violation>,
) {
    let words = words(sql);
    for (start, &(offset, _)) in words.iter().enumerate() {
        for (needle, what) in POSTGRESQL_ONLY {
            if words_match(&words[start..], needle) {
                let line = first_line + sql[..offset].matches('\n').count();
                let written: Vec<&str> = words[start..start + needle.len()]
                    .iter()
                    .map(|(_, word)| *word)
                    .collect();
                found.push(Violation::new(
                    path,
                    text,
                    line,
                    format!("`{}`: {what}, which CockroachDB lacks", written.join(" ")),
                ));
            }
        }
    }
}

/// `sql` with its `-- ...` and `/* ... */` comments blanked (newlines kept); quoted text
/// (`'...'`, `"..."`) is left alone, so a `--` inside it is no comment.
fn strip_sql_comments(sql: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    let mut depth = 0;
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        let mut width = 1;
        let blank = if depth > 0 {
            if c == '*' && next == Some('/') {
                depth -= 1;
                width = 2;
            } else if c == '/' && next == Some('*') {
                depth += 1;
                width = 2;
            }
            true
        } else if let Some(open) = quote {
            if c == open {
                quote = None;
            }
            false
        } else if c == '-' && next == Some('-') {
            width = chars[i..].iter().take_while(|c| **c != '\n').count();
            true
        } else if c == '/' && next == Some('*') {
            depth = 1;
            width = 2;
            true
        } else {
            if c == '\'' || c == '"' {
                quote = Some(c);
            }
            false
        };
        for c in &chars[i..i + width] {
            out.push(if blank && *c != '\n' { ' ' } else { *c });
        }
        i += width;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Rule 4: the environment is read only by the configuration.
// ---------------------------------------------------------------------------------------------

/// Code that reads (or changes) the process environment; a trailing `*` also matches longer
/// names. `from_env` is checked apart: calling `Config::from_env` is allowed.
const ENVIRONMENT_READS: &[&str] = &[
    "env::var*",
    "env::set_var",
    "env::remove_var",
    "var_os",
    "vars_os",
    "dotenv*",
    "envy::",
    "from_default_env",
    "try_from_default_env",
    "try_from_env",
];

/// The imports that bring an environment read into scope.
const ENVIRONMENT_IMPORTS: &[&str] = &[
    "std::env::var*",
    "std::env::set_var",
    "std::env::remove_var",
    "dotenv*",
    "envy*",
];

/// Reads of the process environment in `src/` outside [`CONFIGURATION`]: the calls of
/// [`ENVIRONMENT_READS`] and any `from_env` but `Config::from_env`.
fn find_environment_reads(files: &[File]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in rust_files(files, "src/") {
        if is_exception(path, CONFIGURATION) {
            continue;
        }
        let lexed = lex(text);
        find_in_code(path, text, &lexed, ENVIRONMENT_READS, &mut found);
        find_in_imports(path, text, &lexed, ENVIRONMENT_IMPORTS, &mut found);
        for (line, code) in code_lines(&lexed.code) {
            for at in find_needle(&code, "from_env") {
                let called_on_config = code[..at]
                    .strip_suffix("Config::")
                    .is_some_and(|before| !before.ends_with(is_ident));
                if !called_on_config {
                    found.push(Violation::new(
                        path,
                        text,
                        line,
                        "`from_env` other than `Config::from_env`".to_owned(),
                    ));
                }
            }
        }
    }
    by_place(found)
}

// ---------------------------------------------------------------------------------------------
// Rule 5: no compile-time checked sqlx macros.
// ---------------------------------------------------------------------------------------------

/// The sqlx test attribute (it needs `DATABASE_URL` at compile time and owns the database).
const SQLX_TEST: &[&str] = &["sqlx::test"];

/// `query...!` macro calls and the sqlx test attribute in the Rust files of `src/` and `tests/`.
fn find_compile_time_sqlx_macros(files: &[File]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in files {
        if !path.ends_with(".rs") || !(path.starts_with("src/") || path.starts_with("tests/")) {
            continue;
        }
        let lexed = lex(text);
        find_in_code(path, text, &lexed, SQLX_TEST, &mut found);
        find_in_imports(path, text, &lexed, SQLX_TEST, &mut found);
        for (line, code) in code_lines(&lexed.code) {
            for at in find_needle(&code, "query*") {
                let name: String = code[at..].chars().take_while(|c| is_ident(*c)).collect();
                let after = code[at + name.len()..].trim_start();
                if after.starts_with('!') && !after.starts_with("!=") {
                    found.push(Violation::new(
                        path,
                        text,
                        line,
                        format!("the macro `{name}!` checks SQL at compile time"),
                    ));
                }
            }
        }
    }
    by_place(found)
}

// ---------------------------------------------------------------------------------------------
// Violations and files.
// ---------------------------------------------------------------------------------------------

/// One broken rule: where, what, and the line as written.
#[derive(Debug)]
struct Violation {
    path: String,
    line: usize,
    what: String,
    source: String,
}

impl Violation {
    /// A violation on `line` of the file `path`, whose text is `text`.
    fn new(path: &str, text: &str, line: usize, what: String) -> Self {
        let written = text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
            .trim();
        let mut source: String = written.chars().take(120).collect();
        if source.len() < written.len() {
            source.push_str(" ...");
        }
        Self {
            path: path.to_owned(),
            line,
            what,
            source,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}\n        {}",
            self.path, self.line, self.what, self.source
        )
    }
}

/// `violations` in the order of their files and lines, those of one line merged into one.
fn by_place(mut violations: Vec<Violation>) -> Vec<Violation> {
    violations.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let mut merged: Vec<Violation> = Vec::with_capacity(violations.len());
    for violation in violations {
        match merged.last_mut() {
            Some(last) if last.path == violation.path && last.line == violation.line => {
                if !last.what.split("; ").any(|what| what == violation.what) {
                    last.what = format!("{}; {}", last.what, violation.what);
                }
            }
            _ => merged.push(violation),
        }
    }
    merged
}

/// Fails, listing every violation and how to fix them, unless there are none.
fn assert_clean(rule: &str, violations: &[Violation], how_to_fix: &str) {
    if violations.is_empty() {
        return;
    }
    let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
    panic!(
        "rule `{rule}` is broken in {} place(s):\n{}\n\nHow to fix: {how_to_fix}\n",
        violations.len(),
        list.join("\n")
    );
}

/// The `.rs` and `.sql` files of `src/`, `tests/` and `migrations/`, read now (not at compile
/// time), sorted by path.
fn project_files() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "migrations"] {
        collect_files(root, dir, &mut files);
    }
    files.sort();
    assert!(
        files.iter().any(|(path, _)| path == "src/lib.rs"),
        "no src/lib.rs under {}: the rules would check nothing",
        root.display()
    );
    files
}

/// Adds the `.rs` and `.sql` files under `relative` (a folder of `root`) to `files`.
fn collect_files(root: &Path, relative: &str, files: &mut Vec<File>) {
    let dir = root.join(relative);
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        let name = entry.file_name();
        let name = name
            .to_str()
            .unwrap_or_else(|| panic!("{name:?} in {} is not UTF-8", dir.display()));
        let path = format!("{relative}/{name}");
        let is_dir = entry
            .file_type()
            .unwrap_or_else(|error| panic!("cannot stat {path}: {error}"))
            .is_dir();
        if is_dir {
            collect_files(root, &path, files);
        } else if name.ends_with(".rs") || name.ends_with(".sql") {
            let text = fs::read_to_string(entry.path())
                .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
            files.push((path, text));
        }
    }
}

/// The Rust files of `files` under the folder `prefix`.
fn rust_files<'a>(files: &'a [File], prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
    files
        .iter()
        .filter(move |(path, _)| path.starts_with(prefix) && path.ends_with(".rs"))
        .map(|(path, text)| (path.as_str(), text.as_str()))
}

// ---------------------------------------------------------------------------------------------
// Matching code, imports and SQL words.
// ---------------------------------------------------------------------------------------------

/// Whether `c` can be part of an identifier.
fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets of `needle` in `text`. A needle that begins with an identifier character is not
/// found inside a longer identifier, nor one that ends with one, unless the needle ends in `*`:
/// `sqlx::query*` finds `sqlx::query_as`, `env::var` does not find `env::variant`.
fn find_needle(text: &str, needle: &str) -> Vec<usize> {
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
fn code_lines(code: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    code.lines().enumerate().map(|(index, line)| {
        let mut line = line.to_owned();
        while line.contains(" ::") || line.contains(":: ") {
            line = line.replace(" ::", "::").replace(":: ", "::");
        }
        (index + 1, line)
    })
}

/// Reports every `needles` match in the code of `lexed` (comments and literals blanked).
fn find_in_code(
    path: &str,
    text: &str,
    lexed: &Lexed,
    needles: &[&str],
    found: &mut Vec<Violation>,
) {
    for (line, code) in code_lines(&lexed.code) {
        for needle in needles {
            for _ in find_needle(&code, needle) {
                let needle = needle.trim_end_matches('*');
                found.push(Violation::new(path, text, line, format!("`{needle}`")));
            }
        }
    }
}

/// Reports every `use` of the code of `lexed` that imports a path `needles` name (or a glob
/// that takes one in).
fn find_in_imports(
    path: &str,
    text: &str,
    lexed: &Lexed,
    needles: &[&str],
    found: &mut Vec<Violation>,
) {
    for (line, imported) in imports(&lexed.code) {
        let hit = needles.iter().find(|needle| {
            let (needle, open_end) = match needle.strip_suffix('*') {
                Some(needle) => (needle, true),
                None => (**needle, false),
            };
            match imported.strip_suffix('*') {
                Some(glob) => needle.starts_with(glob),
                None if open_end => imported.starts_with(needle),
                None => imported == needle || imported.starts_with(&format!("{needle}::")),
            }
        });
        if let Some(needle) = hit {
            let needle = needle.trim_end_matches('*');
            found.push(Violation::new(
                path,
                text,
                line,
                format!("`use {imported}` brings `{needle}` in"),
            ));
        }
    }
}

/// Every path the `use` declarations of blanked `code` import, with the line each declaration
/// begins on: `use a::{b, c::{d as e}};` gives `a::b` and `a::c::d`.
fn imports(code: &str) -> Vec<(usize, String)> {
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
fn leading_keyword<'a>(text: &str, keywords: &[&'a str]) -> Option<&'a str> {
    let text = text.trim_start();
    let word: String = text.chars().take_while(|c| is_ident(*c)).collect();
    let after = text[word.len()..].chars().next();
    keywords
        .iter()
        .copied()
        .find(|keyword| *keyword == word && after.is_some_and(char::is_whitespace))
}

/// The words of `text` (runs of identifier characters) with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
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
fn words_match(words: &[(usize, &str)], needle: &[&str]) -> bool {
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
fn first_words(text: &str, needles: &[&[&str]]) -> Option<String> {
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
struct Function<'a> {
    name: &'a str,
    /// The line of its `fn`.
    line: usize,
    /// From `fn` to the body: generics, parameters, return type, where clause.
    signature: &'a str,
    /// The byte range of the body, braces included.
    body: Range<usize>,
}

/// The functions with a body in blanked `code`, in order (a nested one after its parent).
fn functions(code: &str) -> Vec<Function<'_>> {
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
fn innermost_function(functions: &[Function<'_>], offset: usize) -> Option<usize> {
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
struct Literal {
    /// The line its opening quote (or prefix) is on.
    line: usize,
    /// Where it begins in [`Lexed::code`].
    offset: usize,
    /// Its contents. Escapes are decoded, except that `\n`, `\r` and `\t` become a space and a
    /// line continuation keeps its newlines: the newlines of `text` are those of the source, so
    /// a line within the literal can be told.
    text: String,
}

/// Rust source taken apart.
#[derive(Debug)]
struct Lexed {
    /// The source with every comment and every string and char literal replaced by spaces
    /// (newlines kept): the lines are the source's, and only code is left on them.
    code: String,
    /// The string literals, in order.
    literals: Vec<Literal>,
}

/// Splits Rust `source` into code and string literals.
fn lex(source: &str) -> Lexed {
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
// Tests of the lexer and of each rule on small snippets, so no rule can silently pass.
// ---------------------------------------------------------------------------------------------

mod checks {
    use super::*;

    fn file(path: &str, text: &str) -> File {
        (path.to_owned(), text.to_owned())
    }

    fn texts(lexed: &Lexed) -> Vec<&str> {
        lexed.literals.iter().map(|l| l.text.as_str()).collect()
    }

    fn places(violations: &[Violation]) -> Vec<String> {
        violations
            .iter()
            .map(|v| format!("{}:{}", v.path, v.line))
            .collect()
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

    #[test]
    fn sql_outside_repositories_is_reported() {
        let files = [
            file(
                "src/services/items.rs",
                "use sqlx::query_scalar;\nasync fn f(pool: &PgPool) {\n    \
                 sqlx::query(\"DELETE FROM items\").execute(pool).await;\n    \
                 let sql = \"  SELECT\tid FROM items\";\n}",
            ),
            file(
                "src/repositories/items.rs",
                "fn f() { sqlx::query(\"SELECT 1\"); }",
            ),
            file("src/db.rs", "fn ping() { sqlx::query(\"SELECT 1\"); }"),
            file(
                "src/api/mod.rs",
                "// sqlx::query(\"SELECT 1\")\nconst M: &str = \"DELETE\";",
            ),
        ];
        let found = find_sql_outside_repositories(&files);
        assert_eq!(
            places(&found),
            [
                "src/services/items.rs:1",
                "src/services/items.rs:3",
                "src/services/items.rs:4"
            ],
            "{found:#?}"
        );
        assert!(
            found[1].what.contains("`sqlx::query`") && found[1].what.contains("(`DELETE ...`)"),
            "{}",
            found[1]
        );
    }

    #[test]
    fn writes_outside_a_transaction_connection_are_reported() {
        let repository = "pub async fn touch(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {\n    \
            sqlx::query(\"UPDATE items SET title = title\").execute(db).await.map(|_| ())\n}\n\
            pub async fn lock(db: impl PgExecutor<'_>) {\n    \
            sqlx::query(\"SELECT 1 FROM t WHERE id = $1 FOR SHARE\").execute(db).await;\n}\n\
            pub async fn revoke<T: Tokens>(db: &mut PgConnection) {\n    \
            let sql = format!(\"UPDATE {} SET revoked_at = now()\", T::TABLE);\n}\n\
            pub async fn find(db: impl PgExecutor<'_>) {\n    \
            sqlx::query(\"SELECT updated_at FROM t\").execute(db).await;\n}\n";
        let files = [
            file("src/repositories/items.rs", repository),
            file(
                "src/services/items.rs",
                "let tx = pool.begin().await?;\nlet c = pool\n    .acquire()\n    .await?;\n\
                 let p = gate.try_acquire_owned();\nPgConnection::connect(url);",
            ),
            file("src/db/retry.rs", "let tx = pool.begin().await?;"),
        ];
        let found = find_writes_outside_retry_write(&files);
        assert_eq!(
            places(&found),
            [
                "src/repositories/items.rs:1",
                "src/repositories/items.rs:4",
                "src/services/items.rs:1",
                "src/services/items.rs:3",
                "src/services/items.rs:6"
            ],
            "{found:#?}"
        );
        assert!(found[0].what.contains("takes `PgPool`"), "{}", found[0]);
        assert!(found[1].what.contains("locks (FOR SHARE)"), "{}", found[1]);
    }

    #[test]
    fn postgresql_only_sql_is_reported() {
        let files = [
            file(
                "migrations/0001_x.sql",
                "-- no SERIAL here, nor CREATE EXTENSION\nCREATE TABLE t (id bigserial, \
                 note TEXT DEFAULT '-- not a comment');\n/* LISTEN */ create\n  trigger x;",
            ),
            file(
                "src/db.rs",
                "const A: &str = \"SELECT pg_advisory_xact_lock(1)\";\n\
                 const B: &str = \"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE\";\n\
                 const C: &str = \"listen on port\";",
            ),
            file("migrations/README.md", "CREATE EXTENSION"),
        ];
        let found = find_postgresql_only_sql(&files);
        assert_eq!(
            places(&found),
            [
                "migrations/0001_x.sql:2",
                "migrations/0001_x.sql:3",
                "src/db.rs:1"
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn environment_reads_outside_configuration_are_reported() {
        let files = [
            file(
                "src/server.rs",
                "use std::env::{self, var_os};\nlet a = std::env::var(\"A\");\n\
                 let b = env::vars();\nlet f = EnvFilter::from_default_env();\n\
                 let c = Config::from_env()?;\nlet d = Settings::from_env();\n\
                 let n = env!(\"CARGO_PKG_NAME\");",
            ),
            file("src/core/config.rs", "std::env::var(key).ok()"),
            file("src/core/config/auth.rs", "std::env::var(key).ok()"),
        ];
        let found = find_environment_reads(&files);
        assert_eq!(
            places(&found),
            [
                "src/server.rs:1",
                "src/server.rs:2",
                "src/server.rs:3",
                "src/server.rs:4",
                "src/server.rs:6"
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn compile_time_sqlx_macros_are_reported() {
        let files = [
            file(
                "src/repositories/items.rs",
                "let n = sqlx::query_scalar!(\"SELECT 1\");\nif a != b {}\n\
                 let m = query_as !(Item, \"SELECT 1\");\nlet ok = sqlx::query(\"SELECT 1\");",
            ),
            file(
                "tests/api/items.rs",
                "#[sqlx::test]\nasync fn t(pool: PgPool) {}",
            ),
            file(
                "tests/api/other.rs",
                "// #[sqlx::test] and query!() in a comment",
            ),
        ];
        let found = find_compile_time_sqlx_macros(&files);
        assert_eq!(
            places(&found),
            [
                "src/repositories/items.rs:1",
                "src/repositories/items.rs:3",
                "tests/api/items.rs:1"
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn a_failure_names_every_place_and_the_fix() {
        let violations = find_sql_outside_repositories(&[file(
            "src/a.rs",
            "fn f() {\n    sqlx::query(\"SELECT 1\");\n}",
        )]);
        let message = std::panic::catch_unwind(|| assert_clean("rule", &violations, "do this"))
            .expect_err("violations must fail");
        let message = message
            .downcast_ref::<String>()
            .expect("the panic message is a String");
        assert!(message.contains("src/a.rs:2: `sqlx::query`"), "{message}");
        assert!(message.contains("sqlx::query(\"SELECT 1\");"), "{message}");
        assert!(message.contains("How to fix: do this"), "{message}");
    }
}
