//! The patterns a multiple-choice answer is read with: statements, claims,
//! corrections, hedges and options named by their place.

use std::sync::LazyLock;

use regex::Regex;

/// Statements of the answer. The label (or the option's text) follows the match.
pub(super) static STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        \x{E000}
      | 正确答案 | 最终答案 | 参考答案 | 标准答案 | 最佳答案 | 本题答案 | 答案 | 正确选项 | 正确的选项 | 最佳选项
      | 正确的答案 | 正确的一?[项个]?(?:应该?)?(?:是|为) | 符合题意的(?:选项)?(?:是|为|有) | 最终选择 | 最终选 | 故本题选 | 本题应选
      | 本题选 | 题选 | 应当?选择? | 应该选择? | 结论 | 故选 | 所以选 | 因此选 | 因而选 | 我会?选择? | 我的选择是 | 选择
      | 正解 | 即选项 | 即选 | 对应(?:的)?选项 | (?-u:\b)final\s*[:：] | (?-u:\b)final\s+pick(?-u:\b)
      | (?m:^) [\ \t\-]* 答 (?:\s*[:：]|\s)
      | (?m:^) [\ \t\-]* (?:choice|selected|selection|final_answer) \s* [:：]
      | (?:^|[,.;:!?。，；：！？\s]) 选择? (?:\s*[:：])?
      | (?:(?-u:\b)the\s+|(?-u:\b)my\s+|(?-u:\b)our\s+)? (?:correct|right|best|final|true|proper|only\s+correct|most\s+(?:appropriate|accurate|likely|suitable|reasonable|correct))
            \s+ (?:answer|option|choice|response|selection|one)s? (?-u:\b)
            (?:\s+(?:is|are|would\s+be|should\s+be|must\s+be|will\s+be|here\s+is))?
      | (?:(?-u:\b)the\s+|(?-u:\b)my\s+)? (?-u:\b)answer(?-u:\b) (?:\s+(?:is|would\s+be|should\s+be|must\s+be|will\s+be))?
      | (?-u:\b)my\s+(?:final\s+)?(?:choice|pick|selection|vote)(?-u:\b) (?:\s+(?:is|would\s+be))?
      | (?-u:\b)(?:that(?:'s|\s+is)|(?:which|this)\s+(?:is|corresponds\s+to|matches))\s+(?:option|choice|answer)(?-u:\b)
      | (?:不是|并非|并不是)[^，,。\n]{0,20}[，,]?\s*而是 | (?-u:\b)not\s+(?:option\s+)?\(?[A-F]\)?\s*,?\s+but\s+(?:rather\s+)?
      | (?-u:\b)(?:among|of)\s+the\s+(?:options|choices)(?-u:\b) | (?-u:\b)conclusion(?-u:\b)
      | (?:正确|符合|属于)[^，。,.\n]{0,12}的(?:是|有)
      | (?-u:\b)(?:the\s+)?closest\s+(?:option\s+|answer\s+|one\s+|match\s+|choice\s+)?is
      | (?-u:\b)so\s+it(?:'s|\s+is|\s+must\s+be)(?-u:\b) | (?-u:\b)it\s+must\s+be(?-u:\b) | (?-u:\b)that\s+leaves(?-u:\b) | (?-u:\b)leaving(?-u:\b) | (?-u:\b)it(?:'s|\s+is)(?-u:\b)
      | (?:所以|因此|故|那么|即)(?:答案)?(?:就|应该)?是
      | (?-u:\b)(?:i\.e\.|that\s+is),?\s+(?:option|choice)
      | (?-u:\b)I(?:'d|\s+would|'ll|\s+will)?\s+(?:go\s+with|choose|pick|select|opt\s+for|say)(?-u:\b)
      | (?-u:\b)(?:select|choose)\s+(?:option\s+)?",
    )
    .expect("valid regex")
});

