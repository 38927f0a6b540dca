import { print } from '@0no-co/graphql.web';
import type { TadaDocumentNode } from 'gql.tada';
import { useEffect, useState } from 'react';

/**
 * The help center's GraphQL: anonymous reads and votes over plain `fetch` (no session, no
 * cache library: a phone downloads a few kilobytes, not the console's client).
 */
export class HelpError extends Error {
  constructor(
    readonly code: string,
    readonly retryAfter?: number,
  ) {
    super(code);
  }
}

export async function request<Data, Variables>(document: TadaDocumentNode<Data, Variables>, variables: Variables, signal?: AbortSignal): Promise<Data> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: print(document), variables }),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new HelpError('NETWORK');
  }
  const body = (await response.json().catch(() => null)) as { data?: Data; errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[] } | null;
  const first = body?.errors?.[0];
  if (first || !body?.data) throw new HelpError(first?.extensions?.code ?? 'INTERNAL', first?.extensions?.retryAfterSeconds);
  return body.data;
}

export type Loaded<T> = { state: 'loading' } | { state: 'done'; data: T } | { state: 'error'; code: string };

/** Runs `document` whenever `key` changes; an older answer never overwrites a newer one. */
export function useRequest<Data, Variables>(document: TadaDocumentNode<Data, Variables>, variables: Variables | null, key: string): Loaded<Data> {
  const [loaded, setLoaded] = useState<{ key: string; value: Loaded<Data> }>({ key: '', value: { state: 'loading' } });
  useEffect(() => {
    if (variables === null) return;
    const abort = new AbortController();
    request(document, variables, abort.signal).then(
      (data) => setLoaded({ key, value: { state: 'done', data } }),
      (error: unknown) => {
        if ((error as Error).name !== 'AbortError') {
          setLoaded({ key, value: { state: 'error', code: error instanceof HelpError ? error.code : 'INTERNAL' } });
        }
      },
    );
    return () => abort.abort();
    // `key` stands for the variables (objects are new on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return loaded.key === key ? loaded.value : { state: 'loading' };
}
