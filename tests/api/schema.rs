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
        "register(input: RegisterInput!): AuthPayload!",
        "login(email: String!, password: String!): AuthPayload!",
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
}
