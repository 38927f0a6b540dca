//! Presence on a ticket: agents see who else has it open and who is typing, live and across
//! instances; customers never see or set it; a viewer who stops sending heartbeats fades out.

use chrono::Duration;
use entity::account::Role;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TestApp, error_code};
use crate::live::{Ws, ticket_of};
use crate::shop::*;

const PRESENCE: &str = "subscription($id: ID!) { ticketPresence(ticketId: $id) {
    typing agent { id displayName role account { email } } } }";
const BEAT: &str = "mutation($id: ID!, $typing: Boolean, $leaving: Boolean) {
    setTicketPresence(ticketId: $id, typing: $typing, leaving: $leaving) { typing agent { id } } }";
const VIEWERS: &str = "query($id: ID!) { ticket(id: $id) { viewers { typing agent { id } } } }";

async fn beat(app: &TestApp, who: &Session, ticket: &str, typing: bool, leaving: bool) -> Value {
    app.gql_as(
        Some(&who.access),
        BEAT,
        json!({ "id": ticket, "typing": typing, "leaving": leaving }),
    )
    .await
}

async fn account_id(app: &TestApp, who: &Session) -> String {
    let me = app
        .gql_as(Some(&who.access), "{ me { id } }", json!({}))
        .await;
    me["data"]["me"]["id"].as_str().unwrap().to_owned()
}

fn viewers(data: &Value) -> Vec<(String, bool)> {
    data["ticketPresence"]
        .as_array()
        .unwrap_or_else(|| panic!("{data}"))
        .iter()
        .map(|viewer| {
            (
                viewer["agent"]["id"].as_str().unwrap().to_owned(),
                viewer["typing"].as_bool().unwrap(),
            )
        })
        .collect()
}

pub async fn agents_see_who_else_is_on_a_ticket_and_who_types(app: TestApp) {
    let shop = Shop::open(&app).await;
    let lee = app.staff("agent-lee@example.com", Role::Agent).await;
    let lee_id = account_id(&app, &lee).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;

    let mut kim = Ws::connect(&app, &shop.agent).await;
    kim.subscribe(PRESENCE, json!({ "id": ticket })).await;
    // At once: nobody is on the ticket yet.
    assert_eq!(viewers(&kim.next_data().await.unwrap()), vec![]);

    // On PostgreSQL the second agent works on another instance: presence crosses through
    // the shared table and LISTEN/NOTIFY.
    let other = if app.database_url.starts_with("postgres") {
        let other = app.sibling().await;
        app.state.events.wait_listening().await;
        Some(other)
    } else {
        None
    };
    let through = other.as_ref().unwrap_or(&app);

    let answer = beat(through, &lee, &ticket, false, false).await;
    assert_eq!(
        answer["data"]["setTicketPresence"][0]["agent"]["id"],
        lee_id.as_str(),
        "{answer}"
    );
    let seen = kim.next_data().await.unwrap();
    assert_eq!(viewers(&seen), vec![(lee_id.clone(), false)]);
    // Agents see each other as staff see staff, but only what a profile carries here.
    assert_eq!(seen["ticketPresence"][0]["agent"]["role"], "AGENT");

    beat(through, &lee, &ticket, true, false).await;
    assert_eq!(
        viewers(&kim.next_data().await.unwrap()),
        vec![(lee_id.clone(), true)]
    );
    // A heartbeat that changes nothing is not announced; leaving is.
    beat(through, &lee, &ticket, true, false).await;
    beat(through, &lee, &ticket, false, true).await;
    assert_eq!(viewers(&kim.next_data().await.unwrap()), vec![]);
}

pub async fn presence_is_for_agents_and_fades_without_heartbeats(app: TestApp) {
    let shop = Shop::open(&app).await;
    let lee = app.staff("agent-lee@example.com", Role::Agent).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;

    // Customers neither announce themselves nor see who is working on their ticket.
    assert_eq!(
        error_code(&beat(&app, &shop.buyer_a, &ticket, false, false).await),
        "FORBIDDEN"
    );
    let mut buyer = Ws::connect(&app, &shop.buyer_a).await;
    buyer.subscribe(PRESENCE, json!({ "id": ticket })).await;
    assert!(buyer.next_data().await.is_err());

    beat(&app, &shop.agent, &ticket, true, false).await;
    let as_buyer = app
        .gql_as(Some(&shop.buyer_a.access), VIEWERS, json!({ "id": ticket }))
        .await;
    assert_eq!(
        as_buyer["data"]["ticket"]["viewers"],
        json!([]),
        "{as_buyer}"
    );
    let as_lee = app
        .gql_as(Some(&lee.access), VIEWERS, json!({ "id": ticket }))
        .await;
    assert_eq!(
        as_lee["data"]["ticket"]["viewers"][0]["typing"], true,
        "{as_lee}"
    );

    // The agent's tab closed without a word: 30 seconds later they are gone.
    app.clock.advance(Duration::seconds(31));
    let later = app
        .gql_as(Some(&lee.access), VIEWERS, json!({ "id": ticket }))
        .await;
    assert_eq!(later["data"]["ticket"]["viewers"], json!([]), "{later}");

    // An unknown ticket is NOT_FOUND, like every other path to it.
    let unknown = beat(
        &app,
        &shop.agent,
        "0190c000-0000-7000-8000-000000000000",
        false,
        false,
    )
    .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
}

/// Presence says nothing about the ticket itself: a customer watching it hears the next
/// reply, not a reload caused by an agent opening it.
pub async fn presence_does_not_wake_ticket_watchers(app: TestApp) {
    let shop = Shop::open(&app).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;
    let mut buyer = Ws::connect(&app, &shop.buyer_a).await;
    buyer
        .subscribe(
            "subscription($id: ID!) { ticketUpdated(ticketId: $id) { messages { totalCount } } }",
            json!({ "id": ticket }),
        )
        .await;
    crate::live::listening(&app, 1).await;
    beat(&app, &shop.agent, &ticket, true, false).await;
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"확인했습니다\") { id } }",
        json!({ "id": ticket }),
        "replyToTicket",
    )
    .await;
    let data = buyer.next_data().await.unwrap();
    assert_eq!(data["ticketUpdated"]["messages"]["totalCount"], 2, "{data}");
}

engine_tests!(
    agents_see_who_else_is_on_a_ticket_and_who_types,
    presence_is_for_agents_and_fades_without_heartbeats,
    presence_does_not_wake_ticket_watchers,
);
