import { describe, expect, it } from 'vitest';
import { binaryStringToBytes, bufferText, exitMessage, lostMessage } from './terminal-text';

describe('terminal text', () => {
  it('says how the process ended', () => {
    expect(exitMessage({ code: 3, signal: null })).toBe('[process exited with code 3]');
    expect(exitMessage({ code: null, signal: 'SIGHUP' })).toBe('[process exited with signal SIGHUP]');
    expect(exitMessage({ code: null, signal: null })).toBe('[process exited]');
  });

  it('says a connection was lost, without letting the message steer the terminal', () => {
    expect(lostMessage('the connection to u@h:22 was lost')).toBe('[the connection to u@h:22 was lost]');
    expect(lostMessage('evil\x1b[2Jhost\r\n')).toBe('[evil[2Jhost]');
    expect(lostMessage(undefined)).toBe('[the connection to the host was lost]');
  });

  it('keeps binary-string bytes as bytes (no UTF-8 expansion)', () => {
    expect([...binaryStringToBytes('\x1b[M\xff\x80')]).toEqual([0x1b, 0x5b, 0x4d, 0xff, 0x80]);
  });

  it('joins buffer lines and trims trailing blank space', () => {
    const rows = ['$ echo hi   ', 'hi', '$ ', '', ''];
    const buf = { length: rows.length, getLine: (i: number) => ({ translateToString: (trim?: boolean) => (trim ? rows[i]!.trimEnd() : rows[i]!) }) };
    expect(bufferText(buf)).toBe('$ echo hi\nhi\n$');
  });
});
