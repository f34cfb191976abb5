/**
 * Figures the docs quote from benchmark results, generated rather than typed: each sits
 * between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->` in a doc, and
 * `pnpm bench:report` rewrites it from bench/results/*.json. A doc test checks that what
 * is there is what the results say.
 */
import { existsSync, readFileSync } from 'node:fs';

type Json = Record<string, unknown>;

const root = new URL('../', import.meta.url);

export function readResult(name: string): Json | undefined {
  const file = new URL(`bench/results/${name}.json`, root);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : undefined;
}

export function markdownTable(header: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** "416x416" from the generated manifest, where there is one. */
function inputSize(model: string): string {
  const file = new URL('models/manifest.json', root);
  if (!existsSync(file)) return '';
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    models: Record<string, { input: { shape: number[]; layout: 'nchw' | 'nhwc' } }>;
  };
  const input = manifest.models[model]?.input;
  if (!input) return '';
  const [h, w] = input.layout === 'nchw' ? input.shape.slice(2) : input.shape.slice(1, 3);
  return ` ${w}x${h}`;
}

/** docs/architecture.md, "Workers": the worker against bare `session.run`. */
export function workerTable(worker: Json): string {
  return `Measured on a ${worker.cpus}-core ${worker.cpuModel} (\`pnpm bench:worker\`, ${worker.frame} frames, one intra-op thread; bench/results/worker.json of ${String(worker.date).slice(0, 10)}):

${markdownTable(
  [
    'model',
    'bare `session.run`',
    'worker',
    'ratio',
    'worker RSS',
    'model on the main thread instead',
  ],
  (worker.results as Json[]).map((r) => [
    `${r.model}${inputSize(String(r.model))}`,
    `${r.pureFps} fps`,
    `${r.workerFps} fps`,
    Number(r.ratio).toFixed(2),
    `${Math.round(Number(r.rssMB))} MB`,
    `${r.mainThreadWorkerFps} fps (${Number(r.mainThreadRatio).toFixed(2)})`,
  ]),
)}`;
}

/** The generated blocks of the docs: file, block name, content. */
export function generatedBlocks(): { doc: string; name: string; content: string }[] {
  const worker = readResult('worker');
  return worker
    ? [{ doc: 'docs/architecture.md', name: 'worker', content: workerTable(worker) }]
    : [];
}

const markers = (name: string) => [`<!-- generated:${name} -->`, `<!-- /generated:${name} -->`];

/** The content between a block's markers, or undefined when the doc has none. */
export function generatedContent(doc: string, name: string): string | undefined {
  const [start, end] = markers(name);
  const from = doc.indexOf(start!);
  const to = doc.indexOf(end!);
  return from < 0 || to < from ? undefined : doc.slice(from + start!.length, to).trim();
}

/** The doc with a block's content replaced; throws when the markers are missing. */
export function withGenerated(doc: string, name: string, content: string): string {
  const [start, end] = markers(name);
  if (generatedContent(doc, name) === undefined)
    throw new Error(`no ${start} … ${end} block to write`);
  const from = doc.indexOf(start!) + start!.length;
  return `${doc.slice(0, from)}\n\n${content}\n\n${doc.slice(doc.indexOf(end!))}`;
}
