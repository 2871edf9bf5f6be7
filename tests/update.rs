//! `stackgen new` recording the pristine render in git, and `stackgen update` merging a newer
//! render into a project the user has edited: end to end, against real git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use predicates::prelude::*;
use predicates::str::contains;
use stackgen::context::Request;
use stackgen::preset;
use stackgen::project_name::ProjectName;
use stackgen::render::{self, Rendered};
use stackgen::settings::Override;

use crate::support::{Sandbox, render_preset};

const PRESET: &str = "postgres-oauth2-jwt";
const REF: &str = "refs/stackgen/pristine";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// git as the tests use it: no global or system configuration (so no identity, as in CI), and
/// an identity of its own for the commits the tests make as "the user".
fn git(dir: &Path, args: &[&str]) -> String {
    let output = git_command(dir)
        .args([
            "-c",
            "user.name=Test User",
            "-c",
            "user.email=user@example.com",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    command
}

fn git_with_input(dir: &Path, args: &[&str], env: &[(&str, &Path)], input: &[u8]) -> String {
    use std::io::Write;
    let mut command = git_command(dir);
    command
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("git runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("writes");
    let output = child.wait_with_output().expect("git finishes");
    assert!(output.status.success(), "git {args:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A project generated with the defaults (git init, first commit, pristine ref).
fn generated() -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "-q"])
        .assert()
        .success();
    let project = sandbox.join("my-api");
    (sandbox, project)
}

fn stackgen_in(sandbox: &Sandbox, project: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut command = sandbox.stackgen(args);
    command.current_dir(project);
    command
}

fn read(project: &Path, path: &str) -> String {
    std::fs::read_to_string(project.join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn edit(project: &Path, path: &str, from: &str, to: &str) {
    let text = read(project, path);
    assert!(text.contains(from), "{path} has no `{from}`");
    std::fs::write(project.join(path), text.replacen(from, to, 1)).expect("write");
}

fn commit_all(project: &Path, message: &str) {
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", message]);
}

/// What the user's edits in these tests look like: a handler, and CLAUDE.md away from the
/// lines a port change touches.
fn edit_handler_and_guide(project: &Path) {
    let handler = "src/api/health.rs";
    let text = read(project, handler);
    std::fs::write(
        project.join(handler),
        format!("// Reviewed by the team.\n{text}"),
    )
    .expect("write");
    edit(
        project,
        "CLAUDE.md",
        "## Conventions",
        "## Conventions (ours)",
    );
}

fn rendered_with(overrides: &[(&str, &str)]) -> Rendered {
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|(key, value)| Override {
            key: key.to_string(),
            value: value.to_string(),
        })
        .collect();
    let request = Request::new(
        ProjectName::parse("my-api").expect("name"),
        preset::load_embedded(PRESET).expect("preset"),
        &overrides,
    )
    .expect("settings");
    render::render(&request).expect("renders")
}

/// Every file of the commit's tree, path to bytes.
fn tree_of(project: &Path, commit: &str) -> BTreeMap<String, Vec<u8>> {
    git(
        project,
        &["ls-tree", "-r", "--name-only", "--full-tree", commit],
    )
    .lines()
    .map(|path| {
        let output = git_command(project)
            .args(["cat-file", "blob", &format!("{commit}:{path}")])
            .output()
            .expect("git runs");
        (path.to_string(), output.stdout)
    })
    .collect()
}

fn as_map(rendered: &Rendered) -> BTreeMap<String, Vec<u8>> {
    rendered
        .files()
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect()
}

/// Every file under `dir` except git's own, plus every ref and the index: what "nothing
/// changed" compares.
fn snapshot(dir: &Path) -> (BTreeMap<String, Vec<u8>>, String, Vec<u8>) {
    let mut files = BTreeMap::new();
    let git_dir = PathBuf::from(git(dir, &["rev-parse", "--absolute-git-dir"]));
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.path() != git_dir)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("inside")
            .display()
            .to_string();
        files.insert(relative, std::fs::read(entry.path()).expect("read"));
    }
    let refs = git(dir, &["for-each-ref"]);
    let index = std::fs::read(git_dir.join("index")).unwrap_or_default();
    (files, refs, index)
}

/// Replaces the pristine render with one whose files differ from today's render as `changes`
/// say (`None` removes a file): a render by an "older stackgen", made with git plumbing.
fn record_older_pristine(project: &Path, reference: &str, changes: &[(&str, Option<&str>)]) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let index = scratch.path().join("index");
    let env = [("GIT_INDEX_FILE", index.as_path())];
    git_with_input(project, &["read-tree", reference], &env, b"");
    for (path, content) in changes {
        match content {
            Some(text) => {
                let blob = git_with_input(
                    project,
                    &["hash-object", "-w", "--stdin"],
                    &env,
                    text.as_bytes(),
                );
                let info = format!("100644,{blob},{path}");
                git_with_input(
                    project,
                    &["update-index", "--add", "--cacheinfo", &info],
                    &env,
                    b"",
                );
            }
            None => {
                git_with_input(
                    project,
                    &["update-index", "--force-remove", path],
                    &env,
                    b"",
                );
            }
        }
    }
    let tree = git_with_input(project, &["write-tree"], &env, b"");
    let commit = git(
        project,
        &["commit-tree", &tree, "-m", "an older stackgen's render"],
    );
    git(project, &["update-ref", reference, &commit]);
}

