//! What the simulated user makes of an agent's text that names none of the
//! scripted replies' keywords: a question asked in other words still gets
//! an answer, and a confirmation asked before an irreversible act gets a
//! yes. Deterministic (a classifier of the text's form, no model), so a
//! stored episode reads the same; how each reply was chosen is recorded.

/// What an agent's text is, to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking {
    /// Asks the user to confirm before it acts.
    Confirmation,
    /// Asks the user for something.
    Question,
    /// A final answer (courtesy closers such as "anything else?" included).
    Nothing,
}

/// Courtesy closers: a question that ends an answer, not one that waits for information.
const CLOSERS: &[&str] = &[
    "anything else",
    "something else",
    "any other",
    "other questions",
    "further questions",
    "help you with",
    "further assistance",
    "还有什么",
    "还有其他",
    "其他需要",
    "其他问题",
    "随时",
    "还需要什么帮助",
];

const CONFIRMING: &[&str] = &[
    "confirm",
    "shall i",
    "should i",
    "do you want me to",
    "would you like me to",
    "may i proceed",
    "shall we proceed",
    "ok to proceed",
    "okay to proceed",
    "go ahead",
    "proceed?",
    "is that correct",
    "is this correct",
    "are you sure",
    "确认",
    "是否",
    "要不要",
    "需要我",
    "可以吗",
    "好吗",
    "对吗",
    "是吗",
    "继续办理",
];

/// Requests that ask for something without a question mark.
const REQUESTS: &[&str] = &[
    "could you",
    "can you",
    "would you",
    "please provide",
    "please tell",
    "please let me know",
    "please specify",
    "please give",
    "please confirm",
    "let me know",
    "i need to know",
    "i'll need",
    "i will need",
    "请提供",
    "请告诉",
    "请问",
    "请说明",
    "请确认",
    "能否",
    "可否",
];

/// Reads an agent's text (with no tool call) the way a user would.
pub fn asking(text: &str) -> Asking {
    let lower = text.to_lowercase();
    // The last sentences carry the request; an answer's body does not.
    let tail: String = {
        let chars: Vec<char> = lower.chars().collect();
        chars[chars.len().saturating_sub(240)..].iter().collect()
    };
    let question =
        tail.contains('?') || tail.contains('？') || tail.trim_end().ends_with('吗') || tail.trim_end().ends_with('呢');
    let closing = CLOSERS.iter().any(|c| tail.contains(c));
    let last_question =
        tail.rsplit(['.', '。', '!', '！', '\n']).find(|s| s.contains('?') || s.contains('？')).unwrap_or("");
    if closing && !CONFIRMING.iter().any(|c| last_question.contains(c)) {
        return Asking::Nothing;
    }
    if !question && !REQUESTS.iter().any(|r| tail.contains(r)) {
        return Asking::Nothing;
    }
    if CONFIRMING.iter().any(|c| tail.contains(c)) { Asking::Confirmation } else { Asking::Question }
}

/// The user's yes to a confirmation.
pub fn confirmation(zh: bool) -> &'static str {
    if zh { "是的，确认无误，请办理。" } else { "Yes, that's right. Please go ahead." }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_in_other_words_confirmations_and_closers() {
        for q in [
            "Could you let me know the day you'd like to come in?",
            "To book it I need to know your preferred day and time.",
            "您方便哪天过来办理？",
            "请提供新的经营地址。",
            "I'll need your new address to file it.",
        ] {
            assert_eq!(asking(q), Asking::Question, "{q}");
        }
        for c in [
            "I will cancel application A-0003. Shall I proceed?",
            "I'm about to book slot S-XH-1208-09 on 8 December at 09:00 — please confirm.",
            "即将为您取消申请A-0003，确认要取消吗？",
            "Do you want me to submit the renewal now?",
        ] {
            assert_eq!(asking(c), Asking::Confirmation, "{c}");
        }
        for a in [
            "Your application A-0004 has been submitted. Is there anything else I can help you with?",
            "已为您提交申请，编号A-0004。还有什么可以帮您的吗？",
            "Renewal is free of charge.",
            "已为您预约12月8日09:00。",
        ] {
            assert_eq!(asking(a), Asking::Nothing, "{a}");
        }
    }
}
