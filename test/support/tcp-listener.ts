import net from 'node:net';

export interface TcpListener {
  port: number;
  /** destroys every connection open now (the server keeps accepting) */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A TCP server of 127.0.0.1 on `port` (default: a free one). Given `upstream`, it forwards each
 * connection there: a proxy to PostgreSQL or Redis that can cut every connection, or that opens on a
 * port a process was told to use before the store was there. Without `upstream` it accepts and never answers.
 */
export async function listenTcp(options: { port?: number; upstream?: { host: string; port: number } } = {}): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (options.upstream) {
      const upstream = net.connect(options.upstream.port, options.upstream.host);
      sockets.add(upstream);
      upstream.on('error', () => undefined);
      socket.pipe(upstream).pipe(socket);
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
