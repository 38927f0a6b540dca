//! A schema-driven fuzz of the whole API: random documents built from `schema.graphql` (any
//! root field, arguments well or badly typed, hostile strings, other parties' ids, random
//! selections) sent by every role. Whatever comes back must be an answer a client can use:
//! no `5xx`, no `INTERNAL`, nothing of the server's insides (SQL, paths, panics), and nothing
//! of another account's contact data.
//!
//! Deterministic per seed (`API_FUZZ_SEED`, printed on failure); `API_FUZZ_CASES` sets how
//! many documents each role sends (default 150).

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TestApp};
use crate::schema_model::{InputValue, Kind, SchemaModel, TypeRef};
use crate::shop::{Shop, create_refund, ok, paid_order, preparing_order, request_cancel};

/// Strings that have broken servers before: quoting, wildcards, encodings, sizes.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "'",
    "' OR 1=1 --",
    "\"; DROP TABLE accounts; --",
    "%",
    "_",
    "\\",
    "%00",
    "\u{0}",
    "\r\n",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "배송",
    "환불 요청합니다 😀",
    "\u{202e}evil",
    "ｅｘａｍｐｌｅ",
    "4111 1111 1111 1111",
    "a@b",
    "nobody@example.com",
    "9999999999999999999999",
    "-1",
    "1e309",
    "null",
    "2026-13-45T25:61:00Z",
    "01a00000-0000-7000-8000-000000000000",
];

/// What the fuzzer knows of the world: ids of real objects of different owners.
struct World {
    ids: Vec<String>,
    order_numbers: Vec<String>,
}

struct Fuzzer<'a> {
    model: &'a SchemaModel,
    world: &'a World,
    rng: StdRng,
}

