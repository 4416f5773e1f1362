import { createServer, Socket, type Server } from 'node:net';

/**
 * A loopback TCP proxy a test puts between one process and a dependency (pgBouncer, the control
 * plane) to cut that one path: `cut()` closes every open connection and refuses new ones, as a
 * network partition would look to that process, while everyone else still reaches the service.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: (scheme: string, rest?: string) => string;
  /** Drops open connections and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Connections currently open through the proxy. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(targetPort, targetHost, () => {
      client.pipe(upstream).pipe(client);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (scheme, rest = '') => `${scheme}://127.0.0.1:${port}${rest}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      cut = false;
    },
    get open() {
      return sockets.size / 2;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
