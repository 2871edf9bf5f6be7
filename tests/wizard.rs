//! The wizard's flow with scripted answers: every branch, and proof that every question it asks
//! has a flag, so whatever a person answers can be repeated without questions.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::CommandFactory;
use stackgen::cli::Cli;
use stackgen::preset::{self, LoadedPreset};
use stackgen::project_name::ProjectName;
use stackgen::prompt::{Answer, Check, PromptError, Prompter, QuestionId};
use stackgen::render;
use stackgen::settings::Override;
use stackgen::wizard::{self, Answers, Given, Outcome};

use crate::support::Sandbox;

/// One scripted reply to a question.
#[derive(Debug, Clone)]
enum Reply {
    /// Typed attempts, in order; the first that passes the check is the answer.
    Text(Vec<&'static str>),
    /// The item whose text starts with this.
    Pick(&'static str),
    Yes(bool),
    /// Esc.
    Cancel,
}

/// Answers from a script; a question without a scripted reply takes its default.
#[derive(Default)]
struct Script {
    replies: HashMap<QuestionId, Reply>,
    asked: Vec<QuestionId>,
    /// Messages the checks gave for refused attempts, per question.
    refusals: HashMap<QuestionId, Vec<String>>,
    shown: String,
}

impl Script {
    fn with(mut self, id: QuestionId, reply: Reply) -> Self {
        self.replies.insert(id, reply);
        self
    }

    fn reply(&mut self, id: &QuestionId) -> Option<Reply> {
        self.asked.push(id.clone());
        self.replies.get(id).cloned()
    }
}

impl Prompter for Script {
    fn text(
        &mut self,
        id: &QuestionId,
        _prompt: &str,
        default: Option<&str>,
        check: Check<'_>,
    ) -> Answer<String> {
        let attempts = match self.reply(id) {
            Some(Reply::Text(attempts)) => attempts.iter().map(|a| a.to_string()).collect(),
            Some(Reply::Cancel) => return Err(PromptError::Cancelled),
            None => vec![
                default
                    .expect("a question without a default needs a reply")
                    .to_string(),
            ],
            Some(other) => panic!("{id}: a text question got {other:?}"),
        };
        for attempt in attempts {
            match check(&attempt) {
                Ok(()) => return Ok(attempt),
                Err(message) => self.refusals.entry(id.clone()).or_default().push(message),
            }
        }
        panic!(
            "{id}: every scripted attempt was refused: {:?}",
            self.refusals[id]
        );
    }

    fn select(
        &mut self,
        id: &QuestionId,
        _prompt: &str,
        items: &[String],
        default: usize,
    ) -> Answer<usize> {
        match self.reply(id) {
            Some(Reply::Pick(start)) => Ok(items
                .iter()
                .position(|item| item.starts_with(start))
                .unwrap_or_else(|| panic!("{id}: no item starts with {start}: {items:?}"))),
            Some(Reply::Cancel) => Err(PromptError::Cancelled),
            None => Ok(default),
            Some(other) => panic!("{id}: a list got {other:?}"),
        }
    }

    fn confirm(&mut self, id: &QuestionId, _prompt: &str, default: bool) -> Answer<bool> {
        match self.reply(id) {
            Some(Reply::Yes(yes)) => Ok(yes),
            Some(Reply::Cancel) => Err(PromptError::Cancelled),
            None => Ok(default),
            Some(other) => panic!("{id}: a yes/no question got {other:?}"),
        }
    }

    fn show(&mut self, text: &str) -> Answer<()> {
        self.shown.push_str(text);
        Ok(())
    }
}

fn presets() -> Vec<LoadedPreset> {
    preset::all_embedded().expect("embedded presets")
}

fn generate(script: &mut Script, given: Given) -> Answers {
    match wizard::run(script, given, &presets()).expect("the wizard completes") {
        Outcome::Generate(answers) => *answers,
        Outcome::Declined => panic!("declined"),
    }
}

fn setting(key: &str) -> QuestionId {
    QuestionId::Setting(key.to_string())
}

#[test]
fn with_nothing_given_it_asks_everything_in_order_and_defaults_need_no_flags() {
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["billing-api"]))
        .with(QuestionId::Preset, Reply::Pick("cockroach-token-session"));
    let answers = generate(&mut script, Given::default());

    let preset = preset::load_embedded("cockroach-token-session").expect("preset");
    let mut expected = vec![QuestionId::Name, QuestionId::Preset];
    expected.extend(preset.preset.settings.iter().map(|s| setting(&s.key)));
    expected.extend([QuestionId::Directory, QuestionId::Confirm]);
    assert_eq!(script.asked, expected);

