import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** One page of a keyset-paginated list, as the API answers it. */
export interface Page<T> {
  nodes: T[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number;
}

/** Fetches the page after `after` (the first page for `null`) from the network. */
export type FetchPage<T> = (after: string | null) => Promise<Page<T>>;

/**
 * Loads the first `count` pages again, each after the *fresh* end of the one before.
 *
 * Reusing the old cursors would be wrong: when a row arrives at the top, the refreshed first
 * page ends one row earlier, and the row at the old cursor would fall between two pages.
 */
export async function loadPages<T>(fetchPage: FetchPage<T>, count: number): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let after: string | null = null;
  for (let i = 0; i < count; i += 1) {
    const page: Page<T> = await fetchPage(after);
    pages.push(page);
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  return pages;
}

/** The rows of consecutive pages, each once (a row that moved while paging shows where it is now first). */
export function rowsOf<T extends { id: string }>(pages: Page<T>[]): T[] {
  const seen = new Set<string>();
  const rows: T[] = [];
  for (const page of pages) {
    for (const node of page.nodes) {
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      rows.push(node);
    }
  }
  return rows;
}

interface WindowState<T> {
  key: string;
  pages: Page<T>[];
  fetching: boolean;
  error: unknown;
}

/**
 * A list loaded page by page as it scrolls, which stays whole when it changes underneath:
 * `refresh()` reloads every page loaded so far (the cache alone could only refetch the last
 * one, leaving the first pages stale). `key` names the filter: a new key starts over.
 */
export function useKeysetWindow<T extends { id: string }>(key: string, fetchPage: FetchPage<T>) {
  const [state, setState] = useState<WindowState<T>>({ key, pages: [], fetching: true, error: null });
  // Answers for an older filter or an older refresh are dropped.
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const pageCount = useRef(1);

  const load = useCallback(
    async (forKey: string, count: number) => {
      const mine = ++generation.current;
      setState((s) => ({ ...s, fetching: true }));
      try {
        const pages = await loadPages(fetchRef.current, count);
        if (mine === generation.current) setState({ key: forKey, pages, fetching: false, error: null });
      } catch (error) {
        if (mine === generation.current) setState((s) => ({ ...s, fetching: false, error }));
      }
    },
    [],
  );

  useEffect(() => {
    pageCount.current = 1;
    void load(key, 1);
  }, [key, load]);

  const last = state.pages.at(-1);
  const loadMore = useCallback(async () => {
    if (state.fetching || !last?.hasNextPage || state.key !== key) return;
    const mine = ++generation.current;
    setState((s) => ({ ...s, fetching: true }));
    try {
      const page = await fetchRef.current(last.endCursor);
      if (mine !== generation.current) return;
      pageCount.current += 1;
      setState((s) => ({ ...s, pages: [...s.pages, page], fetching: false, error: null }));
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, fetching: false, error }));
    }
  }, [state.fetching, state.key, last, key]);

  const refresh = useCallback(() => void load(key, pageCount.current), [key, load]);

  const current = state.key === key;
  const rows = useMemo(() => (current ? rowsOf(state.pages) : []), [current, state.pages]);
  return {
    rows,
    totalCount: current ? state.pages[0]?.totalCount : undefined,
    hasNextPage: current && (last?.hasNextPage ?? false),
    fetching: state.fetching,
    error: state.error,
    loadMore,
    refresh,
  };
}
