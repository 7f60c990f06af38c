/** Log (language-agent/Tracing.proto): a span's timestamped event. */
import type { Log } from '@otel-skywalking/core/protocol';
import { writeKeyStringValuePair } from './key-string-value-pair';
import type { WireWriter } from './wire';

/** Log's field numbers. */
const enum LogField {
  time = 1,
  data = 2,
}

/** Writes the log as field `field` of the message being written. */
export function writeLog(w: WireWriter, field: number, log: Log): void {
  const mark = w.begin(field, 2);
  w.int64(LogField.time, log.time);
  const data = log.data;
  for (let i = 0; i < data.length; i++) writeKeyStringValuePair(w, LogField.data, data[i].key, data[i].value);
  w.end(mark, 2);
}
