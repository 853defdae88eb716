import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long a stopping process waits for the answers in flight before it cuts the connections still open. */
const SHUTDOWN_GRACE_MS = 10_000;
/** How often a stopping process closes the kept-alive connections that went idle since. */
const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting and resolves once every open request is answered (SPEC §4: SIGTERM finishes in-flight
 * work, then the process exits). A kept-alive connection busy at the signal must not keep the process
 * serving (`server.close()` closes only the idle ones, and a busy one is then reused): answers from now
 * on say `Connection: close`, connections are closed as soon as they are idle, and whatever is still
 * open after SHUTDOWN_GRACE_MS is cut.
 */
export function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // before the app's listener, which may answer at once
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  return closed.finally(() => {
    clearInterval(sweep);
    clearTimeout(cut);
  });
}
