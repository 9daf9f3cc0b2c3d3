use super::*;

#[test]
fn every_parser_field_has_a_type_and_every_type_a_field() {
    let sections = sections();
    for (name, fields) in &sections {
        for f in fields {
            assert!(
                types().iter().any(|(s, x, _)| s == name && x == f),
                "{name}.{f} has no type in TYPES"
            );
        }
    }
    for (s, f, ty) in &types() {
        let fields = sections
            .iter()
            .find(|(n, _)| n == s)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| panic!("no section {s}"));
        assert!(
            fields.contains(f),
            "TYPES names {s}.{f}, which the parser does not read"
        );
        if let Section(d) | ListOf(d) | MapOf(d) = ty {
            assert!(sections.iter().any(|(n, _)| n == d), "no section {d}");
        }
    }
}

#[test]
fn sections_refuse_unknown_fields() {
    let s = schema();
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(s["$defs"]["version"]["additionalProperties"], json!(false));
    assert!(s["properties"]["service"].is_object());
    assert_eq!(
        s["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
}

#[test]
fn a_path_with_a_section_left_out_is_placed_and_a_known_one_is_not() {
    let keys = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
    let joined = |paths: Vec<Vec<String>>| -> Vec<String> {
        paths.into_iter().map(|p| p.join(".")).collect()
    };
    assert_eq!(
        joined(with_a_key_left_out(&keys("strategy.swarm.parallelism"))),
        [
            "strategy.swarm.update_config.parallelism",
            "strategy.swarm.rollback_config.parallelism"
        ]
    );
    assert_eq!(
        joined(with_a_key_left_out(&keys(
            "strategy.kubernetes.strategy.maxSurge"
        ))),
        ["strategy.kubernetes.strategy.rollingUpdate.maxSurge"]
    );
    // A version's field named without `versions.NAME`: the name cannot be guessed.
    assert!(with_a_key_left_out(&keys("service.image")).is_empty());
    assert!(with_a_key_left_out(&keys("strategy.swarm.update_config.parallelism")).is_empty());
    assert!(with_a_key_left_out(&keys("service.nonsense")).is_empty());
    // The walk behind `type_at` is unchanged for the paths it knew.
    assert!(matches!(
        type_at(&keys("service.versions.next.image")),
        Some(Str)
    ));
}
