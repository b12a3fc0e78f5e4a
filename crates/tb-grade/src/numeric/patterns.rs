//! The patterns a numeric answer is read with: numbers, statements of the
//! result, conditions, hedges and checks.

use std::sync::LazyLock;

use regex::Regex;

/// Chinese measure words: after one of them a single numeral character is a number.
pub(super) const MEASURE_WORDS: &[&str] = &[
    "个", "元", "块", "只", "人", "天", "年", "月", "小时", "分钟", "米", "千克", "公斤", "吨", "页", "本", "辆", "台",
    "件", "份", "次", "岁", "倍", "名", "位", "棵", "瓶", "箱", "张", "条", "支", "斤", "克", "升", "周", "秒", "层",
    "道", "步",
];

/// Digits with separators, decimals, exponents, fractions; or Chinese numerals.
pub(super) static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<neg>-\s?[$¥€£]?|负|零下)?
        (?:
          (?P<clock>\d{1,2}:\d{2}|\d{1,2}点(?:\d{1,2}分|半))           # 10:15, 4点30分, a time of day
        |
          (?P<whole>\d+)(?:\x20|又|\x20and\x20)(?P<mnum>\d+)/(?P<mden>\d+)   # 2 1/2, 3又3/4
        |
          (?P<arabic>
            (?:\d{1,3}(?:[,\x20\x{A0}\x{202F}\x{2009}]\d{3})+|\d+)   # 1,250  9 375  1250
            (?:\.\d+)?
            (?:[eE][+-]?\d+)?
          |
            \.\d+
          )
          (?P<frac>/\d+(?:\.\d+)?)?
          (?P<sci>\s?[×xX*·]\s?10(?:(?:\^|\*\*)(?P<exp>[-+]?\d+)|(?P<sup>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?
          (?P<scale>\s?(?:万亿|[万亿千百])|\s?(?:thousand|million|billion)(?-u:\b)|[kK](?-u:\b))?
        |
          (?P<hanzi>[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)
        )
        (?P<pct>\s?%|\s?percent(?-u:\b))?",
    )
    .expect("valid regex")
});

/// Statements of the result; the number follows in the same sentence.
pub(super) static STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        \#\#\#\#
      | \x{E000}
      | you\s+asked\s+for[^.\n:]{0,40}(?:is|:)
      | final\s+(?:answer|result|total)(?:\s+(?:is|would\s+be|will\s+be))?
      | (?:the\s+)?(?:correct\s+)?answer\s+(?:is|would\s+be|will\s+be|should\s+be)
      | (?:^|\n)\s*answer\s*[:=]
      | (?-u:\b)answer\x22?\s*: | (?-u:\b)therefore,?\s+the\s+answer
      | 最终答案 | 最后答案 | 正确答案 | 答案 | 最终结果 | 计算结果 | (?:^|\n)\s*答(?:\s*[:：]|\s) | (?:^|[^解回])答[:：]",
    )
    .expect("valid regex")
});

