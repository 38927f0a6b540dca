//! Demo data for a newcomer's first run: staff, sellers with stores, buyers, orders in every
//! state (a failed payment, a late parcel, a stalled parcel, a cancellation near its deadline
//! and an overdue one, a completed refund and a failed one) and the support queue they led
//! to. The world itself is data, `seed/demo.toml`; this module plays it through the real
//! services.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::bail;
use chrono::{DateTime, Duration, Utc};
use entity::account::{self, Role};
use entity::cancellation_request::{CancellationKind, CancellationReason};
use entity::payment::{PaymentFailureReason, PaymentMethod};
use entity::shipment::ShipmentStatus;
use entity::store;
use entity::ticket::{TicketCategory, TicketChannel, TicketPriority, TicketStatus};
use figment::Figment;
use figment::providers::{Format, Toml};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::accounts::service::{self, NewStaff, Registration};
use crate::auth::{Caller, RequestMeta};
use crate::cancellations::service::{self as cancellations, Decider, NewRequest};
use crate::clock::{Clock, ManualClock};
use crate::error::ApiError;
use crate::orders::service::{self as orders, NewItem, PaymentInput};
use crate::payments::SimulatedGateway;
use crate::refunds::service::{self as refunds, NewRefund};
use crate::state::AppState;
use crate::tickets::attachments::check_upload;
use crate::tickets::service::{self as tickets, NewReply, NewTicket};

mod faq_content;

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

/// How long before the demo's present its accounts joined: before anything `demo.toml` plays.
const MEMBERS_SINCE: Duration = Duration::days(90);

/// Creates the demo world of `demo.toml`; refuses a database that already has accounts.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Vec<DemoAccount>> {
    if !is_empty(state).await? {
        bail!("the database already has accounts; demo data goes into an empty database only");
    }
    let world: World = Figment::from(Toml::string(WORLD))
        .extract()
        .map_err(|err| anyhow::anyhow!("src/seed/demo.toml: {err}"))?;
    let meta = seed_meta();
    let start = state.clock.now();
    // The accounts join before the history the demo plays for them, so their security
    // trail starts with joining, as a real one does.
    let joining = AppState {
        clock: Arc::new(ManualClock::new(start - MEMBERS_SINCE)),
        ..state.clone()
    };
    let mut created = Vec::new();
    let mut models = Vec::new();
    for account in &world.account {
        let password = random_password();
        let secret = SecretString::from(password.clone());
        let outcome = if matches!(account.role, Role::Agent | Role::Admin) {
            let input = NewStaff {
                email: account.email.clone(),
                name: account.name.clone(),
                role: account.role,
                password: secret,
            };
            service::create_staff(&joining, &meta, None, input).await
        } else {
            let input = Registration {
                email: account.email.clone(),
                password: secret,
                name: account.name.clone(),
                phone: None,
                role: account.role,
                store_name: account.store.clone(),
            };
            service::register(&joining, &meta, input)
                .await
                .map(|signed_in| signed_in.account)
        };
        models.push(outcome.map_err(to_anyhow)?);
        created.push(DemoAccount {
            role: account.role,
            email: account.email.clone(),
            password,
        });
    }
    play(state, start, &world, &models)
        .await
        .map_err(to_anyhow)?;
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

/// The demo world, as written in `demo.toml`.
const WORLD: &str = include_str!("seed/demo.toml");

/// Everything `demo.toml` describes.
#[derive(Debug, Deserialize)]
struct World {
    account: Vec<AccountSpec>,
    order: Vec<OrderSpec>,
    ticket: Vec<TicketSpec>,
}

