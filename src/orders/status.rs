//! The order state machine of DOMAIN.md. Services check transitions here, and the update
//! itself is conditional on the previous state (`UPDATE … WHERE status IN (…)`), so two
//! racing requests cannot both move one order.

use entity::order::OrderStatus;

/// The states an order may come from to reach `next`.
pub fn allowed_from(next: OrderStatus) -> &'static [OrderStatus] {
    use OrderStatus::*;
    match next {
        PaymentPending => &[],
        PaymentFailed | Paid => &[PaymentPending, PaymentFailed],
        Preparing => &[Paid],
        Shipped => &[Preparing],
        Delivered => &[Shipped],
        Confirmed => &[Delivered],
        Canceled => &[PaymentPending, PaymentFailed, Paid, Preparing],
        Returned => &[Delivered, Confirmed],
    }
}

/// Whether `from → to` is a legal move.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    allowed_from(to).contains(&from)
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn the_main_path_is_legal_and_nothing_goes_back() {
        use OrderStatus::*;
        let path = [
            PaymentPending,
            Paid,
            Preparing,
            Shipped,
            Delivered,
            Confirmed,
        ];
        for pair in path.windows(2) {
            assert!(can_move(pair[0], pair[1]), "{pair:?}");
            assert!(!can_move(pair[1], pair[0]), "{pair:?}");
        }
        assert!(!can_move(Shipped, Canceled));
        assert!(!can_move(Canceled, Paid));
        assert!(!can_move(Returned, Delivered));
        // Terminal states lead nowhere.
        for next in OrderStatus::iter() {
            assert!(!can_move(Canceled, next));
            assert!(!can_move(Returned, next));
        }
    }
}
