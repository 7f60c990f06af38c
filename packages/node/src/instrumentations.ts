/** The instrumentations the setup enables, by name; express only when it can be loaded. */
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation as OpenTelemetryHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AmqplibInstrumentation } from '@otel-skywalking/instrumentation-amqplib';
import { HttpInstrumentation } from '@otel-skywalking/instrumentation-http';
import { MongoDBInstrumentation } from '@otel-skywalking/instrumentation-mongodb';
import type { HttpInstrumentationName, InstrumentationName } from './types';

type Factory = (http: HttpInstrumentationName) => Instrumentation | undefined;

const FACTORIES: Record<InstrumentationName, Factory> = {
  http: (http) => (http === 'opentelemetry' ? new OpenTelemetryHttpInstrumentation() : new HttpInstrumentation()),
  // fetch(): without it a service calling with fetch splits its traces
  undici: () => new UndiciInstrumentation(),
  // Optional: present when the app installs @opentelemetry/instrumentation-express.
  express: () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
      return new ExpressInstrumentation() as Instrumentation;
    } catch {
      diag.debug('otel-skywalking: @opentelemetry/instrumentation-express is not installed; express routes are named by the http instrumentation only');
      return undefined;
    }
  },
  amqplib: () => new AmqplibInstrumentation(),
  mongodb: () => new MongoDBInstrumentation(),
};

export function createInstrumentations(enabled: Record<InstrumentationName, boolean>, http: HttpInstrumentationName = 'otel-skywalking'): Instrumentation[] {
  const out: Instrumentation[] = [];
  for (const [name, factory] of Object.entries(FACTORIES) as Array<[InstrumentationName, Factory]>) {
    if (!enabled[name]) continue;
    const instrumentation = factory(http);
    if (instrumentation !== undefined) out.push(instrumentation);
  }
  return out;
}