#[derive(Debug, Deserialize)]
struct AccountSpec {
    #[serde(deserialize_with = "api_name")]
    role: Role,
    email: String,
    name: String,
    store: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OrderSpec {
    /// What tickets call it.
    name: Option<String>,
    buyer: String,
    seller: String,
    product: String,
    #[serde(default = "one")]
    quantity: i32,
    price: i64,
    placed: When,
    #[serde(default)]
    steps: Vec<Step<OrderAction>>,
}

fn one() -> i32 {
    1
}

/// Something that happens at a time.
#[derive(Debug, Deserialize)]
struct Step<A> {
    #[serde(default)]
    at: When,
    #[serde(flatten)]
    action: A,
}

/// What happens to an order; each is done by the party who does it in real life.
#[derive(Debug, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
enum OrderAction {
    /// The buyer pays (by card unless `method` says otherwise); `refused` makes the
    /// payment provider refuse.
    Pay {
        #[serde(default, deserialize_with = "some_api_name")]
        method: Option<PaymentMethod>,
        #[serde(default, deserialize_with = "some_api_name")]
        refused: Option<PaymentFailureReason>,
    },
    /// The seller starts preparing it.
    Prepare,
    /// The seller hands it to the carrier, expected after `expected_in`.
    Ship { expected_in: Span },
    /// The carrier reports a tracking event.
    Scan {
        #[serde(deserialize_with = "api_name")]
        status: ShipmentStatus,
        description: String,
    },
    /// The carrier delivers it.
    Deliver,
    /// The buyer confirms the purchase.
    Confirm,
    /// The buyer asks to cancel.
    Cancel {
        #[serde(deserialize_with = "api_name")]
        reason: CancellationReason,
        details: Option<String>,
    },
    /// The buyer asks to return it.
    Return {
        #[serde(deserialize_with = "api_name")]
        reason: CancellationReason,
        details: Option<String>,
    },
    /// The seller refunds part of it.
    Refund {
        amount: i64,
        reason: String,
        key: String,
    },
    /// The seller approves the open request; `refund_fails` makes the provider refuse the
    /// refund that follows.
    Approve {
        note: String,
        #[serde(default)]
        refund_fails: bool,
    },
}

#[derive(Debug, Deserialize)]
struct TicketSpec {
    /// Who writes it: the customer, or the agent logging a call `for` a customer.
    by: String,
    #[serde(rename = "for")]
    for_customer: Option<String>,
    #[serde(deserialize_with = "api_name")]
    category: TicketCategory,
    #[serde(default, deserialize_with = "some_api_name")]
    channel: Option<TicketChannel>,
    #[serde(default, deserialize_with = "some_api_name")]
    priority: Option<TicketPriority>,
    subject: String,
    body: String,
    /// The `name` of an order above.
    order: Option<String>,
    opened: When,
    /// Moved back a day at a time until it is past its first-response target.
    #[serde(default)]
    breaching: bool,
    #[serde(default)]
    attachments: Vec<AttachmentSpec>,
    #[serde(default)]
    steps: Vec<Step<TicketAction>>,
}

/// A file on a ticket: `text`, or the demo screenshot when there is none.
#[derive(Debug, Deserialize)]
struct AttachmentSpec {
    name: String,
    text: Option<String>,
}

/// What happens on a ticket: the agent's work, then the customer's answer.
#[derive(Debug, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
enum TicketAction {
    /// The agent adds an internal note.
    Note { text: String },
    /// The agent replies.
    Reply { text: String },
    /// The agent sets the status.
    Status {
        #[serde(deserialize_with = "api_name")]
        status: TicketStatus,
    },
    /// The customer sets the status (confirms it is fixed, or reopens).
    CustomerStatus {
        #[serde(deserialize_with = "api_name")]
        status: TicketStatus,
    },
    /// The customer rates it.
    Rate { score: i32, comment: Option<String> },
}

/// When something happens: `"2d ago"`, `"+30m"` after the step before, or at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum When {
    /// This long before the demo starts.
    Ago(Duration),
    /// This long after the step before (zero: at once).
    Later(Duration),
    /// At the same time as the step before.
    #[default]
    AtOnce,
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let span = |span: &str| parse_span(span).map_err(serde::de::Error::custom);
        match (text.strip_suffix(" ago"), text.strip_prefix('+')) {
            (Some(ago), _) => Ok(When::Ago(span(ago)?)),
            (None, Some(later)) => Ok(When::Later(span(later)?)),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is neither \"<span> ago\" nor \"+<span>\""
            ))),
        }
    }
}

/// A length of time such as `30m`, `5h` or `6d 6h`.
#[derive(Debug, Clone, Copy)]
struct Span(Duration);

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_span(&text)
            .map(Span)
            .map_err(serde::de::Error::custom)
    }
}

fn parse_span(text: &str) -> Result<Duration, String> {
    let span = humantime::parse_duration(text).map_err(|err| format!("`{text}`: {err}"))?;
    Duration::from_std(span).map_err(|err| format!("`{text}`: {err}"))
}

/// An enum value by its API name (`CARD_EXPIRED`).
fn api_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: ActiveEnum<Value = String>,
{
    let name = String::deserialize(deserializer)?;
    T::try_from_value(&name).map_err(|_| serde::de::Error::custom(format!("unknown name `{name}`")))
}

fn some_api_name<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: ActiveEnum<Value = String>,
{
    api_name(deserializer).map(Some)
}

fn seed_meta() -> RequestMeta {
    RequestMeta {
        ip: None,
        user_agent: Some("storedesk seed".into()),
    }
}

