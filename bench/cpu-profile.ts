/**
 * Where a process spent its CPU: a V8 `.cpuprofile` (from `node --cpu-prof`) summarized as self time
 * per component (kafkajs, the QuestDB client, avsc, tradewatch's own folders, GC...) and the functions
 * with the most self time. Used with `--profile` to attribute the pipeline's cost.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly file: string;
  /** Sampled time, ms (idle included). */
  readonly totalMs: number;
  /** Self time per component, ms, largest first. */
  readonly byComponent: readonly {
    readonly component: string;
    readonly ms: number;
    readonly share: number;
  }[];
  readonly topFunctions: readonly { readonly fn: string; readonly ms: number; readonly share: number }[];
}

const COMPONENTS: readonly [RegExp, string][] = [
  [/node_modules\/kafkajs\//, 'kafkajs'],
  [/node_modules\/@questdb\//, '@questdb/nodejs-client'],
  [/node_modules\/avsc\//, 'avsc'],
  [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//, 'pino'],
  [/node_modules\//, 'other node_modules'],
  [/\/runtime\/kafka\//, 'runtime/kafka'],
  [/\/runtime\/processor\//, 'runtime/processor'],
  [/\/runtime\//, 'runtime (other)'],
  [/\/processors\/drawdown\//, 'processors/drawdown'],
  [/\/processors\/rules\//, 'processors/rules'],
  [/\/schemas\//, 'schemas (codec)'],
  [/\/sinks\//, 'sinks/questdb'],
  [/\/topics\//, 'topics'],
  [/^node:/, 'node internals'],
];

function component(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return 'other';
}

/**
 * Summarizes the newest main-thread `.cpuprofile` in `dir`, or returns null if there is none. Node
 * names them `CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile` and writes one per thread:
 * worker threads (the QuestDB sink's encoding) have thread ids above 0 and are left out.
 */
export async function summarizeProfile(dir: string): Promise<ProfileSummary | null> {
  const files = (await readdir(dir).catch(() => []))
    .filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .sort();
  const newest = files.at(-1);
  if (newest === undefined) return null;
  const file = path.join(dir, newest);
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const components = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = component(node);
    components.set(name, (components.get(name) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const where =
      url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${lineNumber + 1}`;
    const fn = `${functionName || '(anonymous)'}${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>, n: number): [string, number][] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  const share = (us: number): number => Math.round((us / totalUs) * 1000) / 10;
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    byComponent: ranked(components, 20).map(([c, us]) => ({
      component: c,
      ms: Math.round(us / 1000),
      share: share(us),
    })),
    topFunctions: ranked(functions, 25).map(([fn, us]) => ({
      fn,
      ms: Math.round(us / 1000),
      share: share(us),
    })),
  };
}
