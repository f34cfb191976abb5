import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EI_FROM_SOURCES, REPO_ROOT } from './testing/ei-process.js';

// The heavy native and server modules: a command loads them only when it runs.
const HEAVY = ['onnxruntime-node', 'sharp', 'express'];

let dir: string;
let register: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ei-lazy-'));
  // A module hook that writes down every module the process resolves.
  await writeFile(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.EI_LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`,
  );
  register = join(dir, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The module URLs `ei <args>` resolves. */
async function modulesOf(args: string[]): Promise<string[]> {
  const log = join(dir, `${args.join('-')}.log`);
  await writeFile(log, '');
  const [conditions, , tsx, main] = EI_FROM_SOURCES;
  const child = spawn(
    process.execPath,
    [conditions, '--import', tsx, '--import', register, main, ...args],
    { cwd: REPO_ROOT, env: { ...process.env, EI_LOADED_LOG: log }, stdio: 'ignore' },
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

describe('ei loads a package only for the command that runs it', () => {
  it.each(['gateway', 'worker', 'produce', 'detect', 'up', 'models prepare'])(
    'ei %s --help loads no onnxruntime, sharp or express',
    async (command) => {
      const modules = await modulesOf([...command.split(' '), '--help']);
      // The hook sees modules where pnpm puts them.
      expect(modules.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
      for (const name of HEAVY) {
        expect(modules.filter((url) => url.includes(`/node_modules/${name}/`))).toEqual([]);
      }
    },
    60_000,
  );
});