#[test]
fn new_initialises_a_repository_commits_the_render_and_records_it_as_pristine() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .assert()
        .success()
        .stdout(contains("Initialised a git repository").and(contains(REF)));
    let project = sandbox.join("my-api");
    assert_eq!(
        git(&project, &["log", "--format=%s|%an <%ae>", "HEAD"]),
        format!("Generated by stackgen {VERSION} (preset {PRESET})|stackgen <stackgen@localhost>"),
        "one commit, made with the fallback identity when git has none"
    );
    assert_eq!(git(&project, &["status", "--porcelain"]), "");
    let rendered = as_map(&render_preset(PRESET, "my-api"));
    assert_eq!(
        tree_of(&project, REF),
        rendered,
        "the pristine tree is the render"
    );
    assert_eq!(
        tree_of(&project, "HEAD"),
        rendered,
        "the first commit is the render"
    );
    assert_eq!(
        git(&project, &["rev-list", "--count", REF]),
        "1",
        "the pristine render is a commit of its own, not on the branch"
    );
}

#[test]
fn new_with_vcs_none_makes_no_repository() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .stackgen([
            "new", "my-api", "--preset", PRESET, "--vcs", "none", "--json",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert!(report["pristine_ref"].is_null());
    assert!(sandbox.join("my-api/Cargo.toml").is_file());
    assert!(!sandbox.join("my-api/.git").exists());
}

#[test]
fn new_inside_an_existing_repository_leaves_its_history_alone_and_update_works_there() {
    let sandbox = Sandbox::new();
    let repo = sandbox.path();
    git(repo, &["init", "-q"]);
    std::fs::write(sandbox.join("notes.md"), "mine\n").expect("write");
    commit_all(repo, "the user's own history");
    let head = git(repo, &["rev-parse", "HEAD"]);

    sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "--dir",
            "services/billing",
        ])
        .assert()
        .success()
        .stdout(contains("nothing was committed"));
    let project = sandbox.join("services/billing");
    assert_eq!(
        git(repo, &["rev-parse", "HEAD"]),
        head,
        "no commit was made"
    );
    assert_eq!(git(repo, &["rev-list", "--count", "HEAD"]), "1");
    assert!(!project.join(".git").exists(), "no nested repository");
    assert_eq!(
        git(repo, &["status", "--porcelain", "--", "notes.md"]),
        "",
        "the user's files are left alone"
    );
    let reference = "refs/stackgen/projects/services/billing/pristine";
    assert_eq!(
        tree_of(repo, reference),
        as_map(&render_preset(PRESET, "my-api"))
    );

    // Uncommitted, the project cannot be updated yet; committed, it can.
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .code(2)
        .stderr(contains("uncommitted changes"));
    commit_all(repo, "add the billing service");
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .success();
    assert!(read(&project, "src/core/config.rs").contains("DEFAULT_APP_PORT: u16 = 9000"));
    assert_eq!(
        tree_of(repo, reference),
        as_map(&rendered_with(&[("http_port", "9000")]))
    );
}

