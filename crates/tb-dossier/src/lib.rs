//! The evaluation report (评标报告) the committee signs: the tender's
//! particulars, the bidders and the opening record, the committee, the
//! method and criteria, each bidder's scores with the reasons for any invalid
//! bid, the ranking and the recommended candidates, the clarifications and
//! the committee's other decisions, the evidence that lets anyone recompute
//! it, and a signature line for every member (after MoF Order No. 87, art. 64).
//!
//! It is built from the run's report — the one whose signature is in the
//! audit log, or said to be unsigned — and from the audit log's committee
//! entries, into a small document model ([`Dossier`]) that [`docx`] and
//! [`pdf`] render. Numbers, money and times follow `tb_report::present`.

use tb_report::committee::{CommitteeInputs, EVALUATOR_SCORE, GRADE_OVERRIDE, KINDS, PRICE_JUSTIFICATION};
use tb_report::present::{Zone, grouped, local_time, money};
use tb_report::{Lang, Report, remark_label};
use tb_store::Store;

pub mod docx;
pub mod pdf;

#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error(transparent)]
    Report(#[from] tb_report::ReportError),
    #[error(transparent)]
    Store(#[from] tb_store::StoreError),
    #[error(transparent)]
    Bundle(#[from] tb_bundle::BundleError),
    #[error("the run's spec does not parse: {0}")]
    Spec(String),
    #[error("writing the DOCX: {0}")]
    Docx(String),
    #[error("{0}")]
    Font(String),
    #[error("writing the PDF: {0}")]
    Pdf(String),
}

/// One block of the document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    /// A centred line under the title.
    Subtitle(String),
    Heading(String),
    Paragraph(String),
    /// A header row, then rows of the same width.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A line to sign on for each name (blank names leave the name to write in).
    Signatures {
        names: Vec<String>,
        labels: [String; 3],
    },
}

/// The evaluation report as blocks, in one language.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub lang: Lang,
    /// For the file's metadata.
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Dossier {
    /// Every text of the document, for tests and for choosing a font that covers it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Title(s) | Block::Subtitle(s) | Block::Heading(s) | Block::Paragraph(s) => out.push_str(s),
                Block::Table { header, rows } => {
                    for cell in header.iter().chain(rows.iter().flatten()) {
                        out.push_str(cell);
                        out.push(' ');
                    }
                }
                Block::Signatures { names, labels } => {
                    for s in names.iter().chain(labels.iter()) {
                        out.push_str(s);
                    }
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Where the report's hash comes from: the signature in the audit log, or
/// none (the run was not signed, or inputs came after the last signature).
struct Signed {
    report_sha256: String,
    signed: bool,
    fingerprint: Option<String>,
    audit_head: Option<String>,
}

/// Builds the evaluation report of `run_id`. `bundle_sha256`, when the
/// evidence bundle was exported, is cited beside the report's own hash.
pub async fn build(
    store: &Store,
    run_id: &str,
    lang: Lang,
    bundle_sha256: Option<&str>,
) -> Result<Dossier, DossierError> {
    let report = tb_report::build(store, run_id).await?;
    let run = store.run(run_id).await?;
    let spec: tb_spec::Spec = serde_json::from_str(&run.spec_json).map_err(|e| DossierError::Spec(e.to_string()))?;
    let entries = store.audit_of_kinds(run_id, &KINDS).await?;
    let inputs = CommitteeInputs::from_audit(&entries);
    let report_sha256 = tb_audit::sha256_hex(tb_report::render_json(&report).as_bytes());
    let last_signed = tb_bundle::last_signed_report(store, run_id).await?;
    let signed = Signed {
        signed: last_signed.as_deref() == Some(report_sha256.as_str()),
        report_sha256,
        fingerprint: report.signing.as_ref().map(|s| s.fingerprint.clone()),
        audit_head: store.audit_head(run_id).await?.map(|e| e.hash),
    };
    let times: Vec<(String, String, String)> = entries
        .iter()
        .filter_map(|e| {
            let who =
                serde_json::from_str::<serde_json::Value>(&e.payload).ok()?.get("evaluator")?.as_str()?.to_string();
            Some((who, e.kind.clone(), e.at.clone()))
        })
        .collect();
    Ok(compose(&report, &spec, &inputs, &times, &signed, bundle_sha256, lang))
}

/// The words of the document in one language.
struct Words {
    zh: bool,
}

impl Words {
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.zh { zh } else { en }
    }

    /// A label's colon: full width in Chinese.
    fn colon(&self) -> &'static str {
        if self.zh { "：" } else { ": " }
    }

    /// Text in brackets: full width in Chinese.
    fn paren(&self, s: &str) -> String {
        if self.zh { format!("（{s}）") } else { format!(" ({s})") }
    }

    /// A table's header row in the document's language.
    fn row(&self, zh: &[&str], en: &[&str]) -> Vec<String> {
        zh.iter().zip(en).map(|(z, e)| self.t(z, e).to_string()).collect()
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn compose(
    report: &Report,
    spec: &tb_spec::Spec,
    inputs: &CommitteeInputs,
    times: &[(String, String, String)],
    signed: &Signed,
    bundle_sha256: Option<&str>,
    lang: Lang,
) -> Dossier {
    let w = Words { zh: lang == Lang::Zh };
    let tender = &report.tender;
    let mut b = Vec::new();
    let title = w.t("评标报告", "Evaluation report").to_string();
    b.push(Block::Title(title.clone()));
    b.push(Block::Subtitle(format!(
        "{}{}",
        tender.title,
        w.paren(&format!("{} {}", w.t("项目编号", "tender"), tender.id))
    )));
    if report.simulated {
        b.push(Block::Paragraph(
            w.t(
                "注意：本次测评的投标人为模拟服务，本报告仅用于演练，不得作为评标依据。",
                "Notice: the bidders of this run were simulated; this report is a rehearsal and no basis for an award.",
            )
            .to_string(),
        ));
    }

    let mut c = Composer {
        report,
        inputs,
        times,
        signed,
        bundle_sha256,
        lang,
        w,
        zone: spec.tender.zone(),
        members: Vec::new(),
        b,
    };
    c.tender();
    c.bidders();
    c.committee();
    c.method();
    c.evaluation();
    c.result();
    c.other_matters();
    c.evidence();
    c.signatures();
    Dossier { lang, title, blocks: c.b }
}

/// The report's sections, each from the signed report and the committee's entries.
struct Composer<'a> {
    report: &'a Report,
    inputs: &'a CommitteeInputs,
    times: &'a [(String, String, String)],
    signed: &'a Signed,
    bundle_sha256: Option<&'a str>,
    lang: Lang,
    w: Words,
    zone: Zone,
    /// The committee, in the order of their first input: (name, first, last).
    members: Vec<(&'a str, &'a str, &'a str)>,
    b: Vec<Block>,
}

impl<'a> Composer<'a> {
    /// The tender.
    fn tender(&mut self) {
        let report = self.report;
        let tender = &self.report.tender;
        let zone = self.zone;
        let at = |s: &str| format!("{} ({})", local_time(s, zone), zone.label());
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("一、项目基本情况", "1. The tender").to_string()));
        let kind = match tender.kind {
            tb_spec::ProcurementKind::Services => w.t("服务", "services"),
            tb_spec::ProcurementKind::Goods => w.t("货物", "goods"),
        };
        let mut rows = vec![
            vec![w.t("采购人", "Buyer").to_string(), tender.buyer.clone()],
            vec![w.t("项目名称", "Title").to_string(), tender.title.clone()],
            vec![w.t("项目编号", "Tender id").to_string(), tender.id.clone()],
            vec![w.t("采购类别", "Procurement of").to_string(), kind.to_string()],
            vec![w.t("评标方法", "Method").to_string(), w.t("综合评分法", "comprehensive scoring").to_string()],
            vec![w.t("测评批次", "Run").to_string(), report.run_id.clone()],
            vec![w.t("测评开始时间", "Run started").to_string(), at(&report.created_at)],
        ];
        if let Some(end) = &report.finished_at {
            rows.push(vec![w.t("测评结束时间", "Run finished").to_string(), at(end)]);
        }
        b.push(Block::Table { header: vec![w.t("项目", "Item").into(), w.t("内容", "Particulars").into()], rows });
    }

    /// Bidders and the opening record.
    fn bidders(&mut self) {
        let report = self.report;
        let lang = self.lang;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("二、投标人名单及开标记录", "2. Bidders and the opening record").to_string()));
        let rows = report
            .vendors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                vec![
                    (i + 1).to_string(),
                    v.name.clone(),
                    v.model.clone(),
                    money(v.bid_price, lang),
                    if v.abnormally_low { remark_label("abnormally_low", lang).to_string() } else { String::new() },
                ]
            })
            .collect();
        b.push(Block::Table {
            header: w.row(
                &["序号", "投标人", "服务（模型）", "投标报价", "备注"],
                &["No.", "Bidder", "Service (model)", "Bid price", "Remarks"],
            ),
            rows,
        });
        if report.blind {
            b.push(Block::Paragraph(
                w.t(
                    "本次评审为盲评：投标人以代号示出，名称对应关系在评审结束后揭晓。",
                    "The evaluation was blind: bidders are shown by code until the mapping is revealed after scoring.",
                )
                .to_string(),
            ));
        }
    }

    /// The committee.
    fn committee(&mut self) {
        let times = self.times;
        let zone = self.zone;
        let at = |s: &str| format!("{} ({})", local_time(s, zone), zone.label());
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("三、评标委员会成员名单", "3. The evaluation committee").to_string()));
        // In the order of their first input, with their first and last.
        let mut members: Vec<(&str, &str, &str)> = Vec::new();
        for (who, _, when) in times {
            match members.iter_mut().find(|(m, _, _)| m == who) {
                Some(m) => m.2 = when.as_str(),
                None => members.push((who.as_str(), when.as_str(), when.as_str())),
            }
        }
        if members.is_empty() {
            b.push(Block::Paragraph(
                w.t(
                    "审计记录中没有评审专家的打分或决定；成员姓名请在签字栏填写。",
                    "The audit log holds no evaluator's score or decision; members write their names on the signature lines.",
                )
                .to_string(),
            ));
        } else {
            let rows = members
                .iter()
                .enumerate()
                .map(|(i, (name, first, last))| vec![(i + 1).to_string(), name.to_string(), at(first), at(last)])
                .collect();
            b.push(Block::Table {
                header: w.row(
                    &["序号", "评审专家", "首次记录", "最后记录"],
                    &["No.", "Evaluator", "First input", "Last input"],
                ),
                rows,
            });
        }
        self.members = members;
    }

    /// Method and criteria.
    fn method(&mut self) {
        let report = self.report;
        let tender = &self.report.tender;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("四、评标方法和评审标准", "4. Method and criteria").to_string()));
        b.push(Block::Paragraph(format!(
            "{} {}%{}{} {}%{}{}",
            w.t("技术分权重", "Technical weight"),
            grouped(tender.technical_weight * 100.0, 0),
            w.t("，", ", "),
            w.t("价格分权重", "price weight"),
            grouped(tender.price_weight * 100.0, 0),
            w.t("。", ". "),
            w.t(
                "价格分按《政府采购货物和服务招标投标管理办法》（财政部令第87号）第五十五条计算：满足招标文件要求且投标价格最低的投标报价为评标基准价，其价格分为满分；其他投标人的价格分 = 评标基准价 ÷ 投标报价 × 价格权重 × 100。",
                "The price score follows MoF Order No. 87, art. 55: the lowest valid bid is the base price and scores full points; any other bid scores base price ÷ bid price × price weight × 100.",
            )
        )));
        let rows = report
            .criteria
            .iter()
            .map(|c| {
                let points = c.weight * tender.technical_weight * 100.0;
                let how = if c.is_subjective() {
                    w.t("评审专家打分（0–100）", "scored by the evaluators (0–100)").to_string()
                } else if c.sla.is_some() {
                    w.t("负载测试服务水平", "service level under load").to_string()
                } else {
                    format!("{}{}", c.grader, w.paren(&c.suite))
                };
                let gate = c.gate.as_ref().map_or(String::new(), |g| match (g.min, g.max) {
                    (Some(lo), Some(hi)) => format!("{} – {}", pct(lo), pct(hi)),
                    (Some(lo), None) => format!("≥ {}", pct(lo)),
                    (None, Some(hi)) => format!("≤ {}", pct(hi)),
                    (None, None) => String::new(),
                });
                vec![c.name.clone(), grouped(points, 2), how, gate]
            })
            .collect();
        b.push(Block::Table {
            header: w
                .row(&["评审因素", "分值", "评审方式", "资格门槛"], &["Factor", "Points", "How scored", "Threshold"]),
            rows,
        });
    }

    /// Scores, and invalid bids with their reasons.
    fn evaluation(&mut self) {
        let report = self.report;
        let lang = self.lang;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("五、评审情况", "5. The evaluation").to_string()));
        let mut header: Vec<String> = vec![w.t("投标人", "Bidder").into()];
        header.extend(report.criteria.iter().map(|c| c.name.clone()));
        header.extend(w.row(&["技术分", "价格分", "综合得分", "排名"], &["Technical", "Price", "Total", "Rank"]));
        let pending = w.t("待评分", "pending");
        let rows = report
            .vendors
            .iter()
            .map(|v| {
                let mut row = vec![v.name.clone()];
                for c in &v.criteria {
                    row.push(if c.pending { pending.to_string() } else { pct(c.value) });
                }
                row.push(if v.evaluation_pending { pending.to_string() } else { grouped(v.technical_score, 2) });
                row.push(v.price_score.map_or("—".into(), |p| grouped(p, 2)));
                row.push(v.total_score.map_or("—".into(), |p| grouped(p, 2)));
                row.push(v.rank.map_or("—".into(), |r| r.to_string()));
                row
            })
            .collect();
        b.push(Block::Table { header, rows });
        let invalid: Vec<String> = report
            .vendors
            .iter()
            .filter_map(|v| {
                let reason = v.invalid_reason.as_deref()?;
                let mut s = format!("{}{}{}", v.name, w.colon(), remark_label(reason, lang));
                if !v.failed_gates.is_empty() {
                    let names: Vec<String> = v
                        .failed_gates
                        .iter()
                        .map(|id| report.criteria.iter().find(|c| &c.id == id).map_or(id.clone(), |c| c.name.clone()))
                        .collect();
                    s.push_str(&w.paren(&names.join(w.t("、", ", "))));
                }
                Some(s)
            })
            .collect();
        if invalid.is_empty() {
            b.push(Block::Paragraph(w.t("无无效投标。", "No bid was found invalid.").to_string()));
        } else {
            b.push(Block::Paragraph(format!(
                "{}{}",
                w.t("无效投标及原因：", "Invalid bids and why: "),
                invalid.join(w.t("；", "; "))
            )));
        }
    }

    /// The result.
    fn result(&mut self) {
        let report = self.report;
        let lang = self.lang;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(
            w.t("六、评标结果及推荐的中标候选人", "6. Result and recommended candidates").to_string(),
        ));
        let ranked: Vec<&tb_report::VendorReport> =
            report.ranking.iter().filter_map(|n| report.vendors.iter().find(|v| &v.name == n)).collect();
        if report.vendors.iter().any(|v| v.evaluation_pending) {
            b.push(Block::Paragraph(
                w.t(
                    "评审专家打分尚未完成，暂不排名；本报告不得作为推荐中标候选人的依据。",
                    "The evaluators have not finished scoring: no ranking yet, and this report recommends no candidate.",
                )
                .to_string(),
            ));
        } else if ranked.is_empty() {
            b.push(Block::Paragraph(
                w.t("没有有效投标，无推荐中标候选人。", "No valid bid: no candidate is recommended.").to_string(),
            ));
        } else {
            let rows = ranked
                .iter()
                .take(3)
                .map(|v| {
                    let mut note = String::new();
                    if let Some(band) = v.tie_band {
                        let peers = ranked.iter().filter(|o| o.tie_band == Some(band)).count();
                        if peers > 1 {
                            note = format!("{}{band}", w.t("统计上并列，并列组 ", "statistically tied, band "));
                        }
                    }
                    if v.ranked_by_lot {
                        note.push_str(remark_label("ranked_by_lot", lang));
                    }
                    vec![
                        v.rank.map_or("—".into(), |r| r.to_string()),
                        v.name.clone(),
                        v.total_score.map_or("—".into(), |p| grouped(p, 2)),
                        money(v.bid_price, lang),
                        note,
                    ]
                })
                .collect();
            b.push(Block::Table {
                header: w.row(
                    &["推荐顺序", "中标候选人", "综合得分", "投标报价", "说明"],
                    &["Order", "Candidate", "Total", "Bid price", "Note"],
                ),
                rows,
            });
        }
    }

    /// Other matters: clarifications, decisions on low prices, grades by hand.
    fn other_matters(&mut self) {
        let report = self.report;
        let inputs = self.inputs;
        let times = self.times;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("七、其他需要说明的情况", "7. Other matters").to_string()));
        let mut other = Vec::new();
        for (vendor, j) in &inputs.justifications {
            let shown = report.vendors.iter().find(|v| &v.name == vendor).map_or(vendor.as_str(), |v| v.name.as_str());
            other.push(format!(
                "{}{}{}{}{}",
                w.t("投标人 ", "Bidder "),
                shown,
                w.colon(),
                if j.accepted {
                    w.t(
                        "对异常低报价的书面说明被接受",
                        "its written justification of an abnormally low price was accepted",
                    )
                } else {
                    w.t(
                        "对异常低报价的书面说明未被接受",
                        "its written justification of an abnormally low price was not accepted",
                    )
                },
                j.note.as_deref().map_or(String::new(), |n| w.paren(n)),
            ));
        }
        for o in report.grade_overrides.iter() {
            other.push(format!(
                "{} {} {} / {} / {}{}{}{}",
                o.evaluator,
                w.t("人工改判", "graded by hand"),
                o.vendor,
                o.criterion,
                o.case_id,
                w.colon(),
                if o.correct { w.t("正确", "right") } else { w.t("错误", "wrong") },
                w.paren(&o.reason)
            ));
        }
        let scores = times.iter().filter(|(_, k, _)| k == EVALUATOR_SCORE).count();
        let decisions = times.iter().filter(|(_, k, _)| k == PRICE_JUSTIFICATION || k == GRADE_OVERRIDE).count();
        other.push(if w.zh {
            format!(
                "审计记录载有评审专家打分 {scores} 条、其他决定 {decisions} 条；评审过程中评标委员会成员以上表为准，如有更换请在此注明。"
            )
        } else {
            format!(
                "The audit log holds {scores} evaluator scores and {decisions} other decisions; the members are those listed above: note any change of member here."
            )
        });
        for s in other {
            b.push(Block::Paragraph(s));
        }
    }

    /// Evidence.
    fn evidence(&mut self) {
        let report = self.report;
        let signed = self.signed;
        let bundle_sha256 = self.bundle_sha256;
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("八、证据与核验", "8. Evidence and verification").to_string()));
        let mut rows = vec![
            vec![w.t("招标文件哈希（SHA-256）", "Tender spec hash (SHA-256)").to_string(), report.spec_hash.clone()],
            vec![
                w.t("测评报告哈希（SHA-256）", "Report hash (SHA-256)").to_string(),
                format!(
                    "{} {}",
                    signed.report_sha256,
                    if signed.signed {
                        w.t("（已签名，签名见审计记录）", "(signed: the signature is in the audit log)")
                    } else {
                        w.t("（未签名：请先对报告重新签名）", "(not signed: sign the report again first)")
                    }
                ),
            ],
            vec![
                w.t("签名密钥指纹", "Signing key fingerprint").to_string(),
                signed.fingerprint.clone().unwrap_or_else(|| "—".into()),
            ],
            vec![
                w.t("审计记录末条哈希", "Audit log head").to_string(),
                signed.audit_head.clone().unwrap_or_else(|| "—".into()),
            ],
        ];
        if let Some(h) = bundle_sha256 {
            rows.push(vec![w.t("证据包哈希（SHA-256）", "Evidence bundle (SHA-256)").to_string(), h.to_string()]);
        }
        b.push(Block::Table { header: vec![w.t("项目", "Item").into(), w.t("值", "Value").into()], rows });
        b.push(Block::Paragraph(
            w.t(
                "任何人可用 tenderbench verify 对证据包离线核验，重算本报告中的每一个数字。",
                "Anyone can verify the evidence bundle offline with `tenderbench verify`, recomputing every number in this report.",
            )
            .to_string(),
        ));
    }

    /// Signatures.
    fn signatures(&mut self) {
        let w = &self.w;
        let b = &mut self.b;
        b.push(Block::Heading(w.t("九、评标委员会成员签字", "9. Signatures of the committee").to_string()));
        let mut names: Vec<String> = self.members.iter().map(|(name, _, _)| name.to_string()).collect();
        // Room for members who recorded nothing, at least five lines in all.
        while names.len() < 5 {
            names.push(String::new());
        }
        b.push(Block::Signatures {
            names,
            labels: [
                format!("{}{}", w.t("姓名", "Name"), w.colon()),
                format!("{}{}", w.t("签字", "Signature"), w.colon()),
                format!("{}{}", w.t("日期", "Date"), w.colon()),
            ],
        });
    }
}
