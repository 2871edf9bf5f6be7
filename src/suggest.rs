//! "Did you mean …?" for mistyped preset, layer and setting names.

/// The closest candidate within a small edit distance, if any.
pub fn did_you_mean(input: &str, candidates: &[String]) -> Option<String> {
    let limit = (input.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|candidate| (edit_distance(input, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "postgres-oauth2-jwt",
            "cockroach-token-session",
            "cockroach-oidc-cluster",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn suggests_the_nearest_name_for_a_typo() {
        assert_eq!(
            did_you_mean("postgres-oauth-jwt", &names()).as_deref(),
            Some("postgres-oauth2-jwt")
        );
        assert_eq!(did_you_mean("cockroach-oidc", &names()), None);
    }

    #[test]
    fn says_nothing_when_nothing_is_close() {
        assert_eq!(did_you_mean("mysql", &names()), None);
    }

    #[test]
    fn counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
