#!/usr/bin/env node
/** `otel-skywalking-collector`: runs a SkyWalkingCollector and prints every finished trace. */
import { CLI_USAGE, parseCliArgs, type CliConfig } from './cli-options';
import { SkyWalkingCollector } from './collector';
import { formatTrace } from './trace-format';
import { formatMeterLine } from './meter-format';

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
  process.stdout.write(
    `otel-skywalking-collector: gRPC on ${addresses.grpc}` +
      (addresses.http === undefined ? '' : `, JSON on ${addresses.http}/traces`) +
      `\n  point agents at it: SW_AGENT_COLLECTOR_BACKEND_SERVICES=${addresses.grpc}\n\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await collector.close();
  const stats = collector.stats();
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
