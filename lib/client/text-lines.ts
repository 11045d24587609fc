/**
 * Line endings: CodeMirror splits on any of \n, \r\n, \r and joins with one separator, so a
 * CRLF file would silently become LF on save. Each file keeps the separator it was read with.
 */

export type LineSeparator = '\n' | '\r\n';

export function detectLineSeparator(text: string): LineSeparator {
  const crlf = text.indexOf('\r\n');
  if (crlf < 0) return '\n';
  const lf = text.indexOf('\n');
  // Mixed files keep \n as the separator, so every \r stays in the text byte for byte.
  return lf === crlf + 1 && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';
}
