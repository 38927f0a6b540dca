import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { STATE_FILE, type E2eState } from './state';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A fresh PostgreSQL database for this run when STOREDESK_E2E_POSTGRES names a server. */
function postgresDatabase(): string | undefined {
  const server = process.env.STOREDESK_E2E_POSTGRES;
  if (!server) return undefined;
  const name = `storedesk_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [server, '-q', '-c', `CREATE DATABASE ${name}`]);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts `storedesk serve --demo` on a free port and a fresh data dir; reads the printed accounts. */
export default async function globalSetup(): Promise<void> {
  const binary = process.env.STOREDESK_BIN ?? join(import.meta.dirname, '../../target/debug/storedesk');
  const dataDir = mkdtempSync(join(tmpdir(), 'storedesk-e2e-'));
  const port = await freePort();
  const databaseUrl = postgresDatabase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STOREDESK_DATA_DIR: dataDir,
    STOREDESK_BIND: `127.0.0.1:${port}`,
    STOREDESK_PUBLIC_URL: `http://127.0.0.1:${port}`,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
  if (databaseUrl) env.STOREDESK_DATABASE_URL = databaseUrl;
  const child = spawn(binary, ['serve', '--demo'], { env, stdio: ['ignore', 'pipe', 'inherit'] });

  const accounts: E2eState['accounts'] = {};
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    for (const line of chunk.split('\n')) {
      const match = /^\s+(BUYER|SELLER|AGENT|ADMIN)\s+(\S+@\S+)\s+(\S+)\s*$/.exec(line);
      if (match) accounts[match[2]!] = { role: match[1]!, password: match[3]! };
    }
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`storedesk exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok && Object.keys(accounts).length > 0) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`storedesk did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const state: E2eState = { url, pid: child.pid ?? 0, dataDir, databaseUrl, accounts };
  writeFileSync(STATE_FILE, JSON.stringify(state));
  process.env.STOREDESK_E2E_URL = url;
  child.unref();
}