/// Plays the world's orders and tickets through the real services, on a clock that walks from
/// the past to now.
struct Player {
    state: AppState,
    clock: ManualClock,
    gateway: Arc<SimulatedGateway>,
    meta: RequestMeta,
    /// When the demo starts: every `ago` counts back from it.
    start: DateTime<Utc>,
    /// Demo people by short name (`minji`), and sellers' stores by the seller's short name.
    people: HashMap<String, Caller>,
    stores: HashMap<String, Uuid>,
    /// Orders by the name tickets use.
    orders: HashMap<String, Uuid>,
}

/// `accounts` are the world's accounts as created.
async fn play(
    state: &AppState,
    start: DateTime<Utc>,
    world: &World,
    accounts: &[account::Model],
) -> Result<(), ApiError> {
    let clock = ManualClock::new(start);
    let gateway = Arc::new(SimulatedGateway::default());
    let mut player = Player {
        state: AppState {
            clock: Arc::new(clock.clone()),
            gateway: gateway.clone(),
            ..state.clone()
        },
        clock,
        gateway,
        meta: seed_meta(),
        start,
        people: HashMap::new(),
        stores: HashMap::new(),
        orders: HashMap::new(),
    };
    for account in accounts {
        player.meet(account).await?;
    }
    for order in &world.order {
        player.order(order).await?;
    }
    for ticket in &world.ticket {
        player.ticket(ticket).await?;
    }
    Ok(())
}

impl Player {
    /// Learns a demo account's caller (and store) under its short name: `minji` for
    /// `buyer.minji@…`, `kim` for `agent.kim@…`, `admin` for `admin@…`.
    async fn meet(&mut self, account: &account::Model) -> Result<(), ApiError> {
        let email = account.email.as_str();
        let local = email.split('@').next().unwrap_or(email);
        let short = local.rsplit('.').next().unwrap_or(local).to_owned();
        if account.role == Role::Seller {
            let store = store::Entity::find()
                .filter(store::Column::OwnerId.eq(account.id))
                .one(&self.state.db)
                .await?
                .ok_or(ApiError::NotFound("Demo store"))?;
            self.stores.insert(short.clone(), store.id);
        }
        let caller = Caller {
            account_id: account.id,
            role: account.role,
            session_id: Uuid::nil(),
        };
        self.people.insert(short, caller);
        Ok(())
    }

    fn person(&self, name: &str) -> Result<Caller, ApiError> {
        self.people
            .get(name)
            .copied()
            .ok_or(ApiError::NotFound("Demo person"))
    }

    fn move_clock(&self, when: When) {
        match when {
            When::Ago(ago) => self.clock.set(self.start - ago),
            When::Later(later) => self.clock.advance(later),
            When::AtOnce => {}
        }
    }

