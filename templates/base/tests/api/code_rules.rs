//! The structural rules of this code base, checked by reading the source files when the tests
//! run (from `CARGO_MANIFEST_DIR`, not compiled in), so an edited file is caught by an
//! already-built test binary. None needs a database.
//!
//! Each rule is a function over `(path, text)` pairs that returns its violations; the `#[test]`
//! of the same name runs it over the project's real files and lists every violation, with what
//! to do about it. Rust code is read through `source_scan`'s lexer, so a rule about code never
//! matches text inside a string or a comment, and a rule about SQL only reads string literals. This file spells its forbidden needles only inside string literals and comments,
//! which is why it does not break its own rules.

use std::fmt;
use std::fs;
use std::path::Path;

use crate::source_scan::{
    Lexed, code_lines, find_needle, first_words, functions, imports, innermost_function, is_ident,
    leading_keyword, lex, words, words_match,
};

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
// Finding needles in code and imports.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Tests of each rule on small snippets, so no rule can silently pass.
// ---------------------------------------------------------------------------------------------

mod checks {
    use super::*;

    fn file(path: &str, text: &str) -> File {
        (path.to_owned(), text.to_owned())
    }

    fn places(violations: &[Violation]) -> Vec<String> {
        violations
            .iter()
            .map(|v| format!("{}:{}", v.path, v.line))
            .collect()
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
