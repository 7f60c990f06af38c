/** The node:diagnostics_channel events this instrumentation subscribes to (all published by Node 20.x). */
export const DIAGNOSTICS_CHANNELS = {
  serverRequestStart: 'http.server.request.start',
  serverResponseFinish: 'http.server.response.finish',
  clientResponseFinish: 'http.client.response.finish',
  clientRequestError: 'http.client.request.error',
} as const;
