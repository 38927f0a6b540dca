//! Canned replies (macros) for agents, with a Korean starter set for the situations of the
//! seeds: a failed payment, a late parcel, an approved cancellation, a completed refund, a
//! password reset.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Macros {
    Table,
    Id,
    Title,
    Body,
    Category,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

const STARTER: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "01a00000-0000-7000-8000-000000000001",
        "결제 실패: 다른 결제 수단 안내",
        Some("ORDER_PAYMENT"),
        "{{customer.name}}님, 안녕하세요.\n주문 {{order.orderNumber}}의 결제가 실패했습니다(사유: {{payment.failureReason}}).\n카드 유효기간, 잔액/한도를 확인해 주시고, 다른 카드나 계좌이체 등 다른 결제 수단으로 다시 결제해 주세요.\n감사합니다.",
    ),
    (
        "01a00000-0000-7000-8000-000000000002",
        "배송 지연: 택배사 확인 및 새 도착 예정일",
        Some("SHIPPING"),
        "{{customer.name}}님, 기다리게 해 드려 죄송합니다.\n주문 {{order.orderNumber}}은(는) {{shipment.carrier}}(운송장 {{shipment.trackingNumber}})로 배송 중이며, 택배사 확인 결과 새 도착 예정일은 {{shipment.expectedDeliveryAt}}입니다.\n예정일까지 받지 못하시면 이 문의에 답글을 남겨 주세요.",
    ),
    (
        "01a00000-0000-7000-8000-000000000003",
        "취소 승인 안내",
        Some("CANCELLATION"),
        "{{customer.name}}님, 주문 {{order.orderNumber}}의 취소가 승인되었습니다.\n결제하신 금액은 결제 수단으로 환불되며, 카드사에 따라 3~5 영업일이 걸릴 수 있습니다.",
    ),
    (
        "01a00000-0000-7000-8000-000000000004",
        "환불 완료 안내",
        Some("REFUND"),
        "{{customer.name}}님, 주문 {{order.orderNumber}}의 환불 {{refund.amount}}원이 완료되었습니다.\n카드 결제의 경우 카드사 사정에 따라 명세서 반영까지 3~5 영업일이 걸릴 수 있습니다.",
    ),
    (
        "01a00000-0000-7000-8000-000000000005",
        "비밀번호 재설정 안내",
        Some("ACCOUNT"),
        "{{customer.name}}님, 로그인 화면의 '비밀번호 찾기'에서 가입하신 이메일({{customer.email}})을 입력하시면 재설정 링크를 보내 드립니다.\n링크는 30분 동안 한 번만 사용할 수 있습니다. 계정이 도용된 것 같다면 바로 알려 주세요.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Macros::Table)
                    .col(ColumnDef::new(Macros::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Macros::Title).string_len(100).not_null())
                    .col(ColumnDef::new(Macros::Body).text().not_null())
                    .col(ColumnDef::new(Macros::Category).string_len(20).null())
                    .col(ColumnDef::new(Macros::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Macros::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Macros::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(Macros::Table)
            .columns([
                Macros::Id,
                Macros::Title,
                Macros::Body,
                Macros::Category,
                Macros::CreatedAt,
                Macros::UpdatedAt,
            ])
            .to_owned();
        let shipped_at: sea_orm_migration::sea_orm::prelude::DateTimeUtc = "2026-11-22T00:00:00Z"
            .parse()
            .map_err(|_| DbErr::Custom("bad date".into()))?;
        for (id, title, category, body) in STARTER {
            let id: sea_orm_migration::sea_orm::prelude::Uuid =
                id.parse().map_err(|_| DbErr::Custom("bad uuid".into()))?;
            insert.values_panic([
                id.into(),
                (*title).into(),
                (*body).into(),
                category.map(str::to_owned).into(),
                shipped_at.into(),
                shipped_at.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Macros::Table).to_owned())
            .await
    }
}
