/**
 * Real HTTP for the end-to-end tests. `node:http` is required lazily, after the test has created
 * its HttpInstrumentation, so that the instrumentation patches it.
 */
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

function http(): typeof Http {
  return require('node:http') as typeof Http;
}

export interface Server {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(handler: Http.RequestListener): Promise<Server> {
  const server = http().createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Response {
  status: number;
  body: string;
}

/** A GET through the (instrumented) http client, from the active context. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http().get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A GET that is not traced itself (tracing suppressed), carrying only the given headers. */
export function getUntraced(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return context.with(suppressTracing(context.active()), () => get(url, headers));
}

/** A GET from outside any trace, as a test client would send it. */
export function getAsClient(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return context.with(suppressTracing(ROOT_CONTEXT), () => get(url, headers));
}
