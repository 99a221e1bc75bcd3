/**
 * `tradewatch status` as text for a terminal: sections of aligned columns, every line at most 80
 * characters (long cells are cut with `…`), problems listed last.
 */
import { formatDuration } from '../../core/durations.ts';
import type { Part, ServiceCheck, StatusReport } from '../../runtime/status/index.ts';
import { SEVERITIES } from '../../schemas/index.ts';

export const WIDTH = 80;

/** A column: its header and its widest width (cells beyond it are cut). */
interface Column {
  readonly header: string;
  readonly max: number;
  readonly right?: boolean;
}

/** Rows under headers, aligned, each cell cut to its column's maximum, the line to {@link WIDTH}. */
export function columns(
  cols: readonly Column[],
  rows: readonly (readonly string[])[],
  indent = '  ',
): string[] {
  const widths = cols.map((c, i) =>
    Math.min(c.max, Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length))),
  );
  const line = (cells: readonly string[]) =>
    cut(
      indent +
        cells
          .map((cell, i) => {
            const w = widths[i] ?? 0;
            const text = cut(cell, w);
            return cols[i]?.right === true ? text.padStart(w) : text.padEnd(w);
          })
          .join('  ')
          .trimEnd(),
      WIDTH,
    );
  return [line(cols.map((c) => c.header)), ...rows.map(line)];
}

/** `text` cut to `width` characters, ending with `…` when cut. */
export function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** A duration in its two largest units, whole seconds: `4s`, `12m5s`, `3h2m`, `2d4h`. */
export function short(ms: number): string {
  if (ms < 1000) return '0s';
  const text = formatDuration(Math.floor(ms / 1000) * 1000);
  return (text.match(/\d+[a-z]+/g) ?? [text]).slice(0, 2).join('');
}

const count = (n: number) => n.toLocaleString('en-US');

