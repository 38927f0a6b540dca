//! Models read from a result row by the position of their columns.
//!
//! sea-orm's derived `FromQueryResult` finds each column by its name: a hash lookup and a
//! string compare per column, and under a prefix (the columns of a joined table) a `String`
//! built first. A page of fifty orders with its buyer, payment and shipment joined reads
//! about 2,400 columns; by name, finding them was 40 % of the page's decoding and 6 % of
//! the server's CPU under `order-list` (BENCHMARKS.md, change 30). By position a column is
//! an index into the row.
//!
//! A model's columns are listed once, in `positional!`, with the fields they fill: the
//! list is what a join selects and what [`Columns::model`] reads, so the two cannot
//! disagree, and a field added to an entity without its column does not compile.

use entity::{
    account, audit_event, cancellation_request, faq_entry, order, order_item, payment, refund,
    shipment, shipment_event, store, ticket, ticket_attachment, ticket_message,
};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ColIdx, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select,
    TryGetError, TryGetable,
};

/// A model that can be read from consecutive columns of a row.
pub trait Positional: Sized {
    /// The entity whose model this is.
    type Entity: EntityTrait<Model = Self>;

    /// The columns [`Positional::read`] reads, in its order: the entity's own order, so the
    /// entity's plain `find()` selects exactly these (a test per model holds it to that).
    const COLUMNS: &'static [<Self::Entity as EntityTrait>::Column];

    /// Reads the model from the next [`Positional::COLUMNS`]`.len()` columns.
    fn read(columns: &mut Columns<'_>) -> Result<Self, TryGetError>;

    /// Selects this model's columns of the table (or alias) `table` into `query`, in the
    /// order [`Columns::joined`] reads them.
    fn select_from(query: &mut SelectStatement, table: &'static str) {
        for column in Self::COLUMNS {
            // `select_as`: enums are cast to text on PostgreSQL, as sea-orm's own select does.
            query.expr(column.select_as(Expr::col((Alias::new(table), *column))));
        }
    }
}

/// A cursor over the columns of one row, read left to right.
pub struct Columns<'a> {
    row: &'a QueryResult,
    at: usize,
}

impl<'a> Columns<'a> {
    /// A cursor at the first column of `row`.
    pub fn new(row: &'a QueryResult) -> Self {
        Self { row, at: 0 }
    }

    /// The value of the next column. A NULL where `T` is not an `Option` is an error that
    /// names the column's position.
    pub fn value<T: TryGetable>(&mut self) -> Result<T, TryGetError> {
        let at = self.at;
        self.at += 1;
        T::try_get_by(self.row, At(at)).map_err(|error| match error {
            TryGetError::Null(_) => TryGetError::Null(format!("column {at}")),
            error => error,
        })
    }

    /// The model in the next columns.
    pub fn model<M: Positional>(&mut self) -> Result<M, DbErr> {
        Ok(M::read(self)?)
    }

