import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { detectLineSeparator } from './text-lines';

const roundTrip = (text: string) =>
  EditorState.create({ doc: text, extensions: EditorState.lineSeparator.of(detectLineSeparator(text)) }).sliceDoc();

describe('line separators', () => {
  it('keeps LF, CRLF and mixed files byte for byte through an editor state', () => {
    for (const text of ['a\nb\n', 'a\r\nb\r\n', 'a\r\nb\nc', 'no newline', '', 'lone\rcr\n']) {
      expect(roundTrip(text)).toBe(text);
    }
    expect(detectLineSeparator('a\r\nb\r\n')).toBe('\r\n');
    expect(detectLineSeparator('a\r\nb\n')).toBe('\n');
  });
});
