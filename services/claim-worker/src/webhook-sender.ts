import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

export const WEBHOOK_TIMEOUT_MS = 15_000;

export interface WebhookResponse {
  statusCode: number;
  retryAfter: string | undefined;
}

export interface WebhookSender {
  /** POSTs one signed body; resolves with the receiver's status, rejects on network errors, refusals and timeouts. */
  send(url: string, body: string, headers: Record<string, string>): Promise<WebhookResponse>;
  close(): void;
}

export class WebhookTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs / 1000} s`);
    this.name = 'WebhookTimeoutError';
  }
}

/**
 * node:http(s) with request-filtering-agent, which checks the address actually connected to (after
 * DNS, so DNS rebinding is covered too) and refuses private, loopback, link-local and reserved ones
 * unless `allowPrivateNetworks`. fetch cannot take an http.Agent, hence no fetch here. Redirects
 * are not followed: a 3xx is a failed attempt.
 */
export function makeWebhookSender(options: { allowPrivateNetworks: boolean; timeoutMs?: number }): WebhookSender {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const filter = { allowPrivateIPAddress: options.allowPrivateNetworks, keepAlive: false };
  const agents = { http: new RequestFilteringHttpAgent(filter), https: new RequestFilteringHttpsAgent(filter) };

  return {
    send(url, body, headers) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const secure = target.protocol === 'https:';
        const request = (secure ? https : http).request(target, {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        });
        // One deadline for the whole attempt: connecting, sending and the response headers.
        const timer = setTimeout(() => request.destroy(new WebhookTimeoutError(timeoutMs)), timeoutMs);
        request.on('response', (response) => {
          clearTimeout(timer);
          const retryAfter = response.headers['retry-after'];
          resolve({ statusCode: response.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
          // The status is all we need; the body is dropped rather than read.
          response.on('error', () => undefined);
          response.destroy();
        });
        request.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        request.end(body);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
