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
