/**
 * Test fixture: a TCP proxy on a free loopback port to `target`, whose `cut()` destroys every
 * connection through it at once — a network failure between two live programs, which neither
 * side caused (unlike stopping the server).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections made through the proxy so far. */
  readonly connections: number;
  /** Destroy every open connection (both sides); new ones are still accepted. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.setNoDelay(true);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cut = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  return {
    port,
    get connections() {
      return connections;
    },
    cut,
    close() {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
