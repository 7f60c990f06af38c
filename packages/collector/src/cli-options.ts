/** Command-line options of `otel-skywalking-collector`, parsed into CollectorOptions. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CollectorOptions } from './types';

export const CLI_USAGE = `Usage: otel-skywalking-collector [options]

A local SkyWalking collector: receives segments over gRPC like the OAP, checks them against the
OAP's rules, prints every finished trace as a tree and serves the data as JSON over HTTP.

Options:
  --grpc-port <port>     gRPC port (SkyWalking agents' collector address). Default 11800
  --http-port <port>     JSON HTTP API port; "off" to disable. Default 12800
  --host <address>       interface to bind. Default 127.0.0.1 (use 0.0.0.0 for containers)
  --token <token>        require this Authentication token (SW_AGENT_AUTHENTICATION)
  --max-segments <n>     segments kept in memory, oldest evicted first. Default 10000
  --quiet-ms <ms>        a trace is printed once no segment of it arrived for this long. Default 2000
  --tags                 print span tags under each span
  --logs                 print span logs under each span
  --tls-cert <file>      serve gRPC over TLS with this certificate chain (PEM)
  --tls-key <file>       ... and this private key (PEM)
  --tls-ca <file>        require client certificates signed by this CA (mutual TLS)
  -h, --help             show this help
`;

export interface CliConfig {
  collector: CollectorOptions;
  tags: boolean;
  logs: boolean;
  help: boolean;
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Parses argv (without node and the script); throws an Error with a message for the user. */
export function parseCliArgs(argv: string[]): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'grpc-port': { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'max-segments': { type: 'string' },
      'quiet-ms': { type: 'string' },
      tags: { type: 'boolean' },
      logs: { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const httpPortArg = values['http-port'];
  const collector: CollectorOptions = {
    host: values.host ?? '127.0.0.1',
    grpcPort: port('grpc-port', values['grpc-port'], 11800),
    httpPort: httpPortArg === 'off' || httpPortArg === 'false' ? false : port('http-port', httpPortArg, 12800),
    maxSegments: positive('max-segments', values['max-segments']),
    traceQuietMillis: positive('quiet-ms', values['quiet-ms']),
  };
  if (values.token !== undefined) collector.token = values.token;
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (cert !== undefined && key !== undefined) {
    collector.tls = { cert: readFileSync(cert), key: readFileSync(key) };
    if (values['tls-ca'] !== undefined) collector.tls.ca = readFileSync(values['tls-ca']);
  } else if (values['tls-ca'] !== undefined) {
    throw new Error('--tls-ca needs --tls-cert and --tls-key');
  }
  return { collector, tags: values.tags === true, logs: values.logs === true, help: values.help === true };
}