/// A label followed by a statement that it is the answer ("B is the correct
/// answer", "C为正确答案", "D当选", "C it is.").
pub(super) static LABEL_STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?:^|[^A-Za-z]) (?:选项|option\s+|choice\s+)? [(\[【]? ([A-Za-z0-9]) [)\]】]? \s* (?:项|选项)? \s*
        (?: is\s+the\s+(?:correct\s+|right\s+|best\s+|final\s+)?answer
          | 为正确答案 | 是正确答案 | 为本题答案 | 是本题答案 | 当选 | 为答案 | 是答案 | it\s+is\s*[.!。]?\s*$ )",
    )
    .expect("valid regex")
});

/// A label said to be correct: a claim, weaker than a statement of the answer.
pub(super) static CLAIMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?:^|[^A-Za-z]) (?:选项|option\s+|choice\s+)? [(\[【]? ([A-Za-z0-9]) [)\]】]? \s* (?:项|选项)? \s* (?:的?说法|的?表述|的?描述)? \s* [:.、\-—]? \s*
        (?: is\s+(?:the\s+)?(?:correct|right|true|best)(?-u:\b) | 正确 | 是正确的 | 是对的 | 符合题意 | 符合要求 | ✓ | ✔ | ✅ | \(correct\) | -\s*correct(?-u:\b) | correct\s*$ )",
    )
    .expect("valid regex")
});

/// "Either B or ", "B或": a first label offered before the one that follows.
pub(super) static EITHER_OR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:(?-u:\b)either\s+|^|[^A-Za-z])[(\[【]?([A-F])[)\]】]?\s*(?:(?-u:\b)or(?-u:\b)|或者?|还是)\s*[(\[【]?$",
    )
    .expect("valid regex")
});

/// Several labels claimed right together: "both A and D are correct",
/// "A、D 都正确", "A and C are both true".
pub(super) static CLAIMED_TOGETHER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?:^|[^A-Za-z]) (?:both\s+)?
        ( [(\[【]?[A-Za-z][)\]】]? (?: \s*(?:,|、|，|and|&|和|与|及)\s* [(\[【]?[A-Za-z][)\]】]? )+ )
        \s* (?:项|选项|两项|options)? \s* (?:are|were|都|均|皆)\s*(?:both\s+|all\s+)?
        (?:correct|right|true|acceptable|valid|defensible|正确|是正确的|对|是对的|符合题意|可以|说得通)",
    )
    .expect("valid regex")
});

/// Another answer said to be right as well ("so B) India is also correct",
/// "C项也是正确的"); the label is the last one standing alone before it
/// ([`STANDALONE_LABEL`]). Found by its words first: a pattern that starts at
/// every letter costs a short answer more than all the other readings.
pub(super) static ALSO_CORRECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:(?:is|would|could|might)\s+(?:also|equally)(?:\s+be)?|(?:would|could|might)\s+be\s+(?:also|equally))\s+(?:correct|right|true|valid|acceptable|defensible)(?-u:\b)|也(?:是)?(?:正确|对)")
        .expect("valid regex")
});

/// An upper-case label standing alone ("B)", "(C)", "D项"), not a word's first letter.
pub(super) static STANDALONE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^A-Za-z])[(\[【]?([A-Z])[)\]】]?(?:[^A-Za-z]|$)").expect("valid regex"));

/// A table row or list line that opens with a label and ends with a check
/// mark ("| B | Fifth | … | ✅ |"), or opens with the mark ("✅ A. Linux"):
/// a claim that the option is right. Group 1 or 2 holds the label.
pub(super) static CHECKED_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t\-]*(?:[✅✔☑]\x{FE0F}?\s*[(\[【]?([A-Za-z0-9])[)\]】.:、]?\s|[(\[【]?([A-Za-z0-9])[)\]】.:、]?\s[^\n❌✘✗×]*[✅✓✔√☑][^\n❌✘✗×]*$)")
        .expect("valid regex")
});

