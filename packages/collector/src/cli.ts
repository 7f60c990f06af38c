#!/usr/bin/env node
/** `otel-skywalking-collector`: runs a SkyWalkingCollector and prints every finished trace. */
import * as grpc from '@grpc/grpc-js';
import { CLI_USAGE, parseCliArgs, type CliConfig } from './cli-options';
import { SkyWalkingCollector } from './collector';
import { formatTrace } from './trace-format';
import { formatMeterLine } from './meter-format';
import type { CollectorStats } from './types';

// grpc-js logs a failed bind itself before our own message says the same, with the address: keep
// its other errors, drop that one.
const GRPC_BIND_NOISE = /No address added out of total \d+ resolved/;
grpc.setLogger({
  error: (...args: unknown[]) => {
    if (!args.some((arg) => GRPC_BIND_NOISE.test(String(arg)))) console.error(...args);
  },
});

/** How often refused calls are looked for; they are printed as one line per kind and interval. */
const REFUSED_CHECK_MS = 500;

const REFUSALS: Array<[keyof CollectorStats, (n: number, config: CliConfig) => string]> = [
  [
    'callsUnauthenticated',
    (n) => `refused ${n} call(s) with a missing or wrong Authentication token: set the agents' SW_AGENT_AUTHENTICATION to the --token value`,
  ],
  ['callsOverLimit', (n) => `refused ${n} call(s): too many calls open at once`],
  ['messagesMalformed', (n) => `refused ${n} message(s) that were not valid SkyWalking protobuf`],
];

/** Prints the calls the collector refused since the last look (agents are told only by a status code). */
function watchRefusals(collector: SkyWalkingCollector, config: CliConfig): () => void {
  const seen = new Map<keyof CollectorStats, number>(REFUSALS.map(([key]) => [key, 0]));
  const look = (): void => {
    const stats = collector.getStats();
    for (const [key, describe] of REFUSALS) {
      const now = stats[key] as number;
      const before = seen.get(key) ?? 0;
      if (now > before) process.stdout.write(`otel-skywalking-collector: ${describe(now - before, config)}\n`);
      seen.set(key, now);
    }
  };
  const timer = setInterval(look, REFUSED_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    look();
  };
}

async function main(argv: string[]): Promise<number> {
  let config: CliConfig;
  try {
    config = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`otel-skywalking-collector: ${err instanceof Error ? err.message : String(err)}\n\n${CLI_USAGE}`);
    return 2;
  }
  if (config.help) {
    process.stdout.write(CLI_USAGE);
    return 0;
  }
  const collector: SkyWalkingCollector = new SkyWalkingCollector({
    ...config.collector,
    onTraceFinished: (trace, update) => {
      const heading = update.revision === 0 ? '' : `(update ${update.revision}: more segments arrived)\n`;
      const text = formatTrace(trace, {
        tags: config.tags,
        logs: config.logs,
        violations: collector.violations({ traceId: trace.traceId }),
      });
      process.stdout.write(`${heading}${text}\n`);
    },
    onMeterReport: (meters) => process.stdout.write(`${formatMeterLine(meters)}\n`),
  });
  const addresses = await collector.start();
  const tls = config.collector.tls;
  const transport = tls === undefined ? 'plaintext' : tls.ca === undefined ? 'TLS' : 'TLS, client certificates required';
  const agentSettings = [
    `SW_AGENT_COLLECTOR_BACKEND_SERVICES=${addresses.grpc}`,
    ...(tls === undefined ? [] : ['SW_AGENT_SECURE=true']),
    ...(config.collector.token === undefined ? [] : ['SW_AGENT_AUTHENTICATION=<the --token value>']),
  ];
  process.stdout.write(
    `otel-skywalking-collector: gRPC (${transport}) on ${addresses.grpc}` +
      (addresses.http === undefined ? '' : `, JSON on ${addresses.http}/traces`) +
      `\n  point agents at it: ${agentSettings.join(' ')}\n\n`,
  );
  const stopWatching = watchRefusals(collector, config);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  stopWatching();
  await collector.close();
  const stats = collector.getStats();
  process.stdout.write(
    `otel-skywalking-collector: stopped after ${stats.segmentsReceived} segments ` +
      `(${stats.segmentsEvicted} evicted, ${stats.messagesMalformed} malformed, ${stats.callsAborted} aborted calls)\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`otel-skywalking-collector: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
