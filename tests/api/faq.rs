//! The FAQ (DOMAIN.md "FAQ"): agents edit and publish, everyone reads published entries in
//! order, views and one vote per account or anonymous client are counted, and contact
//! options suggest entries before a ticket is sent.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{TestApp, error_field};
use crate::shop::*;

const CREATE: &str =
    "mutation($i: FaqEntryInput!) { createFaqEntry(input: $i) { id published position } }";
const LIST: &str =
    "query($c: TicketCategory, $a: String) { faqEntries(category: $c, first: 2, after: $a) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id question published } } } }";
const VOTE: &str = "mutation($id: ID!, $h: Boolean!) { voteFaq(id: $id, helpful: $h) { helpfulCount notHelpfulCount } }";

fn entry(question: &str, position: i32, published: bool) -> Value {
    json!({ "i": { "category": "SHIPPING", "audience": "BUYER", "question": question,
        "answer": "택배사 사정에 따라 1~2일 늦어질 수 있습니다. 배송 조회로 확인해 주세요.",
        "locale": "ko", "published": published, "position": position } })
}

fn questions(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["question"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn agents_publish_entries_that_everyone_reads_in_order(app: TestApp) {
    let shop = Shop::open(&app).await;
    let mut ids = Vec::new();
    for (question, position, published) in [
        ("배송은 얼마나 걸리나요?", 2, true),
        ("배송지를 바꿀 수 있나요?", 1, true),
        ("해외 배송도 되나요?", 3, true),
        ("(초안) 새벽 배송", 0, false),
    ] {
        let made = ok(
            &app,
            &shop.agent,
            CREATE,
            entry(question, position, published),
            "createFaqEntry",
        )
        .await;
        ids.push(made["id"].as_str().unwrap().to_owned());
    }
    let bad = app.gql_as(Some(&shop.agent.access), CREATE, json!({ "i": { "category": "OTHER", "audience": "ALL", "question": "q", "answer": "a", "locale": "jp" } })).await;
    assert_eq!(error_field(&bad), "locale");
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), CREATE, entry("x", 0, true)).await,
        "FORBIDDEN"
    );

    // Visitors see published entries by position, page after page.
    let first = app.gql(LIST, json!({ "c": "SHIPPING" })).await["data"]["faqEntries"].clone();
    assert_eq!(first["totalCount"], 3);
    assert_eq!(
        questions(&first),
        vec!["배송지를 바꿀 수 있나요?", "배송은 얼마나 걸리나요?"]
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let next = app
        .gql(
            LIST,
            json!({ "c": "SHIPPING", "a": first["pageInfo"]["endCursor"] }),
        )
        .await["data"]["faqEntries"]
        .clone();
    assert_eq!(questions(&next), vec!["해외 배송도 되나요?"]);
    assert_eq!(next["pageInfo"]["hasNextPage"], false);
    // Agents see drafts too; the draft is invisible to customers by id.
    assert_eq!(
        ok(
            &app,
            &shop.agent,
            LIST,
            json!({ "c": "SHIPPING" }),
            "faqEntries"
        )
        .await["totalCount"],
        4
    );
    let draft = app
        .gql_as(
            Some(&shop.buyer_a.access),
            "query($id: ID!) { faqEntry(id: $id) { id } }",
            json!({ "id": ids[3] }),
        )
        .await;
    assert!(draft["data"]["faqEntry"].is_null());

    // Views count customers' looks, not agents'.
    let view = "query($id: ID!) { faqEntry(id: $id) { viewCount } }";
    app.gql(view, json!({ "id": ids[0] })).await;
    ok(
        &app,
        &shop.buyer_a,
        view,
        json!({ "id": ids[0] }),
        "faqEntry",
    )
    .await;
    assert_eq!(
        ok(&app, &shop.agent, view, json!({ "id": ids[0] }), "faqEntry").await["viewCount"],
        2
    );

    // Contact options suggest published entries of the category, with channels and the wait.
    let options = app
        .gql("{ contactOptions(category: SHIPPING) { recommendedChannels requiredInformation expectedWaitMinutes suggestedFaqs { id published } } }", json!({}))
        .await["data"]["contactOptions"]
        .clone();
    assert_eq!(options["recommendedChannels"], json!(["PHONE", "EMAIL"]));
    assert_eq!(options["requiredInformation"], json!(["orderNumber"]));
    assert_eq!(
        options["expectedWaitMinutes"], 240,
        "the NORMAL first-response target when nothing was answered yet"
    );
    assert_eq!(options["suggestedFaqs"].as_array().unwrap().len(), 3);
    assert!(
        options["suggestedFaqs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["published"] == true)
    );
    let order = paid_order(&app, &shop, 10_000).await;
    let created = ok(
        &app,
        &shop.buyer_a,
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { suggestedFaqs { question } } }",
        json!({ "i": { "category": "SHIPPING", "subject": "배송", "body": "언제 와요?", "orderId": order } }),
        "createTicket",
    )
    .await;
    assert_eq!(created["suggestedFaqs"].as_array().unwrap().len(), 3);
}

pub async fn each_account_or_anonymous_client_votes_once(app: TestApp) {
    let shop = Shop::open(&app).await;
    let made = ok(
        &app,
        &shop.agent,
        CREATE,
        entry("환불은 언제 되나요?", 0, true),
        "createFaqEntry",
    )
    .await;
    let id = made["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        ok(
            &app,
            &shop.buyer_a,
            VOTE,
            json!({ "id": id, "h": true }),
            "voteFaq",
        )
        .await;
    }
    let anonymous = |helpful: bool| {
        let app = &app;
        let id = id.clone();
        async move { app.gql(VOTE, json!({ "id": id, "h": helpful })).await["data"]["voteFaq"].clone() }
    };
    anonymous(true).await;
    let counts = anonymous(true).await;
    assert_eq!(counts["helpfulCount"], 2, "{counts}");
    // A new user agent is not a new voter: the anonymous vote belongs to the address.
    for agent in ["Mozilla/5.0 (A)", "curl/8.0", "Mozilla/5.0 (B)"] {
        let body: serde_json::Value = app
            .client
            .post(app.graphql_url())
            .header("user-agent", agent)
            .json(&json!({ "query": VOTE, "variables": { "id": id, "h": true } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["voteFaq"]["helpfulCount"], 2, "{body}");
    }
    // Changing one's mind moves the vote.
    let changed = ok(
        &app,
        &shop.buyer_a,
        VOTE,
        json!({ "id": id, "h": false }),
        "voteFaq",
    )
    .await;
    assert_eq!(
        (
            changed["helpfulCount"].clone(),
            changed["notHelpfulCount"].clone()
        ),
        (json!(1), json!(1))
    );
}

engine_tests!(
    agents_publish_entries_that_everyone_reads_in_order,
    each_account_or_anonymous_client_votes_once,
);