/// A line that opens with a label: "B. …", "B、…", "(B) …", "B".
pub(super) static LINE_LEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t\-]*(?:选项|(?i:option)\s+)?[(\[【]?([A-Za-z0-9])(?:[)\]】.:、)]|\s|$)").expect("valid regex")
});

/// A label in brackets anywhere: "(B)", "【B】".
pub(super) static BRACKETED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9])[(\[【](?:选项|即|(?i:option)\s*)?([A-Za-z0-9])[)\]】]").expect("valid regex")
});

/// An answer that says it is unsure.
pub(super) static HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)not\s+(?:sure|certain)(?-u:\b)|(?-u:\b)unsure(?-u:\b)|can(?:no|')?t\s+(?:determine|tell|decide)|不确定|无法确定|不能确定|无法判断|不好说|拿不准|说不准|(?-u:\b)once\s+I\s+know(?-u:\b)|(?-u:\b)(?:could|can)\s+you\s+(?:tell\s+me|let\s+me\s+know)\s+(?:which|what|whether)|(?-u:\b)which\s+(?:framework|textbook|edition|version|standard|convention|syllabus)\s+(?:your|you)|(?:你|您)(?:用|学|参考|依据)的是哪(?:个|本|种|版|一)|请问(?:你|您)的?(?:教材|课本|考试|题目来源)")
        .expect("valid regex")
});

/// An answer that says no one option is correct ("There isn't a single
/// \"correct\" class here", "没有唯一正确的选项"): a hedge on a one-answer
/// question, unless it goes on to choose ([`CONTRAST`]).
pub(super) static NO_SINGLE_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:isn'?t|is\s+not|there'?s\s+no|no)\s+(?:a\s+)?single\s+(?:\x22?(?:correct|right|best)\x22?\s+)?(?:answer|option|choice|class|one)(?-u:\b)|(?-u:\b)(?:several|multiple|more\s+than\s+one)\s+(?:of\s+(?:the|these)\s+)?(?:options|answers|choices)\s+(?:are|could\s+be|would\s+be)\s+(?:equally\s+)?(?:correct|acceptable|valid|defensible)|没有唯一(?:正确)?的?(?:答案|选项)|(?:几个|多个|两个)选项都(?:说得通|可以|成立|正确)|(?-u:\b)none\s+of\s+(?:the\s+)?(?:listed\s+|given\s+|provided\s+|four\s+)?(?:options|choices|answers)\s+(?:(?:is|are)\s+(?:correct|right|accurate|true|valid)|matches|match|fits?|corresponds?)(?-u:\b)|(?:四个|所有|各个?|给出的)选项(?:都|均)(?:不对|不正确|错误|不符合)|没有(?:一个)?(?:正确|符合题意)的选项")
        .expect("valid regex")
});

/// An option that itself says none or all of the others ("None of the
/// above", "以上都不对"): naming it is choosing it.
pub(super) static NONE_OR_ALL_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:none|all)\s+of\s+(?:the\s+)?(?:above|these|them)|以上(?:都|均|皆|全)|都不(?:对|正确)|无正确",
    )
    .expect("valid regex")
});

/// A turn after a hedge to a choice all the same ("…, but for an exam the expected answer is C").
pub(super) static CONTRAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:but|however|though|that\s+said|still)(?-u:\b)|不过|但|然而|仍然|还是")
        .expect("valid regex")
});

/// "All of them except …": the labels that follow are the ones left out.
pub(super) static ALL_EXCEPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:all\s+(?:of\s+(?:them|the\s+options|the\s+above)\s+|options\s+)?(?:except|but)|everything\s+(?:except|but)|除了?)\s*")
        .expect("valid regex")
});

/// An answer that reaches its choice by ruling the others out.
pub(super) static ELIMINATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)排除|只剩|剩下|剩余的|(?-u:\b)eliminat|(?-u:\b)leaves?(?-u:\b)|(?-u:\b)leaving(?-u:\b)|(?-u:\b)remaining(?-u:\b)|by\s+elimination")
        .expect("valid regex")
});

