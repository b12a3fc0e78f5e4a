//! The one message catalog: the words every output shows (the report, the
//! rules chapter, the dashboard, the evaluation report, the terminal), by
//! key, in zh-CN and en, in tables of (key, zh, en). A typed table rather
//! than Fluent: two languages, no plural or gender forms to select, keys
//! checked by tests rather than at run time, and no runtime or build cost.
//! The report templates' labels are typed structs (`render.rs`,
//! `render_load.rs`, `agents.rs`), one value per language, which the
//! compiler keeps complete.
//!
//! Every table is in [`TABLES`], and a table is a key's namespace (the
//! dashboard's short column heading `bid_price` is "报价", the glossary's term
//! "投标报价"); the test below holds each to the rules: a key once in its
//! table, Chinese text in Chinese, English text not.

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
pub const DASHBOARD: &[(&str, &str, &str)] = &[
    ("tenders", "招标项目", "Tenders"),
    ("accounts", "账户", "Accounts"),
    ("other_language", "English", "中文"),
    ("logout", "退出", "Log out"),
    ("login", "登录", "Log in"),
    ("name", "用户名", "Name"),
    ("password", "密码", "Password"),
    ("error", "出错了", "Error"),
    ("back_to_tenders", "返回招标项目", "Back to tenders"),
    ("role_admin", "管理员", "admin"),
    ("role_buyer", "采购人", "buyer"),
    ("role_evaluator", "评审专家", "evaluator"),
    ("role_vendor", "投标人", "vendor"),
    ("role_auditor", "审计", "auditor"),
    ("role", "角色", "Role"),
    ("tender_id", "项目编号", "Tender"),
    ("title", "名称", "Title"),
    ("created_by", "创建人", "Created by"),
    ("created_at", "创建时间", "Created"),
    ("no_tenders", "还没有招标项目。", "No tenders yet."),
    ("new_tender", "新建招标项目", "New tender"),
    ("create_from_example", "用内置示例创建", "Create from the built-in example"),
    ("example_note", "12345 热线示例：两个题库、三家投标人。", "The 12345 hotline example: two suites, three bidders."),
    ("upload_spec", "上传招标文件（TOML）与题库", "Upload a spec (TOML) and its suites"),
    ("suite_files", "题库文件", "Suite files"),
    ("files_note", "放在 suites/ 下", "placed under suites/"),
    ("create", "创建", "Create"),
    ("kind", "类型", "Kind"),
    ("price_weight", "价格权重", "Price weight"),
    ("criteria", "评审因素", "Criteria"),
    ("criterion", "评审因素", "Criterion"),
    ("suite", "题库", "Suite"),
    ("suites", "题库", "Suites"),
    ("grader", "评分器", "Grader"),
    ("weight", "权重", "Weight"),
    ("gate", "门槛", "Gate"),
    ("format", "格式", "Format"),
    ("status", "状态", "Status"),
    ("sealed", "已密封", "sealed"),
    ("practice", "公开练习", "practice"),
    ("download", "下载", "download"),
    ("hidden_until_reveal", "揭晓前不可见", "hidden until reveal"),
    ("recorded_score", "已记录的分数", "Recorded"),
    ("pending", "待评分", "pending"),
    ("time_left", "预计剩余", "about"),
    ("show", "显示", "Show"),
    ("show_all", "全部作答", "all answers"),
    ("show_wrong", "答错", "wrong"),
    ("show_undecided", "无法判定", "undecided"),
    ("show_failed", "调用失败", "failed calls"),
    ("show_flagged", "有标注", "flagged"),
    ("gold", "标准答案", "Gold answer"),
    ("read_as", "判读为", "read as"),
    ("evaluation_report", "评标报告", "Evaluation report"),
    ("not_scored_yet", "尚未打分", "not scored yet"),
    (
        "score_invalid",
        "请输入 0 到 100 之间的分数（空白不会记录为 0）",
        "Enter a score from 0 to 100 (an empty score is not recorded as 0)",
    ),
    (
        "reveal_confirm",
        "揭晓后评审专家不能再打分，且不可撤销。确定揭晓投标人名称？",
        "After the reveal no evaluator can score, and it cannot be undone. Reveal the bidders' names?",
    ),
    ("vendors", "投标人", "Vendors"),
    ("vendor", "投标人", "Vendor"),
    ("model", "模型", "Model"),
    ("bid_price", "报价", "Bid"),
    ("registered", "已登记", "Registered"),
    (
        "blind_note",
        "盲评：评审结束并揭晓前不显示投标人名称。",
        "Blind evaluation: bidders' names are shown only after reveal.",
    ),
    ("registration", "登记接入信息", "Registration"),
    ("base_url", "接口地址", "Base URL"),
    ("register", "登记", "Register"),
    ("practice_run", "练习运行", "Practice run"),
    ("no_practice_suite", "本项目没有公开练习题库，无法练习运行。", "This tender has no practice suite to run."),
    ("practice_run_simulated", "练习运行（模拟）", "Practice run (simulated)"),
    ("runs", "运行", "Runs"),
    ("run", "运行", "Run"),
    ("start_simulated", "开始运行（模拟投标人）", "Start a run (simulated vendors)"),
    ("start_real", "开始正式运行", "Start the official run"),
    ("no_runs", "还没有运行。", "No runs yet."),
    ("kind_official", "正式", "official"),
    ("kind_practice", "练习", "practice"),
    ("kind_cli", "命令行", "command line"),
    ("status_running", "运行中", "running"),
    ("status_interrupted", "已中断", "interrupted"),
    ("status_finished", "已完成", "finished"),
    (
        "simulated_notice",
        "模拟运行：投标人均为 tenderbench 的模拟器，不是真实服务。",
        "SIMULATED: every vendor is tenderbench's simulator, not a real service.",
    ),
    ("blind_run", "盲评运行：投标人以代码显示。", "Blind run: vendors are shown by code."),
    ("results", "结果", "Results"),
    ("transcripts", "答题记录", "Transcripts"),
    ("audit", "审计", "Audit"),
    ("scoring", "专家评分", "Scoring"),
    ("cells", "条", "cells"),
    ("progress", "进度", "Progress"),
    ("failed", "失败", "Failed"),
    ("cancel", "停止", "Stop"),
    ("resume", "继续", "Resume"),
    ("results_partial", "运行未完成，结果是部分结果", "The run has not finished: these results are partial"),
    ("full_report", "完整报告", "Full report"),
    ("ranking", "排名", "Ranking"),
    ("rank", "名次", "Rank"),
    ("tie_band", "并列档", "Tie band"),
    ("band", "档", "band"),
    ("technical", "技术分", "Technical"),
    ("price_score", "价格分", "Price"),
    ("total", "综合得分", "Total"),
    ("remarks", "备注", "Remarks"),
    ("gate_failed", "未过门槛", "gate failed"),
    ("undecided", "规则无法判定", "undecided"),
    ("could_flip", "在拒答检测器误差内门槛结论可能翻转", "gate could flip within the refusal detector's error"),
    ("abnormally_low", "报价异常低", "abnormally low"),
    ("by_lot", "抽签排序", "placed by lot"),
    (
        "tie_note",
        "同一并列档内的差异在统计上不显著（配对自助法，Holm 校正）。",
        "Within a tie band the differences are not statistically significant (paired bootstrap, Holm-adjusted).",
    ),
    ("score_table", "评分对照表", "Score comparison table"),
    ("comparisons", "两两比较", "Pairwise comparisons"),
    ("pair", "投标人对", "Pair"),
    ("difference", "总分差", "Difference"),
    ("verdict", "结论", "Verdict"),
    ("tied", "并列", "tied"),
    ("significant", "显著", "significant"),
    ("all", "全部", "all"),
    ("search", "搜索", "Search"),
    ("search_hint", "题号或回答中的文字", "case id or answer text"),
    ("failed_only", "只看失败", "failed only"),
    ("filter", "筛选", "Filter"),
    ("case", "题目", "Case"),
    ("answer", "回答", "Answer"),
    ("grade", "评分", "Grade"),
    ("no_cells", "没有符合条件的记录。", "No cells match."),
    ("previous", "上一页", "previous"),
    ("next", "下一页", "next"),
    ("prompt", "提示", "Prompt"),
    ("answers", "各投标人回答", "Answers side by side"),
    ("tokens", "词元", "tokens"),
    ("raw_bodies", "原始请求与响应", "Raw request and response"),
    (
        "scoring_note",
        "盲评：投标人以代码显示；每次评分写入审计日志并重新签名报告。",
        "Blind: vendors are shown by code; every score is written to the audit log and the report is signed again.",
    ),
    ("score", "分数", "Score"),
    ("note", "理由", "Note"),
    ("record", "记录", "Record"),
    ("recorded", "已记录。", "Recorded."),
    ("no_subjective", "本项目没有需要专家评分的因素。", "This tender has no criteria for evaluators."),
    ("review", "人工复核", "Review"),
    (
        "review_note",
        "规则无法判定（未判定或自相矛盾）或由评判模型读取的答案。专家逐条给出评分并写明理由；每条都写入审计日志，报告随之重新签名。",
        "Answers the rules could not read (undecided or ambiguous) or a judge read. Evaluators grade each with a reason; every grade is written to the audit log and the report is signed again.",
    ),
    ("review_empty", "没有待复核的答案：规则读出了每一个答案。", "Nothing to review: the rules read every answer."),
    ("reading", "规则的读取", "Reading"),
    ("grade_by_hand", "人工评分", "Grade by hand"),
    ("graded_correct", "正确", "correct"),
    ("graded_wrong", "错误", "wrong"),
    ("reason", "理由（必填）", "Reason (required)"),
    ("download_bundle", "下载证据包", "Download the evidence bundle"),
    ("signing_key", "签名密钥指纹", "Signing key fingerprint"),
    ("cells_answered", "已答题数", "Cells answered"),
    ("verify", "验证", "Verify"),
    ("verified", "验证通过", "Verified"),
    ("verify_failed", "验证失败", "Verification failed"),
    ("entries", "条日志", "entries"),
    ("checkpoints", "个检查点", "checkpoints"),
    ("reveal", "揭晓投标人名称", "Reveal the vendors' names"),
    ("reveal_note", "评分结束后再揭晓；揭晓写入审计日志。", "Only after scoring is final; the reveal is logged."),
    ("time", "时间", "Time"),
    ("entry", "事件", "Entry"),
    ("hash", "哈希", "Hash"),
    ("new_account", "新建账户", "New account"),
    ("workers", "工作进程", "Workers"),
    (
        "workers_note",
        "分布式运行的工作进程（tenderbench worker），按最近心跳排序。",
        "The workers of distributed runs (tenderbench worker), latest heartbeat first.",
    ),
    ("worker", "工作进程", "Worker"),
    ("host", "主机", "Host"),
    ("capabilities", "能力", "Capabilities"),
    ("in_flight", "进行中", "In flight"),
    ("stored", "已存储", "Stored"),
    ("heartbeat", "心跳", "Heartbeat"),
    ("doing", "正在处理", "Doing"),
    ("silent", "失联", "silent"),
    ("no_workers", "没有工作进程（只有 PostgreSQL 存储才有）。", "No workers (they need a PostgreSQL store)."),
];

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
    fn every_key_is_in_its_table_once_with_chinese_and_english_text() {
        for (table, entries) in TABLES {
            let mut seen = std::collections::HashSet::new();
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
