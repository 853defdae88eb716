import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { SECURITY_HEADERS } from './security-headers';

/** SPEC §6: a client that sends its headers slower than this is cut off (408, then the socket closes). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** SPEC §6: the whole request, body included; answers (long-polls, streams) are not bounded by it. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Node checks those timeouts on this interval (its default of 30 s would let a slow client stay 40 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Node's own answers to a request it cannot hand to the app, by its error code (any other: 400). */
const CLIENT_ERRORS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};

/**
 * Node answers a request it cannot parse, or one cut off by the timeouts, itself; this does what it
 * does (the answer if nothing was sent yet, then the socket is destroyed) with the security headers
 * every answer carries (SPEC §6), which Node's built-in answers lack.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.writable && socket.bytesWritten === 0 && error.code !== 'ECONNRESET') {
    const headers = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`HTTP/1.1 ${CLIENT_ERRORS[error.code ?? ''] ?? '400 Bad Request'}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(error);
}

/** The API's HTTP server: slow clients cut off, and at most `maxConnections` sockets open at once. */
export function makeHttpServer(app: RequestListener, options: { maxConnections: number }): Server {
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    app,
  );
  server.maxConnections = options.maxConnections;
  server.on('clientError', answerClientError);
  return server;
}