export function formatStatus(report: StatusReport): string {
  const now = report.at;
  const ago = (t: number | null) => (t === null ? '?' : `${short(Math.max(0, now - t))} ago`);
  const logical = (topic: string) =>
    report.topicPrefix !== '' && topic.startsWith(report.topicPrefix)
      ? topic.slice(report.topicPrefix.length)
      : topic;
  const out: string[] = [];
  const verdict = report.healthy ? 'HEALTHY' : `UNHEALTHY (${report.problems.length} problem(s))`;
  const prefix = report.topicPrefix === '' ? '' : `, TOPIC_PREFIX ${report.topicPrefix}`;
  out.push(`tradewatch status: ${verdict}`, cut(`at ${new Date(now).toISOString()}${prefix}`, WIDTH), '');

  const shown = new Map<string, string>();
  /** A section: its title, then its lines, or its error. */
  const section = <T>(title: string, part: Part<T>, body: (data: T) => string[]) => {
    out.push(cut(title, WIDTH));
    if (part.ok) out.push(...body(part.data));
    else {
      // One cause (Kafka down) fails several parts: shown once.
      const first = shown.get(part.error);
      out.push(
        ...wrap(first === undefined ? `unknown: ${part.error}` : `unknown: same error as ${first}`, '  '),
      );
      if (first === undefined) shown.set(part.error, title.split(' ')[0]!.toLowerCase());
    }
    out.push('');
  };

  section('STACK', report.stack, (s) => {
    const kafka = s.kafka.ok ? `kafka ok (${s.kafka.brokers ?? '?'} broker(s))` : 'kafka DOWN';
    const service = (name: string, c: { ok: boolean }) => `${name} ${c.ok ? 'ok' : 'DOWN'}`;
    const lines = [`  ${kafka}   ${service('questdb', s.questdb)}   ${service('postgres', s.postgres)}`];
    for (const name of ['kafka', 'questdb', 'postgres'] as const) {
      const c: ServiceCheck = s[name];
      if (c.ok) continue;
      lines.push(...wrap(`${name}: ${c.error ?? ''}`, '  '));
      if (c.error !== undefined) shown.set(c.error, name);
    }
    return lines;
  });

  section('PROCESSORS (consumer groups)', report.processors, (list) => {
    const shown = list.filter((p) => p.deployed);
    const idle = list.filter((p) => !p.deployed).map((p) => p.name);
    const lines =
      shown.length === 0
        ? ['  none deployed (no group has committed offsets or members)']
        : columns(
            [
              { header: 'PROCESSOR', max: 20 },
              { header: 'INST', max: 4, right: true },
              { header: 'LAG', max: 11, right: true },
              { header: 'COMMITTED', max: 12 },
              { header: 'STATE', max: 19 },
            ],
            shown.map((p) => [
              p.name,
              String(p.instances.length),
              count(p.lag),
              p.lastCommitAt === null ? '?' : ago(p.lastCommitAt),
              p.state,
            ]),
          );
    const hosts = shown.flatMap((p) =>
      p.instances.length === 0
        ? []
        : [`${p.name}: ${p.instances.map((i) => `${i.host} (${i.partitions}p)`).join(', ')}`],
    );
    if (hosts.length > 0) lines.push(...hosts.flatMap((h) => wrap(h, '  ')));
    if (idle.length > 0) lines.push(...wrap(`not deployed: ${idle.join(', ')}`, '  '));
    return lines;
  });

  section('INSTANCES (heartbeats, last hour)', report.heartbeats, (list) =>
    list.length === 0
      ? ['  no heartbeat in the window']
      : columns(
          [
            { header: 'KIND', max: 8 },
            { header: 'INSTANCE', max: 40 },
            { header: 'LAST BEAT', max: 12 },
            { header: 'STATE', max: 8 },
          ],
          list.map((h) => [
            h.kind,
            h.instance,
            ago(h.lastAt),
            h.state === 'ok' ? 'ok' : h.state.toUpperCase(),
          ]),
        ),
  );

  section('DEAD LETTERS AND LATE RECORDS (last hour)', report.deadLetters, (d) => {
    if (d.counts.length === 0) return ['  none'];
    const lines = columns(
      [
        { header: 'TOPIC', max: 5 },
        { header: 'SOURCE', max: 28 },
        { header: 'CODE', max: 30 },
        { header: 'COUNT', max: 9, right: true },
      ],
      d.counts.map((c) => [c.topic, logical(c.source), c.code, count(c.count)]),
    );
    if (d.truncated) lines.push('  (more than the read bound: counts of the newest records only)');
    return lines;
  });

  section('ALERTS FIRING', report.alerts, (a) => {
    const total = SEVERITIES.reduce((n, s) => n + a.firing[s], 0);
    const lines = [`  ${SEVERITIES.map((s) => `${s} ${a.firing[s]}`).join('   ')}`];
    if (total === 0) return lines;
    lines.push(
      ...columns(
        [
          { header: 'SEVERITY', max: 8 },
          { header: 'RULE', max: 28 },
          { header: 'ENV', max: 7 },
          { header: 'SINCE', max: 9 },
          { header: 'SUMMARY', max: 40 },
        ],
        a.top.map((x) => [x.severity, x.rule, x.env, short(Math.max(0, now - x.since)), x.summary]),
      ),
    );
    if (total > a.top.length) lines.push(`  … and ${total - a.top.length} more (tradewatch alerts list)`);
    return lines;
  });

  section('SCHEDULER', report.scheduler, (s) => {
    const lines =
      s.next.length === 0
        ? ['  no enabled job']
        : wrap(
            `next: ${s.next.map((n) => `${n.job} in ${short(Math.max(0, n.at - now))}`).join(', ')}`,
            '  ',
          );
    if (s.failures.length === 0) lines.push('  no failure in the last hour');
    else {
      lines.push(
        ...columns(
          [
            { header: 'FAILED JOB', max: 24 },
            { header: 'ENDED', max: 9 },
            { header: 'STATE', max: 9 },
            { header: 'ERROR', max: 40 },
          ],
          s.failures.map((f) => [f.job, ago(f.finishedAt), f.state, f.error]),
        ),
      );
    }
    return lines;
  });

  section('DISPATCHER', report.dispatcher, (d) => [
    `  undelivered ${d.pending}` +
      (d.pending > 0 ? ` (${d.failing} failing, oldest ${ago(d.oldestPendingAt)})` : '') +
      `   refused in the last hour ${d.rejected}`,
  ]);

  if (report.problems.length > 0) {
    out.push('PROBLEMS');
    for (const p of report.problems) out.push(...wrap(`- ${p.message}`, '  ', '    '));
  } else out.push('no problem');
  return `${out.join('\n')}\n`;
}

/** `text` broken at spaces into lines of at most {@link WIDTH}, the first indented `first`, the rest `rest`. */
export function wrap(text: string, first: string, rest: string = first): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const lead = line === first || line === rest ? '' : ' ';
    if (line.length + lead.length + word.length > WIDTH && line.trim() !== '') {
      lines.push(line);
      line = rest;
      line += cut(word, WIDTH - rest.length);
    } else line += lead + cut(word, WIDTH - line.length - lead.length);
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}