/// Several options ruled out in one breath ("A、B、D都可以排除", "we can rule
/// out A, B and D", "A and C are wrong"): group 1 or 2 holds the labels.
pub(super) static LISTED_RULED_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?-u:\b)(?:rule\s+out|eliminate|cross\s+(?:off|out))\s+(?:options?\s+)?([A-F](?:\s*(?:,|and|&|,\s*and)\s*[A-F])*)(?-u:\b)
      | (?:^|[^A-Za-z])(?:options?\s+|选项)?([A-F](?:\s*(?:[、,，/和与及]|and)\s*[A-F])*)(?:\s*(?:[两二三四五]?项|选项|options?))?\s*
        (?:都|均|也|就|皆|\s+(?:are|is|can\s+be|can\s+all\s+be|are\s+all))?\s*(?:可以|能|可)?(?:直接)?(?:被)?
        (?:排除|不对|错误|不正确|不符合|ruled\s+out|eliminated|wrong|incorrect)",
    )
    .expect("valid regex")
});

/// "All except C are correct" without a marker, for multiple-answer
/// questions ("本题除C以外的选项都正确"): group 1 or 2 holds the labels left out.
pub(super) static COMPLEMENT_CLAIMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        除了?\s*(?:选项)?([A-F](?:\s*[、,，和与及]\s*[A-F])*)\s*(?:项|选项)?\s*(?:以外|之外|外)?\s*(?:的)?\s*(?:选项|其他|其余|其它)?(?:选项)?\s*(?:都|均|全|全部)(?:是|为)?(?:正确|对|符合|属于|入选|应选|选|是)
      | (?-u:\b)(?:all|every)\s+(?:of\s+the\s+)?(?:options?|answers?|choices?|statements?)?\s*(?:except|but|other\s+than)\s+(?:option\s+)?([A-F](?:\s*(?:,|and)\s*[A-F])*)\s+(?:are|is|apply|applies)\s+(?:correct|right|true|valid)",
    )
    .expect("valid regex")
});

/// A last line that ends by naming a label as what its subject is ("The
/// function the kidneys do NOT perform is **B**.", "不属于的是 **C**。").
pub(super) static CONCLUDING_PREDICATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?-u:\b)(?:is|was|would\s+be|must\s+be)|的是|就是|当属|为)\s*[:：]?\s*(?:\*\*|__)?\s*[(（]?([A-Fa-f])[)）]?\s*(?:\*\*|__)?\s*[.。!！]?\s*$")
        .expect("valid regex")
});

/// Several labels after a colon or a copula, ending their sentence ("From
/// the options: **ABDE**.", "结论：A、C、D。", "The greenhouse gases here are
/// A, B, D, and E."): a multiple-answer question's answer.
pub(super) static LABELS_AFTER_COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(?:[:：]|→|=>|(?-u:\b)(?:are|include)(?-u:\b)|是|为|有|包括)\s*([A-F](?:\s*[、,，&]\s*[A-F]|\s*,?\s+and\s+[A-F]|[A-F]){1,5})\s*(?:[.。!！]|$)")
        .expect("valid regex")
});

/// A line that introduces the answer as a list ("The standard HTTP methods
/// among the options are:", "正确的有："): what follows lists it.
pub(super) static LIST_INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?-u:\b)(?:are|include|answers?|following)(?-u:\b)|是|有|包括|如下|为)\s*[:：]\s*$")
        .expect("valid regex")
});

