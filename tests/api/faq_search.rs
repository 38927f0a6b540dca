//! FAQ search (DOMAIN.md "FAQ": search must work for Korean): the seed posts' Q&A ranked by
//! BM25 over Hangul bigrams and English words, with highlights, filters and drafts hidden from
//! customers; the index follows every change, also one made by another instance.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{TestApp, error_code, error_field};
use crate::shop::*;

const SEARCH: &str = "query($q: String!, $a: Audience, $l: String, $c: TicketCategory, $n: Int) {
    faqSearch(query: $q, audience: $a, locale: $l, category: $c, first: $n) {
        score highlight entry { id question published locale } } }";
const UPDATE: &str =
    "mutation($id: ID!, $i: FaqEntryInput!) { updateFaqEntry(id: $id, input: $i) { id } }";

async fn search(app: &TestApp, token: Option<&str>, vars: Value) -> Vec<Value> {
    let body = app.gql_as(token, SEARCH, vars).await;
    body["data"]["faqSearch"]
        .as_array()
        .unwrap_or_else(|| panic!("search failed: {body}"))
        .clone()
}

fn questions(hits: &[Value]) -> Vec<&str> {
    hits.iter()
        .map(|hit| hit["entry"]["question"].as_str().unwrap())
        .collect()
}

async fn seeded(app: &TestApp) {
    storedesk::seed::seed_faq(&app.state)
        .await
        .expect("demo FAQ seeded");
}

pub async fn the_seed_questions_are_found_first_in_korean_and_english(app: TestApp) {
    seeded(&app).await;
    let cases = [
        ("배송", "ko", "배송이 지연되었을 때 어떻게 대처해야 하나요?"),
        ("환불", "ko", "환불은 언제 되나요?"),
        ("결제", "ko", "결제 문제는 어떻게 해결하나요?"),
        ("비밀번호", "ko", "비밀번호를 잊어버렸어요."),
        (
            "취소 승인",
            "ko",
            "스마트스토어에서 취소 승인이란 무엇인가요?",
        ),
        (
            "payment failed",
            "en",
            "My payment failed. What should I do?",
        ),
    ];
    for (query, locale, expected) in cases {
        let hits = search(&app, None, json!({ "q": query, "a": "BUYER", "l": locale })).await;
        assert_eq!(
            questions(&hits).first().copied(),
            Some(expected),
            "{query}: {:?}",
            questions(&hits)
        );
        let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{query}: ranked best first: {scores:?}"
        );
    }
    // Without a locale the English question still wins for English words.
    let hits = search(&app, None, json!({ "q": "Payment FAILED" })).await;
    assert_eq!(questions(&hits)[0], "My payment failed. What should I do?");
}

pub async fn a_two_syllable_query_finds_longer_words_and_highlights_them(app: TestApp) {
    let shop = Shop::open(&app).await;
    let create = "mutation($i: FaqEntryInput!) { createFaqEntry(input: $i) { id } }";
    ok(
        &app,
        &shop.agent,
        create,
        json!({ "i": { "category": "SHIPPING", "audience": "ALL", "locale": "ko", "published": true,
            "question": "배송지연 보상이 있나요?",
            "answer": "<script>alert(1)</script> 배송지연이 3일을 넘으면 적립금을 드립니다." } }),
        "createFaqEntry",
    )
    .await;
    let hits = search(&app, None, json!({ "q": "배송" })).await;
    assert_eq!(questions(&hits), ["배송지연 보상이 있나요?"]);
    let highlight = hits[0]["highlight"].as_str().unwrap();
    assert!(highlight.contains("<b>배송</b>"), "{highlight}");
    assert!(
        !highlight.contains("<script>") && highlight.contains("&lt;script&gt;"),
        "entry text is escaped: {highlight}"
    );
    // A query with nothing in the index finds nothing; an empty one is refused.
    assert!(
        search(&app, None, json!({ "q": "택배함" }))
            .await
            .is_empty()
    );
    let empty = app.gql(SEARCH, json!({ "q": "  " })).await;
    assert_eq!(
        (error_code(&empty), error_field(&empty)),
        ("VALIDATION", "query")
    );
    let long = app.gql(SEARCH, json!({ "q": "배".repeat(201) })).await;
    assert_eq!(error_field(&long), "query");
    let too_many = app.gql(SEARCH, json!({ "q": "배송", "n": 1000 })).await;
    assert_eq!(error_code(&too_many), "VALIDATION");
}

