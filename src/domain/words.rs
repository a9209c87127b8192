//! Counted nouns for everything the cockpit prints: "1 command", "2
//! commands", "1 criterion". A figure a deployer reads at midnight should
//! not make them stop at its grammar.

/// `n` and the noun, singular for exactly one.
pub fn count<N>(n: N, noun: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {}", plural(noun))
    }
}

fn plural(noun: &str) -> String {
    match noun {
        "criterion" => "criteria".into(),
        "command runs" => "commands run".into(),
        n if n.ends_with("ss") || n.ends_with("ch") || n.ends_with('x') => format!("{n}es"),
        n if n.ends_with('y') && !n.ends_with("ay") && !n.ends_with("ey") => {
            format!("{}ies", &n[..n.len() - 1])
        }
        n => format!("{n}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(count(1, "command"), "1 command");
        assert_eq!(count(0, "command"), "0 commands");
        assert_eq!(count(2, "line"), "2 lines");
        assert_eq!(count(1, "criterion"), "1 criterion");
        assert_eq!(count(3, "criterion"), "3 criteria");
        assert_eq!(count(2, "entry"), "2 entries");
        assert_eq!(count(2, "day"), "2 days");
        assert_eq!(count(2, "pass"), "2 passes");
        assert_eq!(count(2, "command runs"), "2 commands run");
        assert_eq!(count(1, "command runs"), "1 command runs");
    }
}