/// An answer that says it has no single result.
pub(super) static NO_RESULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        can(?:'|no)?t\s+be\s+(?:answered|determined|calculated|solved|found)
      | (?:not\s+enough|insufficient|missing)\s+(?:information|data) | contradictory | inconsistent\s+(?:data|information|conditions)
      | (?-u:\b)ambiguous(?-u:\b) | two\s+(?:ways|interpretations|readings|possible\s+answers) | depending\s+on | somewhere\s+between
      | (?:无法|不能|没法)(?:确定|计算|求出|算出|求得|回答|得出|判断) | 条件不足 | 缺少?了?(?:一个|一些)?(?:关键|必要)?的?(?:条件|信息|数据) | 请补充 | 条件(?:矛盾|有误|不够) | 数据(?:矛盾|有误) | 相互矛盾
      | (?-u:\b)depends\s+on | (?:I'?d|I\s+would)\s+need\s+to\s+know | can(?:no|')?t\s+(?:estimate|tell|say|work\s+out|determine|know|pin\s+down)
      | can(?:no|')?t\s+give\s+(?:a|an|the|you\s+a)\s+(?:(?:definite|definitive|single|precise|specific|firm)\s+)?(?:number|figure|result|answer|exact|total|value|amount)
      | no\s+way\s+to\s+(?:know|tell|determine|calculate|get\s+from) | (?:several|multiple|many|more\s+than\s+one)\s+(?:possible\s+)?(?:answers|solutions|combinations|possibilities)\s+(?:that\s+)?(?:work|fit|are\s+possible|satisfy) |
      (?-u:\b)don'?t\s+know\s+which | tell\s+me\s+(?:the|which|what) | need\s+(?:a\s+(?:bit|little)\s+|some\s+)?more\s+(?:information|info|details) | before\s+I\s+can\s+tell
      | 两种[^，。,\n]{0,4}?(?:理解|解释|情况|可能|读法) | 取决于 | 也可能是 | 介于
      | (?:题目|题中|题干)(?:并)?(?:没有|没|未)(?:说明|注明|交代|给出|明确) | (?:doesn'?t|does\s+not|didn'?t|did\s+not)\s+(?:say|specify)\s+(?:whether|how|if|which|what)
      | (?:结果|答案)(?:并)?不一致 | (?:答案|结果|解)不唯一 | 无法唯一(?:确定|求出) | (?:含义|题意|表述|意思)(?:不明确|不清楚?|模糊|有歧义) | 核对(?:一下)?(?:原题|题目)
      | 你(?:可以)?(?:先)?(?:按|照)?(?:这个|上面的?)?(?:思路|步骤|方法)?(?:自己)?(?:算一算|试着算|算算看|动手算) | 试着自己(?:算|做|解)
      | (?-u:\b)(?:try|have\s+a\s+go\s+at)\s+(?:solving|calculating|working)\s+(?:it|this|that)\s+(?:out\s+)?yourself
      | 条件(?:还|并|仍)?不(?:够|足|全|完整) | 没有?告诉(?:我们|我) | (?:请|你|您)(?:再)?补充一下 | 有无数个 | 无数(?:个|种) | 无穷多(?:个|种) | (?:互相|自相)矛盾 | 没办法(?:得出|确定|算出|求出)
      | 自己试着(?:完成|算|做) | [两三四五六七八九几多]种(?:情况|方法|凑法|答案)?都(?:可以|行|符合|成立)(?:[。！!，,；;]|$) | (?:[\d两三四五六七八九十几多]+个|这些)(?:数|答案|结果|值)?都(?:符合|满足)(?:要求|条件) | 只能得到[^。\n]{0,20}范围 | 需要再(?:仔细)?(?:算|核对|检查)一下
      | can(?:no|')?t\s+be\s+pinned\s+down | (?-u:\b)any\s+[a-z]+\s+(?:over|above|greater\s+than|more\s+than|below|under|less\s+than)\s+[^.\n]{0,20}(?:fits|works|satisf)
      | (?:never|doesn'?t|does\s+not|didn'?t|did\s+not)\s+(?:tell|give|say|specify|state)s?\s+(?:us|me)\s+(?:how|what|which|whether|either) | depends\s+(?:entirely|only|solely|largely|completely)\s+on
      | no\s+such\s+[a-z]+\s+(?:exists|can\s+exist) | contradict\s+each\s+other | (?-u:\b)which\s+(?:of\s+these|one)\s+(?:does|do|did)\s+(?:your|the)\s+(?:problem|question)
      | (?:don'?t|do\s+not)\s+think\s+(?:this|the|that|it)\s+(?:question\s+|problem\s+)?can\s+be\s+(?:answered|solved|determined|calculated)
      | (?:not|n't)\s+enough\s+(?:information|info|data|details?|to\s+go\s+on) | (?:no|not\s+a|isn'?t\s+a|is\s+not\s+a)\s+(?:single|unique)\s+(?:answer|result)
      | (?:can(?:no|')?t|unable\s+to|impossible\s+to|not\s+possible\s+to)\s+(?:compute|calculate|find|get|give|determine|work\s+out|arrive\s+at|come\s+up\s+with|reach)\s+(?:a|an|any|one)\s+(?:single|numerical|numeric|exact|specific|definite|definitive|unique|concrete|precise|final)\s+(?:answer|number|result|value|figure|total|amount)
      | (?:算|求|得)不出(?:具体|确切|唯一|准确)的?(?:数值|结果|答案) | (?:没有|没)(?:唯一|确定)的?(?:答案|结果) | (?:无法|不能|没法)给出(?:具体|确切|唯一|准确)的?(?:结果|答案)
      | (?:I'?d|I\s+would)\s+rather\s+confirm | please\s+(?:share|provide|tell\s+me)\s+(?:the|your|how|what|whether) | all\s+we\s+can\s+say\s+is | I\s+seem\s+to\s+be\s+making\s+a\s+mistake",
    )
    .expect("valid regex")
});

/// A sentence that gives a result only under a supposition.
pub(super) static CONDITIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:if|assuming|suppose|supposing)(?-u:\b)|(?-u:\b)for\s+example(?-u:\b)|(?-u:\b)e\.g\.|如果|假如|假设|例如|比如|的话")
        .expect("valid regex")
});

/// Inside a sentence, where its conclusion begins ("She bought 3 packs, so she has 36").
pub(super) static CLAUSE_CONCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:so|therefore|thus|hence)(?-u:\b)|所以|因此|因而|于是").expect("valid regex")
});