    assert_eq!(answers.dir, PathBuf::from("billing-api"));
    assert!(answers.overrides.is_empty());
    assert_eq!(
        wizard::equivalent_args(&answers),
        ["new", "billing-api", "--preset", "cockroach-token-session"]
    );
    for line in [
        "Project    billing-api",
        "Preset     cockroach-token-session",
        "Settings   http_port = 8080",
        "token_ttl_minutes = 480",
        "Directory  billing-api",
    ] {
        assert!(script.shown.contains(line), "{line:?} in {}", script.shown);
    }
}

#[test]
fn a_bad_name_is_refused_as_typed_with_the_flag_s_message_and_suggestion() {
    let mut script = Script::default()
        .with(
            QuestionId::Name,
            Reply::Text(vec!["My API", "self", "my-api"]),
        )
        .with(QuestionId::Preset, Reply::Pick("postgres-oauth2-jwt"));
    let answers = generate(&mut script, Given::default());
    assert_eq!(answers.request.name.as_str(), "my-api");
    let refusals = &script.refusals[&QuestionId::Name];
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    let flag_message = ProjectName::parse("My API")
        .expect_err("invalid")
        .to_string();
    assert_eq!(refusals[0], flag_message);
    assert!(
        refusals[0].contains("my-api"),
        "suggests a fix: {}",
        refusals[0]
    );
}

#[test]
fn answers_that_differ_from_defaults_become_set_flags_in_preset_order() {
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
        .with(QuestionId::Preset, Reply::Pick("postgres-oauth2-jwt"))
        .with(setting("log_format"), Reply::Pick("pretty"))
        .with(
            setting("http_port"),
            Reply::Text(vec!["0", "70000", "abc", "3000"]),
        )
        .with(setting("allow_registration"), Reply::Yes(false))
        .with(QuestionId::Directory, Reply::Text(vec!["services/my api"]));
    let answers = generate(&mut script, Given::default());

    let refusals = &script.refusals[&setting("http_port")];
    assert_eq!(
        refusals,
        &[
            "0 is below the minimum 1",
            "70000 is above the maximum 65535",
            "`abc` is not an integer",
        ]
    );
    let args = wizard::equivalent_args(&answers);
    assert_eq!(
        args,
        [
            "new",
            "my-api",
            "--preset",
            "postgres-oauth2-jwt",
            "--dir",
            "services/my api",
            "--set",
            "http_port=3000",
            "--set",
            "log_format=pretty",
            "--set",
            "allow_registration=false",
        ]
    );
    assert_eq!(
        wizard::command_line(&args),
        "stackgen new my-api --preset postgres-oauth2-jwt --dir 'services/my api' \
         --set http_port=3000 --set log_format=pretty --set allow_registration=false"
    );
}

#[test]
fn flags_already_given_are_not_asked_again() {
    let preset = preset::load_embedded("postgres-oauth2-jwt").expect("preset");
    let given = Given {
        name: None,
        preset: Some(preset.clone()),
        overrides: vec![Override {
            key: "bcrypt_cost".into(),
            value: "12".into(),
        }],
        dir: Some(PathBuf::from("elsewhere")),
        force: false,
    };
    let mut script = Script::default().with(QuestionId::Name, Reply::Text(vec!["my-api"]));
    let answers = generate(&mut script, given);
    assert!(!script.asked.contains(&QuestionId::Preset));
    assert!(!script.asked.contains(&QuestionId::Directory));
    assert!(!script.asked.contains(&setting("bcrypt_cost")));
    assert!(script.asked.contains(&setting("http_port")));
    assert_eq!(answers.dir, PathBuf::from("elsewhere"));
    let args = wizard::equivalent_args(&answers);
    assert!(
        args.windows(2).any(|w| w == ["--set", "bcrypt_cost=12"]),
        "{args:?}"
    );
}

#[test]
fn a_non_empty_directory_is_refused_unless_force_was_given() {
    let sandbox = Sandbox::new();
    let occupied = sandbox.join("occupied");
    std::fs::create_dir(&occupied).expect("mkdir");
    std::fs::write(occupied.join("notes.txt"), "mine").expect("write");
    let file = sandbox.join("a-file");
    std::fs::write(&file, "").expect("write");
    let occupied = Box::leak(occupied.display().to_string().into_boxed_str());
    let file = Box::leak(file.display().to_string().into_boxed_str());

    let free = Box::leak(sandbox.join("free").display().to_string().into_boxed_str());
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
        .with(
            QuestionId::Directory,
            Reply::Text(vec![occupied, file, free]),
        );
    let answers = generate(&mut script, Given::default());
    assert_eq!(answers.dir, PathBuf::from(&*free));
    let refusals = &script.refusals[&QuestionId::Directory];
    assert!(refusals[0].contains("is not empty"), "{refusals:?}");
    assert!(refusals[0].contains("--force"), "{refusals:?}");
    assert!(refusals[1].contains("is a file"), "{refusals:?}");

    let given = Given {
        force: true,
        ..Given::default()
    };
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
        .with(QuestionId::Directory, Reply::Text(vec![occupied]));
    let answers = generate(&mut script, given);
    assert!(wizard::equivalent_args(&answers).contains(&"--force".to_string()));
}

