export { HttpInstrumentation } from './HttpInstrumentation';
export { DIAGNOSTICS_CHANNELS } from './channels';
export type { HeaderCapture, HttpInstrumentationConfig } from './types';
