//! Demo FAQ: every Q&A pair of the seed posts (Korean, by category), entries the seeds imply
//! (refunds, passwords), and English versions of the common ones.

use entity::faq_entry::Audience;
use entity::ticket::TicketCategory;

use TicketCategory::*;

/// (category, audience, locale, question, answer)
pub const ENTRIES: &[(TicketCategory, Audience, &str, &str, &str)] = &[
    (
        Other,
        Audience::All,
        "ko",
        "스마트스토어 고객센터에 어떻게 연락하나요?",
        "고객센터에는 전화 상담, 채팅 상담, 이메일 연락 등 여러 가지 방법으로 연락할 수 있습니다. 주문·결제 문제는 전화나 채팅, 배송 문제는 전화나 이메일, 계정 문제는 채팅이나 이메일이 가장 빠릅니다.",
    ),
    (
        Shipping,
        Audience::Buyer,
        "ko",
        "배송이 지연되었을 때 어떻게 대처해야 하나요?",
        "배송 상태를 확인하고 고객센터에 연락하여 배송 업체의 내용을 요청하면 됩니다. 상담원이 택배사에 확인한 뒤 새 도착 예정일을 알려 드립니다.",
    ),
    (
        Other,
        Audience::All,
        "ko",
        "문제 해결을 위해 고객센터에 연락하기 전 어떤 준비가 필요한가요?",
        "문제를 재현해보고, 자주 묻는 질문(FAQ) 확인 및 관련 내용을 미리 준비하는 것이 중요합니다. 주문번호와 결제 수단(카드사, 카드 끝 4자리)을 준비해 주세요.",
    ),
    (
        Shipping,
        Audience::Seller,
        "ko",
        "배송 시간을 어떻게 확인하나요?",
        "스마트스토어 관리자 페이지의 배송 관리에서 확인할 수 있어요.",
    ),
    (
        ReturnExchange,
        Audience::Seller,
        "ko",
        "반품 처리 절차는 무엇인가요?",
        "고객센터에 공지서가 있으니 참고하여 처리하시면 돼요. 구매자는 배송 완료 후 7일 이내에 반품을 요청할 수 있고, 판매자가 승인하면 환불이 진행됩니다.",
    ),
    (
        OrderPayment,
        Audience::All,
        "ko",
        "결제 문제는 어떻게 해결하나요?",
        "거래 내역에서 확인 후 고객센터를 통해 연락하세요. 결제가 실패했다면 다른 카드나 계좌이체 등 다른 결제 수단으로 다시 결제할 수 있습니다.",
    ),
    (
        Cancellation,
        Audience::All,
        "ko",
        "스마트스토어에서 취소 승인이란 무엇인가요?",
        "스마트스토어에서 주문 취소를 요청할 때, 판매자가 이를 승인해야 최종 취소가 이루어지는 절차입니다. 결제 완료 상태에서는 바로 취소되고, 배송 준비 중이면 판매자의 취소 승인이 필요합니다.",
    ),
    (
        Cancellation,
        Audience::All,
        "ko",
        "취소 승인 문제의 주요 원인은 무엇인가요?",
        "주요 원인으로는 판매자의 소통 부족, 재고 관리 문제, 소비자의 잘못된 요청 및 정보 부족이 있습니다.",
    ),
    (
        Cancellation,
        Audience::All,
        "ko",
        "이러한 취소 승인 문제를 어떻게 해결할 수 있나요?",
        "판매자는 소통 강화 및 재고 관리 시스템 도입, 소비자는 신속하고 정확한 정보 제공 등을 통해 문제를 해결할 수 있습니다. 판매자가 기한 안에 결정하지 않으면 상담원이 대신 처리합니다.",
    ),
    (
        Cancellation,
        Audience::Seller,
        "ko",
        "결제 취소의 일반적인 이유는 무엇인가요?",
        "결제 취소의 일반적인 이유에는 고객의 단순 변심, 잘못된 결제 정보 입력, 제품의 재고 부족, 배송 일정 변경 등이 있습니다.",
    ),
    (
        Cancellation,
        Audience::Seller,
        "ko",
        "결제 취소 요청을 받은 후 판매자가 해야 할 첫 번째 단계는 무엇인가요?",
        "결제 취소 요청을 받은 후 판매자는 주문번호와 제품명, 취소 사유, 요청 시간을 확인해야 합니다.",
    ),
    (
        Cancellation,
        Audience::Seller,
        "ko",
        "결제 취소가 완료된 후 판매자는 고객에게 어떤 내용을 제공해야 하나요?",
        "결제 취소가 완료되면 판매자는 고객에게 취소 완료 통지와 함께 확인사항이나 추가적인 공지를 제공해야 합니다.",
    ),
    (
        OrderPayment,
        Audience::Buyer,
        "ko",
        "결제 문제 해결을 위해 어떻게 고객센터에 문의하나요?",
        "계정에 로그인한 후, 고객센터 메뉴에서 '주문/결제'를 선택하고, 문제를 설명한 뒤 전화, 채팅, 혹은 이메일로 상담을 요청하면 됩니다.",
    ),
    (
        OrderPayment,
        Audience::Buyer,
        "ko",
        "결제 오류가 발생했을 때 가장 먼저 확인해야 할 사항은 무엇인가요?",
        "결제 방법을 확인해야 하며, 카드의 유효 기간과 잔고 상태, 결제 정보 입력 시의 오타를 체크해야 합니다.",
    ),
    (
        Other,
        Audience::All,
        "ko",
        "고객센터에 연락하기 전에 준비해야 할 정보는 무엇인가요?",
        "주문 번호, 결제 수단 정보, 문제의 세부사항, 개인 정보(이름, 이메일, 전화번호)를 미리 준비하는 것이 좋습니다.",
    ),
    (
        Refund,
        Audience::Buyer,
        "ko",
        "환불은 언제 되나요?",
        "취소나 반품이 승인되면 3영업일 이내에 환불이 처리됩니다. 카드 결제는 카드사 사정에 따라 명세서 반영까지 3~5영업일이 더 걸릴 수 있습니다.",
    ),
    (
        Account,
        Audience::All,
        "ko",
        "비밀번호를 잊어버렸어요.",
        "로그인 화면의 '비밀번호 찾기'에서 가입한 이메일을 입력하면 재설정 링크를 보내 드립니다. 링크는 30분 동안 한 번만 사용할 수 있습니다.",
    ),
    (
        Account,
        Audience::All,
        "ko",
        "계정이 해킹된 것 같아요.",
        "'계정 도용 신고'를 하시면 계정이 즉시 잠기고 모든 로그인이 종료됩니다. 상담원이 본인 확인 후 복구 링크를 보내 드립니다.",
    ),
    (
        OrderPayment,
        Audience::Buyer,
        "en",
        "My payment failed. What should I do?",
        "Check the card's expiry date, balance and the details you typed. You can pay again with another card or by bank transfer; the order waits for you.",
    ),
    (
        Shipping,
        Audience::Buyer,
        "en",
        "My parcel is late. What can I do?",
        "Check the tracking status first. If the expected date has passed, contact us: an agent checks with the carrier and tells you the new expected date.",
    ),
    (
        Cancellation,
        Audience::All,
        "en",
        "What is cancellation approval?",
        "A paid order is canceled at once. Once the seller is preparing it, the seller must approve the cancellation; if they miss the deadline, an agent decides.",
    ),
    (
        Refund,
        Audience::Buyer,
        "en",
        "When will I get my refund?",
        "Within 3 business days after a cancellation or return is accepted. Card refunds may take 3–5 more business days to show on your statement.",
    ),
    (
        Account,
        Audience::All,
        "en",
        "I forgot my password.",
        "Use 'Forgot password' on the sign-in page. We email a reset link that works once within 30 minutes.",
    ),
];
