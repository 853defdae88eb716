import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a stopping process waits for the answers in flight before it cuts the connections still open. */
const SHUTDOWN_GRACE_MS = 8_000;

/**
 * Call when `server` is made; the function it returns stops accepting and resolves once every open
 * request is answered (SPEC §4: SIGTERM finishes in-flight work, then the process exits). A kept-alive
 * connection must not keep a stopping process serving (`server.close()` closes only the connections idle
 * at that instant, and a busy one is then reused): from then on answers say `Connection: close`, each
 * connection is ended once its requests are answered (after what it still has to send), and whatever is
 * open after SHUTDOWN_GRACE_MS (under docker stop's 10 s) is cut.
 */
export function closerOf(server: Server): () => Promise<void> {
  const openRequests = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    openRequests.set(socket, 0);
    socket.once('close', () => openRequests.delete(socket));
  });
  // before the app's listener, which may answer at once
  server.prependListener('request', (req, res) => {
    const socket = req.socket;
    openRequests.set(socket, (openRequests.get(socket) ?? 0) + 1);
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      const left = (openRequests.get(socket) ?? 1) - 1;
      openRequests.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  return () => {
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const [socket, requests] of openRequests) if (requests === 0) socket.end();
    const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    return closed.finally(() => clearTimeout(cut));
  };
}
