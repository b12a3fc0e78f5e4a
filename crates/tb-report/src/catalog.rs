//! The one message catalog: the words every output shows (the report, the
//! rules chapter, the dashboard, the evaluation report, the terminal), by
//! key, in zh-CN and en, in tables of (key, zh, en). A typed table rather
//! than Fluent: two languages, no plural or gender forms to select, keys
//! checked by tests rather than at run time, and no runtime or build cost.
//! The report templates' labels are typed structs (`render.rs`,
//! `render_load.rs`, `agents.rs`), one value per language, which the
//! compiler keeps complete.
//!
//! The rules chapter's sentences ([`RULES`]) are templates whose named
//! placeholders [`fill`] fills, so each language orders a sentence's values
//! its own way; the tests hold both languages of a template to the same
//! placeholders.
//!
//! Every table is in [`TABLES`], and a table is a key's namespace (the
//! dashboard's short column heading `bid_price` is "报价", the glossary's term
//! "投标报价"); the test below holds each to the rules: a key once in its
//! table, Chinese text in Chinese, English text not.

use std::fmt::Write as _;

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
        "secure_code",
        "静态分析工具（Python 用 bandit，C/C++ 用 flawfinder）在隔离沙箱中检查生成的代码，未发现安全缺陷（每项缺陷注明 CWE 编号）",
        "a static analyser (bandit for Python, flawfinder for C and C++), run in an isolated sandbox, finds no weakness in the generated code (each finding named by its CWE)",
    ),
    (
        "test_writing",
        "为给定函数编写的单元测试在隔离沙箱中通过原函数，并能检出足够比例的植入变异体（变异得分不低于阈值）",
        "the unit tests written for a given function pass on it, run in an isolated sandbox, and kill enough of its seeded mutants (mutation score at or above the threshold)",
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

/// The sentences and headings of the rules chapter (`publish.rs`), as
/// templates: `{name}` is a value [`fill`] puts in (a number formatted in
/// Rust, a spec's name, another sentence). Templates rather than whole
/// sentences per case, so the two languages can order the values as each
/// reads best. No text here holds a literal brace.
pub const RULES: &[(&str, &str, &str)] = &[
    // The heading.
    ("title", "# {title} 技术要求与评分办法", "# {title}: technical requirements and scoring rules"),
    (
        "tender",
        "项目编号：{id}；采购人：{buyer}；采购类别：{kind}。",
        "Tender {id}; buyer: {buyer}; procurement of {kind}.",
    ),
    // 1. The evaluation method.
    ("method_heading", "## 一、评标方法", "## 1. Evaluation method"),
    (
        "method",
        "采用综合评分法（《政府采购货物和服务招标投标管理办法》财政部令第 87 号第五十五条）。总分 100 分：技术分占 {technical}，价格分占 {price}。总分 =（1 − 价格权重）× 技术得分 + 价格权重 × 价格得分，技术得分与价格得分均为百分制。",
        "The comprehensive scoring method (MoF Order No. 87, art. 55). Of 100 points, {technical} are technical and {price} price. Total = (1 − price weight) × technical score + price weight × price score; both scores are out of 100.",
    ),
    // 2. The technical criteria.
    ("criteria_heading", "## 二、技术评分因素", "## 2. Technical criteria"),
    (
        "criteria_columns",
        "| 序号 | 评分因素 | 考察内容 | 测评集 | 度量 | 技术分内权重 | 分值（总分 100） |",
        "| No. | Criterion | What it measures | Test suite | Metric | Weight in technical | Points (of 100) |",
    ),
    ("rubric", "{what}；细则：{rubric}", "{what}; rubric: {rubric}"),
    ("source_committee", "评标委员会评审", "committee"),
    ("source_stage", "负载阶段 {stage}：{rule}", "load stage {stage}: {rule}"),
    ("source_sealed", "{suite}（密封）", "{suite} (sealed)"),
    (
        "metric_pass_at",
        "pass@{k}：每题 {k} 次采样中至少一次正确的概率（无偏估计）",
        "pass@{k}: chance that at least one of {k} samples is right (unbiased)",
    ),
    (
        "metric_pass_all",
        "pass^{k}：每题 {k} 次采样全部正确的概率（一致性）",
        "pass^{k}: chance that all {k} samples are right (consistency)",
    ),
    ("metric_accuracy", "正确率", "accuracy"),
    ("metric_mean_score", "平均分 ÷ 100", "mean score ÷ 100"),
    ("metric_met", "满足为 1，不满足为 0", "1 when met, 0 when not"),
    (
        "criteria_scoring",
        "每项客观因素的得分 = 该项度量值（0–1）× 分值；重复采样 {repeats} 次，温度 {temperature}，每次回答最多 {max_tokens} 个词元。主观因素由评标委员会成员独立打分后取算术平均。",
        "An objective criterion scores its metric (0–1) × its points; each case is sampled {repeats} time(s) at temperature {temperature}, at most {max_tokens} tokens an answer. A subjective criterion is scored by each committee member on their own, and the mean counts.",
    ),
    // 2, continued: the load stages.
    (
        "stages_intro",
        "负载阶段（服务水平在规定负载下测量，每个请求均为评分题目）：",
        "Load stages (service levels are measured under the stated load; every request is a graded case):",
    ),
    ("arrival_concurrency", "保持 {n} 个并发请求（闭环）", "{n} requests in flight (closed loop)"),
    ("arrival_rate", "按每秒 {rate} 个请求的泊松到达发送（开环）", "Poisson arrivals at {rate} requests/s (open loop)"),
    (
        "stage_end_either",
        "{seconds} 秒或 {cases} 个请求，先到为准",
        "{seconds} s or {cases} requests, whichever comes first",
    ),
    ("stage_end_seconds", "{seconds} 秒", "{seconds} s"),
    ("stage_end_cases", "{cases} 个请求", "{cases} requests"),
    (
        "stage",
        "- {stage}：题库 {suite}，{load}，{end}，预热 {warmup} 秒（预热期不计）",
        "- {stage}: suite {suite}, {load}, {end}, after {warmup} s of warm-up (not measured)",
    ),
    (
        "stage_max_tokens",
        "  每个回答至多 {tokens} 个词元（短补全，如编辑器在输入时所请求）；填空（FIM）题发往投标人的补全接口（有则用之）",
        "  each answer is capped at {tokens} tokens (short completions, as an editor asks while the developer types); fill-in-the-middle cases go to the bidder's completions endpoint where it has one",
    ),
    (
        "stages_measurement",
        "请求不重试；时延统计得到回答的请求（失败计入可用性），分位数取最近秩；端到端时延自请求应发出时刻起算，首字时延（TTFT）、字间时延（ITL）、每字时延（TPOT）自实际发出起算；可用性 = 得到回答的请求 ÷ 全部测量请求；有效吞吐 = 每秒评分正确且满足该阶段全部单请求时延目标的回答数。",
        "Requests are not retried. Timings are of answered requests (failures count against availability); latency quantiles are nearest-rank; end-to-end latency counts from when a request was due, time to first token (TTFT), inter-token latency (ITL) and time per output token (TPOT) from when it was sent; availability = answered ÷ measured requests; goodput = answers per second graded right and within every per-request latency target of the stage.",
    ),
    // 2, continued: agent tasks.
    (
        "agent_budget",
        "智能体任务为多轮对话：系统提供环境工具并执行每次调用，模拟用户按任务事实回答提问；每个任务最多 {turns} 轮、{seconds} 秒、{tokens} 个词元，超出即结束并按当时结果评分。格式错误的工具调用作为错误返回并计数，不中断任务。",
        "Agent tasks are multi-turn episodes: the environment's tools are offered and every call executed, and a simulated user answers questions from the task's facts; each task gets at most {turns} turns, {seconds} s and {tokens} tokens, after which it ends and is graded as it stands. Malformed tool calls are returned as errors and counted; they do not end the task.",
    ),
    // 3. The gates.
    ("gates_heading", "## 三、实质性要求（门槛）", "## 3. Pass/fail requirements (gates)"),
    ("gates_none", "无。", "None."),
    (
        "gates_columns",
        "| 评分因素 | 门槛 | 判定依据 | 最少样本数 | 依据标准 |",
        "| Criterion | Threshold | Judged on | Minimum cases | Standard |",
    ),
    ("gate_point", "点估计", "point estimate"),
    ("gate_bound", "95% 置信区间中对投标人最不利的一端", "the 95% interval bound least favourable to the bidder"),
    (
        "gates_missed",
        "未达到任一门槛的投标为无效投标，不计价格分、不参与排名、不作为评标基准价。测评样本少于最少样本数的，判定为“证据不足”，不视为通过。",
        "A bid that misses any gate is invalid: no price score, no rank, and it does not set the benchmark price. Fewer cases than the minimum read \"insufficient evidence\", never \"passed\".",
    ),
    // 4. The price score.
    ("price_heading", "## 四、价格分", "## 4. Price score"),
    (
        "price_score",
        "价格得分 =（评标基准价 ÷ 投标报价）× 100，评标基准价为满足招标文件要求且价格最低的有效投标报价。价格分 = 价格得分 × {price}。不因报价最高或最低而剔除任何投标。",
        "Price score = (benchmark ÷ bid price) × 100, where the benchmark is the lowest price among the valid bids. Price points = price score × {price}. No bid is discarded for being the highest or the lowest.",
    ),
    ("abnormal_basis_others", "其他有效投标报价的算术平均值", "the mean of the other valid bids"),
    ("abnormal_basis_all", "全部有效投标报价的算术平均值", "the mean of all valid bids"),
    (
        "unjustified_flag",
        "评标委员会记录其书面说明及审查结论。",
        "The committee records the justification and its decision.",
    ),
    (
        "unjustified_invalid",
        "不能提供书面说明或说明未被评标委员会接受的，其投标无效。",
        "A bid whose justification is missing or not accepted by the committee is invalid.",
    ),
    (
        "abnormally_low",
        "异常低价：投标报价低于{basis}的 {below} 以上的，投标人应当在评标现场合理时间内提供书面说明，必要时提交相关证明材料。{consequence}",
        "Abnormally low bids: a bid more than {below} below {basis} must be justified in writing, with evidence where needed. {consequence}",
    ),
    // 5. Ranking and ties.
    ("ranking_heading", "## 五、排序与并列", "## 5. Ranking and ties"),
    ("tie_tied", "得分且投标报价相同的，名次并列。", "Bids equal in both share the rank."),
    (
        "tie_lot",
        "得分且投标报价相同的，以抽签方式确定名次：抽签由测评开始时生成并记入审计日志的随机种子决定，种子记录于评审报告，任何人可复现。",
        "Bids equal in both are placed by lot, drawn from a random seed made and committed to the audit log when the run starts; the seed is recorded in the report, so anyone can redraw it.",
    ),
    (
        "ranking",
        "按总分由高到低排序；总分相同的，按投标报价由低到高排序；{tie} 各项得分保留 {decimals} 位小数后比较。",
        "Bids rank by total, highest first; equal totals rank by the lower price. {tie} Scores are rounded to {decimals} decimals before they are compared.",
    ),
    (
        "statistics",
        "统计说明：报告对每两家投标人在相同测评题上的差异作配对检验（二分类度量用精确 McNemar 检验，总分用配对自助法，Holm 多重比较校正），校正后 p 值不小于 {significance} 的差异标注为“统计上无显著差异”。该标注供评标委员会参考，不改变上述排序规则。",
        "Statistics: the report compares every two bidders on the cases both answered (exact McNemar for pass/fail metrics, a paired bootstrap for the total, Holm-adjusted across pairs) and marks differences with an adjusted p-value of {significance} or more as not statistically significant. The mark informs the committee; it does not change the ranking rule above.",
    ),
    // 6. Sealed suites.
    ("sealed_heading", "## 六、密封测评集承诺值", "## 6. Sealed test suites"),
    (
        "sealed_intro",
        "以下测评集在评审结束前不公开；其 SHA-256 承诺值现予公布，评审结束后公布盐值，任何人可核对所用测评集即为所承诺者（`tenderbench verify-seal`）。",
        "These suites stay unpublished until scoring is final; their SHA-256 commitments are published now, and the salt afterwards, so anyone can check that the suite used is the one committed to (`tenderbench verify-seal`).",
    ),
    // The closing line.
    (
        "generated",
        "（本章由 tenderbench 依据招标文件生成；评审报告将载明本章文本的 SHA-256。）",
        "(Generated by tenderbench from the tender spec; the evaluation report will state this chapter's SHA-256.)",
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
    ("contracts", "合同履约", "Contracts"),
    (
        "contracts_note",
        "中标后的合同：以签名的 POC 结果为基线，抽测服务并报警。",
        "Contracts after the award: the service probed against the signed POC baseline, with alarms.",
    ),
    ("contract", "合同", "Contract"),
    ("contract_vendor", "供应商", "Supplier"),
    ("contract_period", "合同期", "Period"),
    ("contract_baseline", "基线", "Baseline"),
    ("no_contracts", "还没有合同。", "No contract yet."),
    ("probes", "抽测次数", "Probes"),
    ("probe", "抽测", "Probe"),
    ("alarms", "报警", "Alarms"),
    ("no_alarms", "没有报警。", "No alarm."),
    ("time_line", "时间线", "Time line"),
    (
        "time_line_note",
        "每次抽测的正确率与基线（绿色带为 POC 正确率）；红点为报警。",
        "Each probe's rate against the baseline (the green band is the POC's rate); red dots are alarms.",
    ),
    ("detail", "说明", "Detail"),
    ("day", "日期", "Day"),
    ("months", "月度服务水平", "Months"),
    ("month", "月份", "Month"),
    ("availability", "可用性", "Availability"),
    ("breaches", "未达标项", "Levels breached"),
    ("credit", "服务费扣减", "Credit"),
    ("alarm_quality", "质量下降", "Quality drop"),
    ("alarm_latency", "时延变慢", "Slower"),
    ("alarm_model_changed", "模型变更", "Model changed"),
    ("breach_availability", "可用性", "availability"),
    ("breach_latency_p95", "时延", "latency"),
    ("breach_quality", "质量", "quality"),
    ("breach_alarm", "报警", "alarm"),
    ("latency_chart", "慢请求占比", "Share of slow requests"),
    ("acceptance", "验收", "Acceptance"),
    ("acceptance_none", "尚未提交验收运行的签名报告。", "The acceptance run's signed report has not been stored yet."),
    ("acceptance_run", "验收运行", "Acceptance run"),
    ("acceptance_margin", "非劣效界值", "Non-inferiority margin"),
    ("decision_passed", "合格", "passed"),
    ("decision_failed", "不合格", "failed"),
    ("decision_insufficient_evidence", "证据不足", "insufficient evidence"),
    ("delivered", "交付", "Delivered"),
    ("poc", "POC 测试", "POC"),
    ("fingerprints", "模型指纹", "Model fingerprints"),
    (
        "fingerprints_note",
        "每次抽测时固定提示词的词元数、回答与接口返回的模型字段；与第一次抽测不同之处标红。",
        "Each probe's token counts, answers and model fields for the fixed prompts; what differs from the first probe is marked.",
    ),
    ("prompt_tokens", "词元数", "Token counts"),
    ("answers_same", "回答与第一次相同", "Answers as at the first probe"),
    ("schedule", "定时抽测", "Scheduled probes"),
    (
        "schedule_note",
        "服务器按合同的频次自动抽测，抽题来自本服务器上的招标项目：",
        "The server probes on the contract's schedule, drawing from this server's tender:",
    ),
    ("schedule_none", "未设定定时抽测（抽测记录由买方提交）。", "No schedule: the buyer submits the probe records."),
    ("probe_running", "进行中", "running"),
    ("probe_recorded", "已记录", "recorded"),
    ("probe_failed", "失败", "failed"),
];

/// The monthly performance report (履约报告) of a contract (`tenderbench contract report`).
pub const PERFORMANCE: &[(&str, &str, &str)] = &[
    ("title", "履约报告", "Performance report"),
    ("contract", "合同编号", "Contract"),
    ("vendor", "供应商", "Supplier"),
    ("month", "报告月份", "Month"),
    ("probes", "抽测次数", "Probes"),
    ("requests", "抽测请求（已回答 / 已发送）", "Probe requests (answered / sent)"),
    ("availability", "可用性", "Availability"),
    ("latency_p95", "95 分位时延", "p95 latency"),
    ("quality", "质量", "Quality"),
    ("alarm", "报警", "Alarm"),
    ("criterion", "评分因素", "Criterion"),
    ("rate", "正确率（正确 / 题数）", "Rate (right / cases)"),
    ("breaches", "未达标项", "Levels breached"),
    ("none", "无", "None"),
    ("credit", "服务费扣减", "Service credit"),
    ("alarms", "报警记录", "Alarms"),
    ("evidence", "证据", "Evidence"),
    ("contract_sha256", "合同文件 SHA-256", "Contract file SHA-256"),
    ("baseline", "基线（POC 签名报告）", "Baseline (signed POC report)"),
    ("day", "日期", "Day"),
    ("run", "抽测运行", "Probe run"),
    ("report_sha256", "签名报告 SHA-256", "Signed report SHA-256"),
    ("signed_by", "签名密钥指纹", "Signing key fingerprint"),
    (
        "verify_hint",
        "复核：tenderbench contract verify 由合同文件与各次抽测的签名报告重新计算本报告",
        "To recompute: tenderbench contract verify rebuilds this report from the contract file and the probes' signed reports",
    ),
];

/// One table: (key, zh-CN, en).
pub type Table = &'static [(&'static str, &'static str, &'static str)];