pub async fn filters_and_drafts_follow_the_caller(app: TestApp) {
    let shop = Shop::open(&app).await;
    seeded(&app).await;
    // The seller-only shipping entry is not shown to buyers; sellers and ALL see it.
    let seller_entry = "배송 시간을 어떻게 확인하나요?";
    let buyers = search(&app, None, json!({ "q": "배송 시간", "a": "BUYER" })).await;
    assert!(!questions(&buyers).contains(&seller_entry));
    let sellers = search(&app, None, json!({ "q": "배송 시간", "a": "SELLER" })).await;
    assert_eq!(questions(&sellers)[0], seller_entry);
    // An entry for everyone is shown under either audience.
    for audience in ["BUYER", "SELLER"] {
        let hits = search(&app, None, json!({ "q": "비밀번호", "a": audience })).await;
        assert_eq!(
            questions(&hits)[0],
            "비밀번호를 잊어버렸어요.",
            "{audience}"
        );
    }
    // Category and locale narrow the results.
    let refunds = search(&app, None, json!({ "q": "결제", "c": "REFUND" })).await;
    assert_eq!(questions(&refunds), ["환불은 언제 되나요?"]);
    assert!(
        search(&app, None, json!({ "q": "배송", "c": "REFUND" }))
            .await
            .is_empty()
    );
    let english = search(&app, None, json!({ "q": "환불 refund", "l": "en" })).await;
    assert!(english.iter().all(|h| h["entry"]["locale"] == "en"));
    assert_eq!(questions(&english)[0], "When will I get my refund?");

    // An unpublished entry disappears for customers at once, and stays visible to agents.
    let id = search(&app, None, json!({ "q": "비밀번호" })).await[0]["entry"]["id"].clone();
    let draft = json!({ "id": id, "i": { "category": "ACCOUNT", "audience": "ALL", "locale": "ko",
        "published": false, "question": "비밀번호를 잊어버렸어요.",
        "answer": "비밀번호 찾기에서 새 비밀번호를 정하세요." } });
    ok(&app, &shop.agent, UPDATE, draft, "updateFaqEntry").await;
    for who in [None, Some(shop.buyer_a.access.as_str())] {
        let hits = search(&app, who, json!({ "q": "비밀번호" })).await;
        assert!(hits.iter().all(|h| h["entry"]["id"] != id), "{hits:?}");
    }
    let agent = search(
        &app,
        Some(&shop.agent.access),
        json!({ "q": "새 비밀번호" }),
    )
    .await;
    assert_eq!(agent[0]["entry"]["id"], id);
    assert_eq!(agent[0]["entry"]["published"], false);

    // Deleting removes it from the index.
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!) { deleteFaqEntry(id: $id) }",
        json!({ "id": id }),
        "deleteFaqEntry",
    )
    .await;
    let agent = search(
        &app,
        Some(&shop.agent.access),
        json!({ "q": "새 비밀번호" }),
    )
    .await;
    assert!(agent.iter().all(|h| h["entry"]["id"] != id));

    // Every edit is in the audit log, with the agent who made it (the seed has no actor).
    use sea_orm::{EntityTrait, QueryOrder};
    let events: Vec<(String, Option<String>)> = entity::audit_event::Entity::find()
        .order_by_asc(entity::audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target_id.map(|t| t.to_string()) == id.as_str().map(str::to_owned))
        .map(|e| (e.action, e.actor_id.map(|a| a.to_string())))
        .collect();
    let agent = Some(shop.agent.id.clone());
    assert_eq!(
        events,
        [
            ("faq.created".to_owned(), None),
            ("faq.updated".to_owned(), agent.clone()),
            ("faq.deleted".to_owned(), agent)
        ]
    );
}

