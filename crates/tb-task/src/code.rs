//! The programming environment's interface (`env = "code"`): its tools and
//! the system prompt a task's case opens with. The repository they act on
//! runs its tests in the sandbox and is `tb_agent::code::Repo`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::env::function;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Python,
    Rust,
    /// JUnit 5 tests under `tests/`, sources under `src/`.
    Java,
    /// `node:test` tests (`tests/**/*.test.js`), CommonJS sources under `src/`.
    #[serde(rename = "javascript", alias = "js")]
    JavaScript,
}

pub fn tools() -> Value {
    let path = json!({ "type": "string", "description": "A path relative to the repository root" });
    Value::Array(vec![
        function("list_files", "Lists the repository's files.", json!({}), &[]),
        function("read_file", "Returns a file's content.", json!({ "path": path }), &["path"]),
        function(
            "write_file",
            "Replaces (or creates) a file with the given content. Test files may not be changed.",
            json!({ "path": path, "content": { "type": "string", "description": "The whole new content" } }),
            &["path", "content"],
        ),
        function(
            "run_tests",
            "Runs the repository's tests and returns whether they passed, with their output.",
            json!({}),
            &[],
        ),
    ])
}

pub fn system_prompt(zh: bool) -> String {
    if zh {
        "你是一名编程助手，在一个代码仓库中工作。使用工具查看文件、修改代码并运行测试。不得修改测试文件。完成后用一句话说明你的修改。".into()
    } else {
        "You are a programming assistant working in a code repository. Use the tools to read files, change the code and \
         run the tests. Never change the test files. When done, say in one sentence what you changed."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn languages_read_as_the_suite_names_them() {
        let read = |s: &str| serde_json::from_str::<Lang>(&format!("\"{s}\"")).ok();
        assert_eq!(read("java"), Some(Lang::Java));
        assert_eq!(read("javascript"), Some(Lang::JavaScript));
        assert_eq!(read("js"), Some(Lang::JavaScript));
        assert_eq!(read("rust"), Some(Lang::Rust));
        assert_eq!(read("java_script"), None);
        assert_eq!(serde_json::to_string(&Lang::JavaScript).unwrap(), "\"javascript\"");
    }
}