#[test]
fn saying_no_at_the_summary_generates_nothing() {
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
        .with(QuestionId::Confirm, Reply::Yes(false));
    let outcome = wizard::run(&mut script, Given::default(), &presets()).expect("runs");
    assert!(matches!(outcome, Outcome::Declined));
}

#[test]
fn esc_at_any_question_cancels_the_whole_wizard() {
    let preset = preset::load_embedded("cockroach-token-session").expect("preset");
    let mut every_question = vec![QuestionId::Name, QuestionId::Preset];
    every_question.extend(preset.preset.settings.iter().map(|s| setting(&s.key)));
    every_question.extend([QuestionId::Directory, QuestionId::Confirm]);
    for question in every_question {
        let mut script = Script::default()
            .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
            .with(QuestionId::Preset, Reply::Pick("cockroach-token-session"))
            .with(question.clone(), Reply::Cancel);
        let err = wizard::run(&mut script, Given::default(), &presets()).expect_err("cancelled");
        assert!(
            matches!(err.downcast_ref(), Some(PromptError::Cancelled)),
            "{question}: {err}"
        );
        assert_eq!(script.asked.last(), Some(&question));
    }
}

#[test]
fn a_bad_set_for_the_chosen_preset_is_refused_before_its_settings_are_asked() {
    let given = Given {
        overrides: vec![Override {
            key: "http_port".into(),
            value: "nope".into(),
        }],
        ..Given::default()
    };
    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
        .with(QuestionId::Preset, Reply::Pick("postgres-oauth2-jwt"));
    let err = wizard::run(&mut script, given, &presets()).expect_err("refused");
    assert!(err.to_string().contains("--set http_port=nope"), "{err}");
    assert_eq!(script.asked, [QuestionId::Name, QuestionId::Preset]);
}

/// Every question maps to an argument of `stackgen new`, and the printed command line gives
/// byte for byte the project the wizard's answers describe.
#[test]
fn every_question_has_a_flag_and_the_equivalent_command_reproduces_the_project() {
    let new = Cli::command()
        .find_subcommand("new")
        .cloned()
        .expect("a new subcommand");
    let argument = |id: &str| {
        new.get_arguments()
            .find(|arg| arg.get_id() == id)
            .unwrap_or_else(|| panic!("stackgen new has no `{id}` argument"))
            .clone()
    };
    for preset in presets() {
        let name = preset.preset.name.clone();
        let mut script = Script::default()
            .with(QuestionId::Name, Reply::Text(vec!["my-api"]))
            .with(
                QuestionId::Preset,
                Reply::Pick(Box::leak(name.clone().into_boxed_str())),
            );
        generate(&mut script, Given::default());
        for question in &script.asked {
            match question {
                QuestionId::Name => assert!(argument("name").is_positional()),
                QuestionId::Preset => assert_eq!(argument("preset").get_long(), Some("preset")),
                QuestionId::Directory => assert_eq!(argument("dir").get_long(), Some("dir")),
                QuestionId::Setting(key) => {
                    assert_eq!(argument("set").get_long(), Some("set"));
                    assert!(
                        preset.preset.settings.iter().any(|s| &s.key == key),
                        "{name}: --set {key}=... must be accepted"
                    );
                }
                // Without questions there is nothing to confirm; --no-input says so.
                QuestionId::Confirm => {
                    assert_eq!(argument("no_input").get_long(), Some("no-input"))
                }
            }
        }
    }

    let mut script = Script::default()
        .with(QuestionId::Name, Reply::Text(vec!["shop-api"]))
        .with(QuestionId::Preset, Reply::Pick("cockroach-token-session"))
        .with(setting("http_port"), Reply::Text(vec!["3000"]))
        .with(setting("allow_registration"), Reply::Yes(false))
        .with(setting("log_format"), Reply::Pick("pretty"))
        .with(QuestionId::Directory, Reply::Text(vec!["out/shop api"]));
    let answers = generate(&mut script, Given::default());
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(wizard::equivalent_args(&answers))
        .arg("--no-input")
        .assert()
        .success();
    let expected = render::render(&answers.request).expect("renders");
    for (path, bytes) in expected.files() {
        let on_disk = std::fs::read(sandbox.join("out/shop api").join(path)).expect(path);
        assert_eq!(on_disk, bytes, "{path}");
    }
}