#[test]
fn without_git_new_generates_and_warns_but_vcs_git_refuses_before_writing() {
    let sandbox = Sandbox::new();
    let no_git = sandbox.join("empty-path");
    std::fs::create_dir(&no_git).expect("mkdir");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--vcs", "git"])
        .env("PATH", &no_git)
        .assert()
        .failure()
        .stderr(contains("--vcs git was given but git is not installed"))
        .stderr(contains("--vcs none"));
    assert_eq!(sandbox.entries(), ["empty-path"]);

    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .env("PATH", &no_git)
        .assert()
        .success()
        .stderr(contains("no pristine render was recorded"))
        .stderr(contains("stackgen update --record-pristine"));
    assert!(sandbox.join("my-api/Cargo.toml").is_file());
    assert!(!sandbox.join("my-api/.git").exists());
}

#[test]
fn a_settings_change_merges_cleanly_around_the_users_edits() {
    let (sandbox, project) = generated();
    edit_handler_and_guide(&project);
    std::fs::remove_file(project.join("Dockerfile")).expect("rm");
    commit_all(&project, "our edits");
    let head = git(&project, &["rev-parse", "HEAD"]);
    let before = git(&project, &["rev-parse", REF]);

    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .success()
        .stdout(contains("merge         CLAUDE.md"))
        .stdout(contains("update        src/core/config.rs"))
        .stdout(contains("stays_deleted Dockerfile"))
        .stdout(contains("not committed"));

    let guide = read(&project, "CLAUDE.md");
    assert!(
        guide.contains("## Conventions (ours)"),
        "the user's edit is kept"
    );
    assert!(
        guide.contains("serve on :9000"),
        "stackgen's change is merged in"
    );
    assert!(!guide.contains(":8080"));
    assert!(read(&project, "src/api/health.rs").starts_with("// Reviewed by the team.\n"));
    assert!(read(&project, "src/core/config.rs").contains("DEFAULT_APP_PORT: u16 = 9000"));
    assert!(read(&project, ".stackgen.yaml").contains("http_port: 9000"));
    assert!(
        !project.join("Dockerfile").exists(),
        "a deleted file stays deleted"
    );

    assert_eq!(
        git(&project, &["rev-parse", "HEAD"]),
        head,
        "the branch is not committed"
    );
    let after = git(&project, &["rev-parse", REF]);
    assert_ne!(after, before);
    assert_eq!(git(&project, &["rev-parse", &format!("{REF}^")]), before);
    assert_eq!(
        tree_of(&project, REF),
        as_map(&rendered_with(&[("http_port", "9000")])),
        "the new pristine render is the render with the new setting"
    );

    // Committed, the project is up to date, and diff shows only the user's own changes.
    commit_all(&project, "update to http_port 9000");
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .success()
        .stdout(contains("up to date"));
    stackgen_in(&sandbox, &project, &["diff"])
        .assert()
        .success()
        .stderr(contains("2 changed, 1 removed").and(contains("update available").not()));
}

