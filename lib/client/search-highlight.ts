/**
 * A search result's line cut into plain text and the match (fs.search gives its 1-based column
 * and length in UTF-16 units), for drawing the match in a <mark>. The parts are text for React
 * to render as text — never HTML — and a range that runs off the line is clamped to it.
 */
export interface LinePart {
  text: string;
  match: boolean;
}

export function highlightParts(text: string, column: number, length: number): LinePart[] {
  const start = Math.min(Math.max(0, column - 1), text.length);
  const end = Math.min(text.length, start + Math.max(0, length));
  const parts: LinePart[] = [];
  if (start > 0) parts.push({ text: text.slice(0, start), match: false });
  if (end > start) parts.push({ text: text.slice(start, end), match: true });
  if (end < text.length) parts.push({ text: text.slice(end), match: false });
  return parts.length ? parts : [{ text, match: false }];
}
