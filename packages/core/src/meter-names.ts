/**
 * Meter names and labels as the OAP's Meter Analysis Language reads them: a MAL rule names a meter
 * as a Groovy identifier (`instance_nodejs_heap_used.sum(['service', 'instance'])`), so names and
 * label keys are letters, digits and `_`, not starting with a digit. One definition for the
 * exporter (which converts) and @otel-skywalking/collector (which checks).
 */

/** What a MAL rule can name. */
export const METER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longest meter name we send or accept (the OAP stores `meter_<name>` as a metric name). */
export const MAX_METER_NAME_LENGTH = 128;
/** Most labels on one meter. */
export const MAX_METER_LABELS = 16;
/** Longest label value; longer values are cut. */
export const MAX_METER_LABEL_VALUE_LENGTH = 256;

/**
 * An OpenTelemetry instrument or attribute name as a MAL identifier: every other character becomes
 * `_` (`http.server.duration` → `http_server_duration`), a leading digit gets a `_` before it, and
 * the result is cut to MAX_METER_NAME_LENGTH.
 */
export function toMeterName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out.length > MAX_METER_NAME_LENGTH ? out.slice(0, MAX_METER_NAME_LENGTH) : out;
}

export function isMeterName(name: string): boolean {
  return name.length <= MAX_METER_NAME_LENGTH && METER_NAME_PATTERN.test(name);
}
