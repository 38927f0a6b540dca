// The seller center's list tabs, kept apart from the screens so the router can check a URL
// without loading them.

/** Claims: waiting cancellations, waiting returns, decided. */
export const CLAIM_TABS = ['cancel', 'return', 'decided'] as const;
export type ClaimTab = (typeof CLAIM_TABS)[number];

/** Shipping: paid (to prepare), preparing (to ship), shipped (in transit). */
export const SHIPPING_TABS = ['prepare', 'ship', 'transit'] as const;
export type ShippingTab = (typeof SHIPPING_TABS)[number];
