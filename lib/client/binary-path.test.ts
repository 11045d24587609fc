/**
 * Tripwires for the terminal data path: output bytes must travel as Uint8Array from the socket to
 * `term.write`, never through string decoding or base64 (which corrupts split UTF-8 sequences and
 * costs a copy per chunk).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeHelloAck, encodeOpened, encodeOutput } from '../protocol';
import { GatewaySocket, type TransportHandlers } from './gateway-socket';

const root = path.resolve(import.meta.dirname, '../..');
const DATA_PATH = [
  'lib/client/gateway-socket.ts',
  'lib/client/gateway-channel.ts',
  'lib/client/browser-gateway.ts',
  'lib/protocol/offsets.ts', 'lib/protocol/client.ts',
  'components/terminal/TerminalView.tsx',
];

describe('terminal output stays binary', () => {
  it.each(DATA_PATH)('%s has no string decoding or base64 on the output path', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    expect(text).not.toMatch(/TextDecoder|atob\(|btoa\(|base64|String\.fromCharCode|\.toString\(['"]utf/);
  });

  it('hands xterm the exact bytes, invalid UTF-8 included, as a view (no copy)', () => {
    let handlers: TransportHandlers | undefined;
    const socket = new GatewaySocket({
      env: { isOnline: () => true, onOnline: () => () => {}, onOffline: () => () => {}, onVisible: () => () => {}, random: () => 0 },
      transport: (h) => {
        handlers = h;
        return { send: () => true, close: () => {} };
      },
    });
    handlers!.onOpen();
    handlers!.onMessage(encodeHelloAck({ v: 1, user: { id: 'u', name: 'u' }, limits: { maxFrameBytes: 1 << 20, highWater: 1 << 19, lowWater: 1 << 17 } }));
    const ch = socket.attachTerminal({ session: 's', cols: 80, rows: 24 });
    handlers!.onMessage(encodeOpened(1, { session: 's', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    const got: Uint8Array[] = [];
    ch.on('output', (d, done) => {
      got.push(d);
      done();
    });
    // A split 3-byte UTF-8 sequence (€ = e2 82 ac) and bytes that are never valid UTF-8.
    const frame = encodeOutput(1, 0, new Uint8Array([0xe2, 0x82, 0xff, 0xfe, 0x00, 0x80]));
    handlers!.onMessage(frame);
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(Uint8Array);
    expect([...got[0]!]).toEqual([0xe2, 0x82, 0xff, 0xfe, 0x00, 0x80]);
    expect(got[0]!.buffer).toBe(frame.buffer);
    socket.dispose();
  });
});
