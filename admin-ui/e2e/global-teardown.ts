import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { STATE_FILE, type E2eState } from './state';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the server, then removes its data dir and its PostgreSQL database. */
export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
  if (running(state.pid)) process.kill(state.pid, 'SIGTERM');
  // The database can only be dropped once the server has closed its connections.
  for (let i = 0; i < 150 && running(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (state.databaseUrl) {
    const url = new URL(state.databaseUrl);
    const name = url.pathname.slice(1);
    url.pathname = '/postgres';
    execFileSync('psql', [url.toString(), '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  }
  rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
