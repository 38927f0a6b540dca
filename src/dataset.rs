//! A large, realistic and reproducible dataset for load tests (`storedesk bench seed`).
//!
//! The demo (`seed.rs`) goes through the services so that every rule holds; a million orders
//! that way would take hours. This builder writes the rows the services would have written,
//! in batched multi-row INSERTs inside transactions, with the production indexes in place, so
//! the dataset measures what a real shop of that size would see. The same seed gives the same
//! rows (ids included): two runs of a benchmark read the same data.
//!
//! The world: 40 agents and an admin, sellers with one store each (one seller per 200
//! accounts), buyers; orders placed over the last year in every state, with items, payments
//! (failed ones with their reason), parcels with their scans, cancellation and return requests
//! (pending ones with the seller's deadline) and refunds; tickets over the last two years in
//! every category and status, most about one of the requester's orders, with 1–6 messages and
//! internal notes; FAQ entries in Korean and English. Every account signs in with
//! [`PASSWORD`]; emails follow [`email`].

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use entity::account::{self, AccountStatus, Role};
use entity::cancellation_request::{
    self, CancellationKind, CancellationReason, CancellationStatus,
};
use entity::faq_entry::{self, Audience};
use entity::order::{self, OrderStatus};
use entity::payment::{self, PaymentFailureReason, PaymentMethod, PaymentStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment::{self, ShipmentStatus};
use entity::ticket::{self, TicketCategory, TicketChannel, TicketPriority, TicketStatus};
use entity::ticket_message::{self, MessageOrigin};
use entity::{order_item, shipment_event, store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, TransactionTrait,
};
use secrecy::SecretString;
use uuid::Uuid;

use crate::state::AppState;

/// The password of every account of the dataset.
pub const PASSWORD: &str = "bench password 2026";
/// Agents in the dataset (a large support floor).
pub const AGENTS: usize = 40;
/// One seller for this many accounts.
const ACCOUNTS_PER_SELLER: usize = 200;
/// Orders per transaction: large enough that commits do not dominate, small enough that a
/// failure loses little and PostgreSQL's WAL stays modest.
const ORDERS_PER_TRANSACTION: usize = 5_000;
/// Tickets per transaction.
const TICKETS_PER_TRANSACTION: usize = 5_000;
/// Bound values per INSERT: SQLite allows 32,766, PostgreSQL 65,535.
const VALUES_PER_INSERT: usize = 30_000;

/// How big a dataset to build.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Orders.
    pub orders: usize,
    /// Tickets.
    pub tickets: usize,
    /// FAQ entries (half Korean, half English).
    pub faq: usize,
    /// Accounts other than staff: buyers and sellers.
    pub accounts: usize,
}

/// What was built, and how long it took.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Rows inserted per table.
    pub rows: BTreeMap<&'static str, u64>,
    /// Seconds the whole build took.
    pub seconds: f64,
    /// Sellers (each with a store).
    pub sellers: usize,
    /// Buyers.
    pub buyers: usize,
}

/// The email of the `n`-th account of a role in the dataset (`n` from 0).
pub fn email(role: Role, n: usize) -> String {
    let kind = match role {
        Role::Buyer => "buyer",
        Role::Seller => "seller",
        Role::Agent => "agent",
        Role::Admin => "admin",
    };
    format!("{kind}{n}@bench.storedesk.test")
}

/// How many sellers a dataset of `accounts` accounts has (at least 2, so store scoping
/// always has another store to hide).
pub fn sellers_for(accounts: usize) -> usize {
    (accounts / ACCOUNTS_PER_SELLER).max(2)
}

/// Builds the dataset into an empty database.
pub async fn build(state: &AppState, size: Size, seed: u64) -> anyhow::Result<Report> {
    if account::Entity::find().one(&state.db).await?.is_some() {
        bail!("the database already has accounts; the dataset goes into an empty database only");
    }
    if size.accounts < 4 {
        bail!("--accounts must be at least 4 (two sellers and two buyers)");
    }
    let started = Instant::now();
    let now = state.clock.now();
    let mut builder = Builder {
        db: &state.db,
        rng: StdRng::seed_from_u64(seed),
        rows: BTreeMap::new(),
    };
    let hash = state
        .hasher
        .hash(SecretString::from(PASSWORD.to_owned()))
        .await
        .map_err(|err| anyhow::anyhow!("cannot hash the dataset password: {err:?}"))?;
    let people = builder.accounts(&hash, size.accounts, now).await?;
    let orders = builder.orders(state, &people, size.orders, now).await?;
    builder.tickets(&people, &orders, size.tickets, now).await?;
    builder.faq(size.faq, now).await?;
    // What autovacuum would do after a while: without statistics the planner cannot tell a
    // page of tickets from a table scan.
    state.db.execute_unprepared("ANALYZE").await?;
    if state.db.get_database_backend() == DbBackend::Sqlite {
        state
            .db
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(Report {
        rows: builder.rows,
        seconds: started.elapsed().as_secs_f64(),
        sellers: people.sellers.len(),
        buyers: people.buyers.len(),
    })
}

/// The accounts orders and tickets are drawn from.
struct People {
    agents: Vec<Uuid>,
    sellers: Vec<Uuid>,
    /// Store of each seller, in the same order.
    stores: Vec<Uuid>,
    buyers: Vec<Uuid>,
}

/// An order as tickets need it: who bought it, and when.
struct PlacedOrder {
    id: Uuid,
    buyer: Uuid,
    placed_at: DateTime<Utc>,
}

struct Builder<'a> {
    db: &'a DatabaseConnection,
    rng: StdRng,
    rows: BTreeMap<&'static str, u64>,
}

