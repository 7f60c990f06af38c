/**
 * Checks of how the app around us is set up, for the mistakes that otherwise fail silently: an
 * OpenTelemetry SDK 1.x next to skyWalkingSdkOptions(), an ES module app started with --require,
 * another SDK registered in the same process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { trace, ProxyTracerProvider } from '@opentelemetry/api';

/** Set by register.mjs before it starts tracing: the ESM loader hook is in place. */
const ESM_HOOK_FLAG = Symbol.for('otel-skywalking.esm-hook');

/** The directory the app runs from: its entry script's, else the working directory. */
function appDir(): string {
  const entry = process.argv[1];
  return entry === undefined ? process.cwd() : dirname(resolve(entry));
}

/** The version of a package as the app would load it (node_modules from the app's directory up), if installed. */
export function appPackageVersion(name: string, from: string = appDir()): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The app's OpenTelemetry JS SDK when it is 1.x (sdk-trace-base 1.x, or sdk-node before 0.200),
 * described for a message; undefined for 2.x or when none is installed.
 */
export function sdk1xInApp(from?: string): string | undefined {
  const base = appPackageVersion('@opentelemetry/sdk-trace-base', from);
  if (base !== undefined && /^1\./.test(base)) return `@opentelemetry/sdk-trace-base ${base}`;
  const node = appPackageVersion('@opentelemetry/sdk-node', from);
  const minor = node === undefined ? undefined : /^0\.(\d+)\./.exec(node)?.[1];
  if (minor !== undefined && Number(minor) < 200) return `@opentelemetry/sdk-node ${node}`;
  return undefined;
}

/** Whether the app's entry script is an ES module (.mjs, or .js under "type": "module"). */
export function entryIsEsm(entry: string | undefined = process.argv[1]): boolean {
  if (entry === undefined) return false;
  const file = resolve(entry);
  if (file.endsWith('.mjs') || file.endsWith('.mts')) return true;
  if (!file.endsWith('.js') && !file.endsWith('.ts')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/** Whether OpenTelemetry's ESM loader hook was registered (by our register.mjs or an --import/--loader of the hook). */
export function esmHookRegistered(): boolean {
  if ((globalThis as Record<symbol, unknown>)[ESM_HOOK_FLAG] === true) return true;
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].join(' ');
  return /(--import|--loader|--experimental-loader)[= ]\S*(instrumentation\/hook\.mjs|import-in-the-middle|@otel-skywalking\/node\/register)/.test(flags);
}

/** Whether a tracer provider other than ours is registered globally (another SDK started first). */
export function otherTracerProviderRegistered(): boolean {
  // The API registers its proxy with the provider as delegate; unset, the delegate is its no-op provider.
  const global = trace.getTracerProvider();
  if (!(global instanceof ProxyTracerProvider)) return true;
  return global.getDelegate() !== new ProxyTracerProvider().getDelegate();
}

/** The other OpenTelemetry register entry points loaded into this process by flags. */
export function otherRegisterFlags(): string[] {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return [...new Set(flags.filter((f) => /@opentelemetry\/auto-instrumentations-node\/register/.test(f)).map((f) => f.replace(/^--(require|import)=/, '')))];
}
