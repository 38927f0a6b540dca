//! `orders`: one purchase from one store.

use sea_orm::entity::prelude::*;

/// Where an order is in its life; see DOMAIN.md "Orders, payments, shipments".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum OrderStatus {
    /// Placed, not paid yet.
    #[sea_orm(string_value = "PAYMENT_PENDING")]
    PaymentPending,
    /// The last payment attempt failed; another method may be tried.
    #[sea_orm(string_value = "PAYMENT_FAILED")]
    PaymentFailed,
    /// Paid (결제완료).
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// The seller is preparing it (배송준비).
    #[sea_orm(string_value = "PREPARING")]
    Preparing,
    /// Handed to the carrier (배송중).
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    /// Delivered (배송완료).
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// The buyer confirmed the purchase (구매확정).
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Canceled before shipping.
    #[sea_orm(string_value = "CANCELED")]
    Canceled,
    /// Returned after delivery.
    #[sea_orm(string_value = "RETURNED")]
    Returned,
}

/// One order row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// People-facing number, `YYYYMMDD-NNNNNN`.
    #[sea_orm(unique)]
    pub order_number: String,
    /// The buyer.
    pub buyer_id: Uuid,
    /// The store sold from.
    pub store_id: Uuid,
    /// Status.
    pub status: OrderStatus,
    /// Sum of the items, in won.
    pub total_amount: i64,
    /// Always `KRW` today.
    pub currency: String,
    /// When the order was placed.
    pub placed_at: DateTimeUtc,
    /// When it was paid.
    pub paid_at: Option<DateTimeUtc>,
    /// When it was canceled.
    pub canceled_at: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