/// Chinese words that give what follows as a result ("一周5天共走18000米").
pub(super) static RESULT_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"共|一共|总共|合计|还剩|剩下|剩余|需要|等于|得到|赚了|花了|走了|跑了|用了|读了|做了|可得|应付|应交|应找|约?为",
    )
    .expect("valid regex")
});

/// A range or alternatives given as the result ("10到12天", "either 10 or 8").
pub(super) static ALTERNATIVES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d\s*(?:到|至|~|～)\s*\d|(?-u:\b)between\s+(?:\w+\s+){0,2}\$?\d[\d.,]*(?:\s*\w+){0,3}\s+and\s+\$?\d|(?-u:\b)either(?-u:\b)|\d[^\d,;]{0,12}(?-u:\b)or\s+(?:maybe\s+)?\$?\d|或者?\s*\d|还是\s*\d|(?-u:\b)if(?-u:\b)")
        .expect("valid regex")
});

/// A statement that hedges what it states.
pub(super) static HEDGED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:could|might|may)\s+be(?-u:\b)|(?-u:\b)depends(?-u:\b)|可能是|也可能|取决于")
        .expect("valid regex")
});

/// Subtotal lines ("| **合计** | … | **82.5元** |", "Total: $340"): the result
/// when nothing states one.
pub(super) static TOTAL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^[\s\-]*(?:合计|总计|共计|总共|(?:total|grand\s+total|sum)(?-u:\b))").expect("valid regex")
});

/// Sentences that conclude.
pub(super) static CONCLUDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        ^\s*(?:so|thus|therefore|hence|in\s+total|altogether|together|overall|in\s+conclusion|this\s+means|that\s+means|finally|in\s+all)(?-u:\b)
      | ^\s*(?:所以|因此|因而|综上|综合来看|总的来说|总之|故|总共|一共|最终|最后|总计|合计|即)",
    )
    .expect("valid regex")
});

/// Words before a number that make it a condition or a reference, not the result.
pub(super) static CONDITION_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?:(?-u:\b)after|(?-u:\b)in|(?-u:\b)for|(?-u:\b)within|(?-u:\b)over|(?-u:\b)per|(?-u:\b)every|(?-u:\b)each|(?-u:\b)from|(?-u:\b)of|(?-u:\b)than|(?-u:\b)of\s+the|(?-u:\b)during|(?-u:\b)on|(?-u:\b)with|(?-u:\b)first|(?-u:\b)last|(?-u:\b)day|(?-u:\b)week|(?-u:\b)month|(?-u:\b)year|(?-u:\b)page|(?-u:\b)step|(?-u:\b)number|(?-u:\b)no\.)\s*[$¥€£]?\s*$
      | (?:每|经过|过了?|第|比|除以|乘以|前|后|再过)\s*$",
    )
    .expect("valid regex")
});

