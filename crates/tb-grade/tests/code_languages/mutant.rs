//! One-token mutants, shared by the code grader's dataset tests.

/// A one-token mutant of a solution: the first of these edits that applies.
/// Fixed, not searched for a failing one, so a grader that passes mutants fails here.
pub fn mutant(solution: &str) -> Option<String> {
    const EDITS: [(&str, &str); 20] = [
        (" == ", " != "),
        (" != ", " == "),
        (" <= ", " > "),
        (" >= ", " < "),
        (" < ", " >= "),
        (" > ", " <= "),
        ("true", "false"),
        ("false", "true"),
        (" + ", " - "),
        (" - ", " + "),
        ("+=", "-="),
        ("-=", "+="),
        ("if (", "if (!"),
        ("if(", "if(!"),
        ("if ", "if !"),
        ("-", "+"),
        ("+", "-"),
        ("*", "/"),
        ("0", "1"),
        ("1", "2"),
    ];
    EDITS.iter().find(|(from, _)| solution.contains(from)).map(|(from, to)| solution.replacen(from, to, 1))
}
