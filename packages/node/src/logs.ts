/**
 * Logs linked to their spans: the Logs SDK with SkyWalking's log processor, and the pino, winston
 * and bunyan instrumentations with log sending on (they only patch a logger the app loads). The
 * records go to the same OAP as the spans; our own diag output goes to the console, and
 * anything emitted while we export is never reported (see SkyWalkingLogRecordProcessor).
 */
import { logs } from '@opentelemetry/api-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { BunyanInstrumentation } from '@opentelemetry/instrumentation-bunyan';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SkyWalkingLogRecordProcessor, type SkyWalkingLogRecordProcessorStats } from '@otel-skywalking/exporter-logs';
import type { StartOptions } from './types';

export interface LogReporting {
  provider: LoggerProvider;
  instrumentations: Instrumentation[];
  getStats(): SkyWalkingLogRecordProcessorStats;
  shutdown(): Promise<void>;
}

/** The Logs SDK, registered globally (the pino instrumentation emits through the global provider). */
export function startLogReporting(options: StartOptions, resource: Resource, env: NodeJS.ProcessEnv): LogReporting {
  const logOptions = typeof options.logs === 'object' ? options.logs : {};
  // The span exporter's connection settings: same OAP, token and TLS, so the same shared connection.
  const exporter = options.exporter ?? {};
  const processor = new SkyWalkingLogRecordProcessor(
    { collector: exporter.collector, authentication: exporter.authentication, tls: exporter.tls, ...logOptions },
    env,
  );
  const provider = new LoggerProvider({ resource, processors: [processor] });
  logs.setGlobalLoggerProvider(provider);
  return {
    provider,
    instrumentations: [new PinoInstrumentation(), new WinstonInstrumentation(), new BunyanInstrumentation()],
    getStats: () => processor.getStats(),
    shutdown: async () => {
      try {
        await provider.shutdown();
      } finally {
        logs.disable();
      }
    },
  };
}
