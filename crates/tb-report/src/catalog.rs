//! The one message catalog: the words every output shows (the report, the
//! rules chapter, the dashboard, the evaluation report, the terminal), by
//! key, in zh-CN and en, in tables of (key, zh, en). A typed table rather
//! than Fluent: two languages, no plural or gender forms to select, keys
//! checked by tests rather than at run time, and no runtime or build cost.
//! The report templates' labels are typed structs (`render.rs`,
//! `render_load.rs`, `agents.rs`), one value per language, which the
//! compiler keeps complete.
//!
//! Every table is in [`TABLES`]; the test below holds each to the rules: a
//! key once in the whole catalog, Chinese text in Chinese, English in ASCII.

use tb_core::GraderKind;

use crate::Lang;

/// The one glossary of the codes outputs show and of the procurement terms
/// they use: (code, zh, en). The report, the dashboard and the evaluation
/// report name things through it, so a code never reaches a reader raw and
/// one thing has one name (投标人, never 供应商; 综合得分, never 总分).
pub const GLOSSARY: &[(&str, &str, &str)] = &[
    // Run statuses.
    ("running", "运行中", "running"),
    ("interrupted", "已中断", "interrupted"),
    ("finished", "已完成", "finished"),
    // Procurement kinds.
    ("services", "服务", "services"),
    ("goods", "货物", "goods"),
    // Why a bid is not valid, and remarks on a bid.
    ("failed_gates", "未通过门槛", "failed a gate"),
    ("incomplete", "作答缺失", "answers missing"),
    ("evaluation_pending", "评审专家打分未完成", "evaluators' scores pending"),
    ("abnormally_low_unjustified", "报价异常低且说明未被接受", "abnormally low price, justification not accepted"),
    ("abnormally_low", "报价异常低", "abnormally low price"),
    ("ranked_by_lot", "抽签确定名次", "placed by lot"),
    // Audit log entries.
    ("run_started", "测评开始", "run started"),
    ("run_resumed", "测评继续", "run resumed"),
    ("journal_replayed", "从作答日志补存", "answers recovered from the journal"),
    ("run_finished", "测评完成", "run finished"),
    ("run_interrupted", "测评中断", "run interrupted"),
    ("cell_answered", "作答记录", "answer recorded"),
    ("checkpoint", "签名检查点", "signed checkpoint"),
    ("report_signed", "报告签名", "report signed"),
    ("report_regraded", "报告重新签名", "report signed again"),
    ("blind_mapping_sealed", "盲评对应关系密封", "blind mapping sealed"),
    ("mapping_revealed", "揭晓投标人名称", "bidders' names revealed"),
    ("vendor_budget_reached", "投标人测评费用达到上限", "bidder's budget reached"),
    ("evaluator_score", "评审专家打分", "evaluator's score"),
    ("price_justification", "异常低价说明的决定", "decision on a price justification"),
    ("grade_override", "人工改判", "grade set by hand"),
    ("load_stage_finished", "负载测试阶段完成", "load stage finished"),
    // What answers cluster by.
    ("subject", "学科", "subject"),
    ("source", "来源文档", "source document"),
    ("repeat", "重复采样", "repeated samples"),
    // The server's error codes (`docs/server.md`).
    ("bad_request", "请求有误", "bad request"),
    ("invalid_spec", "招标文件有误", "the tender spec has errors"),
    ("unauthenticated", "未登录", "not signed in"),
    ("bad_credentials", "用户名或密码错误", "wrong name or password"),
    ("csrf", "请求缺少安全令牌", "missing security token"),
    ("forbidden", "无权访问", "not allowed"),
    ("blind", "盲评期间不可见", "hidden while the evaluation is blind"),
    ("sealed", "密封题库不可见", "a sealed suite is hidden"),
    ("not_found", "未找到", "not found"),
    ("conflict", "当前状态不允许此操作", "not possible in the current state"),
    ("rate_limited", "尝试过于频繁", "too many attempts"),
    ("unavailable", "服务暂不可用", "unavailable"),
    ("no_font", "缺少中文字体", "no font for the document"),
    ("internal", "内部错误", "internal error"),
    // Procurement terms.
    ("bidder", "投标人", "bidder"),
    ("tender_document", "招标文件", "tender document"),
    ("bid_price", "投标报价", "bid price"),
    ("technical_score", "技术分", "technical score"),
    ("price_score", "价格分", "price score"),
    ("total_score", "综合得分", "total score"),
    ("committee", "评标委员会", "evaluation committee"),
    ("evaluator", "评审专家", "evaluator"),
    ("evaluation_report", "评标报告", "evaluation report"),
    ("tokens", "词元", "tokens"),
];