#[test]
fn edits_to_the_same_lines_conflict_and_continue_records_the_render_once_resolved() {
    let (sandbox, project) = generated();
    edit(
        &project,
        "CLAUDE.md",
        "serve on :8080; needs",
        "serve on :8080 (our proxy); needs",
    );
    std::fs::write(project.join("notes.md"), "ours\n").expect("write");
    commit_all(&project, "our edits");
    let head = git(&project, &["rev-parse", "HEAD"]);
    let before = git(&project, &["rev-parse", REF]);

    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .code(1)
        .stdout(contains("conflict      CLAUDE.md"))
        .stderr(contains("1 of the files conflict:\n  CLAUDE.md"))
        .stderr(contains("stackgen update --continue"));

    let guide = read(&project, "CLAUDE.md");
    assert!(guide.contains("<<<<<<< yours\n"), "{guide}");
    assert!(guide.contains("serve on :8080 (our proxy); needs"));
    assert!(guide.contains("\n=======\n"));
    assert!(guide.contains(&format!(">>>>>>> stackgen {VERSION}\n")));
    assert!(guide.contains("serve on :9000; needs"));
    assert!(
        read(&project, "src/core/config.rs").contains("DEFAULT_APP_PORT: u16 = 9000"),
        "the files without conflicts are merged too"
    );
    assert_eq!(read(&project, "notes.md"), "ours\n");
    assert_eq!(
        git(&project, &["rev-parse", REF]),
        before,
        "the ref is not advanced"
    );
    assert_eq!(git(&project, &["rev-parse", "HEAD"]), head);

    // Markers left: --continue refuses and names the file.
    stackgen_in(&sandbox, &project, &["update", "--continue"])
        .assert()
        .code(2)
        .stderr(contains("conflict markers remain in:\n  CLAUDE.md"));
    assert_eq!(git(&project, &["rev-parse", REF]), before);
    // Running update again instead points at --continue.
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .code(2)
        .stderr(contains("--continue"));

    // Resolved: keep both ideas on one line.
    let resolved: String = guide
        .lines()
        .filter(|line| {
            !line.starts_with("<<<<<<<")
                && !line.starts_with("=======")
                && !line.starts_with(">>>>>>>")
                && !line.contains(":8080 (our proxy)")
        })
        .map(|line| {
            format!(
                "{}\n",
                line.replace(":9000; needs", ":9000 (our proxy); needs")
            )
        })
        .collect();
    std::fs::write(project.join("CLAUDE.md"), resolved).expect("write");
    stackgen_in(&sandbox, &project, &["update", "--continue"])
        .assert()
        .success()
        .stdout(contains("recorded the new pristine render"));
    assert_eq!(git(&project, &["rev-parse", &format!("{REF}^")]), before);
    assert_eq!(
        tree_of(&project, REF),
        as_map(&rendered_with(&[("http_port", "9000")]))
    );
    commit_all(&project, "update to http_port 9000");
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .success()
        .stdout(contains("up to date"));
}

#[test]
fn an_update_from_an_older_template_set_adds_removes_and_keeps_files() {
    let (sandbox, project) = generated();
    // The "older stackgen" generated two files today's no longer does, lacked docs/testing.md,
    // and wrote README.md differently; the work tree is what it generated, plus one edit.
    let readme = read(&project, "README.md");
    let old_readme = format!("{readme}\nAn older paragraph.\n");
    record_older_pristine(
        &project,
        REF,
        &[
            ("docs/old-guide.md", Some("old guide\n")),
            ("docs/old-notes.md", Some("old notes\n")),
            ("docs/testing.md", None),
            ("README.md", Some(&old_readme)),
        ],
    );
    std::fs::write(project.join("docs/old-guide.md"), "old guide\n").expect("write");
    std::fs::write(project.join("docs/old-notes.md"), "old notes\nand ours\n").expect("write");
    std::fs::remove_file(project.join("docs/testing.md")).expect("rm");
    std::fs::write(project.join("README.md"), &old_readme).expect("write");
    commit_all(&project, "as the older stackgen left it");

    stackgen_in(&sandbox, &project, &["diff"])
        .assert()
        .success()
        .stderr(contains("update available"));
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .success()
        .stdout(contains("remove        docs/old-guide.md"))
        .stdout(contains("keep          docs/old-notes.md"))
        .stdout(contains("add           docs/testing.md"))
        .stdout(contains("update        README.md"));
    assert!(!project.join("docs/old-guide.md").exists());
    assert_eq!(read(&project, "docs/old-notes.md"), "old notes\nand ours\n");
    let rendered = render_preset(PRESET, "my-api");
    assert_eq!(
        read(&project, "docs/testing.md").as_bytes(),
        rendered.get("docs/testing.md").expect("rendered")
    );
    assert_eq!(read(&project, "README.md"), readme);
    assert_eq!(tree_of(&project, REF), as_map(&rendered));
}

