/**
 * Standard base64 for header fields. Fields are short ids and names; for those the built-in
 * atob/btoa are about three times faster than a Buffer round trip (bench/propagator/propagator.bench.ts),
 * but they work on Latin-1, so anything non-ASCII goes through Buffer as UTF-8.
 * Invalid input is rejected, never decoded leniently.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// eslint-disable-next-line no-control-regex -- ASCII is exactly the range 0x00-0x7f
const ASCII = /^[\x00-\x7f]*$/;

/** Base64 of a UTF-8 string. */
export function encodeBase64Once(value: string): string {
  return ASCII.test(value) ? btoa(value) : Buffer.from(value, 'utf8').toString('base64');
}

/** Decodes standard base64 (padding optional); undefined for anything that is not base64. */
export function decodeBase64(value: string): string | undefined {
  // atob rejects characters outside the alphabet but tolerates ASCII whitespace: refuse that first.
  if (value.length % 4 === 1 || value.includes(' ') || !BASE64.test(value)) return undefined;
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    return undefined; // padding in the wrong place
  }
  return ASCII.test(decoded) ? decoded : Buffer.from(value, 'base64').toString('utf8');
}

const CACHE_GENERATION = 1024;
let recent = new Map<string, string>();
let previous = new Map<string, string>();

/**
 * Base64 of a UTF-8 string, cached: service, instance, endpoint and address names repeat on every
 * inject. Two generations of at most 1024 names each: a name used in the last two generations
 * stays, and up to about 2000 distinct endpoints (a service without route templates) do not thrash
 * the cache, as clearing one full map did.
 */
export function encodeBase64(value: string): string {
  let encoded = recent.get(value);
  if (encoded !== undefined) return encoded;
  encoded = previous.get(value) ?? encodeBase64Once(value);
  if (recent.size >= CACHE_GENERATION) {
    previous = recent;
    recent = new Map();
  }
  recent.set(value, encoded);
  return encoded;
}
