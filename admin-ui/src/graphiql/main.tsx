// GraphiQL for development, bundled with the console so it works without internet access.
// The storedesk binary serves this page at `GET /graphql` in development mode only.
import 'graphiql/style.css';
import './graphiql.css';
// Monaco's language workers, emitted by Vite as files of this origin (CSP `worker-src 'self'`).
import 'graphiql/setup-workers/vite';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const wsProtocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

// The headers editor's `Authorization` travels with every request and, for subscriptions,
// in the WebSocket's `connection_init` payload (the server reads it there).
const fetcher = createGraphiQLFetcher({
  url: `${location.origin}/graphql`,
  subscriptionUrl: `${wsProtocol}//${location.host}/graphql/ws`,
});

const WELCOME = `# storedesk GraphQL API (development mode).
#
# Sign in to get an access token:
#
#   mutation { login(email: "agent.kim@storedesk.test", password: "…") { accessToken } }
#
# then put it in the Headers tab below:
#
#   { "Authorization": "Bearer <accessToken>" }
#
# The demo accounts and their passwords are printed by \`storedesk serve --demo\`.

query Me {
  me {
    id
    name
    role
  }
}
`;

const root = document.getElementById('graphiql');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <GraphiQL fetcher={fetcher} defaultQuery={WELCOME} plugins={[HISTORY_PLUGIN]} />
    </StrictMode>,
  );
}