/// Every table of the catalog, by name.
pub const TABLES: &[(&str, Table)] = &[
    ("glossary", GLOSSARY),
    ("graders", GRADERS),
    ("rules", RULES),
    ("dashboard", DASHBOARD),
    ("performance", PERFORMANCE),
];

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

/// A value for a template's `{name}`: `("stage", &stage.id)`.
pub type Arg<'a> = (&'a str, &'a dyn std::fmt::Display);

/// A sentence of the rules chapter in `lang`: the template [`RULES`] holds
/// under `key`, each `{name}` replaced by the value `args` gives it (values
/// are put in as they are, never read as templates themselves).
///
/// # Panics
///
/// On an unknown key, a placeholder without a value or a value without a
/// placeholder. Keys and names are literals in the code, so each is a bug,
/// and a published tender document with a hole in it is worse than a
/// panic; the chapter's tests render every branch in both languages.
pub fn fill(key: &str, lang: Lang, args: &[Arg<'_>]) -> String {
    let entry = RULES.iter().find(|e| e.0 == key).unwrap_or_else(|| panic!("no rules.{key} in the catalog"));
    let pieces = pieces(pick(entry, lang)).unwrap_or_else(|e| panic!("rules.{key} ({lang:?}): {e}"));
    let mut used = vec![false; args.len()];
    let mut out = String::new();
    for (text, name) in pieces {
        out.push_str(text);
        let Some(name) = name else { continue };
        let i = args
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("rules.{key} ({lang:?}): no value for {{{name}}}"));
        used[i] = true;
        let _ = write!(out, "{}", args[i].1);
    }
    if let Some(i) = used.iter().position(|u| !u) {
        panic!("rules.{key} ({lang:?}): no {{{}}} to put a value in", args[i].0);
    }
    out
}

