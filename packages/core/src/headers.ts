/** Cross-process header names, one definition each. */
export const SW8_HEADER = 'sw8';
export const SW8_CORRELATION_HEADER = 'sw8-correlation';
export const SW8_X_HEADER = 'sw8-x';
/** gRPC metadata key the OAP checks when authentication is on. */
export const AUTHENTICATION_METADATA_KEY = 'authentication';
/** tracestate member that carries a SkyWalking trace id that is not a 32-hex OpenTelemetry id. */
export const TRACESTATE_KEY = 'sw8';
