/** The seller center's claim lists: waiting cancellations, waiting returns, decided (kept apart so the router need not load the screen). */
export const CLAIM_TABS = ['cancel', 'return', 'decided'] as const;
export type ClaimTab = (typeof CLAIM_TABS)[number];
