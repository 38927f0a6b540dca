//! Ticket attachments (DOMAIN.md "Tickets": screenshots, documents): uploads through the
//! GraphQL multipart request spec, type found from the content, size and count limits,
//! downloads only for those who may see the message, always as a download.

use reqwest::multipart::{Form, Part};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use serde_json::{Value, json};
use storedesk::config::{AttachmentStorage, Settings};

use crate::engine_tests;
use crate::helpers::{Session, TestApp, error_code, error_field};
use crate::shop::*;

/// The smallest PNG there is: a 1×1 transparent pixel.
const PNG: &[u8] = storedesk::seed::DEMO_SCREENSHOT;

pub(crate) const CREATE: &str = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id
    messages(first: 5) { edges { node { attachments { id fileName contentType size url } } } } } } }";
const REPLY: &str = "mutation($id: ID!, $b: String!, $n: Boolean, $f: [Upload!]) {
    replyToTicket(ticketId: $id, body: $b, internal: $n, attachments: $f) {
    id attachments { id fileName contentType url } } }";
const VIEW: &str = "query($id: ID!) { ticket(id: $id) { messages(first: 10) { edges { node {
    internal attachments { id fileName } } } } } }";

/// A file to upload: its variable path, name and content.
pub(crate) type File<'a> = (&'a str, &'a str, Vec<u8>);

