// `node --import @otel-skywalking/node/register app.mjs`: registers OpenTelemetry's ESM loader hook
// (import-in-the-middle), so that libraries imported as ES modules are instrumented too, then starts
// tracing from environment variables like the --require entry point.
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
// Tells start() the hook is in place (it warns ES module apps started without it).
globalThis[Symbol.for('otel-skywalking.esm-hook')] = true;
createRequire(import.meta.url)('./build/src/register.js');