impl Fuzzer<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn string(&mut self) -> String {
        match self.rng.random_range(0..6) {
            0 => (*HOSTILE.choose(&mut self.rng).unwrap_or(&"")).to_owned(),
            1 => "가".repeat(self.rng.random_range(1..3000)),
            2 => self
                .world
                .order_numbers
                .choose(&mut self.rng)
                .cloned()
                .unwrap_or_default(),
            3 => (0..self.rng.random_range(0..40))
                .map(|_| char::from(self.rng.random_range(0x20u8..0x7f)))
                .collect(),
            _ => format!("text {}", self.rng.random_range(0..1000)),
        }
    }

    fn id(&mut self) -> String {
        if self.chance(0.8) {
            self.world
                .ids
                .choose(&mut self.rng)
                .cloned()
                .unwrap_or_default()
        } else {
            self.string()
        }
    }

    /// A GraphQL literal for `ty`, usually of the right type.
    fn literal(&mut self, ty: &TypeRef, depth: usize) -> String {
        if self.chance(0.04) {
            // Wrong on purpose: a type the argument does not take.
            return ["\"x\"", "1", "true", "null", "[]", "{}", "RANDOM_ENUM"]
                .choose(&mut self.rng)
                .unwrap_or(&"null")
                .to_string();
        }
        if ty.nullable() && self.chance(0.1) {
            return "null".into();
        }
        match ty {
            TypeRef::List { of, .. } => {
                let n = self.rng.random_range(0..3);
                let items: Vec<String> = (0..n).map(|_| self.literal(of, depth + 1)).collect();
                format!("[{}]", items.join(", "))
            }
            TypeRef::Named { name, .. } => self.named_literal(name, depth),
        }
    }

    fn named_literal(&mut self, name: &str, depth: usize) -> String {
        match name {
            "ID" => json!(self.id()).to_string(),
            "String" => json!(self.string()).to_string(),
            "Int" => {
                let n: i64 = match self.rng.random_range(0..4) {
                    0 => self.rng.random_range(-5..200),
                    1 => i64::from(i32::MAX),
                    2 => i64::from(i32::MIN),
                    _ => self.rng.random_range(0..100_000_000),
                };
                n.to_string()
            }
            "Float" => format!("{:.3}", self.rng.random_range(-1e6..1e6)),
            "Boolean" => self.chance(0.5).to_string(),
            "DateTime" => json!(
                [
                    "2026-11-20T09:00:00Z",
                    "2030-01-01T00:00:00Z",
                    "1970-01-01T00:00:00Z",
                    "not a date"
                ]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or_default()
            )
            .to_string(),
            "JSON" => "{}".into(),
            "Upload" => "null".into(),
            other => match self.model.types.get(other) {
                Some(Kind::Enum(values)) => {
                    values.choose(&mut self.rng).cloned().unwrap_or_default()
                }
                Some(Kind::Input(fields)) if depth < 4 => {
                    let fields = fields.clone();
                    let mut parts = Vec::new();
                    for field in &fields {
                        if field.required() || self.chance(0.5) {
                            let value = self.literal(&field.ty, depth + 1);
                            parts.push(format!("{}: {value}", field.name));
                        }
                    }
                    format!("{{ {} }}", parts.join(", "))
                }
                _ => "null".into(),
            },
        }
    }

    fn arguments(&mut self, args: &[InputValue]) -> String {
        let mut parts = Vec::new();
        for arg in args {
            let give = if arg.required() {
                !self.chance(0.03) // sometimes leave a required one out
            } else {
                self.chance(0.4)
            };
            if give {
                let value = if arg.name == "first" || arg.name == "last" {
                    self.rng.random_range(-2..120).to_string()
                } else {
                    self.literal(&arg.ty, 0)
                };
                parts.push(format!("{}: {value}", arg.name));
            }
        }
        if self.chance(0.02) {
            parts.push("noSuchArgument: 1".into());
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("({})", parts.join(", "))
        }
    }

    /// A random selection of `type_name`, a few levels deep, always with `__typename`.
    fn selection(&mut self, type_name: &str, depth: usize) -> String {
        let fields = self.model.fields(type_name).to_vec();
        let mut parts = vec!["__typename".to_owned()];
        for field in &fields {
            if !self.chance(0.45) {
                continue;
            }
            let target = field.ty.named().to_owned();
            let args = self.arguments(&field.args);
            if self.model.is_object(&target) {
                if depth >= 3 {
                    continue;
                }
                let inner = self.selection(&target, depth + 1);
                parts.push(format!("{}{args} {{ {inner} }}", field.name));
            } else {
                parts.push(format!("{}{args}", field.name));
            }
        }
        parts.join(" ")
    }

    /// One document: a random root field of Query or Mutation.
    fn document(&mut self) -> String {
        let root = if self.chance(0.55) {
            "Query"
        } else {
            "Mutation"
        };
        let fields = self.model.fields(root).to_vec();
        let Some(field) = fields.choose(&mut self.rng) else {
            return "{ __typename }".into();
        };
        let args = self.arguments(&field.args);
        let target = field.ty.named().to_owned();
        let selection = if self.model.is_object(&target) {
            format!(" {{ {} }}", self.selection(&target, 0))
        } else {
            String::new()
        };
        let keyword = if root == "Mutation" { "mutation " } else { "" };
        format!("{keyword}{{ {}{args}{selection} }}", field.name)
    }
}

/// Text that must never reach a client.
const LEAKS: &[&str] = &[
    "SELECT ",
    "INSERT ",
    "UPDATE \"",
    "sqlx",
    "sea_orm",
    "DbErr",
    "SqliteError",
    "PgDatabaseError",
    "panicked",
    "/work/",
    "/root/",
    "src/",
    "constraint",
    "duplicate key",
    "RUST_BACKTRACE",
];