/// A UUIDv7 for `at` whose random part comes from `rng`, so ids are reproducible and
/// ordered like the rows' times, as the services' own ids are.
fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// The time of the `n`-th of `count` rows spread evenly over the `span` before `now`, with a
/// little jitter: ids stay in time order, as real ones do.
fn spread(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    span: Duration,
    n: usize,
    count: usize,
) -> DateTime<Utc> {
    let step_ms = span.num_milliseconds() / i64::try_from(count.max(1)).unwrap_or(1);
    now - span
        + Duration::milliseconds(
            step_ms * i64::try_from(n).unwrap_or(0) + rng.random_range(0..step_ms.max(1)),
        )
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Picks by weight: `(weight, value)` pairs.
fn weighted<T: Copy>(rng: &mut StdRng, items: &[(u32, T)]) -> T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut at = rng.random_range(0..total);
    for (weight, value) in items {
        if at < *weight {
            return *value;
        }
        at -= weight;
    }
    items[items.len() - 1].1
}

impl Builder<'_> {
    /// Inserts `rows` in multi-row statements of at most [`VALUES_PER_INSERT`] values.
    async fn insert<A>(
        &mut self,
        conn: &impl ConnectionTrait,
        table: &'static str,
        columns: usize,
        rows: Vec<A>,
    ) -> anyhow::Result<()>
    where
        A: ActiveModelTrait + Send,
    {
        let count = rows.len() as u64;
        let per_statement = (VALUES_PER_INSERT / columns).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
            <A::Entity as EntityTrait>::insert_many(chunk)
                .exec_without_returning(conn)
                .await
                .with_context(|| format!("cannot insert into {table}"))?;
        }
        *self.rows.entry(table).or_default() += count;
        Ok(())
    }

    async fn accounts(
        &mut self,
        hash: &str,
        accounts: usize,
        now: DateTime<Utc>,
    ) -> anyhow::Result<People> {
        let sellers = sellers_for(accounts);
        let buyers = accounts - sellers;
        let opened = now - Duration::days(800);
        let mut rows = Vec::with_capacity(accounts + AGENTS + 1);
        let mut people = People {
            agents: Vec::new(),
            sellers: Vec::new(),
            stores: Vec::new(),
            buyers: Vec::new(),
        };
        let roles = [
            (Role::Admin, 1),
            (Role::Agent, AGENTS),
            (Role::Seller, sellers),
            (Role::Buyer, buyers),
        ];
        for (role, count) in roles {
            for n in 0..count {
                let created = opened + Duration::minutes(self.rng.random_range(0..60 * 24 * 30));
                let id = id_at(&mut self.rng, created);
                match role {
                    Role::Agent => people.agents.push(id),
                    Role::Seller => people.sellers.push(id),
                    Role::Buyer => people.buyers.push(id),
                    Role::Admin => {}
                }
                let korean = n % 3 != 2;
                rows.push(account::ActiveModel {
                    id: Set(id),
                    email: Set(email(role, n)),
                    name: Set(if korean {
                        format!(
                            "{}{}",
                            pick(&mut self.rng, &SURNAMES),
                            pick(&mut self.rng, &GIVEN_NAMES)
                        )
                    } else {
                        format!(
                            "{} {}",
                            pick(&mut self.rng, &EN_GIVEN),
                            pick(&mut self.rng, &EN_SURNAMES)
                        )
                    }),
                    phone: Set((role != Role::Agent)
                        .then(|| format!("010{:08}", self.rng.random_range(0..100_000_000)))),
                    role: Set(role),
                    status: Set(AccountStatus::Active),
                    password_hash: Set(hash.to_owned()),
                    locale: Set(if korean { "ko" } else { "en" }.into()),
                    created_at: Set(created),
                    updated_at: Set(created),
                    last_login_at: Set(None),
                    password_changed_at: Set(created),
                });
            }
        }
        let stores: Vec<store::ActiveModel> = people
            .sellers
            .iter()
            .enumerate()
            .map(|(n, owner)| {
                let id = id_at(&mut self.rng, opened);
                people.stores.push(id);
                store::ActiveModel {
                    id: Set(id),
                    owner_id: Set(*owner),
                    name: Set(format!("{} {n}", pick(&mut self.rng, &STORE_NAMES))),
                    created_at: Set(opened),
                }
            })
            .collect();
        let txn = self.db.begin().await?;
        self.insert(&txn, "accounts", 13, rows).await?;
        self.insert(&txn, "stores", 4, stores).await?;
        txn.commit().await?;
        Ok(people)
    }

    async fn orders(
        &mut self,
        state: &AppState,
        people: &People,
        count: usize,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<PlacedOrder>> {
        let mut placed = Vec::with_capacity(count);
        let mut sequences: BTreeMap<String, i64> = BTreeMap::new();
        let mut batch = OrderBatch::default();
        for n in 0..count {
            let at = spread(&mut self.rng, now, Duration::days(365), n, count);
            let day = state.calendar.local_date(at).format("%Y%m%d").to_string();
            let sequence = sequences.entry(day.clone()).or_default();
            *sequence += 1;
            let number = format!("{day}-{sequence:06}");
            // Stores sell unevenly: the first tenth of the stores take half the orders.
            let store = if self.rng.random_bool(0.5) {
                self.rng.random_range(0..people.stores.len().div_ceil(10))
            } else {
                self.rng.random_range(0..people.stores.len())
            };
            let buyer = pick(&mut self.rng, &people.buyers);
            let order = self.order(&mut batch, people, store, buyer, number, at, now);
            placed.push(order);
            if batch.orders.len() == ORDERS_PER_TRANSACTION {
                self.flush_orders(std::mem::take(&mut batch)).await?;
            }
        }
        self.flush_orders(batch).await?;
        // Orders placed after the dataset continue each day's numbers.
        let txn = self.db.begin().await?;
        for (day, last) in sequences {
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                txn.get_database_backend(),
                match txn.get_database_backend() {
                    DbBackend::Postgres => {
                        "INSERT INTO order_number_sequences (day, last) VALUES ($1, $2)"
                    }
                    _ => "INSERT INTO order_number_sequences (day, last) VALUES (?, ?)",
                },
                [day.into(), last.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        Ok(placed)
    }

    async fn flush_orders(&mut self, batch: OrderBatch) -> anyhow::Result<()> {
        let txn = self.db.begin().await?;
        self.insert(&txn, "orders", 12, batch.orders).await?;
        self.insert(&txn, "order_items", 7, batch.items).await?;
        self.insert(&txn, "payments", 14, batch.payments).await?;
        self.insert(&txn, "shipments", 11, batch.shipments).await?;
        self.insert(&txn, "shipment_events", 6, batch.events)
            .await?;
        self.insert(&txn, "refunds", 17, batch.refunds).await?;
        self.insert(&txn, "cancellation_requests", 21, batch.requests)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// One order with everything its state implies.
    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        batch: &mut OrderBatch,
        people: &People,
        store: usize,
        buyer: Uuid,
        number: String,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> PlacedOrder {
        use OrderStatus::*;
        let rng = &mut self.rng;
        let age = now - at;
        let status = if age < Duration::days(2) {
            weighted(
                rng,
                &[
                    (6, PaymentPending),
                    (4, PaymentFailed),
                    (25, Paid),
                    (25, Preparing),
                    (32, Shipped),
                    (8, Canceled),
                ],
            )
        } else if age < Duration::days(10) {
            weighted(
                rng,
                &[
                    (3, PaymentFailed),
                    (4, Preparing),
                    (22, Shipped),
                    (45, Delivered),
                    (14, Confirmed),
                    (8, Canceled),
                    (4, Returned),
                ],
            )
        } else {
            weighted(
                rng,
                &[
                    (2, PaymentFailed),
                    (3, Delivered),
                    (82, Confirmed),
                    (8, Canceled),
                    (5, Returned),
                ],
            )
        };
        let id = id_at(rng, at);
        let items = rng.random_range(1..=3);
        let mut total = 0;
        for position in 0..items {
            let quantity = weighted(rng, &[(8, 1), (2, 2), (1, 3)]);
            let unit_price = i64::from(rng.random_range(9..=1_200)) * 100;
            total += unit_price * i64::from(quantity);
            batch.items.push(order_item::ActiveModel {
                id: Set(id_at(rng, at)),
                order_id: Set(id),
                position: Set(position),
                product_name: Set(pick(rng, &PRODUCTS).into()),
                quantity: Set(quantity),
                unit_price: Set(unit_price),
                line_total: Set(unit_price * i64::from(quantity)),
            });
        }
        let paid = !matches!(status, PaymentPending | PaymentFailed);
        let paid_at = at + Duration::minutes(rng.random_range(1..30));
        let method = weighted(
            rng,
            &[
                (60, PaymentMethod::Card),
                (15, PaymentMethod::BankTransfer),
                (10, PaymentMethod::VirtualAccount),
                (10, PaymentMethod::Mobile),
                (5, PaymentMethod::Points),
            ],
        );
        let card = method == PaymentMethod::Card;
        let payment_id = id_at(rng, paid_at);
        let refunded = matches!(status, Canceled | Returned);
        if status != PaymentPending {
            let failure = (status == PaymentFailed).then(|| {
                pick(
                    rng,
                    &[
                        PaymentFailureReason::CardExpired,
                        PaymentFailureReason::InsufficientFunds,
                        PaymentFailureReason::CardDeclined,
                        PaymentFailureReason::InvalidPaymentInfo,
                        PaymentFailureReason::GatewayError,
                    ],
                )
            });
            let (card, method) = if failure.is_some() {
                (true, PaymentMethod::Card)
            } else {
                (card, method)
            };
            batch.payments.push(payment::ActiveModel {
                id: Set(payment_id),
                order_id: Set(id),
                method: Set(method),
                card_brand: Set(card.then(|| pick(rng, &CARD_BRANDS).into())),
                card_last4: Set(card.then(|| format!("{:04}", rng.random_range(0..10_000)))),
                amount: Set(total),
                refund_reserved: Set(if refunded { total } else { 0 }),
                refunded_amount: Set(if refunded { total } else { 0 }),
                status: Set(match (paid, refunded) {
                    (false, _) => PaymentStatus::Failed,
                    (true, true) => PaymentStatus::Refunded,
                    (true, false) => PaymentStatus::Paid,
                }),
                failure_reason: Set(failure),
                gateway_reference: Set(Some(format!("SIM-{}", payment_id.simple()))),
                created_at: Set(at),
                paid_at: Set(paid.then_some(paid_at)),
                updated_at: Set(paid_at),
            });
        }
        let shipped = matches!(status, Shipped | Delivered | Confirmed | Returned);
        let shipped_at = paid_at + Duration::hours(rng.random_range(6..48));
        let mut delivered_at = None;
        if shipped {
            let shipment_id = id_at(rng, shipped_at);
            let expected = shipped_at + Duration::days(2);
            // A few parcels run late or go quiet (the seller center's late and stalled lists).
            let trouble = status == Shipped && rng.random_bool(0.1);
            let scans = if trouble { 1 } else { rng.random_range(1..=3) };
            let mut last = shipped_at;
            for scan in 0..scans {
                let at = shipped_at + Duration::hours(6 + 12 * i64::from(scan));
                if at > now {
                    break;
                }
                last = at;
                batch.events.push(shipment_event::ActiveModel {
                    id: Set(id_at(rng, at)),
                    shipment_id: Set(shipment_id),
                    status: Set(ShipmentStatus::InTransit),
                    description: Set(pick(rng, &SCANS).into()),
                    occurred_at: Set(at),
                    recorded_at: Set(at),
                });
            }
            if status != Shipped {
                let at = (shipped_at + Duration::hours(rng.random_range(20..60))).min(now);
                delivered_at = Some(at);
                last = at;
                batch.events.push(shipment_event::ActiveModel {
                    id: Set(id_at(rng, at)),
                    shipment_id: Set(shipment_id),
                    status: Set(ShipmentStatus::Delivered),
                    description: Set("배송완료 Delivered".into()),
                    occurred_at: Set(at),
                    recorded_at: Set(at),
                });
            }
            batch.shipments.push(shipment::ActiveModel {
                id: Set(shipment_id),
                order_id: Set(id),
                carrier: Set(pick(rng, &CARRIERS).into()),
                tracking_number: Set(format!(
                    "{}",
                    600_000_000_000_u64 + rng.random_range(0..99_999_999_999_u64)
                )),
                status: Set(if delivered_at.is_some() {
                    ShipmentStatus::Delivered
                } else {
                    ShipmentStatus::InTransit
                }),
                expected_delivery_at: Set(expected),
                shipped_at: Set(shipped_at),
                delivered_at: Set(delivered_at),
                last_event_at: Set(last),
                updated_at: Set(last),
            });
        }
        let seller = people.sellers[store];
        let reason = pick(
            rng,
            &[
                CancellationReason::ChangeOfMind,
                CancellationReason::WrongPaymentInfo,
                CancellationReason::OutOfStock,
                CancellationReason::DeliveryDelay,
            ],
        );
        if refunded {
            // Canceled or returned: the request was approved and the refund paid.
            let kind = if status == Returned {
                CancellationKind::Return
            } else {
                CancellationKind::Cancel
            };
            let requested =
                delivered_at.unwrap_or(paid_at) + Duration::hours(rng.random_range(1..24));
            let decided = requested + Duration::hours(rng.random_range(1..20));
            let request_id = id_at(rng, requested);
            let refund_id = id_at(rng, decided);
            let completed = (decided + Duration::days(1)).min(now);
            batch.refunds.push(refund::ActiveModel {
                id: Set(refund_id),
                order_id: Set(id),
                payment_id: Set(payment_id),
                cancellation_request_id: Set(Some(request_id)),
                amount: Set(total),
                reason: Set(match kind {
                    CancellationKind::Cancel => "cancellation approved",
                    CancellationKind::Return => "return approved",
                }
                .into()),
                status: Set(RefundStatus::Completed),
                requested_by: Set(seller),
                idempotency_key: Set(format!("cancellation:{request_id}")),
                request_fingerprint: Set(format!("{total}")),
                attempts: Set(1),
                gateway_reference: Set(Some(format!("SIMR-{}", refund_id.simple()))),
                failure_reason: Set(None),
                created_at: Set(decided),
                due_at: Set(decided + Duration::days(3)),
                completed_at: Set(Some(completed)),
                updated_at: Set(completed),
            });
            batch.requests.push(request(
                request_id,
                id,
                None,
                kind,
                reason,
                CancellationStatus::Completed,
                buyer,
                requested,
                Some((decided, seller)),
                Some(refund_id),
                now,
            ));
        } else if matches!(status, Preparing | Delivered) && rng.random_bool(0.15) {
            // Waiting for the seller: a cancellation while preparing, a return once delivered.
            let kind = if status == Preparing {
                CancellationKind::Cancel
            } else {
                CancellationKind::Return
            };
            let requested = (delivered_at.unwrap_or(paid_at)
                + Duration::hours(rng.random_range(1..30)))
            .min(now);
            batch.requests.push(request(
                id_at(rng, requested),
                id,
                Some(id),
                kind,
                reason,
                CancellationStatus::PendingSeller,
                buyer,
                requested,
                None,
                None,
                now,
            ));
        }
        batch.orders.push(order::ActiveModel {
            id: Set(id),
            order_number: Set(number),
            buyer_id: Set(buyer),
            store_id: Set(people.stores[store]),
            status: Set(status),
            total_amount: Set(total),
            currency: Set("KRW".into()),
            placed_at: Set(at),
            paid_at: Set(paid.then_some(paid_at)),
            canceled_at: Set((status == Canceled).then_some(paid_at + Duration::hours(3))),
            updated_at: Set(delivered_at.unwrap_or(paid_at)),
        });
        PlacedOrder {
            id,
            buyer,
            placed_at: at,
        }
    }

    async fn tickets(
        &mut self,
        people: &People,
        orders: &[PlacedOrder],
        count: usize,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut tickets = Vec::new();
        let mut messages = Vec::new();
        for n in 0..count {
            let at = spread(&mut self.rng, now, Duration::days(730), n, count);
            let number = 1_001 + i64::try_from(n).unwrap_or(0);
            self.ticket(people, orders, number, at, now, &mut tickets, &mut messages);
            if tickets.len() == TICKETS_PER_TRANSACTION {
                let txn = self.db.begin().await?;
                self.insert(&txn, "tickets", 27, std::mem::take(&mut tickets))
                    .await?;
                self.insert(&txn, "ticket_messages", 7, std::mem::take(&mut messages))
                    .await?;
                txn.commit().await?;
            }
        }
        let txn = self.db.begin().await?;
        self.insert(&txn, "tickets", 27, tickets).await?;
        self.insert(&txn, "ticket_messages", 7, messages).await?;
        // The next ticket continues the numbers.
        let next = 1_001 + i64::try_from(count).unwrap_or(0);
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            txn.get_database_backend(),
            match txn.get_database_backend() {
                DbBackend::Postgres => "INSERT INTO counters (name, value) VALUES ('ticket', $1)",
                _ => "INSERT INTO counters (name, value) VALUES ('ticket', ?)",
            },
            [(next - 1).into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn ticket(
        &mut self,
        people: &People,
        orders: &[PlacedOrder],
        number: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        tickets: &mut Vec<ticket::ActiveModel>,
        messages: &mut Vec<ticket_message::ActiveModel>,
    ) {
        use TicketCategory::*;
        let rng = &mut self.rng;
        let category = weighted(
            rng,
            &[
                (22, OrderPayment),
                (26, Shipping),
                (8, Account),
                (14, Cancellation),
                (10, Refund),
                (10, ReturnExchange),
                (4, Settlement),
                (6, Other),
            ],
        );
        // Most tickets are about an order of the requester's, placed shortly before.
        let order = (!matches!(category, Account | Settlement | Other) && !orders.is_empty())
            .then(|| {
                let placed = orders.partition_point(|o| o.placed_at <= at);
                let from = placed.saturating_sub(2_000);
                (placed > 0).then(|| &orders[rng.random_range(from..placed)])
            })
            .flatten();
        let requester = match (category, order) {
            (Settlement, _) => pick(rng, &people.sellers),
            (_, Some(order)) => order.buyer,
            _ => pick(rng, &people.buyers),
        };
        let age = now - at;
        let status = if age > Duration::days(14) {
            TicketStatus::Closed
        } else {
            weighted(
                rng,
                &[
                    (40, TicketStatus::Open),
                    (15, TicketStatus::Pending),
                    (25, TicketStatus::Resolved),
                    (20, TicketStatus::Closed),
                ],
            )
        };
        let priority = weighted(
            rng,
            &[
                (10, TicketPriority::Low),
                (60, TicketPriority::Normal),
                (22, TicketPriority::High),
                (8, TicketPriority::Urgent),
            ],
        );
        let answered = status != TicketStatus::Open || rng.random_bool(0.4);
        let resolved = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
        let assignee = (status != TicketStatus::Open || rng.random_bool(0.6))
            .then(|| pick(rng, &people.agents));
        let (first_minutes, resolution_minutes) = match priority {
            TicketPriority::Low => (540, 2_700),
            TicketPriority::Normal => (240, 1_620),
            TicketPriority::High => (60, 540),
            TicketPriority::Urgent => (30, 240),
        };
        // Calendar minutes stand in for business minutes: close enough for load.
        let first_due = at + Duration::minutes(first_minutes * 2);
        let resolution_due = at + Duration::minutes(resolution_minutes * 2);
        let first_responded =
            answered.then(|| (at + Duration::minutes(rng.random_range(5..600))).min(now));
        let resolved_at =
            resolved.then(|| (at + Duration::hours(rng.random_range(2..96))).min(now));
        let closed_at =
            (status == TicketStatus::Closed).then(|| resolved_at.unwrap_or(at) + Duration::days(7));
        let rated = status == TicketStatus::Closed && rng.random_bool(0.3);
        let korean = rng.random_bool(0.85);
        let (subject, opening) = subject_and_opening(rng, category, korean);
        let id = id_at(rng, at);
        let card = category == OrderPayment && rng.random_bool(0.5);
        let channel = weighted(
            rng,
            &[
                (70, TicketChannel::Web),
                (15, TicketChannel::Phone),
                (10, TicketChannel::Chat),
                (5, TicketChannel::Email),
            ],
        );
        let mut last = at;
        messages.push(message(rng, id, Some(requester), opening, false, at));
        let replies = if answered { rng.random_range(1..=5) } else { 0 };
        for reply in 0..replies {
            let when =
                (first_responded.unwrap_or(at) + Duration::hours(3 * i64::from(reply))).min(now);
            last = last.max(when);
            let internal = rng.random_bool(0.2);
            let (author, body) = if internal {
                (assignee, pick(rng, &INTERNAL_NOTES).to_owned())
            } else if reply % 2 == 0 {
                (
                    assignee.or_else(|| Some(pick(rng, &people.agents))),
                    pick(
                        rng,
                        if korean {
                            &AGENT_REPLIES_KO
                        } else {
                            &AGENT_REPLIES_EN
                        },
                    )
                    .to_owned(),
                )
            } else {
                (
                    Some(requester),
                    pick(
                        rng,
                        if korean {
                            &CUSTOMER_FOLLOW_UPS_KO
                        } else {
                            &CUSTOMER_FOLLOW_UPS_EN
                        },
                    )
                    .to_owned(),
                )
            };
            messages.push(message(rng, id, author, body, internal, when));
        }
        tickets.push(ticket::ActiveModel {
            id: Set(id),
            number: Set(number),
            requester_id: Set(requester),
            created_by: Set(Some(if channel == TicketChannel::Web {
                requester
            } else {
                assignee.unwrap_or(people.agents[0])
            })),
            assignee_id: Set(assignee),
            order_id: Set(order.map(|o| o.id)),
            category: Set(category),
            channel: Set(channel),
            subject: Set(subject),
            status: Set(status),
            priority: Set(priority),
            payment_method: Set(card.then_some(PaymentMethod::Card)),
            card_last4: Set(card.then(|| format!("{:04}", rng.random_range(0..10_000)))),
            created_at: Set(at),
            updated_at: Set(closed_at.unwrap_or(last).min(now)),
            first_response_due_at: Set(first_due),
            resolution_due_at: Set(resolution_due),
            first_responded_at: Set(first_responded),
            pending_since: Set((status == TicketStatus::Pending).then_some(last)),
            resolved_at: Set(resolved_at),
            closed_at: Set(closed_at.map(|c| c.min(now))),
            satisfaction_score: Set(
                rated.then(|| weighted(rng, &[(5, 5), (3, 4), (1, 3), (1, 2), (1, 1)]))
            ),
            satisfaction_comment: Set(None),
            rated_at: Set(rated.then(|| closed_at.unwrap_or(at).min(now))),
            first_response_escalated_at: Set(escalated(first_due, first_responded, now)),
            resolution_escalated_at: Set(escalated(resolution_due, resolved_at, now)),
        });
    }

    async fn faq(&mut self, count: usize, now: DateTime<Utc>) -> anyhow::Result<()> {
        let mut rows = Vec::with_capacity(count);
        for n in 0..count {
            let korean = n % 2 == 0;
            let topic = &FAQ_TOPICS[(n / 2) % FAQ_TOPICS.len()];
            let variant = n / (2 * FAQ_TOPICS.len());
            let detail = pick(&mut self.rng, &FAQ_DETAILS);
            let (question, answer) = if korean {
                (
                    format!("{} ({}) {}", topic.question_ko, detail.0, variant + 1),
                    format!("{}\n\n{}", topic.answer_ko, detail.1),
                )
            } else {
                (
                    format!("{} ({}) {}", topic.question_en, detail.2, variant + 1),
                    format!("{}\n\n{}", topic.answer_en, detail.3),
                )
            };
            let at = now - Duration::days(400) + Duration::minutes(i64::try_from(n).unwrap_or(0));
            rows.push(faq_entry::ActiveModel {
                id: Set(id_at(&mut self.rng, at)),
                category: Set(topic.category),
                audience: Set(topic.audience),
                question: Set(question),
                answer: Set(answer),
                locale: Set(if korean { "ko" } else { "en" }.into()),
                published: Set(self.rng.random_bool(0.95)),
                position: Set(i32::try_from(n).unwrap_or(i32::MAX)),
                view_count: Set(self.rng.random_range(0..50_000)),
                helpful_count: Set(self.rng.random_range(0..2_000)),
                not_helpful_count: Set(self.rng.random_range(0..300)),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        let txn = self.db.begin().await?;
        self.insert(&txn, "faq_entries", 13, rows).await?;
        // A server already running on this database sees the entries at its next search.
        crate::faq::index::bump_revision(&txn)
            .await
            .map_err(|err| anyhow::anyhow!("cannot bump the FAQ revision: {err:?}"))?;
        txn.commit().await?;
        Ok(())
    }
}

/// The rows of one transaction of orders.
#[derive(Default)]
struct OrderBatch {
    orders: Vec<order::ActiveModel>,
    items: Vec<order_item::ActiveModel>,
    payments: Vec<payment::ActiveModel>,
    shipments: Vec<shipment::ActiveModel>,
    events: Vec<shipment_event::ActiveModel>,
    refunds: Vec<refund::ActiveModel>,
    requests: Vec<cancellation_request::ActiveModel>,
}

/// When a deadline that passed unmet was escalated: the sweeps of the desk's past did it
/// then. Without the stamps, the first sweep of a fresh dataset escalates every old breach at
/// once and mails each agent about thousands of tickets, and the first minutes of every
/// benchmark measure that mail instead of the requests.
fn escalated(
    due: DateTime<Utc>,
    met: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (due < met.unwrap_or(now).min(now)).then_some(due)
}

#[allow(clippy::too_many_arguments)]
fn request(
    id: Uuid,
    order: Uuid,
    open_order: Option<Uuid>,
    kind: CancellationKind,
    reason: CancellationReason,
    status: CancellationStatus,
    buyer: Uuid,
    requested: DateTime<Utc>,
    decided: Option<(DateTime<Utc>, Uuid)>,
    refund: Option<Uuid>,
    now: DateTime<Utc>,
) -> cancellation_request::ActiveModel {
    cancellation_request::ActiveModel {
        id: Set(id),
        order_id: Set(order),
        open_order_id: Set(open_order),
        kind: Set(kind),
        reason: Set(reason),
        details: Set(Some("주문 내역을 확인해 주세요.".into())),
        status: Set(status),
        requested_by: Set(buyer),
        requested_at: Set(requested),
        seller_deadline_at: Set(Some(requested + Duration::days(1))),
        escalated_at: Set(escalated(
            requested + Duration::days(1),
            decided.map(|(at, _)| at),
            now,
        )),
        decided_at: Set(decided.map(|(at, _)| at)),
        decided_by: Set(decided.map(|(_, by)| by)),
        decision_note: Set(None),
        rejection_reason: Set(None),
        override_reason: Set(None),
        refund_id: Set(refund),
        rating: Set(None),
        rating_comment: Set(None),
    }
}

fn message(
    rng: &mut StdRng,
    ticket: Uuid,
    author: Option<Uuid>,
    body: String,
    internal: bool,
    at: DateTime<Utc>,
) -> ticket_message::ActiveModel {
    ticket_message::ActiveModel {
        id: Set(id_at(rng, at)),
        ticket_id: Set(ticket),
        author_id: Set(author),
        body: Set(body),
        internal: Set(internal),
        created_at: Set(at),
        origin: Set(MessageOrigin::Account),
    }
}

/// A ticket's subject and its first message.
type Opening = (&'static str, &'static str);

fn subject_and_opening(
    rng: &mut StdRng,
    category: TicketCategory,
    korean: bool,
) -> (String, String) {
    use TicketCategory::*;
    let (ko, en): (&[Opening], &[Opening]) = match category {
        OrderPayment => (
            &[
                (
                    "결제가 실패했어요",
                    "카드 결제를 했는데 결제 실패라고 나옵니다. 카드는 정상이에요.",
                ),
                (
                    "결제 금액이 두 번 빠져나갔어요",
                    "한 번 주문했는데 카드에서 두 번 결제됐어요. 확인 부탁드립니다.",
                ),
                (
                    "무통장 입금 확인이 안 돼요",
                    "어제 입금했는데 아직 결제완료로 바뀌지 않았어요.",
                ),
            ],
            &[
                (
                    "My payment failed",
                    "My card payment keeps failing but the card works elsewhere.",
                ),
                (
                    "Charged twice for one order",
                    "I placed one order but was charged twice.",
                ),
            ],
        ),
        Shipping => (
            &[
                (
                    "배송이 지연되고 있어요",
                    "예상 도착일이 지났는데 아직 배송 중이라고만 나옵니다.",
                ),
                (
                    "송장 조회가 안 돼요",
                    "운송장 번호로 조회하면 정보가 없다고 나와요.",
                ),
                (
                    "배송지를 변경하고 싶어요",
                    "이사를 가서 배송지를 바꾸고 싶습니다.",
                ),
            ],
            &[
                (
                    "My parcel is late",
                    "The expected delivery date has passed and tracking has not moved.",
                ),
                (
                    "Tracking number not found",
                    "The carrier says the tracking number does not exist.",
                ),
            ],
        ),
        Account => (
            &[
                (
                    "비밀번호를 잊어버렸어요",
                    "비밀번호 재설정 메일이 오지 않아요.",
                ),
                (
                    "계정이 해킹당한 것 같아요",
                    "제가 하지 않은 주문이 있고 이메일이 바뀌었어요.",
                ),
            ],
            &[
                (
                    "I cannot sign in",
                    "The password reset email never arrives.",
                ),
                ("Someone changed my email", "I think my account was hacked."),
            ],
        ),
        Cancellation => (
            &[
                (
                    "주문을 취소하고 싶어요",
                    "단순 변심으로 주문 취소 부탁드립니다.",
                ),
                (
                    "취소 요청이 처리되지 않아요",
                    "취소 요청한 지 3일이 지났는데 아직 대기 중이에요.",
                ),
            ],
            &[
                (
                    "Please cancel my order",
                    "I changed my mind, please cancel.",
                ),
                (
                    "My cancellation is stuck",
                    "I asked to cancel three days ago and nothing happened.",
                ),
            ],
        ),
        Refund => (
            &[
                (
                    "환불은 언제 되나요?",
                    "취소 승인은 됐는데 환불이 아직 안 들어왔어요.",
                ),
                ("환불 금액이 달라요", "결제한 금액보다 적게 환불됐습니다."),
            ],
            &[
                (
                    "When will I get my refund?",
                    "The cancellation was approved but no refund yet.",
                ),
                ("Refund amount is wrong", "I was refunded less than I paid."),
            ],
        ),
        ReturnExchange => (
            &[
                (
                    "반품하고 싶어요",
                    "받은 상품이 설명과 달라서 반품하고 싶습니다.",
                ),
                (
                    "교환 신청은 어떻게 하나요?",
                    "사이즈가 맞지 않아 교환하고 싶어요.",
                ),
            ],
            &[
                ("I want to return an item", "The item is not as described."),
                (
                    "How do I exchange?",
                    "Wrong size, I would like an exchange.",
                ),
            ],
        ),
        Settlement => (
            &[
                (
                    "정산 금액이 맞지 않아요",
                    "이번 달 정산 금액이 판매 금액과 다릅니다.",
                ),
                (
                    "정산 예정일이 궁금합니다",
                    "구매확정된 주문의 정산은 언제 되나요?",
                ),
            ],
            &[(
                "Settlement amount question",
                "This month's settlement does not match my sales.",
            )],
        ),
        Other => (
            &[("기타 문의드립니다", "상품 문의는 어디서 하나요?")],
            &[(
                "General question",
                "Where do I ask a seller about a product?",
            )],
        ),
    };
    let (subject, body) = pick(rng, if korean { ko } else { en });
    (subject.to_owned(), body.to_owned())
}

struct FaqTopic {
    category: TicketCategory,
    audience: Audience,
    question_ko: &'static str,
    answer_ko: &'static str,
    question_en: &'static str,
    answer_en: &'static str,
}

const FAQ_TOPICS: [FaqTopic; 8] = [
    FaqTopic {
        category: TicketCategory::OrderPayment,
        audience: Audience::Buyer,
        question_ko: "결제가 실패했어요. 어떻게 해야 하나요?",
        answer_ko: "카드 유효기간, 한도, 결제 정보를 확인한 뒤 다른 결제 수단으로 다시 시도해 주세요.",
        question_en: "My payment failed. What should I do?",
        answer_en: "Check the card's expiry date, limit and details, then pay with another method.",
    },
    FaqTopic {
        category: TicketCategory::Shipping,
        audience: Audience::Buyer,
        question_ko: "배송이 지연되면 어떻게 하나요?",
        answer_ko: "주문 상세에서 송장 조회를 확인하고, 예상일이 지나면 판매자에게 문의하거나 취소를 요청하세요.",
        question_en: "What if my delivery is delayed?",
        answer_en: "Check tracking in the order; past the expected day, ask the seller or request a cancellation.",
    },
    FaqTopic {
        category: TicketCategory::Cancellation,
        audience: Audience::Buyer,
        question_ko: "주문 취소는 언제까지 가능한가요?",
        answer_ko: "배송 준비 전에는 바로 취소되고, 준비 중에는 판매자가 영업일 1일 안에 결정합니다.",
        question_en: "Until when can I cancel an order?",
        answer_en: "Before preparing it cancels at once; while preparing the seller decides within a business day.",
    },
    FaqTopic {
        category: TicketCategory::Refund,
        audience: Audience::Buyer,
        question_ko: "환불은 언제 되나요?",
        answer_ko: "취소나 반품이 승인되면 영업일 3일 안에 결제 수단으로 환불됩니다.",
        question_en: "When will I be refunded?",
        answer_en: "Within three business days of an approved cancellation or return, to the payment method.",
    },
    FaqTopic {
        category: TicketCategory::ReturnExchange,
        audience: Audience::Buyer,
        question_ko: "반품은 며칠 안에 해야 하나요?",
        answer_ko: "배송 완료 후 7일 안에 반품을 신청할 수 있습니다(청약철회).",
        question_en: "How long do I have to return an item?",
        answer_en: "Seven days from delivery.",
    },
    FaqTopic {
        category: TicketCategory::Account,
        audience: Audience::All,
        question_ko: "계정이 해킹당한 것 같아요",
        answer_ko: "로그인 화면의 '계정 해킹 신고'로 신고하면 계정을 잠그고 상담원이 복구를 돕습니다.",
        question_en: "I think my account was hacked",
        answer_en: "Report it from the sign-in page: the account is locked and an agent helps you recover it.",
    },
    FaqTopic {
        category: TicketCategory::Account,
        audience: Audience::All,
        question_ko: "비밀번호를 잊어버렸어요",
        answer_ko: "비밀번호 찾기에서 이메일을 입력하면 30분 동안 쓸 수 있는 링크를 보내 드립니다.",
        question_en: "I forgot my password",
        answer_en: "Enter your email under 'forgot password' for a link that works for 30 minutes.",
    },
    FaqTopic {
        category: TicketCategory::Settlement,
        audience: Audience::Seller,
        question_ko: "정산은 언제 되나요?",
        answer_ko: "구매확정 후 영업일 기준으로 정산되며, 정산 내역은 판매자 센터에서 확인합니다.",
        question_en: "When is settlement paid?",
        answer_en: "After purchase confirmation, counted in business days; see the seller center.",
    },
];

/// (Korean tag, Korean sentence, English tag, English sentence) varying the entries.
const FAQ_DETAILS: [(&str, &str, &str, &str); 6] = [
    (
        "모바일",
        "모바일 앱에서도 같은 방법으로 할 수 있습니다.",
        "mobile",
        "The mobile app works the same way.",
    ),
    (
        "해외 카드",
        "해외 발급 카드는 일부 가맹점에서 제한될 수 있습니다.",
        "foreign card",
        "Cards issued abroad may be limited.",
    ),
    (
        "무통장 입금",
        "가상계좌는 발급 후 24시간 안에 입금해야 합니다.",
        "bank transfer",
        "Virtual accounts expire after 24 hours.",
    ),
    (
        "도서산간",
        "도서산간 지역은 1~2일 더 걸릴 수 있습니다.",
        "remote areas",
        "Remote areas may take a day or two longer.",
    ),
    (
        "선물하기",
        "선물한 주문은 받는 분이 배송지를 입력해야 합니다.",
        "gifts",
        "Gift orders need the recipient's address.",
    ),
    (
        "부분 취소",
        "여러 상품 중 일부만 취소할 수도 있습니다.",
        "partial",
        "You can cancel some items of an order.",
    ),
];

const SURNAMES: [&str; 10] = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
const GIVEN_NAMES: [&str; 10] = [
    "민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유", "시우", "하린",
];
const EN_GIVEN: [&str; 6] = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey"];
const EN_SURNAMES: [&str; 6] = ["Kim", "Lee", "Park", "Smith", "Brown", "Garcia"];
const STORE_NAMES: [&str; 6] = [
    "하늘상점",
    "바다마켓",
    "숲속가게",
    "Daily Goods",
    "별빛샵",
    "Urban Supply",
];
const PRODUCTS: [&str; 10] = [
    "텀블러",
    "무선 이어폰",
    "가죽 지갑",
    "운동화",
    "Linen shirt",
    "캠핑 의자",
    "유기농 쌀 10kg",
    "Phone case",
    "블루투스 스피커",
    "수분 크림",
];
const CARD_BRANDS: [&str; 5] = ["VISA", "MASTERCARD", "BC", "SHINHAN", "KB"];
const CARRIERS: [&str; 4] = ["CJ대한통운", "한진택배", "롯데택배", "우체국택배"];
const SCANS: [&str; 4] = ["집화처리", "간선상차", "간선하차", "배송출발"];
const AGENT_REPLIES_KO: [&str; 3] = [
    "불편을 드려 죄송합니다. 확인 후 바로 안내드리겠습니다.",
    "판매자에게 확인을 요청했습니다. 영업일 1일 안에 답변드리겠습니다.",
    "환불이 접수되었습니다. 영업일 3일 안에 처리됩니다.",
];
const AGENT_REPLIES_EN: [&str; 2] = [
    "Sorry for the trouble; we are looking into it now.",
    "We asked the seller and will get back to you within a business day.",
];
const CUSTOMER_FOLLOW_UPS_KO: [&str; 2] =
    ["확인 감사합니다. 기다릴게요.", "아직 해결되지 않았어요."];
const CUSTOMER_FOLLOW_UPS_EN: [&str; 2] = ["Thanks, I will wait.", "It is still not solved."];
const INTERNAL_NOTES: [&str; 3] = [
    "판매자 연락 두절: 내일 오전 재확인",
    "PG사 결제 로그 확인 요청함",
    "Carrier says the parcel is at the hub; follow up tomorrow.",
];