/// A closing aside ("提醒：…", "Note: …", "PS"), not the result.
pub(super) static REMARK: LazyLock<Regex> = LazyLock::new(|| {
    // A whole sentence in brackets is an aside too ("(The last trip carries just 22 cars.)").
    // A bracket that closes before the sentence goes on ("(8 + 12) ÷ 2 = 10") opens a formula, not an aside.
    Regex::new(
        r"(?i)^\s*(?:-\s*)?(?:(?:提醒|温馨提示|注意|注：|备注|note|tip|ps|p\.s\.|fun\s+fact)\s*[:：,]|[(（][^)）]*(?:[)）][\s.。!！]*)?$)",
    )
        .expect("valid regex")
});

/// Words before a year.
pub(super) static YEAR_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:in|by|since|from|to|of|until|before|after|year)\s*$|^\s*$").expect("valid regex")
});

/// A conversion factor ("1 km = 1000 m", "1升 = 1000立方厘米"): a definition, not a result.
/// A unit word follows the 1; a bracket does not ("(6 − 1) = 11" is working).
pub(super) static DEFINITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d.])1\s*\p{L}[^\d\s=]{0,7}\s*=\s*[\d.,]+\s*[^\d\s=]").expect("valid regex"));

/// Words after a number that make it a condition ("3天后", "10 days later").
pub(super) static CONDITION_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        ^\s*(?:[a-z]+\s+)?(?:later|ago|earlier|more\s+than|less\s+than|fewer\s+than|times\s+(?:as|more))(?-u:\b)
      | ^\s*(?:each|apiece|a\s+piece)(?-u:\b)
      | ^\s*(?:天|周|个?月|年|小时|分钟|秒)?(?:后|之后|以后|前|之前|以前|里|内|中)
      | ^\s*(?:月份|月\d|日|号)
      | ^\s*(?:倍|次方)",
    )
    .expect("valid regex")
});

/// Sentences that check a result already given ("Check: 18 - 3 = 15 ✓").
/// A closing line that confirms the working ("66 − 11 = 55，没问题～", "…, which checks out."): a check, not the result.
pub(super) static CONFIRMATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:没问题|符合题意|符合条件|checks?\s+out|is\s+(?:indeed\s+)?correct|that'?s\s+right)[\s～~!！。.✓✔✅]*$",
    )
    .expect("valid regex")
});

/// A dependence a closing aside speaks of ("…face a fee, depending on its policy"): of something else, not the result.
pub(super) static DEPENDENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)depending\s+on|(?-u:\b)depends\s+(?:(?:entirely|only|solely|largely|completely)\s+)?on|取决于")
        .expect("valid regex")
});

pub(super) static VERIFICATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:[-*>]\s*)?(?:\d{1,2}[.、)]\s*)?(?:[^\p{L}\p{N}\s]{1,3}\s*)?(?:let'?s\s+)?(?:check|verify|verification|double-check|sanity\s+check|验证|检验|验算|检查)",
    )
    .expect("valid regex")
});

/// What opens the working after a result stated first ("Here's why:",
/// "Let me explain", "过程如下").
pub(super) static EXPLANATION_FOLLOWS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:here'?s|here\s+is)\s+(?:why|how|the\s+(?:breakdown|math|calculation|working|reasoning))|^let\s+me\s+(?:explain|show|walk)|^(?:explanation|reasoning|working|solution)\s*[:：]|^to\s+see\s+why|(?:理由|解析|过程|计算过程|解题过程|具体计算|推导|原因|思路|步骤)(?:如下|是这样的)|^(?:解析|过程|分析|计算过程)[:：]")
        .expect("valid regex")
});
