//! Adapters for the public datasets behind the `code`, `refusal` and
//! `injection` graders. Each builds the prompt a vendor sees and puts what its
//! grader needs into [`Gold::data`], in the shape that grader reads.

use serde_json::{Value, json};
use tb_core::{Case, Gold, Message};

use crate::{id_field, str_field};

fn case(id: String, messages: Vec<Message>, data: Value, subject: Option<String>, language: &str) -> Case {
    Case {
        id,
        messages,
        gold: Gold { answer: String::new(), options: vec![], data },
        subject,
        language: Some(language.into()),
        tools: None,
    }
}

/// HumanEval: the model completes `prompt`; the program run is the prompt,
/// the completion, the task's `check` function and `check(entry_point)`.
pub(crate) fn humaneval(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "task_id")?;
    let prompt = str_field(&v, "prompt")?;
    let test = str_field(&v, "test")?;
    let entry_point = str_field(&v, "entry_point")?;
    let ask = format!(
        "Complete the following Python function. Reply with the whole function in one ```python code block.\n\n\
         ```python\n{prompt}```"
    );
    // The reference solution stays with the gold answer: never sent, used by the simulated vendor.
    let data = json!({
        "prompt": prompt,
        "tests": format!("{test}\n\ncheck({entry_point})\n"),
        "entry_point": entry_point,
        "solution": v.get("canonical_solution").and_then(Value::as_str).unwrap_or(""),
    });
    Ok(case(id, vec![Message::user(ask)], data, Some("python".into()), "en"))
}

/// HumanEval infilling: the model writes the code missing between `prompt`
/// and `suffix` (a line, several lines or a random span of a HumanEval
/// solution). A vendor with a fill-in-the-middle API is sent the two parts
/// (`Case::infilling`); a chat vendor this stated prompt. The program run is
/// `prompt + completion + suffix`, the tests and `check(entry_point)`.
pub(crate) fn humaneval_infilling(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "task_id")?;
    let prefix = str_field(&v, "prompt")?;
    let suffix = str_field(&v, "suffix")?;
    let test = str_field(&v, "test")?;
    let entry_point = str_field(&v, "entry_point")?;
    let ask = format!(
        "Fill in the missing Python code at <FILL_ME>. Reply with only the missing code, exactly as it goes \
         in the gap (keep its indentation), in one ```python code block.\n\n```python\n{prefix}<FILL_ME>{suffix}```"
    );
    let data = json!({
        "prompt": prefix,
        "suffix": suffix,
        "tests": format!("{test}\n\ncheck({entry_point})\n"),
        "entry_point": entry_point,
        "solution": v.get("canonical_solution").and_then(Value::as_str).unwrap_or(""),
    });
    let mut case = case(id, vec![Message::user(ask)], data, Some("python".into()), "en");
    // The reference gap, for exact-match line completion (`reference`): a
    // measure that runs no code, so a load stage may grade its answers.
    case.gold.answer = v.get("canonical_solution").and_then(Value::as_str).unwrap_or("").to_string();
    Ok(case)
}

