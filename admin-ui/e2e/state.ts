import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What global-setup learnt about the server it started, for the tests. */
export interface E2eState {
  url: string;
  pid: number;
  dataDir: string;
  databaseUrl?: string;
  accounts: Record<string, { role: string; password: string }>;
}

export const STATE_FILE = join(import.meta.dirname, '.state.json');

export function e2eState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export function password(email: string): string {
  const account = e2eState().accounts[email];
  if (!account) throw new Error(`no demo account ${email}`);
  return account.password;
}
