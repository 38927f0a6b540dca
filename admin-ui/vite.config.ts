/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The storedesk binary fills this placeholder with a fresh nonce per response (src/http/console.rs).
const CSP_NONCE = '__STOREDESK_CSP_NONCE__';

export default defineConfig({
  plugins: [react()],
  html: { cspNonce: CSP_NONCE },
  build: {
    target: 'es2022',
    sourcemap: false,
    // The budget script reads the manifest to find what the shell loads first.
    manifest: true,
    rolldownOptions: {
      // Three pages: the console, the help center (small, for phones: no component library),
      // and GraphiQL (development mode only, served at GET /graphql).
      input: { console: 'index.html', help: 'help.html', graphiql: 'graphiql.html' },
      // GraphiQL's modules start with "use no memo", a hint for the React compiler, which this
      // build does not run: dropping it when bundling changes nothing.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
      output: {
        // Libraries change less often than our code: keep them in their own long-cached chunks.
        codeSplitting: {
          // A group holds its own package only: shared helpers (clsx, floating-ui…) stay where
          // their importers are, so GraphiQL's page never loads the console's component library.
          includeDependenciesRecursively: false,
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/](core|hooks)[\\/]/ },
            { name: 'graphql', test: /node_modules[\\/](urql|@urql|@0no-co|wonka|graphql-ws|gql\.tada)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:8080', ws: true },
      '/auth': 'http://127.0.0.1:8080',
      '/attachments': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
