//! The README cannot drift from the program: every ```yaml block in it is a config
//! that validates (fragments, marked `# fragment`, once the sections they leave out
//! are added), every key of the schema is documented, and so is every exit code.

pub mod support;

use std::path::Path;

use feedletter::ExitStatus;
use feedletter::config::{self, ConfigError};
use support::repo_root;

fn readme() -> String {
    std::fs::read_to_string(repo_root().join("README.md")).expect("README.md")
}

/// `(line of the opening fence, block text)` for each ```yaml block.
fn yaml_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```yaml" => current = Some((i + 1, String::new())),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "unclosed ```yaml block");
    blocks
}

/// A fragment plus the required sections it does not have itself.
fn complete(fragment: &str) -> String {
    let has = |section: &str| fragment.lines().any(|l| l.starts_with(section));
    let mut text = fragment.to_string();
    if !has("feeds:") {
        text.push_str("feeds:\n  - url: https://example.com/feed.xml\n");
    }
    if !has("digests:") {
        text.push_str("digests:\n  daily:\n    to: [me@example.com]\n");
    }
    text
}

#[test]
fn every_yaml_block_in_the_readme_is_a_valid_config() {
    let readme = readme();
    let blocks = yaml_blocks(&readme);
    assert!(blocks.len() >= 3, "found only {} yaml blocks", blocks.len());
    let mut fragments = 0;
    for (line, block) in &blocks {
        let text = if block.starts_with("# fragment") {
            fragments += 1;
            complete(block)
        } else {
            block.clone()
        };
        // Anchored at the repository root, where `templates/` exists.
        if let Err(e) = config::parse(&repo_root().join("feeds.yaml"), &text) {
            panic!("the yaml block at README.md:{line} is not a valid config:\n{e}\n{text}");
        }
    }
    assert!(
        fragments < blocks.len(),
        "at least one block is a whole config"
    );
}

/// The keys one section accepts, as serde lists them when it meets an unknown one.
fn keys_of(section_with_unknown_key: &str) -> Vec<String> {
    let text = complete(section_with_unknown_key);
    let problems = match config::parse(Path::new("feeds.yaml"), &text) {
        Err(ConfigError::Invalid { problems, .. }) => problems,
        other => panic!("expected an unknown-field error, got {other:?}"),
    };
    let message = &problems
        .iter()
        .find(|p| p.message.contains("unknown field"))
        .expect("an unknown-field problem")
        .message;
    let list = message
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("no key list in {message:?}"));
    list.split(',')
        .map(|k| k.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_readme_documents_every_config_key() {
    let readme = readme();
    let sections = [
        "zzz_unknown: 1\n",
        "fetch:\n  zzz_unknown: 1\n",
        "feeds:\n  - url: https://example.com/feed.xml\n    zzz_unknown: 1\n",
        "digests:\n  daily:\n    to: [me@example.com]\n    zzz_unknown: 1\n",
        "digests:\n  daily:\n    to: [me@example.com]\n    tags: { zzz_unknown: [] }\n",
        "smtp:\n  zzz_unknown: 1\n",
    ];
    for section in sections {
        let keys = keys_of(section);
        assert!(keys.len() > 1, "{section}: {keys:?}");
        for key in keys {
            assert!(
                readme.contains(&format!("`{key}`")) || readme.contains(&format!("`{key}.")),
                "README.md does not document `{key}` (from {section:?})"
            );
        }
    }
}

#[test]
fn the_readme_lists_every_exit_code() {
    let readme = readme();
    for status in [
        ExitStatus::Success,
        ExitStatus::Failure,
        ExitStatus::Usage,
        ExitStatus::Locked,
    ] {
        let row = format!("| {} |", status as u8);
        assert!(readme.contains(&row), "no row for exit code {status:?}");
    }
}