#[test]
fn a_file_of_yours_where_a_new_file_goes_is_not_overwritten() {
    let (sandbox, project) = generated();
    record_older_pristine(&project, REF, &[("docs/testing.md", None)]);
    std::fs::write(project.join("docs/testing.md"), "How we test.\n").expect("write");
    commit_all(&project, "our own testing notes");
    let before = git(&project, &["rev-parse", REF]);
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .code(1)
        .stdout(contains("conflict      docs/testing.md"));
    let text = read(&project, "docs/testing.md");
    assert!(text.contains("<<<<<<< yours\nHow we test.\n"), "{text}");
    assert!(text.contains(&format!(">>>>>>> stackgen {VERSION}")));
    assert_eq!(git(&project, &["rev-parse", REF]), before);
}

#[test]
fn a_dirty_tree_is_refused_and_nothing_changes() {
    let (sandbox, project) = generated();
    edit(
        &project,
        "CLAUDE.md",
        "## Conventions",
        "## Conventions (ours)",
    );
    let before = snapshot(&project);
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .code(2)
        .stderr(contains("uncommitted changes").and(contains("M CLAUDE.md")))
        .stderr(contains("commit or stash them first"));
    assert_eq!(snapshot(&project), before);

    git(&project, &["checkout", "-q", "--", "CLAUDE.md"]);
    std::fs::write(project.join("scratch.txt"), "untracked\n").expect("write");
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .code(2)
        .stderr(contains("?? scratch.txt"));
}

#[test]
fn a_missing_pristine_render_is_refused_with_the_way_to_record_one() {
    let (sandbox, project) = generated();
    git(&project, &["update-ref", "-d", REF]);
    let before = snapshot(&project);
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=9000"])
        .assert()
        .code(2)
        .stderr(contains(
            "the pristine render of . (refs/stackgen/pristine) is missing",
        ))
        .stderr(contains("stackgen update --record-pristine"));
    assert_eq!(snapshot(&project), before);

    // The recovery records this stackgen's render of the recorded answers, touching no file.
    stackgen_in(&sandbox, &project, &["update", "--record-pristine"])
        .assert()
        .success()
        .stdout(contains("no file was changed"));
    assert_eq!(
        tree_of(&project, REF),
        as_map(&render_preset(PRESET, "my-api"))
    );
    assert_eq!(snapshot(&project).0, before.0);
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .success()
        .stdout(contains("up to date"));
}

#[test]
fn record_pristine_refuses_another_recorded_version_unless_forced() {
    let (sandbox, project) = generated();
    git(&project, &["update-ref", "-d", REF]);
    edit(
        &project,
        ".stackgen.yaml",
        &format!("stackgen_version: {VERSION}"),
        "stackgen_version: 0.0.1",
    );
    commit_all(&project, "pretend an older stackgen generated it");
    stackgen_in(&sandbox, &project, &["diff"])
        .assert()
        .success()
        .stderr(contains(format!(
            "update available: the project was generated by stackgen 0.0.1, this is {VERSION}"
        )));
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .code(2)
        .stderr(contains(
            "with stackgen 0.0.1 (the version recorded in .stackgen.yaml)",
        ));
    stackgen_in(&sandbox, &project, &["update", "--record-pristine"])
        .assert()
        .code(2)
        .stderr(contains("records stackgen 0.0.1, but this is stackgen"))
        .stderr(contains("--force"));
    assert_eq!(git(&project, &["for-each-ref", REF]), "");
    stackgen_in(
        &sandbox,
        &project,
        &["update", "--record-pristine", "--force"],
    )
    .assert()
    .success();
    assert!(!git(&project, &["rev-parse", REF]).is_empty());
}

