import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { authExchange } from '@urql/exchange-auth';
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { createClient as createWsClient } from 'graphql-ws';
import { session } from '../lib/session';
import { connection } from '../lib/connection';

/** Types without an `id`: stored inside their parent rather than as entities. */
const EMBEDDED = [
  'AccountConnection', 'AccountEdge', 'AgentAvailability', 'AgentCsat', 'AuditEventConnection',
  'AuditEventEdge', 'AuthPayload', 'CancellationRequestConnection', 'CancellationRequestEdge',
  'CategoryCount', 'CategoryCsat', 'ContactOptions', 'CreateTicketPayload', 'FaqEntryConnection',
  'FaqEntryEdge', 'FaqSearchHit', 'OrderConnection', 'OrderEdge', 'PageInfo', 'PriorityCount',
  'RefundConnection', 'RefundEdge', 'SatisfactionRating', 'SecurityEventConnection',
  'SecurityEventEdge', 'Shipment', 'ShipmentEvent', 'StatusCount', 'SupportDashboard',
  'TicketConnection', 'TicketEdge', 'TicketMessageConnection', 'TicketMessageEdge', 'TicketViewer',
  'OrderTimelineEntry', 'SellerDashboard', 'SellerDay',
] as const;

/** Close code of a socket whose access token expired (src/http/subscriptions.rs). */
const TOKEN_EXPIRED = 4403;

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql/ws`;
}

/** Live updates: the token is fetched afresh on every (re)connect, so an expired one never sticks. */
const ws = createWsClient({
  url: wsUrl,
  lazy: true,
  // Moving from the queue to a ticket swaps one subscription for another: keep the socket
  // open across that gap instead of closing it and racing the reconnect.
  lazyCloseTimeout: 5_000,
  retryAttempts: Infinity,
  // Back off from 0.5 s to 15 s with jitter, so a restarted server is not stampeded.
  retryWait: (retries) =>
    new Promise((resolve) => setTimeout(resolve, Math.min(15_000, 500 * 2 ** retries) * (0.5 + Math.random() / 2))),
  shouldRetry: () => true,
  connectionParams: async () => {
    const token = await session.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
  on: {
    connected: () => connection.set('online'),
    closed: (event) => {
      const code = (event as CloseEvent | undefined)?.code;
      // 1000: closed because nothing listens any more; 4499: we terminated it (sign-out);
      // 4403: the token expired and the client reconnects with a fresh one at once.
      if (code !== TOKEN_EXPIRED && code !== 1000 && code !== 4499) connection.set('reconnecting');
    },
  },
});

/** Drops every cached `Query.tickets` list, whatever its filter, so open lists refetch. */
function invalidateTicketLists(cache: Cache): void {
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName === 'tickets') cache.invalidate('Query', field.fieldName, field.arguments);
  }
}

/** Forgets every cached answer (after signing out, the next user must not see them). */
let cacheGeneration = 0;

function makeClient(): Client {
  return new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin', headers: { accept: 'application/graphql-response+json' } },
    exchanges: [
      cacheExchange({
        keys: Object.fromEntries(EMBEDDED.map((name) => [name, () => null])),
        // No page-merging resolver: the queue keeps its pages itself (lib/keysetWindow.ts), so
        // that a change reloads all of them, not only the last.
        updates: {
          Mutation: {
            // A new ticket or message changes lists the cache cannot extend on its own.
            createTicket: (_result, _args, cache) => invalidateTicketLists(cache),
            replyToTicket: (_result, args, cache) => {
              cache.invalidate({ __typename: 'Ticket', id: String(args.ticketId) }, 'messages');
            },
          },
          Subscription: {
            ticketQueueChanged: (_result, _args, cache) => invalidateTicketLists(cache),
            // A new message (someone else's reply or note) must show in the open conversation.
            ticketUpdated: (_result, args, cache) => {
              cache.invalidate({ __typename: 'Ticket', id: String(args.ticketId) }, 'messages');
            },
          },
        },
      }),
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const token = session.get()?.accessToken;
          return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
        },
        willAuthError() {
          const current = session.get();
          return current !== null && current.expiresAt - Date.now() < 5_000;
        },
        didAuthError(error) {
          return (
            error.response?.status === 401 ||
            error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
          );
        },
        async refreshAuth() {
          await session.refresh();
        },
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}

let client = makeClient();

/** The page's GraphQL client. */
export function graphqlClient(): Client {
  return client;
}

/** A fresh client with an empty cache; returns its generation for React keys. */
export function resetClient(): number {
  client = makeClient();
  ws.terminate();
  cacheGeneration += 1;
  return cacheGeneration;
}
