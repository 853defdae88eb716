import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1; `reply(n)` answers its nth request (from 1). */
export async function startReceiver(reply: (n: number) => Reply = () => ({ status: 200 })): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body, at: Date.now() });
      const { status, headers = {} } = reply(requests.length);
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/taskclaim`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface HangingReceiver {
  url: string;
  /** connections accepted and still held open, never answered */
  readonly open: number;
  /** connections accepted in all */
  readonly accepted: number;
  /** drops every held connection (each attempt then fails at once) and stops listening */
  close(): Promise<void>;
}

/** A plain TCP server on 127.0.0.1 that accepts every connection, reads what it is sent, and never answers. */
export async function startHangingReceiver(): Promise<HangingReceiver> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hang`,
    get open() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
