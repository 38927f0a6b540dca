//! Demo data for a newcomer's first run: staff, sellers with stores, buyers, and orders in
//! every state (a failed payment, a late parcel, a stalled parcel, a cancellation near its
//! deadline and an overdue one, a completed refund and a failed one).

use anyhow::bail;
use entity::account::{self, Role};
use rand::Rng;
use rand::distr::Alphanumeric;
use std::sync::Arc;

use chrono::Duration;
use entity::cancellation_request::{CancellationKind, CancellationReason};
use entity::payment::{PaymentFailureReason, PaymentMethod};
use entity::shipment::ShipmentStatus;
use entity::store;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::SecretString;
use uuid::Uuid;

use crate::accounts::service::{self, NewStaff, Registration};
use crate::auth::{Caller, RequestMeta};
use crate::cancellations::service::{self as cancellations, Decider, NewRequest};
use crate::clock::{Clock, ManualClock};
use crate::error::ApiError;
use crate::orders::service::{self as orders, NewItem, PaymentInput};
use crate::payments::SimulatedGateway;
use crate::refunds::service::{self as refunds, NewRefund};
mod faq_content;

use crate::state::AppState;
use crate::tickets::service::{self as tickets, NewReply, NewTicket};
use entity::ticket::{TicketCategory, TicketChannel, TicketPriority, TicketStatus};

/// One demo account and its password, shown once.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Role.
    pub role: Role,
    /// Email.
    pub email: String,
    /// Password (random per database).
    pub password: String,
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Whether the database has no accounts yet.
pub async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    Ok(account::Entity::find().count(&state.db).await? == 0)
}

/// Creates the demo accounts; refuses a database that already has accounts.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Vec<DemoAccount>> {
    if !is_empty(state).await? {
        bail!("the database already has accounts; demo data goes into an empty database only");
    }
    let meta = RequestMeta {
        ip: None,
        user_agent: Some("storedesk seed".into()),
    };
    let mut created = Vec::new();
    let staff = [
        (Role::Admin, "admin@storedesk.test", "관리자 Admin"),
        (Role::Agent, "agent.kim@storedesk.test", "김상담 Agent Kim"),
        (Role::Agent, "agent.lee@storedesk.test", "이지원 Agent Lee"),
    ];
    for (role, email, name) in staff {
        let password = random_password();
        let input = NewStaff {
            email: email.into(),
            name: name.into(),
            role,
            password: SecretString::from(password.clone()),
        };
        service::create_staff(state, &meta, None, input)
            .await
            .map_err(to_anyhow)?;
        created.push(DemoAccount {
            role,
            email: email.into(),
            password,
        });
    }
    let customers = [
        (
            Role::Seller,
            "seller.haneul@storedesk.test",
            "박하늘",
            Some("하늘생활"),
        ),
        (
            Role::Seller,
            "seller.bada@storedesk.test",
            "최바다",
            Some("바다마켓"),
        ),
        (Role::Buyer, "buyer.minji@storedesk.test", "정민지", None),
        (Role::Buyer, "buyer.junho@storedesk.test", "한준호", None),
        (
            Role::Buyer,
            "buyer.alex@storedesk.test",
            "Alex Morgan",
            None,
        ),
    ];
    for (role, email, name, store_name) in customers {
        let password = random_password();
        let input = Registration {
            email: email.into(),
            password: SecretString::from(password.clone()),
            name: name.into(),
            phone: None,
            role,
            store_name: store_name.map(str::to_owned),
        };
        service::register(state, &meta, input)
            .await
            .map_err(to_anyhow)?;
        created.push(DemoAccount {
            role,
            email: email.into(),
            password,
        });
    }
    seed_orders(state).await.map_err(to_anyhow)?;
    seed_faq(state).await.map_err(to_anyhow)?;
    Ok(created)
}

/// The help center's FAQ: every Q&A of the seed posts and a few more, published.
pub async fn seed_faq(state: &AppState) -> Result<(), ApiError> {
    for (position, (category, audience, locale, question, answer)) in
        faq_content::ENTRIES.iter().enumerate()
    {
        crate::faq::service::create_entry(
            state,
            &crate::auth::RequestMeta::default(),
            None,
            crate::faq::service::EntryInput {
                category: *category,
                audience: *audience,
                question: (*question).into(),
                answer: (*answer).into(),
                locale: (*locale).into(),
                published: true,
                position: i32::try_from(position).unwrap_or(i32::MAX),
            },
        )
        .await?;
    }
    Ok(())
}