/// Sends `query` as a multipart request with `files` at the variable paths given
/// (`variables.i.attachments.0` …).
pub(crate) async fn upload(
    app: &TestApp,
    who: &Session,
    query: &str,
    variables: Value,
    files: Vec<File<'_>>,
) -> (u16, Value) {
    let map: serde_json::Map<String, Value> = files
        .iter()
        .enumerate()
        .map(|(n, (path, _, _))| (n.to_string(), json!([path])))
        .collect();
    let mut form = Form::new()
        .text(
            "operations",
            json!({ "query": query, "variables": variables }).to_string(),
        )
        .text("map", Value::Object(map).to_string());
    for (n, (_, name, bytes)) in files.into_iter().enumerate() {
        form = form.part(n.to_string(), Part::bytes(bytes).file_name(name.to_owned()));
    }
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(&who.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub(crate) fn ticket_input(files: usize) -> Value {
    json!({ "i": { "category": "OTHER", "subject": "영수증 첨부합니다", "body": "결제 화면과 로그를 보냅니다.",
        "attachments": vec![Value::Null; files] } })
}

async fn download(app: &TestApp, who: Option<&Session>, url: &str) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{url}", app.address));
    if let Some(who) = who {
        request = request.bearer_auth(&who.access);
    }
    request.send().await.unwrap()
}

/// Contents stored: files, and rows when the store is the database.
async fn stored_files(app: &TestApp) -> usize {
    let root = app.state.settings.data_dir.join("attachments");
    let rows = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM attachment_blobs",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let mut count = usize::try_from(rows).unwrap();
    if let Ok(dirs) = std::fs::read_dir(root) {
        for dir in dirs.flatten() {
            count += std::fs::read_dir(dir.path()).map_or(0, |files| files.count());
        }
    }
    count
}

pub async fn files_go_with_messages_and_download_only_for_those_who_may_see_them(app: TestApp) {
    let shop = Shop::open(&app).await;
    let log = "2026-11-02 09:00 결제 오류 E-1042\n".as_bytes().to_vec();
    let (status, body) = upload(
        &app,
        &shop.buyer_a,
        CREATE,
        ticket_input(2),
        vec![
            (
                "variables.i.attachments.0",
                "C:\\Users\\me\\결제화면.png",
                PNG.to_vec(),
            ),
            ("variables.i.attachments.1", "app.log", log.clone()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ticket = &body["data"]["createTicket"]["ticket"];
    let ticket_id = ticket["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let files = &ticket["messages"]["edges"][0]["node"]["attachments"];
    assert_eq!(files[0]["fileName"], "결제화면.png");
    assert_eq!(files[0]["contentType"], "image/png");
    assert_eq!(files[0]["size"], PNG.len());
    assert_eq!(files[1]["contentType"], "text/plain; charset=utf-8");
    let png_url = files[0]["url"].as_str().unwrap().to_owned();

    // The requester and agents download it, as a download that is never sniffed or run.
    for who in [&shop.buyer_a, &shop.agent] {
        let response = download(&app, Some(who), &png_url).await;
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "image/png");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    }
    // Everyone else gets the same 404 as for an id that does not exist.
    for who in [
        Some(&shop.buyer_b),
        Some(&shop.seller_a),
        Some(&shop.seller_b),
        None,
    ] {
        assert_eq!(download(&app, who, &png_url).await.status(), 404);
    }
    let unknown = "/attachments/0190c000-0000-7000-8000-000000000000";
    assert_eq!(
        download(&app, Some(&shop.agent), unknown).await.status(),
        404
    );
    // An encoded traversal stays under /attachments and finds nothing there.
    assert_eq!(
        download(
            &app,
            Some(&shop.agent),
            "/attachments/..%2F..%2Fetc%2Fpasswd"
        )
        .await
        .status(),
        404
    );
    // A literal one is resolved by the client to /etc/passwd, a client route
    // of the console: it answers the console's page, never a file.
    let literal = download(&app, Some(&shop.agent), "/attachments/../../etc/passwd").await;
    let body = literal.text().await.unwrap();
    assert!(!body.contains("root:"), "{body}");

    // A file on an internal note stays with agents: not listed, not downloadable.
    let (_, note) = upload(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": ticket_id, "b": "판매자 정산 화면 캡처", "n": true, "f": [null] }),
        vec![("variables.f.0", "seller-screen.png", PNG.to_vec())],
    )
    .await;
    let note_url = note["data"]["replyToTicket"]["attachments"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{note}"))
        .to_owned();
    assert_eq!(
        download(&app, Some(&shop.buyer_a), &note_url)
            .await
            .status(),
        404
    );
    assert_eq!(
        download(&app, Some(&shop.agent), &note_url).await.status(),
        200
    );
    let seen = ok(
        &app,
        &shop.buyer_a,
        VIEW,
        json!({ "id": ticket_id }),
        "ticket",
    )
    .await;
    assert!(!seen.to_string().contains("seller-screen"), "{seen}");
    let staff = ok(
        &app,
        &shop.agent,
        VIEW,
        json!({ "id": ticket_id }),
        "ticket",
    )
    .await;
    assert!(staff.to_string().contains("seller-screen"));

    // A customer's reply may be a file alone; the same content is stored once.
    let (_, reply) = upload(
        &app,
        &shop.buyer_a,
        REPLY,
        json!({ "id": ticket_id, "b": "", "f": [null] }),
        vec![("variables.f.0", "again.png", PNG.to_vec())],
    )
    .await;
    assert_eq!(
        reply["data"]["replyToTicket"]["attachments"][0]["fileName"], "again.png",
        "{reply}"
    );
    assert_eq!(stored_files(&app).await, 2, "one PNG and one log on disk");
    assert_eq!(
        entity::ticket_attachment::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        4
    );
}

pub async fn bad_files_are_refused_and_nothing_is_saved(app: TestApp) {
    let shop = Shop::open(&app).await;
    let max = app.state.settings.attachment_max_bytes;
    let cases: Vec<(&str, Vec<File>)> = vec![
        (
            "an executable named like a picture",
            vec![(
                "variables.i.attachments.0",
                "photo.png",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
            )],
        ),
        (
            "a zip archive",
            vec![(
                "variables.i.attachments.0",
                "logs.zip",
                b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec(),
            )],
        ),
        (
            "an empty file",
            vec![("variables.i.attachments.0", "empty.txt", Vec::new())],
        ),
        (
            "a file over the size limit",
            vec![("variables.i.attachments.0", "huge.log", vec![b'a'; max + 1])],
        ),
        (
            "a full card number in a text file",
            vec![(
                "variables.i.attachments.0",
                "card.txt",
                b"card 4242 4242 4242 4242 exp 12/29".to_vec(),
            )],
        ),
    ];
    for (what, files) in cases {
        let (status, body) = upload(&app, &shop.buyer_a, CREATE, ticket_input(1), files).await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!(
            (error_code(&body), error_field(&body)),
            ("VALIDATION", "attachments"),
            "{what}: {body}"
        );
        assert!(
            !body.to_string().contains("/tmp"),
            "{what}: no paths in errors"
        );
    }
    let six: Vec<(String, Vec<u8>)> = (0..6)
        .map(|n| (format!("variables.i.attachments.{n}"), PNG.to_vec()))
        .collect();
    let (_, body) = upload(
        &app,
        &shop.buyer_a,
        CREATE,
        ticket_input(6),
        six.iter()
            .map(|(p, b)| (p.as_str(), "x.png", b.clone()))
            .collect(),
    )
    .await;
    assert_eq!(error_field(&body), "attachments", "{body}");
    // A body beyond what any set of attachments may need is refused before it is read.
    let limit = app.state.settings.max_upload_body_bytes();
    let (status, body) = upload(
        &app,
        &shop.buyer_a,
        CREATE,
        ticket_input(1),
        vec![(
            "variables.i.attachments.0",
            "big.log",
            vec![b'a'; limit + 1],
        )],
    )
    .await;
    assert_eq!((status, error_code(&body)), (413, "LIMIT_EXCEEDED"));

    assert_eq!(
        entity::ticket::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "no ticket was opened by a refused request"
    );
    assert_eq!(stored_files(&app).await, 0);
}

/// Two instances on one database whose data dirs differ (two machines): a file uploaded
/// through one downloads through the other, because its content is in the database.
pub async fn a_file_uploaded_through_one_instance_downloads_through_another(app: TestApp) {
    let other = app.sibling_with(in_the_database).await;
    assert_ne!(other.state.settings.data_dir, app.state.settings.data_dir);
    let shop = Shop::open(&app).await;
    let (status, body) = upload(
        &app,
        &shop.buyer_a,
        CREATE,
        ticket_input(1),
        vec![("variables.i.attachments.0", "영수증.png", PNG.to_vec())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["data"]["createTicket"]["ticket"]["messages"]["edges"][0]["node"]["attachments"]
        [0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = download(&other, Some(&shop.buyer_a), &url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    assert!(
        !app.state.settings.data_dir.join("attachments").exists(),
        "nothing on the local disk"
    );
    assert_eq!(stored_files(&app).await, 1);
    other.teardown().await;
}

fn in_the_database(settings: &mut Settings) {
    settings.attachment_storage = AttachmentStorage::Database;
}

engine_tests!(
    files_go_with_messages_and_download_only_for_those_who_may_see_them,
    bad_files_are_refused_and_nothing_is_saved,
    a_file_uploaded_through_one_instance_downloads_through_another with in_the_database,
);

/// On PostgreSQL the default keeps content in the database: instances there are expected
/// to run on several machines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_attachments_in_the_database_by_default() {
    crate::helpers::run_with(
        crate::helpers::Engine::Postgres,
        |_| {},
        |app| async move {
            assert_eq!(
                app.state.settings.attachment_storage,
                AttachmentStorage::Auto
            );
            a_file_uploaded_through_one_instance_downloads_through_another(app).await;
        },
    )
    .await;
}
