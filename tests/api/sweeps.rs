//! The deadline sweeps take bounded batches, and a row that fails is logged and skipped
//! without holding up the other rows or the other sweeps.

use chrono::Duration;
use sea_orm::ConnectionTrait;
use serde_json::json;
use storedesk::config::Settings;

use crate::engine_tests;
use crate::helpers::TestApp;
use crate::shop::{Shop, ok, preparing_order, request_cancel};

/// A RESOLVED ticket of buyer A; returns its id.
async fn resolved_ticket(app: &TestApp, shop: &Shop, subject: &str) -> String {
    let id = ok(
        app,
        &shop.buyer_a,
        "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }",
        json!({ "input": { "category": "OTHER", "subject": subject, "body": "문의드립니다" } }),
        "createTicket",
    )
    .await["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        app,
        &shop.agent,
        "mutation($id: ID!) { setTicketStatus(ticketId: $id, status: RESOLVED) { id } }",
        json!({ "id": id }),
        "setTicketStatus",
    )
    .await;
    id
}

async fn status_of(app: &TestApp, shop: &Shop, ticket: &str) -> String {
    ok(
        app,
        &shop.agent,
        "query($id: ID!) { ticket(id: $id) { status } }",
        json!({ "id": ticket }),
        "ticket",
    )
    .await["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes every update of these tickets fail, as broken rows would.
async fn break_tickets(app: &TestApp, tickets: &[&str]) {
    let db = &app.state.db;
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let ids = tickets
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ");
            db.execute_unprepared(&format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
                     IF NEW.id IN ({ids}) THEN RAISE EXCEPTION 'broken row'; END IF;
                     RETURN NEW; END $$ LANGUAGE plpgsql;
                 CREATE TRIGGER refuse_one BEFORE UPDATE ON tickets
                     FOR EACH ROW EXECUTE FUNCTION refuse_one();"
            ))
            .await
            .unwrap();
        }
        _ => {
            // sqlx keeps UUIDs as 16-byte blobs in SQLite.
            let ids = tickets
                .iter()
                .map(|t| format!("X'{}'", t.replace('-', "")))
                .collect::<Vec<_>>()
                .join(", ");
            db.execute_unprepared(&format!(
                "CREATE TRIGGER refuse_one BEFORE UPDATE ON tickets WHEN NEW.id IN ({ids})
                 BEGIN SELECT RAISE(ABORT, 'broken row'); END;"
            ))
            .await
            .unwrap();
        }
    }
}

async fn mend_tickets(app: &TestApp) {
    let db = &app.state.db;
    let drop = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "DROP TRIGGER refuse_one ON tickets; DROP FUNCTION refuse_one();"
        }
        _ => "DROP TRIGGER refuse_one",
    };
    db.execute_unprepared(drop).await.unwrap();
}

fn small_batches(settings: &mut Settings) {
    settings.sweep_batch = 2;
}

/// Three quiet tickets, batches of two, the two oldest cannot be written: each pass takes at
/// most two; the broken ones are skipped; the next pass goes on after them, so they cannot
/// hold the third back for ever; the seller-deadline sweep runs regardless; and the broken
/// tickets close once they can be written again.
pub async fn sweeps_take_bounded_batches_and_skip_failing_rows(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let first = resolved_ticket(&app, &shop, "첫 번째").await;
    let second = resolved_ticket(&app, &shop, "두 번째").await;
    let third = resolved_ticket(&app, &shop, "세 번째").await;
    let order = preparing_order(&app, &shop, 10_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    break_tickets(&app, &[&first, &second]).await;
    app.clock.advance(Duration::days(8));
    shop.sign_in_again(&app).await;

    let pass = storedesk::jobs::sweep(&app.state).await;
    // The batch was the two oldest, both broken: skipped, logged, nothing else stopped.
    assert_eq!(pass.tickets_closed, 0, "{pass:?}");
    assert_eq!(pass.escalated, 1, "the other sweeps ran: {pass:?}");
    assert_eq!(pass.failed, 0);
    assert_eq!(status_of(&app, &shop, &third).await, "RESOLVED");

    let pass = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(pass.tickets_closed, 1, "{pass:?}");
    assert_eq!(status_of(&app, &shop, &third).await, "CLOSED");

    mend_tickets(&app).await;
    let pass = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(pass.tickets_closed, 2, "{pass:?}");
    for ticket in [&first, &second] {
        assert_eq!(status_of(&app, &shop, ticket).await, "CLOSED");
    }
}

engine_tests!(sweeps_take_bounded_batches_and_skip_failing_rows with small_batches);
