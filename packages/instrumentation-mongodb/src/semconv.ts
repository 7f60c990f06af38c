/*
 * The incubating attribute values this instrumentation emits, copied from
 * @opentelemetry/semantic-conventions/incubating (1.45.0) as OpenTelemetry contrib does: the
 * incubating entry point may change in a minor release, so it is never imported. The attribute
 * keys themselves (db.*, server.*, error.type) are stable and imported from the package.
 */

/** `db.system.name` value for MongoDB. */
export const DB_SYSTEM_NAME_VALUE_MONGODB = 'mongodb' as const;