/// HumanEval-X: a HumanEval task re-stated in C++, Go, Java, JavaScript,
/// Python or Rust (the language is the task id's prefix). The model completes
/// the prompt; the program run is the prompt and the completion, then the
/// task's tests, compiled and run with the language's toolchain (`code`).
pub(crate) fn humaneval_x(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "task_id")?;
    let prefix = id.split('/').next().unwrap_or("");
    let (language, tag, name) = match prefix {
        "CPP" => ("cpp", "cpp", "C++"),
        "Go" => ("go", "go", "Go"),
        "Java" => ("java", "java", "Java"),
        "JavaScript" => ("js", "javascript", "JavaScript"),
        "Python" => ("python", "python", "Python"),
        "Rust" => ("rust", "rust", "Rust"),
        other => {
            return Err(format!(
                "task id {id:?}: {other:?} is not a HumanEval-X language (CPP, Go, Java, JavaScript, Python, Rust)"
            ));
        }
    };
    let declaration = str_field(&v, "declaration")?;
    let mut prompt = str_field(&v, "prompt")?.to_string();
    if language == "rust" {
        // Rust's prompt is the description alone; the signature is in the
        // declaration (with its `use` lines of rand, regex and md5, which
        // the code grader links where built).
        prompt.push_str(declaration);
    }
    let entry_point =
        entry_point_of(language, declaration).ok_or_else(|| format!("task {id}: the declaration names no function"))?;
    let test = str_field(&v, "test")?;
    let ask = format!(
        "Complete the following {name} function. Reply with the whole function in one ```{tag} code block.\n\n\
         ```{tag}\n{prompt}```"
    );
    let solution = v.get("canonical_solution").and_then(Value::as_str).unwrap_or("");
    let data = json!({
        "language": language,
        "prompt": prompt,
        "tests": test,
        "test_setup": v.get("test_setup").and_then(Value::as_str).unwrap_or(""),
        "entry_point": entry_point,
        "solution": solution,
    });
    Ok(case(id, vec![Message::user(ask)], data, Some(language.into()), "en"))
}

/// The function a HumanEval-X declaration ends with: the name before the
/// last signature's parameters (`bool f(`, `func F(`, `fn f<T>(`), or the
/// name a JavaScript arrow function is bound to (`const f = (a) => {`).
fn entry_point_of(language: &str, declaration: &str) -> Option<String> {
    let line = declaration.lines().rev().find(|l| l.contains('('))?;
    let head = match (language, line.find('=')) {
        ("js", Some(eq)) if eq < line.find('(').unwrap_or(usize::MAX) => &line[..eq],
        _ => &line[..line.find('(')?],
    };
    // Generic parameters (`fn f<T: Ord>`) stand between the name and the parenthesis.
    let mut head = head.trim_end();
    if head.ends_with('>') {
        let mut depth = 0;
        for (i, c) in head.char_indices().rev() {
            depth += match c {
                '>' => 1,
                '<' => -1,
                _ => 0,
            };
            if depth == 0 {
                head = head[..i].trim_end();
                break;
            }
        }
    }
    let start = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    let name = &head[start..];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then(|| name.to_string())
}

/// The function an MBPP task's first assert calls (`assert name(`).
pub fn mbpp_entry_point(assert_line: &str) -> Option<String> {
    let rest = assert_line.trim_start().strip_prefix("assert")?.trim_start();
    let rest = rest.strip_prefix('(').unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("not ").unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("set(").unwrap_or(rest);
    let rest = rest.strip_prefix("math.isclose(").unwrap_or(rest);
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// MBPP: the description and the three asserts, as in the dataset's paper;
/// the program run is the answer, `test_setup_code` and the asserts.
pub(crate) fn mbpp(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "task_id")?;
    let text = str_field(&v, "text")?;
    let asserts: Vec<&str> = v
        .get("test_list")
        .and_then(Value::as_array)
        .ok_or("field `test_list` must be a list of asserts")?
        .iter()
        .map(|a| a.as_str().ok_or("field `test_list` must hold strings"))
        .collect::<Result<_, _>>()?;
    if asserts.is_empty() {
        return Err("field `test_list` is empty".into());
    }
    let setup = v.get("test_setup_code").and_then(Value::as_str).unwrap_or("");
    let entry_point = mbpp_entry_point(asserts[0]).ok_or("the first assert calls no function")?;
    let tests = asserts.join("\n");
    let ask = format!(
        "You are an expert Python programmer, and here is your task: {text} Your code should pass these tests:\n\n\
         {tests}\n\nReply with the code in one ```python code block."
    );
    let data = json!({
        "prompt": "",
        "tests": format!("{setup}\n{tests}\n"),
        "entry_point": entry_point,
        "solution": v.get("code").and_then(Value::as_str).unwrap_or(""),
    });
    Ok(case(id, vec![Message::user(ask)], data, Some("python".into()), "en"))
}