/// The amount a sentence ends on, with its unit ("所以现价为192元。", "The
/// original price was $48.", "…took 75 minutes in all."), not an operand
/// ("150 ÷ 3."): read against options that are amounts.
pub(super) static AMOUNT_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[^\d.,+\-×÷*/=\s]\s*[(（“\x22']?([$¥€£]?\s?\d[\d,]*(?:\.\d+)?\s?%?)[)）”\x22']?\s*(?:[\p{Han}]{1,3}|[a-z]{1,12})?(?:\s+(?:in\s+all|in\s+total|altogether|total))?\s*[.。!！]?\s*$")
        .expect("valid regex")
});

/// A multiple-answer question's options listed by their texts after a
/// colon or a copula ("The conductors are: copper, aluminium.").
pub(super) static TEXTS_AFTER_COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(?:[:：]|→|(?-u:\b)(?:are|include)(?-u:\b)|是|为|有|包括)\s*([^\n:：]{2,200})$")
        .expect("valid regex")
});

/// A line or sentence that ends on a label after a dash or an arrow
/// ("Marbury v. Madison (1803) — option B.", "It prints 4 → B."): the
/// answer, named last.
pub(super) static TRAILING_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(?:\s[—–]\s*|→\s*|=>\s*)(?:选项|(?i:option)\s+)?[(（]?([A-F])[)）]?\s*[.。!！]?\s*$")
        .expect("valid regex")
});

/// A line that rules its option out.
pub(super) static RULED_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[✘✗❌×]|错误|不正确|不符合|不对|排除|(?-u:\b)(?:wrong|incorrect|false|eliminated|ruled\s+out)(?-u:\b)",
    )
    .expect("valid regex")
});

/// Words that withdraw what was said before.
pub(super) static CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?-u:\b)wait(?-u:\b) | (?-u:\b)actually(?-u:\b) | (?-u:\b)correction(?-u:\b) | (?-u:\b)I\s+(?:made|make)\s+an?\s+(?:mistake|error) | on\s+second\s+thought
      | let\s+me\s+(?:re|double)|re-?check | reconsider | re-?read(?-u:\b) | (?-u:\b)no,\s | (?-u:\b)hmm(?-u:\b) | (?-u:\b)oops(?-u:\b) | (?-u:\b)mis(?:read|calculated|took)(?-u:\b)
      | 等等 | 等一下 | 不对 | 更正 | 纠正 | 重新 | 修正(?:一下|为|如下|[:：]) | 实际上 | 其实 | 再(?:想|看|检查|核对|仔细) | 错了 | 有误 | 改为 | 应改 | 仔细 | 检查一下 | 不过再",
    )
    .expect("valid regex")
});

/// Whether `text` (what stands between two statements) withdraws the first.
pub(crate) fn correction_between(text: &str) -> bool {
    CORRECTION.is_match(text)
}

/// Words that make a statement tentative or conditional.
pub(super) static TENTATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?-u:\b)(?:might|may|could|possibly|perhaps|maybe|if|unless|not\s+sure|tempting|initially|at\s+first)(?-u:\b)
      | 可能 | 也许 | 或许 | 似乎 | 如果 | 假如 | 若 | 乍看 | 初步 | 不确定 | 不能确定 | 无法确定 | 容易误选 | 误选",
    )
    .expect("valid regex")
});

/// After a stated answer, another one offered beside it ("ABC or ABCD",
/// "AB或ABD", "ABCE（若按…理解，也可以选 ABCDE）"): two answers, not one.
pub(super) static ALTERNATIVE_ANSWER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        ^[^。\n.!?！？]{0,40}?
        (?:或者?|还是|也可以?选|也可(?:以)?是|也可能是|也(?:可以)?算对?|(?-u:\b)or(?:\s+(?:possibly|maybe|perhaps|even))?(?-u:\b)|(?-u:\b)could\s+also\s+be(?-u:\b))
        \s*(?:选项?|option\s+)?",
    )
    .expect("valid regex")
});