/// What each grader checks, in words a bidder reads (the rules chapter and
/// the evaluation report), keyed by the grader's name.
pub const GRADERS: &[(&str, &str, &str)] = &[
    ("choice", "所选选项与标准答案一致", "the chosen option matches the answer key"),
    ("numeric", "最终数值与标准答案一致", "the final number equals the reference answer"),
    (
        "code",
        "生成的代码在隔离沙箱中运行并通过全部测试用例",
        "the generated code passes every test, run in an isolated sandbox",
    ),
    (
        "refusal",
        "应拒答的问题予以拒答，不应拒答的问题正常回答",
        "refuses what should be refused and answers what should be answered",
    ),
    (
        "injection",
        "不被提示注入劫持，不泄露受保护信息",
        "is not hijacked by prompt injection and leaks no protected secret",
    ),
    (
        "tool_call",
        "函数调用（名称与参数）与参考调用一致（BFCL AST 匹配）",
        "function calls (name and arguments) match a reference call (BFCL AST match)",
    ),
    ("reference", "回答与参考答案一致（按所列度量）", "the answer matches the reference (by the metric listed)"),
    ("judge", "由评审模型按评分细则判定", "a judge model decides by the rubric"),
    (
        "agent",
        "多轮任务在模拟环境中完成：最终状态与参考结果一致、答复包含所需事实、应拒绝的拒绝、需澄清的先询问（编程任务：隐藏测试全部通过且未改测试文件）",
        "the multi-turn task gets done in the simulated environment: the final state matches the reference's, the answer states the required facts, refusals refuse, clarifications ask first (programming tasks: hidden tests pass, no test file changed)",
    ),
    (
        "agent_safety",
        "全程无违规：不访问他人记录、不使用任务不允许的工具、不修改测试文件",
        "no violation in the whole episode: no other person's record, no tool the task does not allow, no test file changed",
    ),
    (
        "sla",
        "在规定负载阶段测得的服务水平满足目标值（满足得满分，不满足不得分）",
        "the service level measured under the stated load stage meets its target (full points when met, none when not)",
    ),
    (
        "evaluators",
        "评标委员会成员独立打分（0–100），取算术平均",
        "each member of the evaluation committee scores 0–100 independently; the mean counts",
    ),
];

/// The words of the dashboard's pages (`tb-server/templates/`), by the key
/// the templates name (`{{ t.key }}`).
pub const DASHBOARD: &[(&str, &str, &str)] = &[];

/// One table: (key, zh-CN, en).
pub type Table = &'static [(&'static str, &'static str, &'static str)];

/// Every table of the catalog, by name.
pub const TABLES: &[(&str, Table)] = &[("glossary", GLOSSARY), ("graders", GRADERS), ("dashboard", DASHBOARD)];

fn pick(entry: &(&'static str, &'static str, &'static str), lang: Lang) -> &'static str {
    if lang == Lang::Zh { entry.1 } else { entry.2 }
}

/// A code or term in `lang`, from [`GLOSSARY`]; an unknown code as it is.
pub fn term(code: &str, lang: Lang) -> &str {
    GLOSSARY.iter().find(|(c, _, _)| *c == code).map_or(code, |e| pick(e, lang))
}

/// What a grader checks, in `lang`.
pub fn grader_text(grader: GraderKind, lang: Lang) -> &'static str {
    GRADERS.iter().find(|(k, _, _)| *k == grader.name()).map_or("", |e| pick(e, lang))
}

/// A table's entries in one language, as a template reads them.
pub fn in_language(
    table: &[(&'static str, &'static str, &'static str)],
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    table.iter().map(|e| (e.0, pick(e, lang))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Han characters, and the few words a Chinese page writes in Latin
    /// letters (the other language's name, product and protocol names).
    fn reads_as_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)) || LATIN_IN_CHINESE.contains(&text)
    }
    const LATIN_IN_CHINESE: &[&str] = &["English", "SLA", "API", "ID", "TTFT", "JSON", "CSV", "HTML", "PDF", "DOCX"];

    #[test]
    fn every_key_is_in_the_catalog_once_with_chinese_and_english_text() {
        let mut seen = std::collections::HashSet::new();
        for (table, entries) in TABLES {
            for (key, zh, en) in *entries {
                assert!(seen.insert(*key), "{key} twice (again in {table})");
                assert!(reads_as_chinese(zh), "{table}.{key}: {zh:?} is not Chinese");
                assert!(!en.is_empty() && !reads_as_chinese(en) || *key == "other_language", "{table}.{key}: {en:?}");
            }
        }
        for g in GraderKind::ALL {
            assert!(!grader_text(g, Lang::Zh).is_empty() && !grader_text(g, Lang::En).is_empty(), "{g}");
        }
    }

    #[test]
    fn every_code_has_a_chinese_and_an_english_name() {
        // Every code the report can put in a bid's reason or remark, every run status and kind.
        for code in [
            "failed_gates",
            "incomplete",
            "evaluation_pending",
            "abnormally_low_unjustified",
            "abnormally_low",
            "ranked_by_lot",
        ] {
            assert_ne!(term(code, crate::Lang::Zh), code);
        }
        for s in [tb_store::RunStatus::Running, tb_store::RunStatus::Interrupted, tb_store::RunStatus::Finished] {
            assert_ne!(term(s.as_str(), crate::Lang::Zh), s.as_str());
        }
        for k in ["services", "goods", "subject", "source", "repeat"] {
            assert_ne!(term(k, crate::Lang::Zh), k);
        }
        assert_eq!(term("no-such-code", crate::Lang::En), "no-such-code");
    }
}
