import { createServer, connect, type Server } from 'node:net';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** Sends one line through the proxy and resolves with the echo, or rejects when the connection dies. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('close', () => reject(new Error('closed')));
    socket.once('error', reject);
  });
}

describe('startTcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy((echo.address() as { port: number }).port);
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards, cuts open and new connections, and restores', async () => {
    await expect(roundTrip(proxy.port, 'ping')).resolves.toBe('ping');

    const held = connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    const heldClosed = new Promise((resolve) => held.once('close', resolve));
    proxy.cut();
    await heldClosed;
    await expect(roundTrip(proxy.port, 'ping')).rejects.toThrow();

    proxy.restore();
    await expect(roundTrip(proxy.port, 'again')).resolves.toBe('again');
  });
});
