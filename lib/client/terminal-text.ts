/** Text helpers for the terminal views: kept pure so they can be unit tested without a DOM. */
import type { ExitInfo } from '../protocol';

/** The line written into a terminal when its process ends. */
export function exitMessage(exit: ExitInfo): string {
  if (exit.code !== null) return `[process exited with code ${exit.code}]`;
  if (exit.signal !== null) return `[process exited with signal ${exit.signal}]`;
  return '[process exited]';
}

/**
 * The line written into a terminal whose SSH connection dropped (its process's fate is unknown).
 * The message comes from the server and may name a host the user typed: control characters are
 * removed so it cannot steer the terminal.
 */
export function lostMessage(message: string | undefined): string {
  const clean = (message ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return `[${clean || 'the connection to the host was lost'}]`;
}

/**
 * xterm's onBinary delivers bytes as a "binary string" (one char per byte, e.g. X10 mouse reports).
 * Turn it into bytes without UTF-8 encoding, which would corrupt values above 0x7f.
 */
export function binaryStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export interface LineSource {
  length: number;
  getLine(i: number): { translateToString(trimRight?: boolean): string } | undefined;
}

/** Every line of an xterm buffer (scrollback included), right-trimmed, joined with "\n". */
export function bufferText(buffer: LineSource): string {
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n').trimEnd();
}
