export { HttpInstrumentation } from './instrumentation';
export { DIAGNOSTICS_CHANNELS } from './channels';
export type { HeaderCapture, HttpInstrumentationConfig } from './types';
