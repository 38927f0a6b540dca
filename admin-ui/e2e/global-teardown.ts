import { readFileSync, rmSync } from 'node:fs';
import { STATE_FILE, type E2eState } from './state';

export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
