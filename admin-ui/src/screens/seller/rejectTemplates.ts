import { useState } from 'react';

const MAX_SAVED = 12;

const keyOf = (owner: string) => `storedesk.rejectTemplates.${owner}`;

function read(owner: string): string[] {
  try {
    const raw = JSON.parse(localStorage.getItem(keyOf(owner)) ?? '[]') as unknown;
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').slice(0, MAX_SAVED) : [];
  } catch {
    return [];
  }
}

/**
 * A seller's own rejection reasons, kept in this browser beside the built-in ones (a store
 * has one seller account; nothing private is in a reason the buyer reads anyway).
 */
export function useRejectTemplates(owner: string) {
  const [saved, setSaved] = useState(() => read(owner));
  const save = (text: string) => {
    if (!text) return;
    const next = [text, ...saved.filter((t) => t !== text)].slice(0, MAX_SAVED);
    setSaved(next);
    try {
      localStorage.setItem(keyOf(owner), JSON.stringify(next));
    } catch {
      // Storage full or disabled: the template lasts for this visit.
    }
  };
  return { saved, save };
}
