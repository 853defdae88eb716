import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/** SPEC §6: a client that sends its headers slower than this is cut off (408, then the socket closes). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** SPEC §6: the whole request, body included; answers (long-polls, streams) are not bounded by it. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Node checks those timeouts on this interval (its default of 30 s would let a slow client stay 40 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The API's HTTP server: slow clients cut off, and at most `maxConnections` sockets open at once. */
export function makeHttpServer(app: Express, options: { maxConnections: number }): Server {
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    app,
  );
  server.maxConnections = options.maxConnections;
  return server;
}