pub async fn an_edit_on_another_instance_reaches_this_instances_search(app: TestApp) {
    let shop = Shop::open(&app).await;
    seeded(&app).await;
    let other = app.sibling().await;
    let before = search(&app, None, json!({ "q": "환불" })).await;
    let id = before[0]["entry"]["id"].clone();
    app.clock.advance(chrono::Duration::seconds(5));
    // The other instance rewrites the answer; this instance never saw the change itself.
    let changed = json!({ "id": id, "i": { "category": "REFUND", "audience": "BUYER", "locale": "ko",
        "published": true, "question": "환불은 언제 되나요?",
        "answer": "승인 후 3영업일 안에 원래 결제수단으로 돌려드립니다. 포인트 결제는 즉시 복구됩니다." } });
    let body = other
        .gql_as(Some(&shop.agent.access), UPDATE, changed)
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let hits = search(&app, None, json!({ "q": "포인트 복구" })).await;
    assert_eq!(hits[0]["entry"]["id"], id, "{hits:?}");
    // A new entry made over there is found here too.
    let create = "mutation($i: FaqEntryInput!) { createFaqEntry(input: $i) { id } }";
    let made = other
        .gql_as(
            Some(&shop.agent.access),
            create,
            json!({ "i": { "category": "OTHER", "audience": "ALL", "locale": "ko", "published": true,
                "question": "영수증은 어디서 받나요?", "answer": "주문 상세에서 영수증을 출력할 수 있습니다." } }),
        )
        .await;
    // This instance read the revision a moment ago; it reads it again once that read is a
    // second old.
    let made_id = &made["data"]["createFaqEntry"]["id"];
    let hits = search(&app, None, json!({ "q": "영수증" })).await;
    assert!(
        hits.iter().all(|hit| hit["entry"]["id"] != *made_id),
        "{hits:?}"
    );
    app.clock.advance(chrono::Duration::seconds(1));
    let hits = search(&app, None, json!({ "q": "영수증" })).await;
    assert_eq!(hits[0]["entry"]["id"], *made_id);
}

/// Drafts that match a query better than any published entry are not what a customer's
/// page is filled from: the index leaves them out before ranking, rather than the database
/// dropping them after the best `first` were picked and leaving the page short.
pub async fn drafts_ranked_first_do_not_shorten_a_customers_page(app: TestApp) {
    let shop = Shop::open(&app).await;
    let create = "mutation($i: FaqEntryInput!) { createFaqEntry(input: $i) { id } }";
    let entry = |question: &str, answer: &str, published: bool| {
        json!({ "i": { "category": "SHIPPING", "audience": "ALL", "locale": "ko",
            "published": published, "question": question, "answer": answer } })
    };
    for n in 0..3 {
        let draft = entry(
            &format!("새벽배송 새벽배송 준비 중 {n}"),
            "새벽배송 새벽배송 새벽배송",
            false,
        );
        ok(&app, &shop.agent, create, draft, "createFaqEntry").await;
    }
    let published = entry(
        "주문 후 언제 받나요?",
        "새벽배송 지역은 다음 날 받습니다.",
        true,
    );
    ok(&app, &shop.agent, create, published, "createFaqEntry").await;

    let agent = search(
        &app,
        Some(&shop.agent.access),
        json!({ "q": "새벽배송", "n": 1 }),
    )
    .await;
    assert_eq!(agent[0]["entry"]["published"], false, "{agent:?}");
    for who in [None, Some(shop.buyer_a.access.as_str())] {
        for filter in [json!({}), json!({ "a": "BUYER", "l": "ko" })] {
            let mut vars = json!({ "q": "새벽배송", "n": 1 });
            vars.as_object_mut()
                .unwrap()
                .extend(filter.as_object().unwrap().clone());
            let hits = search(&app, who, vars).await;
            assert_eq!(questions(&hits), ["주문 후 언제 받나요?"], "{filter}");
            let highlight = hits[0]["highlight"].as_str().unwrap();
            assert!(highlight.contains("<b>"), "{highlight}");
        }
    }
}

engine_tests!(
    drafts_ranked_first_do_not_shorten_a_customers_page,
    the_seed_questions_are_found_first_in_korean_and_english,
    a_two_syllable_query_finds_longer_words_and_highlights_them,
    filters_and_drafts_follow_the_caller,
    an_edit_on_another_instance_reaches_this_instances_search,
);