async fn caller(state: &AppState, email: &str) -> Result<Caller, ApiError> {
    let account = account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Demo account"))?;
    Ok(Caller {
        account_id: account.id,
        role: account.role,
        session_id: Uuid::nil(),
    })
}

async fn store_of(state: &AppState, seller: &Caller) -> Result<Uuid, ApiError> {
    Ok(store::Entity::find()
        .filter(store::Column::OwnerId.eq(seller.account_id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Demo store"))?
        .id)
}

/// Walks demo orders through the real services on a clock set in the past, so every
/// timestamp, deadline, notification and audit event is what production would record.
async fn seed_orders(state: &AppState) -> Result<(), ApiError> {
    let real_now = state.clock.now();
    let clock = ManualClock::new(real_now);
    let gateway = Arc::new(SimulatedGateway::default());
    let demo = AppState {
        clock: Arc::new(clock.clone()),
        gateway: gateway.clone(),
        ..state.clone()
    };
    let meta = RequestMeta {
        ip: None,
        user_agent: Some("storedesk seed".into()),
    };
    let haneul = caller(&demo, "seller.haneul@storedesk.test").await?;
    let bada = caller(&demo, "seller.bada@storedesk.test").await?;
    let minji = caller(&demo, "buyer.minji@storedesk.test").await?;
    let junho = caller(&demo, "buyer.junho@storedesk.test").await?;
    let alex = caller(&demo, "buyer.alex@storedesk.test").await?;
    let agent = caller(&demo, "agent.kim@storedesk.test").await?;
    let haneul_store = store_of(&demo, &haneul).await?;
    let bada_store = store_of(&demo, &bada).await?;
    let ago = |d: Duration| clock.set(real_now - d);
    let card = |simulate| PaymentInput {
        method: PaymentMethod::Card,
        card_brand: Some("신한카드".into()),
        card_last4: Some("4821".into()),
        simulate,
    };
    let item = |name: &str, quantity, unit_price| NewItem {
        product_name: name.into(),
        quantity,
        unit_price,
    };
    let place = |buyer: Caller, store: Uuid, items: Vec<NewItem>| {
        let demo = demo.clone();
        let meta = meta.clone();
        async move { orders::place_order(&demo, &meta, &buyer, store, &items).await }
    };

    // Waiting for payment, and a card that expired (the buyer can retry with another method).
    ago(Duration::hours(3));
    place(
        minji,
        haneul_store,
        vec![item("스테인리스 텀블러 500ml", 1, 18_900)],
    )
    .await?;
    let failed = place(junho, bada_store, vec![item("제주 감귤 5kg", 1, 32_000)]).await?;
    orders::pay_order(
        &demo,
        &meta,
        &junho,
        failed.id,
        card(Some(PaymentFailureReason::CardExpired)),
    )
    .await?;

    // Paid, and being prepared.
    ago(Duration::hours(5));
    let paid = place(
        alex,
        haneul_store,
        vec![item("Linen bath towel set", 2, 24_500)],
    )
    .await?;
    orders::pay_order(&demo, &meta, &alex, paid.id, card(None)).await?;
    let preparing = place(minji, bada_store, vec![item("손질 고등어 10팩", 1, 27_800)]).await?;
    orders::pay_order(&demo, &meta, &minji, preparing.id, card(None)).await?;
    orders::mark_preparing(&demo, &meta, &bada, preparing.id).await?;

    // A cancellation the seller must decide soon, and one that is already overdue.
    let mut waiting_for_seller = Vec::new();
    for (buyer, at, name) in [
        (junho, Duration::hours(20), "무선 가습기"),
        (minji, Duration::days(5), "원목 도마 세트"),
    ] {
        ago(at);
        let order = place(buyer, haneul_store, vec![item(name, 1, 45_000)]).await?;
        waiting_for_seller.push(order.id);
        orders::pay_order(&demo, &meta, &buyer, order.id, card(None)).await?;
        orders::mark_preparing(&demo, &meta, &haneul, order.id).await?;
        clock.advance(Duration::minutes(30));
        cancellations::request_cancellation(
            &demo,
            &meta,
            &buyer,
            NewRequest {
                order_id: order.id,
                kind: CancellationKind::Cancel,
                reason: CancellationReason::ChangeOfMind,
                details: Some("다른 상품으로 다시 주문할게요.".into()),
                override_reason: None,
            },
        )
        .await?;
    }

    // In transit on time, late (the expected date passed), and stalled (no scan for days).
    let shipped = |buyer: Caller,
                   seller: Caller,
                   store: Uuid,
                   name: &'static str,
                   shipped_ago: Duration,
                   expected_in: Duration| {
        let demo = demo.clone();
        let meta = meta.clone();
        let clock = clock.clone();
        async move {
            clock.set(real_now - shipped_ago - Duration::hours(6));
            let order = orders::place_order(
                &demo,
                &meta,
                &buyer,
                store,
                &[NewItem {
                    product_name: name.into(),
                    quantity: 1,
                    unit_price: 39_000,
                }],
            )
            .await?;
            orders::pay_order(
                &demo,
                &meta,
                &buyer,
                order.id,
                PaymentInput {
                    method: PaymentMethod::BankTransfer,
                    card_brand: None,
                    card_last4: None,
                    simulate: None,
                },
            )
            .await?;
            orders::mark_preparing(&demo, &meta, &seller, order.id).await?;
            clock.set(real_now - shipped_ago);
            let expected = real_now - shipped_ago + expected_in;
            orders::ship_order(
                &demo,
                &meta,
                &seller,
                order.id,
                "CJ대한통운",
                &format!("6301{}", &order.id.simple().to_string()[20..28]),
                expected.max(clock.now()),
            )
            .await?;
            Ok::<_, ApiError>(order)
        }
    };
    shipped(
        alex,
        bada,
        bada_store,
        "블루투스 스피커",
        Duration::days(1),
        Duration::days(3),
    )
    .await?;
    let late = shipped(
        minji,
        bada,
        bada_store,
        "캠핑 의자 2개",
        Duration::days(6),
        Duration::days(3),
    )
    .await?;
    clock.set(real_now - Duration::hours(8));
    orders::add_shipment_event(
        &demo,
        &meta,
        &bada,
        late.id,
        ShipmentStatus::Exception,
        "물량 증가로 배송 지연 (옥천HUB)",
        None,
    )
    .await?;
    shipped(
        junho,
        haneul,
        haneul_store,
        "세라믹 머그컵 세트",
        Duration::days(5),
        Duration::days(6),
    )
    .await?;

    // Delivered (a partial refund for a damaged box), confirmed, canceled with its refund
    // completed, and a return whose refund the gateway refused.
    let delivered = shipped(
        alex,
        haneul,
        haneul_store,
        "Cotton bedding set",
        Duration::days(4),
        Duration::days(2),
    )
    .await?;
    clock.set(real_now - Duration::days(2));
    orders::mark_delivered(&demo, &meta, &haneul, delivered.id).await?;
    clock.advance(Duration::hours(5));
    refunds::create_refund(
        &demo,
        &meta,
        &haneul,
        NewRefund {
            order_id: delivered.id,
            amount: 5_000,
            reason: "상자 파손 보상".into(),
            idempotency_key: "demo-damaged-box".into(),
        },
    )
    .await?;
    let confirmed = shipped(
        minji,
        haneul,
        haneul_store,
        "유기농 현미 10kg",
        Duration::days(9),
        Duration::days(2),
    )
    .await?;
    clock.set(real_now - Duration::days(7));
    orders::mark_delivered(&demo, &meta, &haneul, confirmed.id).await?;
    orders::confirm_purchase(&demo, &meta, &minji, confirmed.id).await?;

    ago(Duration::days(2));
    let canceled = place(junho, bada_store, vec![item("전동 칫솔", 1, 59_000)]).await?;
    orders::pay_order(&demo, &meta, &junho, canceled.id, card(None)).await?;
    clock.advance(Duration::minutes(20));
    cancellations::request_cancellation(
        &demo,
        &meta,
        &junho,
        NewRequest {
            order_id: canceled.id,
            kind: CancellationKind::Cancel,
            reason: CancellationReason::WrongPaymentInfo,
            details: None,
            override_reason: None,
        },
    )
    .await?;

    let returned = shipped(
        alex,
        bada,
        bada_store,
        "Running shoes 270mm",
        Duration::days(5),
        Duration::days(2),
    )
    .await?;
    clock.set(real_now - Duration::days(3));
    orders::mark_delivered(&demo, &meta, &bada, returned.id).await?;
    clock.advance(Duration::hours(20));
    let request = cancellations::request_cancellation(
        &demo,
        &meta,
        &alex,
        NewRequest {
            order_id: returned.id,
            kind: CancellationKind::Return,
            reason: CancellationReason::Other,
            details: Some("Size runs small.".into()),
            override_reason: None,
        },
    )
    .await?;
    clock.advance(Duration::hours(3));
    gateway.fail_next_refunds(1);
    cancellations::approve_cancellation(
        &demo,
        &meta,
        Decider::Person(bada),
        request.id,
        Some("반품 확인"),
    )
    .await?;

    // The support queue: tickets on the troubled orders, a phone call logged by an agent, an
    // internal note, a breached first-response target, a resolved and rated ticket.
    let ticket = |who: Caller, input: NewTicket, at: Duration| {
        let demo = demo.clone();
        let meta = meta.clone();
        let clock = clock.clone();
        async move {
            clock.set(real_now - at);
            tickets::create_ticket(&demo, &meta, &who, input).await
        }
    };
    let new_ticket = |category, subject: &str, body: &str, order_id| NewTicket {
        category,
        channel: TicketChannel::Web,
        subject: subject.into(),
        body: body.into(),
        order_id,
        requester_id: None,
        payment_method: None,
        card_last4: None,
        priority: None,
        attachments: Vec::new(),
    };
    // The buyer sends a screenshot of the error and the text the payment page showed.
    let screenshot = crate::tickets::attachments::check_upload(
        &demo.settings,
        "결제실패_화면.png",
        bytes::Bytes::from_static(DEMO_SCREENSHOT),
    )?;
    let error_text = crate::tickets::attachments::check_upload(
        &demo.settings,
        "결제오류_메시지.txt",
        bytes::Bytes::from_static(
            "[결제 실패] 카드 유효기간이 만료되었습니다. (오류코드 E-CARD-EXPIRED)\n".as_bytes(),
        ),
    )?;
    let payment_ticket = ticket(
        junho,
        NewTicket {
            attachments: vec![screenshot, error_text],
            ..new_ticket(
                TicketCategory::OrderPayment,
                "결제가 계속 실패해요",
                "감귤 주문 결제를 했는데 '결제 실패'라고 나옵니다. 카드는 신한카드입니다. 화면 캡처 첨부합니다.",
                Some(failed.id),
            )
        },
        Duration::hours(2),
    )
    .await?;
    tickets::reply_to_ticket(
        &demo,
        &meta,
        &agent,
        payment_ticket.id,
        NewReply {
            body: "카드 유효기간 만료 건으로 보임. 다른 결제 수단 안내 예정.".into(),
            internal: true,
            ..NewReply::default()
        },
    )
    .await?;
    // Two unanswered tickets about orders are past their first-response target whatever day
    // the demo starts: as old as planned, or a day older at a time while a weekend (or a
    // holiday) leaves too few business minutes since.
    let sla = &demo.settings.sla_first_response_minutes;
    let target = i64::from(sla.low.max(sla.normal).max(sla.high).max(sla.urgent));
    let overdue = |planned: Duration| {
        let mut ago = planned;
        while demo
            .calendar
            .business_minutes_between(real_now - ago, real_now)
            <= target
            && ago < Duration::days(30)
        {
            ago += Duration::days(1);
        }
        ago
    };
    ticket(
        minji,
        new_ticket(
            TicketCategory::Shipping,
            "캠핑 의자가 아직 안 왔어요",
            "도착 예정일이 지났는데 배송 조회가 멈춰 있습니다. 언제 받을 수 있나요?",
            Some(late.id),
        ),
        overdue(Duration::days(2)),
    )
    .await?;
    ticket(
        alex,
        new_ticket(
            TicketCategory::Refund,
            "Refund for my returned shoes?",
            "The seller approved my return but I have not received the refund yet.",
            Some(returned.id),
        ),
        overdue(Duration::hours(20)),
    )
    .await?;
    let resolved = ticket(
        minji,
        new_ticket(
            TicketCategory::Account,
            "로그인이 안 돼요",
            "비밀번호를 여러 번 틀려서 로그인이 막혔어요.",
            None,
        ),
        Duration::days(3),
    )
    .await?;
    clock.advance(Duration::hours(1));
    tickets::reply_to_ticket(
        &demo,
        &meta,
        &agent,
        resolved.id,
        NewReply {
            body: "로그인 시도가 많아 잠시 잠겼습니다. 15분 후 다시 시도하시거나 '비밀번호 찾기'로 재설정해 주세요.".into(),
            ..NewReply::default()
        },
    )
    .await?;
    tickets::set_ticket_status(&demo, &meta, &agent, resolved.id, TicketStatus::Resolved).await?;
    // The customer confirms it is fixed (CLOSED) and rates it.
    clock.advance(Duration::hours(2));
    tickets::set_ticket_status(&demo, &meta, &minji, resolved.id, TicketStatus::Closed).await?;
    tickets::rate_ticket(
        &demo,
        &meta,
        &minji,
        resolved.id,
        5,
        Some("빠른 답변 감사합니다"),
    )
    .await?;
    // The overdue cancellation: the buyer writes in, nobody has answered yet (a missed
    // first-response target).
    ticket(
        minji,
        new_ticket(
            TicketCategory::Cancellation,
            "판매자가 취소 승인을 안 해줘요",
            "5일 전에 취소를 요청했는데 아직도 판매자 승인 대기 중입니다. 빨리 처리해 주세요.",
            waiting_for_seller.get(1).copied(),
        ),
        Duration::days(1),
    )
    .await?;
    // An exchange question waiting on the customer (PENDING).
    let exchange = ticket(
        alex,
        new_ticket(
            TicketCategory::ReturnExchange,
            "Can I exchange the bedding for a bigger size?",
            "The set arrived fine but it is too small for our bed. Can I swap it for the queen size?",
            Some(delivered.id),
        ),
        Duration::hours(30),
    )
    .await?;
    clock.advance(Duration::hours(2));
    tickets::reply_to_ticket(
        &demo,
        &meta,
        &agent,
        exchange.id,
        NewReply {
            body: "Yes, within 7 days of delivery. Which size would you like, and is the package unopened?".into(),
            ..NewReply::default()
        },
    )
    .await?;
    tickets::set_ticket_status(&demo, &meta, &agent, exchange.id, TicketStatus::Pending).await?;
    // A general question answered and resolved, waiting for the customer's confirmation.
    let points = ticket(
        junho,
        new_ticket(
            TicketCategory::Other,
            "포인트 적립은 언제 되나요?",
            "구매확정을 했는데 포인트가 안 보여요.",
            None,
        ),
        Duration::hours(8),
    )
    .await?;
    clock.advance(Duration::hours(1));
    tickets::reply_to_ticket(
        &demo,
        &meta,
        &agent,
        points.id,
        NewReply {
            body: "포인트는 구매확정 다음 날 적립됩니다. 내일 다시 확인해 주세요.".into(),
            ..NewReply::default()
        },
    )
    .await?;
    tickets::set_ticket_status(&demo, &meta, &agent, points.id, TicketStatus::Resolved).await?;
    ticket(
        agent,
        NewTicket {
            channel: TicketChannel::Phone,
            requester_id: Some(bada.account_id),
            priority: Some(TicketPriority::High),
            ..new_ticket(
                TicketCategory::Settlement,
                "전화 문의: 11월 정산 금액 확인",
                "판매자(바다마켓)가 11월 1차 정산 금액이 예상보다 적다고 전화함. 수수료 내역 확인 후 회신 필요.",
                None,
            )
        },
        Duration::hours(1),
    )
    .await?;
    Ok(())
}

/// A tiny PNG (1×1 pixel) standing in for a buyer's screenshot.
pub const DEMO_SCREENSHOT: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn to_anyhow(err: crate::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {err:?}", err.message())
}

/// Prints the demo credentials once, to standard output.
pub fn print_credentials(accounts: &[DemoAccount]) {
    println!("Demo accounts (passwords are shown only now):");
    for account in accounts {
        println!(
            "  {:<7} {:<32} {}",
            account.role.to_value(),
            account.email,
            account.password
        );
    }
}
