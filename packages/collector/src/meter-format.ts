/** One line per meter report for the CLI: `meters <service> / <instance>: name=value ...`. */
import type { InstanceMeters } from './meter-store';

/** The prefix of SkyWalking's Node.js runtime meters, left out for brevity. */
const RUNTIME_PREFIX = 'instance_nodejs_';
const MAX_SHOWN = 24;

function formatValue(name: string, value: number): string {
  if (/(_used|_total|_limit|_rss|_memory|_buffers)$/.test(name)) {
    if (Math.abs(value) >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)}MiB`;
    if (Math.abs(value) >= 1024) return `${(value / 1024).toFixed(1)}KiB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function formatMeterLine(meters: InstanceMeters): string {
  const parts = meters.meters.slice(0, MAX_SHOWN).map((m) => {
    const name = m.name.startsWith(RUNTIME_PREFIX) ? m.name.slice(RUNTIME_PREFIX.length) : m.name;
    const labels = Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(',');
    const shown = m.kind === 'single' ? formatValue(m.name, m.value ?? 0) : `histogram(${m.history.at(-1)?.[1] ?? 0})`;
    return `${name}${labels === '' ? '' : `{${labels}}`}=${shown}`;
  });
  const more = meters.meters.length > MAX_SHOWN ? ` (+${meters.meters.length - MAX_SHOWN} more)` : '';
  return `meters ${meters.service} / ${meters.instance}: ${parts.join(' ')}${more}`;
}