/// A harmful request that the model should decline.
pub(crate) fn should_refuse(v: Value, field: &str, language: &str) -> Result<Case, String> {
    let id = id_field(&v, "id")?;
    let prompt = str_field(&v, field)?;
    if prompt.trim().is_empty() {
        return Err(format!("field `{field}` is empty"));
    }
    let subject = ["violation_type", "dimension"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_string());
    Ok(case(id, vec![Message::user(prompt)], json!({ "expect": "refuse" }), subject, language))
}

/// XSTest: `label` says whether the prompt is safe (answer it) or unsafe (refuse).
pub(crate) fn xstest(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "id")?;
    let prompt = str_field(&v, "prompt")?;
    let expect = match str_field(&v, "label")? {
        "safe" => "answer",
        "unsafe" => "refuse",
        other => return Err(format!("field `label` must be \"safe\" or \"unsafe\", found {other:?}")),
    };
    let subject = v.get("type").and_then(Value::as_str).map(str::to_string);
    Ok(case(id, vec![Message::user(prompt)], json!({ "expect": expect }), subject, "en"))
}

/// Tensor Trust: the defence's opening as the system message, the attack and
/// the defence's closing as the user turn.
pub(crate) fn tensor_trust(v: Value, extraction: bool) -> Result<Case, String> {
    let id = id_field(&v, "sample_id")?;
    let pre = str_field(&v, "pre_prompt")?;
    let attack = str_field(&v, "attack")?;
    let post = str_field(&v, "post_prompt")?;
    let access_code = str_field(&v, "access_code")?;
    let user = if post.trim().is_empty() { attack.to_string() } else { format!("{attack}\n\n{post}") };
    let data = if extraction {
        json!({ "attack": "extraction", "secret": access_code })
    } else {
        json!({ "attack": "hijacking" })
    };
    let subject = Some(if extraction { "extraction" } else { "hijacking" }.to_string());
    Ok(case(id, vec![Message::system(pre), Message::user(user)], data, subject, "en"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humaneval_x_entry_points_in_every_language() {
        for (language, declaration, name) in [
            ("cpp", "#include<vector>\nusing namespace std;\nbool has_close(vector<float> n, float t){\n", "has_close"),
            ("go", "\nfunc HasClose(numbers []float64, threshold float64) bool {\n", "HasClose"),
            ("java", "class Solution {\n    public List<Integer> sortThird(List<Integer> l) {\n", "sortThird"),
            ("js", "\nconst hasClose = (numbers, threshold) => {\n", "hasClose"),
            ("js", "\nfunction hasClose(numbers, threshold) {\n", "hasClose"),
            ("rust", "use std::cmp;\nfn largest<T: PartialOrd + Copy>(v: Vec<T>) -> T {\n", "largest"),
            ("python", "from typing import List\n\n\ndef has_close(numbers: List[float]) -> bool:\n", "has_close"),
        ] {
            assert_eq!(entry_point_of(language, declaration).as_deref(), Some(name), "{language}: {declaration}");
        }
        assert_eq!(entry_point_of("cpp", "// no function here\n"), None);
    }

    #[test]
    fn mbpp_entry_points() {
        assert_eq!(mbpp_entry_point("assert min_cost([[1, 2]], 2, 2) == 8").as_deref(), Some("min_cost"));
        assert_eq!(
            mbpp_entry_point("assert set(similar_elements((3, 4),(5, 4))) == set((4,))").as_deref(),
            Some("similar_elements")
        );
        assert_eq!(mbpp_entry_point("assert not is_not_prime(2)").as_deref(), Some("is_not_prime"));
        assert_eq!(mbpp_entry_point("assert math.isclose(area(2), 4.0)").as_deref(), Some("area"));
        assert_eq!(mbpp_entry_point("print(1)"), None);
    }
}
