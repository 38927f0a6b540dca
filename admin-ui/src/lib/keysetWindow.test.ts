import { describe, expect, it } from 'vitest';
import { loadPages, rowsOf, type Page } from './keysetWindow';

/** A keyset API over ids sorted descending: a cursor is the last id seen. */
function api(ids: number[], size: number) {
  const calls: (string | null)[] = [];
  const fetchPage = async (after: string | null): Promise<Page<{ id: string }>> => {
    calls.push(after);
    const sorted = [...ids].sort((a, b) => b - a);
    const rest = after === null ? sorted : sorted.filter((id) => id < Number(after));
    const nodes = rest.slice(0, size).map((id) => ({ id: String(id) }));
    return { nodes, endCursor: nodes.at(-1)?.id ?? null, hasNextPage: rest.length > size, totalCount: ids.length };
  };
  return { fetchPage, calls };
}

describe('loadPages', () => {
  it('chains each page after the fresh end of the one before, so a new row leaves no gap', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => i + 1);
    const first = api(ids, 3);
    const before = rowsOf(await loadPages(first.fetchPage, 2)).map((r) => r.id);
    expect(before).toEqual(['7', '6', '5', '4', '3', '2']);

    // A new row at the top: the old cursor of page one ("5") would now drop row 5.
    const second = api([...ids, 8], 3);
    const after = rowsOf(await loadPages(second.fetchPage, 2)).map((r) => r.id);
    expect(after).toEqual(['8', '7', '6', '5', '4', '3']);
    expect(second.calls).toEqual([null, '6']);
  });

  it('stops at the last page', async () => {
    const { fetchPage, calls } = api([1, 2], 3);
    expect(await loadPages(fetchPage, 4)).toHaveLength(1);
    expect(calls).toEqual([null]);
  });
});

describe('rowsOf', () => {
  it('keeps each row once, where it shows first', () => {
    const page = (ids: string[]): Page<{ id: string }> => ({
      nodes: ids.map((id) => ({ id })), endCursor: ids.at(-1) ?? null, hasNextPage: true, totalCount: 9,
    });
    expect(rowsOf([page(['a', 'b']), page(['b', 'c'])]).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
