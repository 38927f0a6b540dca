import { describe, expect, it } from 'vitest';
import { highlightPieces } from './highlight';

describe('highlightPieces', () => {
  it('marks the bold parts and unescapes the rest as text', () => {
    expect(highlightPieces('카드 <b>결제</b>가 &lt;실패&gt; &amp; <b>환불</b>')).toEqual([
      { text: '카드 ', marked: false },
      { text: '결제', marked: true },
      { text: '가 <실패> & ', marked: false },
      { text: '환불', marked: true },
    ]);
  });

  it('keeps markup as text', () => {
    expect(highlightPieces('&lt;script&gt;')).toEqual([{ text: '<script>', marked: false }]);
  });
});
