/*
 * Attribute keys the ignore rules read that are not stable, copied from
 * @opentelemetry/semantic-conventions/incubating (1.45.0) as OpenTelemetry contrib does: the
 * incubating entry point may change in a minor release, so it is never imported. Both are the
 * deprecated HTTP keys that instrumentations on the old conventions still emit; the stable keys
 * (http.request.method, url.path...) are imported from the package.
 */

/** @deprecated in the conventions: replaced by `http.request.method`. */
export const ATTR_HTTP_METHOD = 'http.method' as const;
/** @deprecated in the conventions: split into `url.path` and `url.query`. */
export const ATTR_HTTP_TARGET = 'http.target' as const;
