// The span exporter of the instrumentation benches: the tracer provider does all its work, and
// the exported spans are only counted.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export class CountingExporter implements SpanExporter {
  /** Spans exported since construction or the last reset (set it to 0). */
  spans = 0;

  export(batch: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += batch.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
