/**
 * OpenTelemetry ResourceMetrics → one SkyWalking meter report: gauges and sums become
 * MeterSingleValue, histograms MeterHistogram, names and label keys MAL identifiers, the report
 * headed by the same service and instance as the traces. Every meter left out is counted.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  identityOf,
  MAX_METER_LABEL_VALUE_LENGTH,
  MAX_METER_LABELS,
  toMeterName,
} from '@otel-skywalking/core';
import type { MeterBucketValue, MeterData, MeterLabel } from '@otel-skywalking/core/protocol';
import type { MetricExporterConfig } from './config';

export interface ConvertedReport {
  meters: MeterData[];
  /** Series beyond the limits. */
  overLimit: number;
  /** Values SkyWalking cannot carry. */
  unsupported: number;
  labelsDropped: number;
}

function labelValue(value: unknown): string {
  const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return text.length > MAX_METER_LABEL_VALUE_LENGTH ? text.slice(0, MAX_METER_LABEL_VALUE_LENGTH) : text;
}

/** Labels in key order, so one attribute set always gives the same label list. */
function toLabels(attributes: Attributes, report: ConvertedReport): MeterLabel[] {
  const keys = Object.keys(attributes).filter((key) => attributes[key] !== undefined && attributes[key] !== null).sort();
  if (keys.length > MAX_METER_LABELS) {
    report.labelsDropped += keys.length - MAX_METER_LABELS;
    keys.length = MAX_METER_LABELS;
  }
  return keys.map((key) => ({ name: toMeterName(key), value: labelValue(attributes[key]) }));
}

/**
 * OpenTelemetry buckets are (previous boundary, boundary]; SkyWalking names a bucket by its lower
 * bound, the first one starting at negative infinity.
 */
function toBuckets(boundaries: number[], counts: number[]): MeterBucketValue[] {
  return counts.map((count, i) =>
    i === 0 ? { bucket: 0, count, isNegativeInfinity: true } : { bucket: boundaries[i - 1], count, isNegativeInfinity: false },
  );
}

export function toMeterReport(metrics: ResourceMetrics, config: MetricExporterConfig, now = Date.now()): ConvertedReport {
  const report: ConvertedReport = { meters: [], overLimit: 0, unsupported: 0, labelsDropped: 0 };
  const seriesPerName = new Map<string, number>();
  const admit = (name: string): boolean => {
    const series = seriesPerName.get(name) ?? 0;
    if (series >= config.maxSeriesPerMeter || report.meters.length >= config.maxMetersPerReport) {
      report.overLimit++;
      return false;
    }
    seriesPerName.set(name, series + 1);
    return true;
  };
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const name = toMeterName(metric.descriptor.name);
      switch (metric.dataPointType) {
        case DataPointType.GAUGE:
        case DataPointType.SUM:
          for (const point of metric.dataPoints) {
            if (!Number.isFinite(point.value)) {
              report.unsupported++;
              continue;
            }
            if (!admit(name)) continue;
            report.meters.push({ singleValue: { name, labels: toLabels(point.attributes, report), value: point.value } });
          }
          break;
        case DataPointType.HISTOGRAM:
          for (const point of metric.dataPoints) {
            if (!admit(name)) continue;
            const { boundaries, counts } = point.value.buckets;
            report.meters.push({ histogram: { name, labels: toLabels(point.attributes, report), values: toBuckets(boundaries, counts) } });
          }
          break;
        default:
          // Exponential histograms have no SkyWalking counterpart; a View with explicit buckets gives one.
          report.unsupported += metric.dataPoints.length;
      }
    }
  }
  if (report.meters.length > 0) {
    const identity = identityOf(metrics.resource);
    Object.assign(report.meters[0], { service: identity.service, serviceInstance: identity.instance, timestamp: now });
  }
  return report;
}