/// A template cut at its placeholders: each piece is the text up to a
/// `{name}` and the name, the last the text after the last one (no name).
/// A brace that does not make a placeholder is an error: the texts hold no
/// literal brace, so a stray one is a typo.
fn pieces(template: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        let after = &rest[open + 1..];
        let close = after.find('}').filter(|_| rest[open..].starts_with('{'));
        let name = close.map(|c| &after[..c]);
        let Some(name) = name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            return Err(format!("a stray brace in {template:?}"));
        };
        out.push((&rest[..open], Some(name)));
        rest = &after[name.len() + 1..];
    }
    out.push((rest, None));
    Ok(out)
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

    #[test]
    fn every_rules_template_has_the_same_placeholders_in_both_languages() {
        for (key, zh, en) in RULES {
            let names = |text| -> std::collections::BTreeSet<&str> {
                pieces(text).unwrap_or_else(|e| panic!("rules.{key}: {e}")).into_iter().filter_map(|p| p.1).collect()
            };
            assert_eq!(names(zh), names(en), "rules.{key}");
        }
    }

    #[test]
    fn fill_puts_each_value_in_as_it_is() {
        let stage = fill("source_stage", Lang::En, &[("rule", &"{rule}"), ("stage", &"peak")]);
        assert_eq!(stage, "load stage peak: {rule}");
        assert_eq!(
            fill("metric_pass_at", Lang::Zh, &[("k", &3)]),
            "pass@3：每题 3 次采样中至少一次正确的概率（无偏估计）"
        );
        assert_eq!(fill("gates_none", Lang::Zh, &[]), "无。");
    }

    #[test]
    fn a_stray_brace_is_not_a_placeholder() {
        for text in ["a { b", "a } b", "{}", "{a b}", "{a", "a}", "{{a}}"] {
            assert!(pieces(text).is_err(), "{text:?}");
        }
        assert_eq!(pieces("x{a}y{b_2}").unwrap(), [("x", Some("a")), ("y", Some("b_2")), ("", None)]);
    }

    #[test]
    #[should_panic(expected = "no rules.no_such_key in the catalog")]
    fn an_unknown_key_panics() {
        fill("no_such_key", Lang::En, &[]);
    }

    #[test]
    #[should_panic(expected = "rules.source_stage (En): no value for {rule}")]
    fn a_placeholder_without_a_value_panics() {
        fill("source_stage", Lang::En, &[("stage", &"peak")]);
    }

    #[test]
    #[should_panic(expected = "rules.gates_none (Zh): no {stage} to put a value in")]
    fn a_value_without_a_placeholder_panics() {
        fill("gates_none", Lang::Zh, &[("stage", &"peak")]);
    }
}