#[test]
fn a_project_from_a_newer_stackgen_is_refused() {
    let (sandbox, project) = generated();
    edit(
        &project,
        ".stackgen.yaml",
        &format!("stackgen_version: {VERSION}"),
        "stackgen_version: 99.0.0",
    );
    commit_all(&project, "from the future");
    let before = snapshot(&project);
    stackgen_in(&sandbox, &project, &["update"])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "generated by stackgen 99.0.0, newer than this stackgen {VERSION}"
        )))
        .stderr(contains("install stackgen 99.0.0 or later"));
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_directory_that_is_not_a_stackgen_project_is_refused() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("plain")).expect("mkdir");
    sandbox
        .stackgen(["update", "plain"])
        .assert()
        .code(2)
        .stderr(contains(
            "plain has no .stackgen.yaml, so it is not a project stackgen generated",
        ));
    assert_eq!(sandbox.entries(), ["plain"]);
}

#[test]
fn dry_run_writes_nothing_and_json_gives_the_plan_as_data() {
    let (sandbox, project) = generated();
    edit_handler_and_guide(&project);
    edit(&project, "docs/deployment.md", "8080", "8080 (our proxy)");
    commit_all(&project, "our edits");
    let before = snapshot(&project);
    let pristine = git(&project, &["rev-parse", REF]);

    stackgen_in(
        &sandbox,
        &project,
        &["update", "--set", "http_port=9000", "--dry-run"],
    )
    .assert()
    .success()
    .stdout(contains("merge         CLAUDE.md"))
    .stdout(contains("update        src/core/config.rs"))
    .stdout(contains("nothing was written"));
    assert_eq!(snapshot(&project), before);

    let output = stackgen_in(
        &sandbox,
        &project,
        &["update", "--set", "http_port=9000", "--dry-run", "--json"],
    )
    .output()
    .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        snapshot(&project),
        before,
        "--json --dry-run writes nothing either"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "conflicts",
            "directory",
            "dry_run",
            "files",
            "outcome",
            "pristine_after",
            "pristine_before",
            "pristine_ref",
            "recorded_version",
            "stackgen_version",
            "verify"
        ]
    );
    assert_eq!(report["stackgen_version"], VERSION);
    assert_eq!(report["recorded_version"], VERSION);
    assert_eq!(report["pristine_ref"], REF);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["outcome"], "planned");
    assert_eq!(report["pristine_before"], pristine.as_str());
    assert!(report["pristine_after"].is_null());
    assert!(report["verify"].is_null());
    let action = |path: &str| {
        report["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| (f["action"].clone(), f["binary"].clone()))
    };
    assert_eq!(action("CLAUDE.md"), Some(("merge".into(), false.into())));
    assert_eq!(
        action("src/core/config.rs"),
        Some(("update".into(), false.into()))
    );
    assert_eq!(
        action("docs/deployment.md"),
        Some(("conflict".into(), false.into()))
    );
    assert_eq!(
        action("src/api/health.rs"),
        None,
        "untouched by the change: not listed"
    );
    assert_eq!(
        report["conflicts"],
        serde_json::json!(["docs/deployment.md"])
    );
}

/// The issue's "the project still verifies": after a clean merge, `update --verify` builds,
/// lints, format-checks and tests the project against a throwaway PostgreSQL. Expensive (a
/// full build in the shared target), so it is named to be skipped with `--skip end_to_end`.
mod end_to_end {
    use super::*;
    use crate::support::{generate_preset, shared_target_dir};