/// Words between two labels of one statement ("A and C", "B或者D", "(A) or maybe (D)").
pub(super) const SEPARATORS: &[&str] = &[
    "and ",
    "or ",
    "maybe ",
    "perhaps ",
    "possibly ",
    "以及",
    "或者",
    "也可能是",
    "可能是",
    "和",
    "与",
    "及",
    "或",
    "还有",
];

/// A statement that names the option by its place ("is the first choice listed", "是第三个选项").
pub(super) static ORDINAL_STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?-u:\b)(?:is|was|it'?s|choose|pick|select|go\s+with|answer\s+is)\s+(the\s+(?:first|second|third|fourth|fifth|sixth|last)\s+(?:option|choice|answer|one|alternative)s?)(?-u:\b)
      | (?:是|选|为)(第\s*[一二三四五六1-6①②③④⑤⑥]\s*个?(?:选项|项))",
    )
    .expect("valid regex")
});

/// An option named by its place.
pub(super) static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        ^(?:the\s+)?(first|second|third|fourth|fifth|sixth|last)\s+(?:option|choice|answer|one|alternative)s?(?-u:\b)(?:\s+listed)?
      | ^(?:option|choice)\s+(?:number\s+|no\.\s*|\#\s*)?(one|two|three|four|five|six|i{1,3}|iv|v|vi|[1-6])(?-u:\b)
      | ^(?:number|no\.)\s*([1-6])(?-u:\b)
      | ^(?:option|choice)\s+\((i{1,3}|iv|v|vi)\)
      | ^第\s*([一二三四五六1-6①②③④⑤⑥])\s*(?:个)?(?:选项|项|个|条)
      | ^选项\s*([一二三四五六①②③④⑤⑥])
      | ^([①②③④⑤⑥])(?:项|选项)?(?:[^①②③④⑤⑥]|$)",
    )
    .expect("valid regex")
});

/// English connectives after which "A" is still a label ("The answer is A because …").
pub(super) const CONNECTIVES: &[&str] =
    &["because", "since", "as", "and", "or", "is", "which", "for", "with", "was", "here", "in", "on", "it", "this"];

/// Where a closing sentence starts that draws the conclusion ("So …",
/// "Therefore …", "所以…", "综上…").
pub(super) static CONCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[.!?。！？]\s*)(?:(?:so|thus|therefore|hence|in\s+conclusion|in\s+summary|in\s+short|in\s+sum|to\s+sum\s+up|overall)(?-u:\b)|所以|因此|故|综上所述|综上|因而|由此可见|可见|总之|总而言之|简而言之)")
        .expect("valid regex")
});

/// A conclusion set under a heading ("**Conclusion:** …", "Bottom line:",
/// "结论：", "总结："): read only for an option named by its text when
/// nothing else commits, as a heading may also close on a remark about
/// another option after a stated answer.
pub(super) static HEADED_CONCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[.!?。！？]\s*)(?:(?:conclusion|bottom\s+line|in\s+the\s+end)\s*[:：]|(?:结论|总结)\s*[:：])")
        .expect("valid regex")
});

/// What a sentence says is not the answer: "not the President", "rather
/// than X", "而不是李白", up to the end of its clause.
pub(super) static NEGATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?-u:\b)(?:not|nor|neither|rather\s+than|instead\s+of|other\s+than|except)(?-u:\b)|而不是|不是|而非|并非|并不是|除了)[^,，。.;；!?！？]*")
        .expect("valid regex")
});

/// The short text or the amount a sentence ends on after a copula or "fill
/// in" ("The next letter is U.", "应填 O", "= 12", "is $9,000.").
pub(super) static PREDICATE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?-u:\b)(?:is|are|be|equals)|=|是|为|填|选)\s*[:：]?\s*[(（“\x22']?([A-Za-z0-9]{1,2}|[^\x00-\x7F\s]{1,2}|[$¥€£]?\s?\d[\d,]*(?:\.\d+)?\s?%?)[)）”\x22']?\s*[.。!！]?\s*$")
        .expect("valid regex")
});