    /// The model a left join read into the next columns; `None` where the join found no
    /// row, which reads as NULL in the model's first column (its key, never NULL in a row).
    pub fn joined<M: Positional>(&mut self) -> Result<Option<M>, DbErr> {
        let start = self.at;
        match M::read(self) {
            Ok(model) => Ok(Some(model)),
            Err(TryGetError::Null(_)) if self.at == start + 1 => {
                self.at = start + M::COLUMNS.len();
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// [`Columns::joined`] where the relation was joined, `None` where it was not (and
    /// nothing of it is in the row).
    pub fn joined_if<M: Positional>(&mut self, joined: bool) -> Result<Option<Option<M>>, DbErr> {
        joined.then(|| self.joined::<M>()).transpose()
    }
}

/// A column's position, as sea-orm's index type.
///
/// sea-orm reads a NULL into an `Option` by first building the error of a NULL where a value
/// was required, `format!`ting the index into its `String`, and then dropping it: one
/// allocation per NULL read (1.2 % of the queue's instructions, BENCHMARKS.md, change 35).
/// Formatted as nothing, the `String` is empty and allocates nothing; [`Columns::value`]
/// names the position where the error is kept.
#[derive(Clone, Copy)]
struct At(usize);

impl std::fmt::Debug for At {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

impl ColIdx for At {
    type SqlxPostgresIndex = usize;
    type SqlxSqliteIndex = usize;

    fn as_sqlx_postgres_index(&self) -> usize {
        self.0
    }

    fn as_sqlx_sqlite_index(&self) -> usize {
        self.0
    }

    fn as_str(&self) -> Option<&str> {
        None
    }

    fn as_usize(&self) -> Option<&usize> {
        Some(&self.0)
    }
}

/// A row of `M`'s own columns, in [`Positional::COLUMNS`] order, as the model.
pub fn read<M: Positional>(row: &QueryResult) -> Result<M, DbErr> {
    Columns::new(row).model()
}

/// The rows `select` finds, each decoded by `decode`.
pub async fn decoded<E: EntityTrait, M>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    decode: impl Fn(&QueryResult) -> Result<M, DbErr>,
) -> Result<Vec<M>, DbErr> {
    let statement = select.build(conn.get_database_backend());
    conn.query_all_raw(statement)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Every model `select` finds, read by position: `select` is a plain `find()` of `M`'s
/// entity (filters and order, no joins), whose columns are [`Positional::COLUMNS`].
pub async fn all<M: Positional>(
    conn: &impl ConnectionTrait,
    select: Select<M::Entity>,
) -> Result<Vec<M>, DbErr> {
    decoded(conn, select, read::<M>).await
}

/// Implements [`Positional`] for the models of the named entity modules, each listed as
/// `field: Column` in the entity's order (the first one its key).
macro_rules! positional {
    ($($module:ident { $($field:ident: $column:ident),+ $(,)? })+) => {$(
        impl Positional for $module::Model {
            type Entity = $module::Entity;

            const COLUMNS: &'static [$module::Column] = &[$($module::Column::$column),+];

            fn read(columns: &mut Columns<'_>) -> Result<Self, TryGetError> {
                // A struct expression evaluates its fields in the order written: the
                // order of `COLUMNS`.
                Ok(Self { $($field: columns.value()?),+ })
            }
        }
    )+};
}

positional! {
    account {
        id: Id, email: Email, name: Name, phone: Phone, role: Role, status: Status,
        password_hash: PasswordHash, locale: Locale, created_at: CreatedAt,
        updated_at: UpdatedAt, last_login_at: LastLoginAt,
        password_changed_at: PasswordChangedAt,
    }
    order {
        id: Id, order_number: OrderNumber, buyer_id: BuyerId, store_id: StoreId,
        status: Status, total_amount: TotalAmount, currency: Currency, placed_at: PlacedAt,
        paid_at: PaidAt, canceled_at: CanceledAt, updated_at: UpdatedAt,
    }
    payment {
        id: Id, order_id: OrderId, method: Method, card_brand: CardBrand,
        card_last4: CardLast4, amount: Amount, refund_reserved: RefundReserved,
        refunded_amount: RefundedAmount, status: Status, failure_reason: FailureReason,
        gateway_reference: GatewayReference, created_at: CreatedAt, paid_at: PaidAt,
        updated_at: UpdatedAt,
    }
    shipment {
        id: Id, order_id: OrderId, carrier: Carrier, tracking_number: TrackingNumber,
        status: Status, expected_delivery_at: ExpectedDeliveryAt, shipped_at: ShippedAt,
        delivered_at: DeliveredAt, last_event_at: LastEventAt, updated_at: UpdatedAt,
    }
    store { id: Id, owner_id: OwnerId, name: Name, created_at: CreatedAt }
    ticket {
        id: Id, number: Number, requester_id: RequesterId, created_by: CreatedBy,
        assignee_id: AssigneeId, order_id: OrderId, category: Category, channel: Channel,
        subject: Subject, status: Status, priority: Priority, payment_method: PaymentMethod,
        card_last4: CardLast4, created_at: CreatedAt, updated_at: UpdatedAt,
        first_response_due_at: FirstResponseDueAt, resolution_due_at: ResolutionDueAt,
        first_responded_at: FirstRespondedAt, pending_since: PendingSince,
        resolved_at: ResolvedAt, closed_at: ClosedAt, satisfaction_score: SatisfactionScore,
        satisfaction_comment: SatisfactionComment, rated_at: RatedAt,
        first_response_escalated_at: FirstResponseEscalatedAt,
        resolution_escalated_at: ResolutionEscalatedAt,
    }
    order_item {
        id: Id, order_id: OrderId, position: Position, product_name: ProductName,
        quantity: Quantity, unit_price: UnitPrice, line_total: LineTotal,
    }
    ticket_message {
        id: Id, ticket_id: TicketId, author_id: AuthorId, body: Body, internal: Internal,
        created_at: CreatedAt, origin: Origin,
    }
    cancellation_request {
        id: Id, order_id: OrderId, open_order_id: OpenOrderId, kind: Kind, reason: Reason,
        details: Details, status: Status, requested_by: RequestedBy, requested_at: RequestedAt,
        seller_deadline_at: SellerDeadlineAt, escalated_at: EscalatedAt, decided_at: DecidedAt,
        decided_by: DecidedBy, decision_note: DecisionNote, rejection_reason: RejectionReason,
        override_reason: OverrideReason, refund_id: RefundId, rating: Rating,
        rating_comment: RatingComment,
    }
    refund {
        id: Id, order_id: OrderId, payment_id: PaymentId,
        cancellation_request_id: CancellationRequestId, amount: Amount, reason: Reason,
        status: Status, requested_by: RequestedBy, idempotency_key: IdempotencyKey,
        request_fingerprint: RequestFingerprint, attempts: Attempts,
        gateway_reference: GatewayReference, failure_reason: FailureReason,
        created_at: CreatedAt, due_at: DueAt, completed_at: CompletedAt, updated_at: UpdatedAt,
    }
    shipment_event {
        id: Id, shipment_id: ShipmentId, status: Status, description: Description,
        occurred_at: OccurredAt, recorded_at: RecordedAt,
    }
    audit_event {
        id: Id, actor_id: ActorId, action: Action, target_type: TargetType, target_id: TargetId,
        ip: Ip, user_agent: UserAgent, details: Details, created_at: CreatedAt,
    }
    ticket_attachment {
        id: Id, ticket_id: TicketId, message_id: MessageId, uploaded_by: UploadedBy,
        file_name: FileName, content_type: ContentType, size_bytes: SizeBytes, sha256: Sha256,
        created_at: CreatedAt,
    }
    faq_entry {
        id: Id, category: Category, audience: Audience, question: Question, answer: Answer,
        locale: Locale, published: Published, position: Position, view_count: ViewCount,
        helpful_count: HelpfulCount, not_helpful_count: NotHelpfulCount,
        created_at: CreatedAt, updated_at: UpdatedAt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// A plain `find()` selects the entity's columns in its own order; reading the main row
    /// of a select by position relies on that order being `COLUMNS`.
    fn in_entity_order<M: Positional>() {
        let entity: Vec<String> = <M::Entity as EntityTrait>::Column::iter()
            .map(|column| format!("{column:?}"))
            .collect();
        let listed: Vec<String> = M::COLUMNS.iter().map(|c| format!("{c:?}")).collect();
        assert_eq!(listed, entity);
    }

    #[tokio::test]
    async fn a_null_reads_as_none_into_an_option_and_as_an_error_naming_its_column_otherwise() {
        let conn = sea_orm::Database::connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite");
        let statement = sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT NULL, 'present', NULL",
        );
        let row = conn
            .query_one_raw(statement)
            .await
            .expect("query")
            .expect("a row");
        let mut columns = Columns::new(&row);
        assert_eq!(columns.value::<Option<String>>().expect("column 0"), None);
        assert_eq!(
            columns.value::<Option<String>>().expect("column 1"),
            Some("present".to_owned())
        );
        match columns.value::<String>() {
            Err(TryGetError::Null(column)) => assert_eq!(column, "column 2"),
            other => panic!("a NULL read as a String gave {other:?}"),
        }
    }

    #[test]
    fn every_listed_model_reads_its_columns_in_the_entity_order() {
        in_entity_order::<account::Model>();
        in_entity_order::<order::Model>();
        in_entity_order::<payment::Model>();
        in_entity_order::<shipment::Model>();
        in_entity_order::<store::Model>();
        in_entity_order::<ticket::Model>();
        in_entity_order::<order_item::Model>();
        in_entity_order::<ticket_message::Model>();
        in_entity_order::<cancellation_request::Model>();
        in_entity_order::<refund::Model>();
        in_entity_order::<shipment_event::Model>();
        in_entity_order::<ticket_attachment::Model>();
        in_entity_order::<audit_event::Model>();
        in_entity_order::<faq_entry::Model>();
    }
}
