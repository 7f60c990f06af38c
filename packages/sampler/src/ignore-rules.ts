/**
 * SkyWalking's ignore rules (path globs, suffixes, HTTP methods), compiled once to RegExps and
 * applied to what is known when a span starts.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_URL_PATH,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import { globToRegExpSource } from './glob';
import { ATTR_HTTP_METHOD, ATTR_HTTP_TARGET } from './semconv';

/** Why a span is ignored; 0 when it is not. */
export const NOT_IGNORED = 0;
export const IGNORED_METHOD = 1;
export const IGNORED_SUFFIX = 2;
export const IGNORED_PATH = 3;
export type IgnoreVerdict = typeof NOT_IGNORED | typeof IGNORED_METHOD | typeof IGNORED_SUFFIX | typeof IGNORED_PATH;

/** SW_IGNORE_SUFFIX's default in the SkyWalking Node.js agent. */
export const DEFAULT_IGNORE_SUFFIXES: readonly string[] = Object.freeze([
  '.jpg', '.jpeg', '.js', '.css', '.png', '.bmp', '.gif', '.ico', '.mp3', '.mp4', '.html', '.svg',
]);

/** A SkyWalking operation name as a span name: `GET:/path`. */
const OPERATION_NAME = /^[A-Za-z]+:\//;
/** A glob that names the method too: `GET:/path`, `*:/health/**`. */
const METHOD_GLOB = /^([A-Za-z*?]+):([/*].*)$/;
/** Whatever follows the path in `http.target`. */
const QUERY = '(?:\\?[^]*)?$';

/** Splits a comma-separated setting (or a list) into trimmed, non-empty entries. */
export function splitList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const trimmed = item.trim();
    if (trimmed !== '') out.push(trimmed);
  }
  return out;
}

/**
 * Whether `text` between `start` and `end` ends with one of the lower-cased `suffixes`, ignoring
 * ASCII case, with at least one character before it.
 */
function endsWithAny(text: string, start: number, end: number, suffixes: readonly string[]): boolean {
  for (let k = 0; k < suffixes.length; k++) {
    const suffix = suffixes[k];
    const n = suffix.length;
    if (end - start <= n) continue;
    let i = 1;
    for (; i <= n; i++) {
      let c = text.charCodeAt(end - i);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== suffix.charCodeAt(n - i)) break;
    }
    if (i > n) return true;
  }
  return false;
}

function hasLowerCase(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

interface MethodPathRule {
  method: RegExp;
  path: RegExp;
}

function pathRegExp(sources: string[]): RegExp {
  // sticky: tested from an offset (the path inside `GET:/path`) without slicing the string
  return new RegExp(`(?:${sources.join('|')})${QUERY}`, 'y');
}

function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export class IgnoreRules {
  private readonly methods: ReadonlySet<string> | undefined;
  /** Lower-cased; compared from the end of the path, without a RegExp (the common case is a miss). */
  private readonly suffixes: readonly string[];
  /** 1 for each ASCII character some suffix ends with: most paths are ruled out by their last one. */
  private readonly suffixEnds = new Uint8Array(128);
  private anySuffixEnd = false;
  private readonly path: RegExp | undefined;
  private readonly methodPaths: readonly MethodPathRule[];

  /** The rules for these settings, or undefined when there are none, so callers skip the work. */
  static create(paths: readonly string[], suffixes: readonly string[], methods: readonly string[]): IgnoreRules | undefined {
    if (paths.length === 0 && suffixes.length === 0 && methods.length === 0) return undefined;
    return new IgnoreRules(paths, suffixes, methods);
  }

  private constructor(paths: readonly string[], suffixes: readonly string[], methods: readonly string[]) {
    this.methods = methods.length > 0 ? new Set(methods.map((m) => m.toUpperCase())) : undefined;
    this.suffixes = suffixes.map((suffix) => suffix.toLowerCase());
    for (const suffix of this.suffixes) {
      const last = suffix.charCodeAt(suffix.length - 1);
      if (last < 128) this.suffixEnds[last] = 1;
      else this.anySuffixEnd = true;
    }
    const plain: string[] = [];
    const methodPaths: MethodPathRule[] = [];
    for (const glob of paths) {
      const parts = METHOD_GLOB.exec(glob);
      if (parts === null) {
        plain.push(globToRegExpSource(glob));
      } else {
        methodPaths.push({
          method: new RegExp(`^(?:${globToRegExpSource(parts[1])})$`, 'i'),
          path: pathRegExp([globToRegExpSource(parts[2])]),
        });
      }
    }
    this.path = plain.length > 0 ? pathRegExp(plain) : undefined;
    this.methodPaths = methodPaths;
  }

  /**
   * Which rule, if any, ignores a span. The path is `url.path` or `http.target`; without one, the
   * span name is read as a path (`/x`) or a SkyWalking operation name (`GET:/x`), and path globs
   * are also tried on any other span name. The method is `http.request.method` or `http.method`.
   */
  match(spanName: string, attributes: Attributes): IgnoreVerdict {
    let method = stringAttribute(attributes, ATTR_HTTP_REQUEST_METHOD) ?? stringAttribute(attributes, ATTR_HTTP_METHOD);
    if (method === HTTP_REQUEST_METHOD_VALUE_OTHER) {
      method = stringAttribute(attributes, ATTR_HTTP_REQUEST_METHOD_ORIGINAL) ?? method;
    }
    let text = stringAttribute(attributes, ATTR_URL_PATH) ?? stringAttribute(attributes, ATTR_HTTP_TARGET);
    let offset = 0;
    let isPath = true;
    if (text === undefined) {
      text = spanName;
      if (OPERATION_NAME.test(spanName)) {
        const colon = spanName.indexOf(':');
        offset = colon + 1;
        // rare (manual spans named like SkyWalking endpoints), so the slice is acceptable
        if (method === undefined) method = spanName.slice(0, colon);
      } else {
        isPath = spanName.charCodeAt(0) === 47; // '/'
      }
    }

    if (this.methods !== undefined && method !== undefined) {
      if (this.methods.has(method) || (hasLowerCase(method) && this.methods.has(method.toUpperCase()))) {
        return IGNORED_METHOD;
      }
    }
    if (isPath && this.suffixes.length > 0 && this.endsWithSuffix(text, offset)) return IGNORED_SUFFIX;
    if (this.path !== undefined) {
      this.path.lastIndex = offset;
      if (this.path.test(text)) return IGNORED_PATH;
    }
    if (method !== undefined) {
      for (let i = 0; i < this.methodPaths.length; i++) {
        const rule = this.methodPaths[i];
        if (!rule.method.test(method)) continue;
        rule.path.lastIndex = offset;
        if (rule.path.test(text)) return IGNORED_PATH;
      }
    }
    return NOT_IGNORED;
  }

  private endsWithSuffix(text: string, start: number): boolean {
    let end = text.indexOf('?', start);
    if (end < 0) end = text.length;
    if (end <= start) return false;
    let last = text.charCodeAt(end - 1);
    if (last >= 65 && last <= 90) last += 32;
    if (last < 128 && this.suffixEnds[last] === 0 && !this.anySuffixEnd) return false;
    return endsWithAny(text, start, end, this.suffixes);
  }

  toString(): string {
    const parts: string[] = [];
    if (this.methods !== undefined) parts.push(`methods=${[...this.methods].join(',')}`);
    if (this.suffixes.length > 0) parts.push('suffixes');
    if (this.path !== undefined || this.methodPaths.length > 0) parts.push('paths');
    return parts.join(' ');
  }
}
