//! `schema.graphql` is the reviewed public contract: it must match the code.

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql exists");
    let current = storedesk::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -- export-schema --out schema.graphql` and review the diff"
    );
}

#[test]
fn the_contract_names_of_api_md_are_present() {
    let sdl = storedesk::graphql::sdl();
    for name in [
        "enum Role",
        "enum AccountStatus",
        "type Account",
        "type Store",
        "type AuthPayload",
        "me: Account",
        "refreshSession(refreshToken: String!): AuthPayload!",
        "logout(refreshToken: String!, everywhere: Boolean = false): Boolean!",
        "role: Role = BUYER",
        "changePassword(currentPassword: String!, newPassword: String!): Boolean!",
        "createStaffAccount(input: CreateStaffAccountInput!): Account!",
        "totalCount: Int!",
        "accessTokenExpiresAt: DateTime!",
    ] {
        assert!(sdl.contains(name), "missing from the schema: {name}");
    }
    // Fields that have gained optional arguments since API.md was written (`cookie:`): the
    // contract's arguments and result stay.
    let model = crate::schema_model::SchemaModel::committed();
    for (field, args, result) in [
        ("register", &[("input", "RegisterInput")][..], "AuthPayload"),
        (
            "login",
            &[("email", "String"), ("password", "String")][..],
            "AuthPayload",
        ),
    ] {
        let found = model
            .fields("Mutation")
            .iter()
            .find(|f| f.name == field)
            .unwrap_or_else(|| panic!("Mutation.{field} is missing"));
        assert_eq!(found.ty.named(), result, "{field}");
        assert!(!found.ty.nullable(), "{field} must return {result}!");
        for (name, ty) in args {
            let arg = found
                .args
                .iter()
                .find(|a| a.name == *name)
                .unwrap_or_else(|| panic!("Mutation.{field} lost its {name} argument"));
            assert!(
                arg.required() && arg.ty.named() == *ty,
                "{field}({name}: {ty}!)"
            );
        }
        let extra_required: Vec<_> = found
            .args
            .iter()
            .filter(|a| a.required() && !args.iter().any(|(name, _)| *name == a.name))
            .collect();
        assert!(
            extra_required.is_empty(),
            "{field} gained required arguments"
        );
    }
}