async fn world(app: &TestApp, shop: &Shop) -> World {
    let order = preparing_order(app, shop, 30_000).await;
    let request =
        request_cancel(app, &shop.buyer_a, &order).await["data"]["requestCancellation"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    let paid = paid_order(app, shop, 8_000).await;
    let refund = create_refund(app, &shop.seller_a, &paid, 1_000, "fuzz").await["data"]
        ["createRefund"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ticket = ok(
        app,
        &shop.buyer_a,
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }",
        json!({ "i": { "category": "OTHER", "subject": "퍼즈 문의", "body": "문의합니다" } }),
        "createTicket",
    )
    .await["ticket"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let number = ok(
        app,
        &shop.buyer_a,
        "query($id: ID!) { order(id: $id) { orderNumber } }",
        json!({ "id": order }),
        "order",
    )
    .await["orderNumber"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut ids = vec![
        order,
        paid,
        request,
        refund,
        ticket,
        shop.store_a.clone(),
        shop.store_b.clone(),
    ];
    for session in [
        &shop.buyer_a,
        &shop.buyer_b,
        &shop.seller_a,
        &shop.seller_b,
        &shop.agent,
    ] {
        ids.push(session.id.clone());
    }
    World {
        ids,
        order_numbers: vec![number],
    }
}

pub async fn random_documents_from_every_role_get_clean_answers(app: TestApp) {
    let shop = Shop::open(&app).await;
    let world = world(&app, &shop).await;
    let model = SchemaModel::committed();
    let seed: u64 = std::env::var("API_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_201);
    let cases: usize = std::env::var("API_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let everyone: Vec<&Session> = vec![
        &shop.buyer_a,
        &shop.buyer_b,
        &shop.seller_a,
        &shop.seller_b,
        &shop.agent,
    ];
    let contacts: Vec<(String, String)> = everyone
        .iter()
        .map(|s| (s.id.clone(), s.email.clone()))
        .collect();
    let viewers: Vec<(&str, Option<&Session>, bool)> = vec![
        ("anonymous", None, false),
        ("buyer A", Some(&shop.buyer_a), false),
        ("buyer B", Some(&shop.buyer_b), false),
        ("seller A", Some(&shop.seller_a), false),
        ("seller B", Some(&shop.seller_b), false),
        ("agent", Some(&shop.agent), true),
    ];
    let mut problems = Vec::new();
    let mut sent = 0;
    // How the answers went, by error code ("ok" without errors): the fuzzer must reach
    // resolvers, not only the validator.
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for (index, (label, session, staff)) in viewers.iter().enumerate() {
        let mut fuzzer = Fuzzer {
            model: &model,
            world: &world,
            rng: StdRng::seed_from_u64(seed.wrapping_add(index as u64)),
        };
        // Fuzzed mutations may end the session (logout, password change): sign in again
        // when that happens, so every case is a real attempt by this role.
        let mut token = session.map(|s| s.access.clone());
        for case in 0..cases {
            let document = fuzzer.document();
            let response = app
                .post(token.as_deref(), json!({ "query": document }))
                .await;
            sent += 1;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let outcome = body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("ok")
                .to_owned();
            *outcomes.entry(outcome).or_default() += 1;
            let mut complain = |what: String| {
                problems.push(format!(
                    "seed {seed} {label} case {case}: {what}\n  {document}\n  → {status} {}",
                    text.chars().take(400).collect::<String>()
                ));
            };
            if status >= 500 {
                complain("a 5xx".into());
            }
            if body.is_null() {
                complain("not JSON".into());
            }
            for error in body["errors"].as_array().into_iter().flatten() {
                if error["extensions"]["code"] == "INTERNAL" {
                    complain("an INTERNAL error".into());
                }
                if error["extensions"]["code"].is_null() {
                    complain("an error without a code".into());
                }
            }
            for leak in LEAKS {
                if text.contains(leak) {
                    complain(format!("leaked {leak:?}"));
                }
            }
            if !staff {
                for (id, email) in &contacts {
                    if session.is_some_and(|s| &s.id == id) {
                        continue;
                    }
                    if body["data"].to_string().contains(email.as_str()) {
                        complain(format!("another account's email {email}"));
                    }
                }
            }
            if status == 401
                && let Some(session) = session
            {
                // Locked by a fuzzed agent mutation, say: then this role goes on anonymous.
                let again = app
                    .try_login(&session.email, crate::helpers::PASSWORD)
                    .await;
                token = again["data"]["login"]["accessToken"]
                    .as_str()
                    .map(str::to_owned);
            }
        }
    }
    eprintln!("api fuzz, seed {seed}: {sent} requests, outcomes {outcomes:?}");
    let reached = sent - outcomes.get("VALIDATION").copied().unwrap_or(0);
    assert!(
        reached * 3 > sent,
        "most documents never got past validation: {outcomes:?}"
    );
    assert!(
        problems.is_empty(),
        "{} of {sent} fuzzed requests got a bad answer:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

engine_tests!(random_documents_from_every_role_get_clean_answers);
