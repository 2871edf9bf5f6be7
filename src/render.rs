//! Rendering: overlay a preset's template layers and turn them into an in-memory file tree.
//!
//! Nothing here touches the disk: templates come from the binary, output is a map of relative
//! paths to bytes, and the same request always gives the same bytes.

use std::collections::BTreeMap;

use heck::{ToKebabCase, ToPascalCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase};
use include_dir::{Dir, DirEntry};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::composition::{self, Composition, CompositionError, Layer};
use crate::context::Request;
use crate::embedded::{self, TEMPLATES};
use crate::layer::{self, LayerError, LayerManifest};
use crate::lockfile::{self, LockfileError};
use crate::manifest::{self, Manifest};
use crate::tree;

/// Suffix of files that are rendered; every other file is copied byte for byte.
const TEMPLATE_SUFFIX: &str = ".j2";

/// A rendered project: relative paths (always `/`-separated) to file contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    files: BTreeMap<String, Vec<u8>>,
}

impl Rendered {
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Template(String),
    #[error("layer `{layer}` has both `{path}` and `{path}{TEMPLATE_SUFFIX}`; keep one")]
    Ambiguous { layer: String, path: String },
    #[error("the preset renders no file named `{0}`")]
    NoSuchFile(String),
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error(transparent)]
    Composition(#[from] CompositionError),
    #[error("layer export `{name}` is not what stackgen expects: {problem}")]
    Export { name: String, problem: String },
    #[error(transparent)]
    Lockfile(#[from] LockfileError),
    #[error("cannot write .stackgen.yaml: {0}")]
    Manifest(#[from] yaml_serde::Error),
}

/// Where one output file comes from.
#[derive(Debug, Clone)]
struct Source {
    /// Path under `templates/`, e.g. `base/src/main.rs.j2`.
    template: String,
    rendered: bool,
}

/// A request with its layers composed: everything needed to produce any of its files.
pub struct Blueprint<'r> {
    request: &'r Request,
    composition: Composition,
    context: Value,
    sources: BTreeMap<String, Source>,
    env: Environment<'static>,
}

impl<'r> Blueprint<'r> {
    /// Reads and merges the manifests of the request's layers.
    pub fn new(request: &'r Request) -> Result<Self, RenderError> {
        let env = environment();
        let layers = &request.preset.preset.layers;
        // Manifests may use each other's exports (the base's `DB_PORT` default is the database
        // layer's port), so they are read twice: once to collect the exports, then with them.
        // The first pass sees no exports yet; only its exports are kept, so what it cannot
        // resolve renders empty instead of failing.
        let mut lenient = environment();
        lenient.set_undefined_behavior(UndefinedBehavior::Chainable);
        let first = read_manifests(&lenient, layers, &Value::from(Serde(request.context())))?;
        let exports = composition::exports(&as_layers(layers, &first))?;
        let manifests = read_manifests(&env, layers, &manifest_context(request, &exports))?;
        let composition = composition::compose(&as_layers(layers, &manifests))?;
        if let Some(name) = composition
            .exports
            .iter()
            .find(|(name, value)| exports.get(*name) != Some(*value))
            .map(|(name, _)| name.clone())
        {
            return Err(RenderError::Export {
                name,
                problem: "it reads another export; an export may use only `project`, `preset`, \
                          `api` and `settings`"
                    .to_owned(),
            });
        }
        let sources = overlay(layers)?;
        let context = full_context(request, &composition, &test_modules(&sources));
        Ok(Self {
            request,
            sources,
            composition,
            context,
            env,
        })
    }

    /// A value a layer exports, read as `T`.
    pub fn export<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, RenderError> {
        let value = self
            .composition
            .exports
            .get(name)
            .ok_or_else(|| RenderError::Export {
                name: name.to_owned(),
                problem: "no layer of this preset exports it".to_owned(),
            })?;
        serde_json::from_value(value.clone()).map_err(|err| RenderError::Export {
            name: name.to_owned(),
            problem: err.to_string(),
        })
    }

    /// Renders the whole project.
    pub fn render(&self) -> Result<Rendered, RenderError> {
        let mut files = BTreeMap::new();
        for (path, source) in &self.sources {
            if let Some(bytes) = self.produce(path, source)? {
                files.insert(path.clone(), bytes);
            }
        }
        let manifest = Manifest::of(self.request).to_yaml()?;
        files.insert(manifest::FILE_NAME.to_string(), manifest.into_bytes());
        Ok(Rendered { files })
    }

    /// Renders a single output file, without rendering anything else.
    pub fn render_one(&self, path: &str) -> Result<Vec<u8>, RenderError> {
        let source = self
            .sources
            .get(path)
            .ok_or_else(|| RenderError::NoSuchFile(path.to_string()))?;
        self.produce(path, source)?
            .ok_or_else(|| RenderError::NoSuchFile(path.to_string()))
    }

    /// One output file's bytes, or `None` when its template renders to nothing but
    /// whitespace: a shared file such as `src/models/mod.rs` is written only when some layer
    /// contributes to it.
    fn produce(&self, path: &str, source: &Source) -> Result<Option<Vec<u8>>, RenderError> {
        if !source.rendered {
            return Ok(Some(
                embedded::template_bytes(&source.template)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            ));
        }
        let text = self
            .env
            .get_template(&source.template)
            .and_then(|template| template.render(&self.context))
            .map_err(|err| RenderError::Template(describe(&err)))?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        if path == "Cargo.lock" {
            let placed = lockfile::place_root_package(&text, self.request.name.as_str())?;
            return Ok(Some(placed.into_bytes()));
        }
        Ok(Some(text.into_bytes()))
    }
}

fn read_manifests(
    env: &Environment<'static>,
    layers: &[String],
    context: &Value,
) -> Result<Vec<LayerManifest>, RenderError> {
    layers
        .iter()
        .map(|layer| {
            let source = layer::manifest_source(layer)?;
            let name = format!("{layer}/{}", layer::MANIFEST);
            let text = env
                .render_named_str(&name, source, context)
                .map_err(|err| LayerError::Template {
                    message: describe(&err),
                })?;
            Ok(layer::parse(layer, &text)?)
        })
        .collect()
}

fn as_layers<'a>(names: &'a [String], manifests: &'a [LayerManifest]) -> Vec<Layer<'a>> {
    names
        .iter()
        .zip(manifests)
        .map(|(name, manifest)| Layer { name, manifest })
        .collect()
}

/// What a manifest may read: the base context and every layer's exports.
fn manifest_context(request: &Request, exports: &BTreeMap<String, serde_json::Value>) -> Value {
    Value::from(base_values(request, exports))
}

fn base_values(
    request: &Request,
    exports: &BTreeMap<String, serde_json::Value>,
) -> BTreeMap<String, Value> {
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    let context = request.context();
    values.insert("project".into(), Value::from(Serde(&context.project)));
    values.insert("preset".into(), Value::from(Serde(&context.preset)));
    values.insert("api".into(), Value::from(Serde(&context.api)));
    values.insert("settings".into(), Value::from(Serde(context.settings)));
    values.insert("stackgen".into(), Value::from(Serde(&context.stackgen)));
    for (name, value) in exports {
        values.insert(name.clone(), Value::from(Serde(value)));
    }
    values
}

/// Renders the whole project.
pub fn render(request: &Request) -> Result<Rendered, RenderError> {
    Blueprint::new(request)?.render()
}

/// Renders a single output file, without rendering anything else.
pub fn render_one(request: &Request, path: &str) -> Result<Vec<u8>, RenderError> {
    Blueprint::new(request)?.render_one(path)
}

/// The base context plus what the layers contribute: `layers`, `cargo`, `modules`,
/// `environment`, `uses`, `test_modules`, `slots`, and every export under its own name.
fn full_context(request: &Request, composition: &Composition, test_modules: &[String]) -> Value {
    let layered = [
        ("layers", Value::from(Serde(&composition.layers))),
        ("cargo", Value::from(Serde(&composition.cargo))),
        ("modules", Value::from(Serde(&composition.modules))),
        ("environment", Value::from(Serde(&composition.environment))),
        ("uses", Value::from(Serde(&composition.uses))),
        ("test_modules", Value::from(Serde(test_modules))),
        ("slots", Value::from(Serde(&composition.slots))),
    ];
    let mut values = base_values(request, &composition.exports);
    values.extend(layered.map(|(key, value)| (key.to_owned(), value)));
    Value::from(values)
}

/// Where the integration tests live: every `tests/api/<name>.rs` but the binary's root is one
/// of its modules, whichever layer brought it.
const TEST_ROOT: &str = "tests/api/";

/// The integration-test modules the layers bring, sorted.
fn test_modules(sources: &BTreeMap<String, Source>) -> Vec<String> {
    sources
        .keys()
        .filter_map(|path| path.strip_prefix(TEST_ROOT)?.strip_suffix(".rs"))
        .filter(|name| *name != "main" && !name.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// Which template produces each output path, later layers replacing earlier ones. A layer's
/// manifest and slot pieces are read by stackgen, not written out.
fn overlay(layers: &[String]) -> Result<BTreeMap<String, Source>, RenderError> {
    let mut sources = BTreeMap::new();
    for layer in layers {
        let Some(dir) = TEMPLATES.get_dir(layer.as_str()) else {
            return Err(LayerError::Unknown(layer.clone()).into());
        };
        let mut own = BTreeMap::new();
        collect_files(dir, &mut |template: &str| {
            let relative = template
                .strip_prefix(layer.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(template);
            if layer::is_machinery(relative) {
                return Ok(());
            }
            let (path, rendered) = match relative.strip_suffix(TEMPLATE_SUFFIX) {
                Some(path) => (path.to_string(), true),
                None => (relative.to_string(), false),
            };
            let source = Source {
                template: template.to_string(),
                rendered,
            };
            if own.insert(path.clone(), source).is_some() {
                return Err(RenderError::Ambiguous {
                    layer: layer.clone(),
                    path,
                });
            }
            Ok(())
        })?;
        sources.extend(own);
    }
    Ok(sources)
}

fn collect_files(
    dir: &Dir<'static>,
    visit: &mut dyn FnMut(&str) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(child) => collect_files(child, visit)?,
            DirEntry::File(file) => {
                if let Some(path) = file.path().to_str() {
                    visit(path)?;
                }
            }
        }
    }
    Ok(())
}

/// The template engine: strict about undefined values, no HTML escaping, readable whitespace.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_loader(|name| Ok(embedded::template_source(name).map(String::from)));
    env.add_filter("snake_case", |s: String| s.to_snake_case());
    env.add_filter("kebab_case", |s: String| s.to_kebab_case());
    env.add_filter("pascal_case", |s: String| s.to_pascal_case());
    env.add_filter("shouty_snake_case", |s: String| s.to_shouty_snake_case());
    env.add_filter("title_case", |s: String| s.to_title_case());
    // `[[path, comment], …] | file_tree`: CLAUDE.md's tree, see `tree::draw_annotated`.
    // `[text, …] | annotated_paths`: layer pieces' `path  # comment` lines as `[path, comment]`.
    env.add_filter("annotated_paths", |chunks: Vec<String>| {
        tree::parse_annotated(chunks.iter().map(String::as_str))
            .into_iter()
            .map(|(path, comment)| vec![path, comment])
            .collect::<Vec<_>>()
    });
    // `[[path, comment], …] | merged_paths`: sorted by path, an entry named twice once.
    env.add_filter("merged_paths", |entries: Vec<Vec<String>>| {
        tree::merge_annotated(entries.iter().map(|entry| {
            let part = |i: usize| entry.get(i).map_or("", String::as_str);
            (part(0), part(1))
        }))
        .into_iter()
        .map(|(path, comment)| vec![path, comment])
        .collect::<Vec<_>>()
    });
    env.add_filter("file_tree", |entries: Vec<Vec<String>>| {
        tree::draw_annotated(entries.iter().map(|entry| {
            let part = |i: usize| entry.get(i).map_or("", String::as_str);
            (part(0), part(1))
        }))
    });
    env
}

/// A template error with its file, line and the chain of causes.
fn describe(err: &minijinja::Error) -> String {
    let mut text = match (err.name(), err.line()) {
        (Some(name), Some(line)) => format!("templates/{name}:{line}: {}", err.kind()),
        (Some(name), None) => format!("templates/{name}: {}", err.kind()),
        _ => err.kind().to_string(),
    };
    if let Some(detail) = err.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        text.push_str(&format!("\n  caused by: {inner}"));
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(source: &str) -> Result<String, minijinja::Error> {
        let env = environment();
        let ctx = minijinja::context! { project => minijinja::context! { name => "my-api" } };
        env.render_str(source, ctx)
    }

    #[test]
    fn undefined_variables_are_errors_not_empty_strings() {
        let err = render_str("{{ project.nmae }}").expect_err("strict undefined");
        assert_eq!(err.kind(), minijinja::ErrorKind::UndefinedError);
        assert!(render_str("{{ missing }}").is_err());
    }

    #[test]
    fn case_filters_follow_heck() {
        let out = render_str(
            "{{ project.name | snake_case }} {{ project.name | pascal_case }} \
             {{ project.name | shouty_snake_case }} {{ project.name | title_case }} \
             {{ 'My Api' | kebab_case }}",
        )
        .expect("renders");
        assert_eq!(out, "my_api MyApi MY_API My Api my-api");
    }

    #[test]
    fn html_is_not_escaped_and_block_lines_leave_no_trace() {
        let out = render_str("{% if true %}\n<a & b>\n{% endif %}\n").expect("renders");
        assert_eq!(out, "<a & b>\n");
    }
}
