/**
 * `node --require @otel-skywalking/node/register app.js`: tracing from environment variables alone.
 * (ESM apps: `node --import @otel-skywalking/node/register app.mjs`, see register.mjs.)
 */
import { installExitHooks } from './exit-hooks';
import { start } from './start';

installExitHooks(start());