    #[test]
    fn update_verify_checks_the_merged_project() {
        let sandbox = Sandbox::new();
        // A name of its own: it builds into the target shared with other end-to-end tests.
        let project = generate_preset(&sandbox, PRESET, "update-check");
        // Edits the project's own tests accept: a handler, and its guide in both of its files
        // (they must say the same).
        edit_handler_and_guide(&project);
        edit(
            &project,
            "AGENTS.md",
            "## Conventions",
            "## Conventions (ours)",
        );
        commit_all(&project, "our edits");
        let output = stackgen_in(
            &sandbox,
            &project,
            &[
                "update",
                "--set",
                "http_port=9000",
                "--verify",
                "--json",
                "--target-dir",
            ],
        )
        .arg(shared_target_dir())
        // The project is thrown away after the test, so it is built as verify builds one.
        .envs(crate::support::THROWAWAY_BUILD)
        .output()
        .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(report["outcome"], "updated");
        assert_eq!(report["verify"]["passed"], true, "{stderr}");
        let steps: Vec<(&str, &str)> = report["verify"]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| {
                (
                    s["step"].as_str().unwrap_or(""),
                    s["status"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("build", "passed"),
                ("clippy", "passed"),
                ("fmt", "passed"),
                ("test", "passed")
            ]
        );
        assert!(
            stderr.contains("database: throwaway PostgreSQL"),
            "{stderr}"
        );
    }
}

#[test]
fn new_takes_the_project_back_when_the_pristine_render_cannot_be_recorded() {
    let sandbox = Sandbox::new();
    let repo = sandbox.path();
    git(repo, &["init", "-q"]);
    std::fs::write(sandbox.join("notes.md"), "mine\n").expect("write");
    commit_all(repo, "the user's own history");
    // A ref below the one the project needs makes git refuse to create it.
    git(
        repo,
        &[
            "update-ref",
            "refs/stackgen/projects/svc/pristine/blocker",
            "HEAD",
        ],
    );
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--dir", "svc"])
        .assert()
        .failure()
        .stderr(contains(
            "cannot set up version control for svc, so nothing was written",
        ));
    assert!(!sandbox.join("svc").exists(), "{:?}", sandbox.entries());
}

#[test]
fn another_preset_is_merged_in_keeping_the_settings_it_shares() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "-q",
            "--set",
            "http_port=3000",
        ])
        .assert()
        .success();
    let project = sandbox.join("my-api");
    stackgen_in(
        &sandbox,
        &project,
        &["update", "--preset", "cockroach-token-session"],
    )
    .assert()
    .success();
    let manifest = read(&project, ".stackgen.yaml");
    assert!(
        manifest.contains("preset: cockroach-token-session"),
        "{manifest}"
    );
    assert!(manifest.contains("http_port: 3000"), "{manifest}");
    let request = Request::new(
        ProjectName::parse("my-api").expect("name"),
        preset::load_embedded("cockroach-token-session").expect("preset"),
        &[Override {
            key: "http_port".into(),
            value: "3000".into(),
        }],
    )
    .expect("settings");
    let expected = as_map(&render::render(&request).expect("renders"));
    assert_eq!(tree_of(&project, REF), expected);
    for (path, bytes) in &expected {
        assert_eq!(
            &std::fs::read(project.join(path)).expect(path),
            bytes,
            "{path}"
        );
    }
    // Files only the old preset generated, untouched, are gone.
    let old_only: Vec<String> = render_preset(PRESET, "my-api")
        .files()
        .map(|(path, _)| path.to_string())
        .filter(|path| !expected.contains_key(path))
        .collect();
    assert!(!old_only.is_empty());
    for path in old_only {
        assert!(!project.join(&path).exists(), "{path} is still there");
    }
}

#[test]
fn a_bad_setting_is_refused_and_nothing_changes() {
    let (sandbox, project) = generated();
    let before = snapshot(&project);
    stackgen_in(&sandbox, &project, &["update", "--set", "http_port=huge"])
        .assert()
        .code(2)
        .stderr(contains("--set http_port=huge"));
    stackgen_in(&sandbox, &project, &["update", "--set", "colour=blue"])
        .assert()
        .code(2)
        .stderr(contains("has no setting named `colour`"));
    assert_eq!(snapshot(&project), before);
}

#[test]
fn new_commits_with_the_configured_identity_when_there_is_one() {
    let sandbox = Sandbox::new();
    let config = sandbox.join("gitconfig");
    std::fs::write(
        &config,
        "[user]\n\tname = Configured Person\n\temail = person@example.com\n",
    )
    .expect("write");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "-q"])
        .env("GIT_CONFIG_GLOBAL", &config)
        .assert()
        .success();
    let project = sandbox.join("my-api");
    assert_eq!(
        git(&project, &["log", "--format=%an <%ae>|%cn", "HEAD"]),
        "Configured Person <person@example.com>|Configured Person"
    );
    assert_eq!(
        git(&project, &["log", "--format=%an <%ae>", REF]),
        "Configured Person <person@example.com>"
    );
}
