// The demo services log through pino. Every line reaches the collector as a SkyWalking log linked to
// the span it was written in (the register entry point enables pino's instrumentation); the lines
// go to stderr as well with DEMO_LOGS=stderr.
'use strict';
const pino = require('pino');

module.exports = pino({ name: process.env.SW_AGENT_NAME }, process.env.DEMO_LOGS === 'stderr' ? pino.destination(2) : { write() {} });
