//! Orders, payments, shipments, cancellation and return requests, refunds, and the
//! notification outbox.
//!
//! Invariants that concurrent requests could break are enforced here as well as in code:
//! one open request per order (a unique column that is set only while a request is open),
//! one idempotency key per requester, amounts that cannot go negative, and a refund
//! reservation that can never exceed the amount paid.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    OrderNumber,
    BuyerId,
    StoreId,
    Status,
    TotalAmount,
    Currency,
    PlacedAt,
    PaidAt,
    CanceledAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    Position,
    ProductName,
    Quantity,
    UnitPrice,
    LineTotal,
}

#[derive(DeriveIden)]
enum OrderNumberSequences {
    Table,
    Day,
    Last,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrderId,
    Method,
    CardBrand,
    CardLast4,
    Amount,
    RefundReserved,
    RefundedAmount,
    Status,
    FailureReason,
    GatewayReference,
    CreatedAt,
    PaidAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    Id,
    OrderId,
    Carrier,
    TrackingNumber,
    Status,
    ExpectedDeliveryAt,
    ShippedAt,
    DeliveredAt,
    LastEventAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShipmentEvents {
    Table,
    Id,
    ShipmentId,
    Status,
    Description,
    OccurredAt,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CancellationRequests {
    Table,
    Id,
    OrderId,
    OpenOrderId,
    Kind,
    Reason,
    Details,
    Status,
    RequestedBy,
    RequestedAt,
    SellerDeadlineAt,
    EscalatedAt,
    DecidedAt,
    DecidedBy,
    DecisionNote,
    RejectionReason,
    OverrideReason,
    RefundId,
    Rating,
    RatingComment,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    OrderId,
    PaymentId,
    CancellationRequestId,
    Amount,
    Reason,
    Status,
    RequestedBy,
    IdempotencyKey,
    RequestFingerprint,
    Attempts,
    GatewayReference,
    FailureReason,
    CreatedAt,
    DueAt,
    CompletedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    Kind,
    Channel,
    RecipientId,
    Address,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

macro_rules! cols {
    ($($col:expr),+ $(,)?) => {
        vec![$($col.into_iden()),+]
    };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(uuid_pk(Orders::Id))
                    .col(text(Orders::OrderNumber, 20).unique_key())
                    .col(uuid_col(Orders::BuyerId))
                    .col(uuid_col(Orders::StoreId))
                    .col(text(Orders::Status, 20))
                    .col(money(Orders::TotalAmount))
                    .col(text(Orders::Currency, 3))
                    .col(ts(Orders::PlacedAt))
                    .col(ts_null(Orders::PaidAt))
                    .col(ts_null(Orders::CanceledAt))
                    .col(ts(Orders::UpdatedAt))
                    .check(Expr::col(Orders::TotalAmount).gt(0))
                    .check(Expr::col(Orders::Status).is_in([
                        "PAYMENT_PENDING",
                        "PAYMENT_FAILED",
                        "PAID",
                        "PREPARING",
                        "SHIPPED",
                        "DELIVERED",
                        "CONFIRMED",
                        "CANCELED",
                        "RETURNED",
                    ]))
                    .foreign_key(&mut fk(
                        "fk_orders_buyer",
                        (Orders::Table, Orders::BuyerId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_orders_store",
                        (Orders::Table, Orders::StoreId),
                        (Stores::Table, Stores::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_orders_buyer",
            Orders::Table,
            cols![Orders::BuyerId, Orders::Id],
        )
        .await?;
        index(
            manager,
            "idx_orders_store",
            Orders::Table,
            cols![Orders::StoreId, Orders::Id],
        )
        .await?;
        index(
            manager,
            "idx_orders_status",
            Orders::Table,
            cols![Orders::Status, Orders::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(uuid_pk(OrderItems::Id))
                    .col(uuid_col(OrderItems::OrderId))
                    .col(ColumnDef::new(OrderItems::Position).integer().not_null())
                    .col(text(OrderItems::ProductName, 200))
                    .col(ColumnDef::new(OrderItems::Quantity).integer().not_null())
                    .col(money(OrderItems::UnitPrice))
                    .col(money(OrderItems::LineTotal))
                    .check(Expr::col(OrderItems::Quantity).gt(0))
                    .check(Expr::col(OrderItems::UnitPrice).gte(0))
                    .foreign_key(
                        &mut fk(
                            "fk_order_items_order",
                            (OrderItems::Table, OrderItems::OrderId),
                            (Orders::Table, Orders::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_order_items_order",
            OrderItems::Table,
            cols![OrderItems::OrderId, OrderItems::Position],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderNumberSequences::Table)
                    .col(text(OrderNumberSequences::Day, 8).primary_key())
                    .col(
                        ColumnDef::new(OrderNumberSequences::Last)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(uuid_pk(Payments::Id))
                    .col(uuid_col(Payments::OrderId))
                    .col(text(Payments::Method, 20))
                    .col(text_null(Payments::CardBrand, 20))
                    .col(text_null(Payments::CardLast4, 4))
                    .col(money(Payments::Amount))
                    .col(money(Payments::RefundReserved).default(0))
                    .col(money(Payments::RefundedAmount).default(0))
                    .col(text(Payments::Status, 20))
                    .col(text_null(Payments::FailureReason, 32))
                    .col(text_null(Payments::GatewayReference, 64))
                    .col(ts(Payments::CreatedAt))
                    .col(ts_null(Payments::PaidAt))
                    .col(ts(Payments::UpdatedAt))
                    .check(Expr::col(Payments::Amount).gt(0))
                    // The refund invariant, in the table itself: whatever the code does, the
                    // refunds that are not FAILED (reserved) never exceed what was paid.
                    .check(Expr::col(Payments::RefundReserved).gte(0))
                    .check(Expr::col(Payments::RefundReserved).lte(Expr::col(Payments::Amount)))
                    .check(Expr::col(Payments::RefundedAmount).gte(0))
                    .check(
                        Expr::col(Payments::RefundedAmount)
                            .lte(Expr::col(Payments::RefundReserved)),
                    )
                    .foreign_key(&mut fk(
                        "fk_payments_order",
                        (Payments::Table, Payments::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_payments_order",
            Payments::Table,
            cols![Payments::OrderId, Payments::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Shipments::Table)
                    .col(uuid_pk(Shipments::Id))
                    .col(uuid_col(Shipments::OrderId).unique_key())
                    .col(text(Shipments::Carrier, 60))
                    .col(text(Shipments::TrackingNumber, 60))
                    .col(text(Shipments::Status, 20))
                    .col(ts(Shipments::ExpectedDeliveryAt))
                    .col(ts(Shipments::ShippedAt))
                    .col(ts_null(Shipments::DeliveredAt))
                    .col(ts(Shipments::LastEventAt))
                    .col(ts(Shipments::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_shipments_order",
                        (Shipments::Table, Shipments::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_shipments_open",
            Shipments::Table,
            cols![Shipments::DeliveredAt, Shipments::ExpectedDeliveryAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShipmentEvents::Table)
                    .col(uuid_pk(ShipmentEvents::Id))
                    .col(uuid_col(ShipmentEvents::ShipmentId))
                    .col(text(ShipmentEvents::Status, 20))
                    .col(text(ShipmentEvents::Description, 500))
                    .col(ts(ShipmentEvents::OccurredAt))
                    .col(ts(ShipmentEvents::RecordedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_shipment_events_shipment",
                            (ShipmentEvents::Table, ShipmentEvents::ShipmentId),
                            (Shipments::Table, Shipments::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_shipment_events_shipment",
            ShipmentEvents::Table,
            cols![ShipmentEvents::ShipmentId, ShipmentEvents::OccurredAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(uuid_pk(Refunds::Id))
                    .col(uuid_col(Refunds::OrderId))
                    .col(uuid_col(Refunds::PaymentId))
                    .col(uuid_null(Refunds::CancellationRequestId))
                    .col(money(Refunds::Amount))
                    .col(text(Refunds::Reason, 500))
                    .col(text(Refunds::Status, 20))
                    .col(uuid_col(Refunds::RequestedBy))
                    .col(text(Refunds::IdempotencyKey, 200))
                    .col(text(Refunds::RequestFingerprint, 64))
                    .col(ColumnDef::new(Refunds::Attempts).integer().not_null())
                    .col(text_null(Refunds::GatewayReference, 64))
                    .col(text_null(Refunds::FailureReason, 200))
                    .col(ts(Refunds::CreatedAt))
                    .col(ts(Refunds::DueAt))
                    .col(ts_null(Refunds::CompletedAt))
                    .col(ts(Refunds::UpdatedAt))
                    .check(Expr::col(Refunds::Amount).gt(0))
                    .check(Expr::col(Refunds::Status).is_in([
                        "REQUESTED",
                        "PROCESSING",
                        "COMPLETED",
                        "FAILED",
                    ]))
                    .foreign_key(&mut fk(
                        "fk_refunds_order",
                        (Refunds::Table, Refunds::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_refunds_payment",
                        (Refunds::Table, Refunds::PaymentId),
                        (Payments::Table, Payments::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_refunds_requested_by",
                        (Refunds::Table, Refunds::RequestedBy),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_refunds_idempotency")
                    .table(Refunds::Table)
                    .col(Refunds::RequestedBy)
                    .col(Refunds::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_refunds_order",
            Refunds::Table,
            cols![Refunds::OrderId, Refunds::Id],
        )
        .await?;
        index(
            manager,
            "idx_refunds_status_due",
            Refunds::Table,
            cols![Refunds::Status, Refunds::DueAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CancellationRequests::Table)
                    .col(uuid_pk(CancellationRequests::Id))
                    .col(uuid_col(CancellationRequests::OrderId))
                    // Equal to order_id while the request is open, NULL afterwards: the unique
                    // index on it allows one open request per order on both engines (NULLs are
                    // distinct), whatever races the code loses.
                    .col(uuid_null(CancellationRequests::OpenOrderId).unique_key())
                    .col(text(CancellationRequests::Kind, 10))
                    .col(text(CancellationRequests::Reason, 32))
                    .col(text_null(CancellationRequests::Details, 1000))
                    .col(text(CancellationRequests::Status, 20))
                    .col(uuid_col(CancellationRequests::RequestedBy))
                    .col(ts(CancellationRequests::RequestedAt))
                    .col(ts_null(CancellationRequests::SellerDeadlineAt))
                    .col(ts_null(CancellationRequests::EscalatedAt))
                    .col(ts_null(CancellationRequests::DecidedAt))
                    .col(uuid_null(CancellationRequests::DecidedBy))
                    .col(text_null(CancellationRequests::DecisionNote, 1000))
                    .col(text_null(CancellationRequests::RejectionReason, 1000))
                    .col(text_null(CancellationRequests::OverrideReason, 1000))
                    .col(uuid_null(CancellationRequests::RefundId))
                    .col(
                        ColumnDef::new(CancellationRequests::Rating)
                            .small_integer()
                            .null(),
                    )
                    .col(text_null(CancellationRequests::RatingComment, 1000))
                    .check(Expr::col(CancellationRequests::Kind).is_in(["CANCEL", "RETURN"]))
                    .check(Expr::col(CancellationRequests::Status).is_in([
                        "PENDING_SELLER",
                        "APPROVED",
                        "REJECTED",
                        "COMPLETED",
                        "WITHDRAWN",
                    ]))
                    .foreign_key(&mut fk(
                        "fk_cancellation_requests_order",
                        (CancellationRequests::Table, CancellationRequests::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_cancellation_requests_refund",
                        (CancellationRequests::Table, CancellationRequests::RefundId),
                        (Refunds::Table, Refunds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_cancellation_requests_order",
            CancellationRequests::Table,
            cols![CancellationRequests::OrderId, CancellationRequests::Id],
        )
        .await?;
        index(
            manager,
            "idx_cancellation_requests_status_deadline",
            CancellationRequests::Table,
            cols![
                CancellationRequests::Status,
                CancellationRequests::SellerDeadlineAt
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxMessages::Table)
                    .col(uuid_pk(OutboxMessages::Id))
                    .col(text(OutboxMessages::Kind, 64))
                    .col(text(OutboxMessages::Channel, 10))
                    .col(uuid_null(OutboxMessages::RecipientId))
                    .col(text(OutboxMessages::Address, 254))
                    .col(text(OutboxMessages::Subject, 300))
                    .col(ColumnDef::new(OutboxMessages::Body).text().not_null())
                    .col(text(OutboxMessages::Status, 10))
                    .col(
                        ColumnDef::new(OutboxMessages::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(ts(OutboxMessages::NextAttemptAt))
                    .col(ts_null(OutboxMessages::ClaimedUntil))
                    .col(text_null(OutboxMessages::LastError, 500))
                    .col(ts(OutboxMessages::CreatedAt))
                    .col(ts_null(OutboxMessages::SentAt))
                    .check(Expr::col(OutboxMessages::Channel).is_in(["EMAIL", "SMS"]))
                    .check(Expr::col(OutboxMessages::Status).is_in(["PENDING", "SENT", "FAILED"]))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_outbox_due",
            OutboxMessages::Table,
            cols![OutboxMessages::Status, OutboxMessages::NextAttemptAt],
        )
        .await?;
        index(
            manager,
            "idx_outbox_recipient",
            OutboxMessages::Table,
            cols![OutboxMessages::RecipientId, OutboxMessages::Id],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxMessages::Table.into_iden(),
            CancellationRequests::Table.into_iden(),
            Refunds::Table.into_iden(),
            ShipmentEvents::Table.into_iden(),
            Shipments::Table.into_iden(),
            Payments::Table.into_iden(),
            OrderNumberSequences::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