    async fn order(&mut self, spec: &OrderSpec) -> Result<(), ApiError> {
        let (demo, meta) = (&self.state, &self.meta);
        let buyer = self.person(&spec.buyer)?;
        let seller = self.person(&spec.seller)?;
        let store = *self
            .stores
            .get(&spec.seller)
            .ok_or(ApiError::NotFound("Demo store"))?;
        self.move_clock(spec.placed);
        let item = NewItem {
            product_name: spec.product.clone(),
            quantity: spec.quantity,
            unit_price: spec.price,
        };
        let order = orders::place_order(demo, meta, &buyer, store, &[item]).await?;
        let id = order.id;
        if let Some(name) = &spec.name {
            self.orders.insert(name.clone(), id);
        }
        let mut open_request = None;
        for step in &spec.steps {
            self.move_clock(step.at);
            match &step.action {
                OrderAction::Pay { method, refused } => {
                    let method = method.unwrap_or(PaymentMethod::Card);
                    let card = method == PaymentMethod::Card;
                    let payment = PaymentInput {
                        method,
                        card_brand: card.then(|| "신한카드".to_owned()),
                        card_last4: card.then(|| "4821".to_owned()),
                        simulate: *refused,
                    };
                    orders::pay_order(demo, meta, &buyer, id, payment).await?;
                }
                OrderAction::Prepare => {
                    orders::mark_preparing(demo, meta, &seller, id).await?;
                }
                OrderAction::Ship { expected_in } => {
                    let tracking = format!("6301{}", &id.simple().to_string()[20..28]);
                    let expected = self.clock.now() + expected_in.0;
                    orders::ship_order(demo, meta, &seller, id, "CJ대한통운", &tracking, expected)
                        .await?;
                }
                OrderAction::Scan {
                    status,
                    description,
                } => {
                    orders::add_shipment_event(demo, meta, &seller, id, *status, description, None)
                        .await?;
                }
                OrderAction::Deliver => {
                    orders::mark_delivered(demo, meta, &seller, id).await?;
                }
                OrderAction::Confirm => {
                    orders::confirm_purchase(demo, meta, &buyer, id).await?;
                }
                OrderAction::Cancel { reason, details }
                | OrderAction::Return { reason, details } => {
                    let kind = if matches!(step.action, OrderAction::Return { .. }) {
                        CancellationKind::Return
                    } else {
                        CancellationKind::Cancel
                    };
                    let request = NewRequest {
                        order_id: id,
                        kind,
                        reason: *reason,
                        details: details.clone(),
                        override_reason: None,
                    };
                    let request =
                        cancellations::request_cancellation(demo, meta, &buyer, request).await?;
                    open_request = Some(request.id);
                }
                OrderAction::Refund {
                    amount,
                    reason,
                    key,
                } => {
                    let refund = NewRefund {
                        order_id: id,
                        amount: *amount,
                        reason: reason.clone(),
                        idempotency_key: key.clone(),
                    };
                    refunds::create_refund(demo, meta, &seller, refund).await?;
                }
                OrderAction::Approve { note, refund_fails } => {
                    let request = open_request.ok_or(ApiError::NotFound("Demo request"))?;
                    if *refund_fails {
                        self.gateway.fail_next_refunds(1);
                    }
                    let decider = Decider::Person(seller);
                    cancellations::approve_cancellation(demo, meta, decider, request, Some(note))
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn ticket(&mut self, spec: &TicketSpec) -> Result<(), ApiError> {
        let (demo, meta) = (&self.state, &self.meta);
        let writer = self.person(&spec.by)?;
        let agent = self.person("kim")?;
        let customer = match &spec.for_customer {
            Some(name) => self.person(name)?,
            None => writer,
        };
        let order_id = match &spec.order {
            Some(name) => Some(
                *self
                    .orders
                    .get(name)
                    .ok_or(ApiError::NotFound("Demo order"))?,
            ),
            None => None,
        };
        let mut attachments = Vec::new();
        for file in &spec.attachments {
            let bytes = match &file.text {
                Some(text) => bytes::Bytes::from(text.clone()),
                None => bytes::Bytes::from_static(DEMO_SCREENSHOT),
            };
            attachments.push(check_upload(&demo.settings, &file.name, bytes)?);
        }
        self.move_clock(match spec.opened {
            When::Ago(ago) if spec.breaching => When::Ago(self.breaching(ago)),
            opened => opened,
        });
        let input = NewTicket {
            category: spec.category,
            channel: spec.channel.unwrap_or(TicketChannel::Web),
            subject: spec.subject.clone(),
            body: spec.body.clone(),
            order_id,
            requester_id: spec.for_customer.as_ref().map(|_| customer.account_id),
            payment_method: None,
            card_last4: None,
            priority: spec.priority,
            attachments,
        };
        let id = tickets::create_ticket(demo, meta, &writer, input).await?.id;
        for step in &spec.steps {
            self.move_clock(step.at);
            match &step.action {
                TicketAction::Note { text } | TicketAction::Reply { text } => {
                    let reply = NewReply {
                        body: text.clone(),
                        internal: matches!(step.action, TicketAction::Note { .. }),
                        ..NewReply::default()
                    };
                    tickets::reply_to_ticket(demo, meta, &agent, id, reply).await?;
                }
                TicketAction::Status { status } => {
                    tickets::set_ticket_status(demo, meta, &agent, id, *status).await?;
                }
                TicketAction::CustomerStatus { status } => {
                    tickets::set_ticket_status(demo, meta, &customer, id, *status).await?;
                }
                TicketAction::Rate { score, comment } => {
                    tickets::rate_ticket(demo, meta, &customer, id, *score, comment.as_deref())
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// `planned`, moved a day further back at a time until it lies more business minutes
    /// before the start than the longest first-response target: a ticket opened then is
    /// breaching whatever day the demo starts (a weekend or a holiday leaves too few
    /// business minutes otherwise).
    fn breaching(&self, planned: Duration) -> Duration {
        let sla = &self.state.settings.sla_first_response_minutes;
        let target = i64::from(sla.low.max(sla.normal).max(sla.high).max(sla.urgent));
        let calendar = &self.state.calendar;
        let mut ago = planned;
        while calendar.business_minutes_between(self.start - ago, self.start) <= target
            && ago < Duration::days(30)
        {
            ago += Duration::days(1);
        }
        ago
    }
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
