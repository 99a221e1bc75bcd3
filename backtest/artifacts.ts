/**
 * Artifacts, versioned: `<root>/<id>/<version>/` holds manifest.json, periods.csv, metrics.json,
 * alerts.jsonl and, when a renderer is given, report.html. The version is a digest of the manifest's
 * inputs (config, input data, code, lockfile, Node and tradewatch versions, seed): the same inputs give
 * the same version and byte-identical files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TradewatchError } from '../core/errors.ts';
import { canonicalJson } from './request.ts';
import type { BacktestManifest, BacktestMetrics, BacktestPeriod, BacktestResult } from './result.ts';

/** The files of an artifact, by name. */
export const ARTIFACT_FILES = [
  'manifest.json',
  'periods.csv',
  'metrics.json',
  'alerts.jsonl',
  'report.html',
] as const;

/** The version of a manifest without its version: 16 hex digits of SHA-256 of its canonical JSON. */
export function artifactVersion(manifest: Omit<BacktestManifest, 'version'>): string {
  return createHash('sha256').update(canonicalJson(manifest)).digest('hex').slice(0, 16);
}

const cell = (x: number | null): string => (x === null ? '' : String(x));

/** periods.csv: one line per period. */
export function periodsCsv(periods: readonly BacktestPeriod[], ks: readonly number[]): string {
  const header = [
    't',
    'weights',
    'gross_return',
    'cost',
    'return',
    'turnover',
    'equity',
    'drawdown',
    'candidates',
    'unlabeled',
    ...ks.map((k) => `precision_at_${k}`),
    ...ks.map((k) => `recall_at_${k}`),
    ...ks.map((k) => `ndcg_at_${k}`),
    'ic',
  ];
  const lines = periods.map((p) =>
    [
      new Date(p.t).toISOString(),
      Object.entries(p.weights)
        .map(([a, w]) => `${a}=${w}`)
        .join(';'),
      cell(p.grossReturn),
      cell(p.cost),
      cell(p.return),
      cell(p.turnover),
      cell(p.equity),
      cell(p.drawdown),
      String(p.candidates),
      String(p.unlabeled),
      ...ks.map((k) => cell(p.precisionAtK[k] ?? null)),
      ...ks.map((k) => cell(p.recallAtK[k] ?? null)),
      ...ks.map((k) => cell(p.ndcgAtK[k] ?? null)),
      cell(p.ic),
    ].join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** The text of each file of an artifact. */
export function artifactFiles(
  result: BacktestResult,
  ks: readonly number[],
  report?: (result: BacktestResult) => string,
): Record<string, string> {
  const files: Record<string, string> = {
    'manifest.json': `${JSON.stringify(result.manifest, null, 2)}\n`,
    'periods.csv': periodsCsv(result.periods, ks),
    'metrics.json': `${JSON.stringify(result.metrics, null, 2)}\n`,
    'alerts.jsonl': result.alerts.map((a) => `${JSON.stringify(a)}\n`).join(''),
  };
  if (report !== undefined) files['report.html'] = report(result);
  return files;
}

/** Writes an artifact; returns its folder. */
export async function writeArtifact(
  root: string,
  files: Record<string, string>,
  manifest: BacktestManifest,
): Promise<string> {
  const dir = join(root, manifest.id, manifest.version);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** An artifact as read back. */
export interface StoredArtifact {
  readonly dir: string;
  readonly manifest: BacktestManifest;
  readonly metrics: BacktestMetrics;
  /** When its folder was last written. */
  readonly writtenAt: number;
}

export async function readArtifact(dir: string): Promise<StoredArtifact> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BacktestManifest;
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as BacktestMetrics;
    return { dir, manifest, metrics, writtenAt: (await stat(join(dir, 'manifest.json'))).mtimeMs };
  } catch (e) {
    throw new TradewatchError(
      'TW_BACKTEST_NOT_FOUND',
      `${dir} is not a backtest artifact (it needs manifest.json and metrics.json): ${(e as Error).message}. ` +
        'List the artifacts with `tradewatch backtest list`.',
      { cause: e, details: { dir } },
    );
  }
}

/** Every artifact under `root`, newest first. */
export async function listArtifacts(root: string): Promise<StoredArtifact[]> {
  const found: StoredArtifact[] = [];
  const ids = await readdir(root).catch(() => [] as string[]);
  for (const id of ids.sort()) {
    const versions = await readdir(join(root, id)).catch(() => [] as string[]);
    for (const version of versions.sort()) {
      try {
        found.push(await readArtifact(join(root, id, version)));
      } catch {
        // Not an artifact: skipped.
      }
    }
  }
  return found.sort((a, b) => b.writtenAt - a.writtenAt);
}

/**
 * The artifact `ref` names: a folder holding manifest.json, `<id>/<version>`, or `<id>` (its newest
 * version).
 * @throws TradewatchError TW_BACKTEST_NOT_FOUND
 */
export async function findArtifact(root: string, ref: string): Promise<StoredArtifact> {
  const direct = await stat(join(ref, 'manifest.json')).catch(() => undefined);
  if (direct !== undefined) return readArtifact(ref);
  const [id, version] = ref.split('/');
  if (version !== undefined) return readArtifact(join(root, id!, version));
  const newest = (await listArtifacts(root)).find((a) => a.manifest.id === id);
  if (newest === undefined) {
    throw new TradewatchError(
      'TW_BACKTEST_NOT_FOUND',
      `no artifact of backtest ${JSON.stringify(ref)} under ${root}: run it (\`tradewatch backtest run <config>\`), ` +
        'or list what there is with `tradewatch backtest list`',
      { details: { ref, root } },
    );
  }
  return newest;
}

const num = (s: string): number | null => (s === '' ? null : Number(s));

/** periods.csv read back (the inverse of {@link periodsCsv}). */
export function parsePeriodsCsv(text: string): BacktestPeriod[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = header!.split(',');
  const ks = columns.filter((c) => c.startsWith('precision_at_')).map((c) => c.slice('precision_at_'.length));
  return lines.map((line) => {
    const cells = line.split(',');
    const at = (name: string): string => cells[columns.indexOf(name)] ?? '';
    const perK = (prefix: string) => Object.fromEntries(ks.map((k) => [k, num(at(`${prefix}${k}`))]));
    return {
      t: Date.parse(at('t')),
      weights: Object.fromEntries(
        at('weights')
          .split(';')
          .filter(Boolean)
          .map((pair) => {
            const eq = pair.lastIndexOf('=');
            return [pair.slice(0, eq), Number(pair.slice(eq + 1))];
          }),
      ),
      grossReturn: Number(at('gross_return')),
      cost: Number(at('cost')),
      return: Number(at('return')),
      turnover: Number(at('turnover')),
      equity: Number(at('equity')),
      drawdown: Number(at('drawdown')),
      candidates: Number(at('candidates')),
      unlabeled: Number(at('unlabeled')),
      precisionAtK: perK('precision_at_'),
      recallAtK: perK('recall_at_'),
      ndcgAtK: perK('ndcg_at_'),
      ic: num(at('ic')),
    };
  });
}

/** A whole result read back from its artifact folder. */
export async function readResult(dir: string): Promise<BacktestResult> {
  const { manifest, metrics } = await readArtifact(dir);
  const periods = parsePeriodsCsv(await readFile(join(dir, 'periods.csv'), 'utf8'));
  const alerts = (await readFile(join(dir, 'alerts.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BacktestResult['alerts'][number]);
  return { manifest, periods, metrics, alerts };
}
