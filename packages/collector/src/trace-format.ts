/**
 * A trace as a text tree, one span per line: service, span type, operation (endpoint for entry
 * spans), peer, layer and component, duration, error mark; tags and logs on request. Used by the CLI
 * and the demo. Iterative, so a very deep trace cannot overflow the stack.
 */
import { SpanType } from '@otel-skywalking/core/protocol';
import { componentName, layerName } from './topology-builder';
import type { FormatTraceOptions, Trace, TraceNode } from './types';

const BRANCH = '├─ ';
const LAST = '└─ ';
const PIPE = '│  ';
const SPACE = '   ';
/** Beyond this depth the indentation stops growing (each line says its depth), so output stays linear. */
const MAX_INDENT_DEPTH = 40;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function spanLine(node: TraceNode): string {
  const span = node.span;
  const type = SpanType[span.spanType] ?? `type#${span.spanType}`;
  let line = `${node.service}  ${type}  ${span.operationName === '' ? '(no operation name)' : span.operationName}`;
  if (span.peer !== '') line += span.spanType === SpanType.Entry ? `  ← ${span.peer}` : `  → ${span.peer}`;
  line += `  [${layerName(span.spanLayer)}/${componentName(span.componentId)}]  ${span.endTime - span.startTime} ms`;
  if (span.isError) line += '  ✗ ERROR';
  if (span.skipAnalysis) line += '  (skipAnalysis)';
  return line;
}

/** Formats one trace; ends with a newline. */
export function formatTrace(trace: Trace, options: FormatTraceOptions = {}): string {
  const lines: string[] = [];
  const services = trace.services.join(', ');
  lines.push(
    `trace ${trace.traceId}  ${plural(trace.segments.length, 'segment')}, ${plural(trace.spanCount, 'span')}, ` +
      `${trace.durationMs} ms  (${services})${trace.isError ? '  ✗ ERROR' : ''}`,
  );
  const missing = new Map(trace.missingParents.map((m) => [m.nodeKey, m.parentKey]));
  // Depth-first with an explicit stack: [node, prefix of its line, prefix of its children, depth].
  const stack: Array<[TraceNode, string, string, number]> = [];
  const pushChildren = (children: TraceNode[], prefix: string, depth: number): void => {
    for (let i = children.length - 1; i >= 0; i--) {
      const last = i === children.length - 1;
      if (depth > MAX_INDENT_DEPTH) stack.push([children[i], `${prefix}${LAST}(depth ${depth}) `, prefix, depth]);
      else stack.push([children[i], prefix + (last ? LAST : BRANCH), prefix + (last ? SPACE : PIPE), depth]);
    }
  };
  pushChildren(trace.roots, '', 1);
  while (stack.length > 0) {
    const [node, linePrefix, childPrefix, depth] = stack.pop() as [TraceNode, string, string, number];
    let line = linePrefix + spanLine(node);
    const parentKey = missing.get(node.key);
    if (parentKey !== undefined) line += `  (parent ${parentKey} not received)`;
    lines.push(line);
    const detail = childPrefix + (node.children.length > 0 ? PIPE : SPACE) + '  ';
    if (options.tags === true) {
      for (const tag of node.span.tags) lines.push(`${detail}${tag.key} = ${tag.value}`);
    }
    if (options.logs === true) {
      for (const log of node.span.logs) {
        const data = log.data.map((kv) => `${kv.key}=${kv.value.split('\n')[0]}`).join(' ');
        lines.push(`${detail}log +${log.time - node.span.startTime} ms: ${data}`);
      }
    }
    pushChildren(node.children, childPrefix, depth + 1);
  }
  const violations = options.violations ?? [];
  if (violations.length > 0) {
    lines.push(`${plural(violations.length, 'violation')}:`);
    for (const v of violations) {
      const where = `${v.service} ${v.segmentId}${v.spanId === undefined ? '' : `/${v.spanId}`}`;
      lines.push(`  ${v.severity === 'error' ? '✗' : '!'} ${v.rule} [${where}]: ${v.message}`);
    }
  }
  return lines.join('\n') + '\n';
}
