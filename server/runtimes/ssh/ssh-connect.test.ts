/**
 * Connecting to a server that never completes the SSH handshake: the connect fails with a
 * clear error, and nothing is thrown afterwards. ssh2 emits a second 'error' once the timed-out
 * socket closes ("Connection lost before handshake"); with no listener left for it, that one
 * was thrown as an uncaught exception — in the gateway, the end of the process.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log';
import { connect, type PoolTarget } from './ssh-connect';

let servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

/** A TCP server on loopback that runs `onSocket` for each connection. */
async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onSocket);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

function target(port: number): PoolTarget {
  return {
    userId: 'u',
    target: { host: '127.0.0.1', port, username: 'nobody', identityFiles: [], jumps: [] },
    credentials: async () => ({ keys: [], locked: [] }),
    hostKeys: async () => ({ known: [], revoked: [] }),
  };
}

describe('ssh connect to a server that does not answer', () => {
  for (const [what, onSocket] of [
    ['says nothing', () => {}],
    ['answers with something that is not SSH', (s: net.Socket) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')],
  ] as const) {
    it(`fails with a timeout when it ${what}, and throws nothing after`, async () => {
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      try {
        const port = await listen(onSocket);
        await expect(connect(target(port), { closing: false, jumpClients: [] }, { connectTimeoutMs: 200, keepaliveIntervalMs: 0, log: silentLogger })).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('did not answer in time') });
        // The socket closes after the timeout: ssh2's second error comes then.
        await new Promise((r) => setTimeout(r, 300));
        expect(uncaught).toEqual([]);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    });
  }
});
