//! Numbers, money, p-values and times as a committee reads them, one rule
//! for every output (the report, the dashboard, the evaluation report).

pub use tb_core::zone::{Zone, local_time};

/// A number with thousands separators and `decimals` places: `1,180,000.00`.
pub fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + int.len() / 3 + 1);
    if x < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An amount of money in yuan, the one form every output uses:
/// `1,180,000.00 元` in Chinese, `¥1,180,000.00` in English.
pub fn money(x: f64, lang: crate::Lang) -> String {
    match lang {
        crate::Lang::Zh => format!("{} 元", grouped(x, 2)),
        crate::Lang::En => format!("¥{}", grouped(x, 2)),
    }
}

/// "p = 0.034", or "p < 0.001".
pub fn p_equals(p: f64) -> String {
    if p < 0.001 { "p < 0.001".to_string() } else { format!("p = {p:.3}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_p_values_have_one_form() {
        assert_eq!(money(1_180_000.0, crate::Lang::Zh), "1,180,000.00 元");
        assert_eq!(money(1_180_000.0, crate::Lang::En), "¥1,180,000.00");
        assert_eq!(money(999.5, crate::Lang::En), "¥999.50");
        assert_eq!(grouped(-1234567.891, 1), "-1,234,567.9");
        assert_eq!(grouped(-0.001, 2), "0.00");
        assert_eq!(grouped(100.0, 0), "100");
        assert_eq!(p_equals(0.0000), "p < 0.001");
        assert_eq!(p_equals(0.0342), "p = 0.034");
    }
}

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

/// A code or term in `lang`, from [`GLOSSARY`]; an unknown code as it is.
pub fn term(code: &str, lang: crate::Lang) -> &str {
    GLOSSARY
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, zh, en)| if lang == crate::Lang::Zh { zh } else { en })
}

#[cfg(test)]
mod glossary_tests {
    use super::*;

    #[test]
    fn every_code_has_a_chinese_and_an_english_name() {
        let mut seen = std::collections::HashSet::new();
        for (code, zh, en) in GLOSSARY {
            assert!(seen.insert(code), "{code} twice");
            assert!(zh.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{code}: {zh:?} is not Chinese");
            assert!(!en.is_empty() && en.is_ascii(), "{code}: {en:?}");
        }
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
