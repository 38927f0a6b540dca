/**
 * `faqSearch`'s snippets mark matched words with `<b>…</b>` and escape everything else.
 * They are turned into text and marked parts here (never into HTML), so a snippet cannot
 * inject markup even if the server's escaping were wrong.
 */
export interface Piece {
  text: string;
  marked: boolean;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => ENTITIES[entity] ?? entity);
}

export function highlightPieces(snippet: string): Piece[] {
  const pieces: Piece[] = [];
  for (const [index, part] of snippet.split(/<\/?b>/).entries()) {
    if (part) pieces.push({ text: unescape(part), marked: index % 2 === 1 });
  }
  return pieces;
}
