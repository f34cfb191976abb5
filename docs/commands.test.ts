/**
 * The docs' commands hold. Every command in a ```sh block of README.md and docs/*.md is
 * either run here (RUN) or listed with the reason it cannot run in a test (CANNOT_RUN); a
 * new command that is neither fails. Every `ei …` and `pnpm …` command, in a block or in
 * the text, must name a real subcommand, script or option. And the figures the docs quote
 * from benchmark results are what `pnpm bench:report` generates from them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '@ei/cli';
import {
  freePort,
  photoFixture,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedBlocks, generatedContent } from '../bench/doc-tables.js';
import {
  constantOutputModel,
  transposeRows,
} from '../services/cli/src/testing/constant-output-model.js';
import {
  REPO_ROOT,
  startEi,
  type EiProcess,
  type EiRun,
} from '../services/cli/src/testing/ei-process.js';

type Command = ReturnType<typeof buildProgram>;

const DOCS = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

// ---------------------------------------------------------------- what the docs say

interface DocCommand {
  doc: string;
  command: string;
}

/** Lines of ```sh blocks: continuations joined, trailing `# comments` dropped. */
function blockCommands(doc: string, text: string): DocCommand[] {
  const commands: DocCommand[] = [];
  for (const block of text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)) {
    const lines = block[1]!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.replace(/\s{2,}#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (let i = 0; i < lines.length; i++) {
      // A loop is one command: `for …; do a; b; done`.
      if (/^(for|while) .*; do$/.test(lines[i]!)) {
        const end = lines.indexOf('done', i);
        commands.push({ doc, command: `${lines[i]} ${lines.slice(i + 1, end).join('; ')}; done` });
        i = end;
      } else commands.push({ doc, command: lines[i]! });
    }
  }
  return commands;
}

/** `ei …` and `pnpm …` in the text's code spans (outside blocks). */
function inlineCommands(doc: string, text: string): DocCommand[] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/`((?:ei|pnpm) [^`]+)`/g)].map((m) => ({ doc, command: m[1]! }));
}

const docs = DOCS.map((doc) => ({ doc, text: readFileSync(join(REPO_ROOT, doc), 'utf8') }));
const BLOCK_COMMANDS = docs.flatMap(({ doc, text }) => blockCommands(doc, text));
const INLINE_COMMANDS = docs.flatMap(({ doc, text }) => inlineCommands(doc, text));

/** Words of a command line, with '…' and "…" kept whole. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

// ---------------------------------------------------------------- commands that cannot run

/** Kinds of command that need a Kubernetes cluster; kubernetes/tests check what they apply. */
const CLUSTER_TOOLS = /^(kubectl|helm) /;

const CLUSTER = 'a Kubernetes cluster';
const CAMERA =
  'a camera and a cluster’s frame-queue NodePort (tests never reach private addresses)';
const GENERATED =
  'writes the deployment’s files into kubernetes/generated/ of the checkout; kubernetes/tests renders the same overlays into a temporary folder';
const ROTATION =
  'a password rotation of a deployment: each step works on its kubernetes/generated/secrets and its cluster';

/** Commands a test cannot run, and why. Each must still appear in a doc. */
const CANNOT_RUN: Record<string, string> = {
  // README.md
  'sudo=$(command -v sudo); $sudo apt-get update && $sudo apt-get install -y redis-server ffmpeg && $sudo npm install -g pnpm@10 && pnpm install && pnpm start':
    'installs Debian packages and pnpm, then runs until Ctrl-C: .ci/quickstart.sh runs it word for word from a clean clone in CI',
  'pnpm test': 'the test run this file is part of',
  // docs/cli.md
  'pnpm setup': 'edits the shell profile of whoever runs it (the link command after it is run)',
  // docs/dashboard.md
  'pnpm --filter @ei/dashboard build': '`pnpm test` runs it first, through `pnpm build`',
  'EI_GATEWAY_URL=http://127.0.0.1:8080 pnpm --filter @ei/dashboard dev':
    'a dev server for a person at a browser, on Vite’s fixed port',
  'pnpm vitest run dashboard': 'part of `pnpm test`',
  'EI_UPDATE_DOCS_SCREENSHOT=1 pnpm vitest run dashboard/e2e':
    'rewrites docs/dashboard.png; the same test runs in `pnpm test` without the variable',
  // docs/deploy.md
  'container/build.sh -r registry.example.com/ei':
    'needs docker and a registry; kubernetes/tests checks the script and its -h',
  'tools/gen-k8s-yaml.sh -r registry.example.com/ei -o hpa -s': GENERATED,
  'tools/gen-k8s-yaml.sh -r registry.example.com/ei -s': GENERATED,
  "od -An -N24 -tx1 /dev/urandom | tr -d ' \\n' > kubernetes/generated/secrets/gateway-token":
    GENERATED,
  'for user in producer worker gateway admin; do kubectl -n elastic-inference create secret generic "ei-redis-$user" --from-literal=username="$user" --from-file=password=<(head -n 1 "secrets/$user"); done':
    CLUSTER,
  "(umask 077 && kubectl -n elastic-inference get secret ei-redis-producer -o jsonpath='{.data.password}' | base64 -d > producer.password)":
    CLUSTER,
  'tools/run-css.sh -q <node-ip> -p 31003 -k producer.password -v 0 -t people': CAMERA,
  'tools/run-css.sh -q <node-ip> -p 31003 -k producer.password -v rtsp://cam.local/stream1 -t car -f 10':
    CAMERA,
  'tools/run-css.sh -q <node-ip> -p 31003 -k producer.password -c ca.crt -v 0 -t people': CAMERA,
  'pnpm vitest run kubernetes': 'part of `pnpm test`',
  // docs/producers.md
  'ei produce --source rtsp://user:pass@10.0.0.5/stream1 --type car --name gate --fps 10 --max-width 960':
    'a camera at a private address; its options are checked against `ei produce` below',
  'tools/run-css.sh -v 0 -t people -s door-cam -q 10.0.0.10 -p 31003 -k producer.password': CAMERA,
  'tools/run-css.sh -v rtsp://user:pass@10.0.0.5/stream1 -t car -s gate -q 10.0.0.10 -k producer.password -c ca.crt':
    CAMERA,
  'REDIS_PASSWORD="$(cat producer.password)" tools/run-fss.sh -v services/cli/defaults/samples/street-people-cars.mp4 -t people -s demo -q 10.0.0.10': `${CAMERA}; tools/remote-producers.test.ts runs run-fss.sh against a private Redis`,
  // docs/security.md
  'cd kubernetes/generated/secrets': ROTATION,
  "{ od -An -N24 -tx1 /dev/urandom | tr -d ' \\n'; echo; cat producer; } > producer.new && mv producer.new producer":
    ROTATION,
  'chmod 600 producer': ROTATION,
  'head -n 1 kubernetes/generated/secrets/admin | kubectl -n elastic-inference exec -i deploy/ei-redis -- sh -c \'REDISCLI_AUTH="$(cat)" redis-cli --no-auth-warning --user admin ACL LOAD\'':
    ROTATION,
  'sed -i 2d kubernetes/generated/secrets/producer': ROTATION,
  'tools/gen-k8s-yaml.sh -r registry.example.com/ei -s && kubectl apply -f kubernetes/generated/ei-secrets.yaml':
    ROTATION,
};

// ---------------------------------------------------------------- commands that run

// Services get `--metrics-port 0` added: tests never take a fixed port (8001 may be in use).

interface Context {
  redis: PrivateRedis;
  /** A fresh temporary folder for this command. */
  dir: string;
  /** A gateway with a token, started on first use. */
  gateway(): Promise<{ url: string; token: string }>;
}

const CLIP = join(REPO_ROOT, 'services/cli/defaults/samples/street-people-cars.mp4');
const SHORT_CLIP = join(REPO_ROOT, 'services/producer/src/testing/fixtures/vtest-640x480-4s.avi');

/** A shell command in `cwd`; resolves with its output and status. */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<EiRun> {
  const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** `ei …` of a doc, run from the sources in `cwd` against the test's Redis. */
function ei(command: string, ctx: Context, cwd = ctx.dir): EiProcess {
  return startEi(words(command).slice(1), { cwd, env: { REDIS_URL: ctx.redis.url } });
}

/** Runs a producer until its streams are live, then stops it as Ctrl-C would. */
async function produceUntilLive(process: EiProcess, streams: number): Promise<void> {
  await waitFor(
    `${streams} live stream(s)`,
    () =>
      process.stdout.split('"msg":"stream live"').length > streams ||
      process.child.exitCode !== null,
    60_000,
  );
  const run = await process.stop();
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

/** The TLS certificate steps of docs/deploy.md, which build on each other. */
const TLS_STEPS = [
  "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 -keyout ca.key -out ca.crt -subj '/CN=elastic-inference frame queue CA'",
  "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key -out tls.csr -subj '/CN=ei-frame-queue'",
  "echo 'subjectAltName=DNS:ei-frame-queue,IP:<node-ip>' > san.ext",
  'openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile san.ext -out tls.crt',
];

const RUN: Record<string, (ctx: Context, command: string) => Promise<void>> = {
  // docs/cli.md
  'pnpm ei --help': async () => {
    const run = await sh('pnpm ei --help', REPO_ROOT);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: ei \[options\] \[command\]/);
  },
  'pnpm exec ei models list': async () => {
    const run = await sh('pnpm exec ei models list', REPO_ROOT);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^nanodet .*\n^blazeface /m);
  },
  'cd services/cli && pnpm link --global': async ({ dir }) => {
    // pnpm's global bin folder as `pnpm setup` makes it, here a temporary one.
    const env = { PNPM_HOME: dir, PATH: `${dir}:${process.env.PATH}` };
    const link = await sh('cd services/cli && pnpm link --global', REPO_ROOT, env);
    expect(link.code, link.stderr).toBe(0);
    const run = await sh('cd / && command -v ei && ei detect --help', '/', env);
    expect(run.stdout).toContain(join(dir, 'ei'));
    expect(run.stdout).toMatch(/Usage: ei detect/);
  },
  // docs/security.md
  [`node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`]: async (
    _ctx,
    command,
  ) => {
    const run = await sh(command, REPO_ROOT);
    expect(run.code, run.stderr).toBe(0);
    // 32 random bytes in base64url: 43 characters a bearer token may carry.
    expect(run.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  },
  // docs/api.md
  'curl -H "Authorization: Bearer $EI_API_TOKEN" http://localhost:8080/api/streams': async (
    ctx,
    command,
  ) => {
    const run = await curlTheGateway(command, ctx);
    expect(JSON.parse(run.stdout)).toEqual({ streams: [] });
  },
  'curl -s -H "Authorization: Bearer $EI_API_TOKEN" http://localhost:8080/api/openapi.json > openapi.json':
    async (ctx, command) => {
      await curlTheGateway(command, ctx);
      const document = JSON.parse(await readFile(join(ctx.dir, 'openapi.json'), 'utf8')) as {
        openapi: string;
      };
      expect(document.openapi).toMatch(/^3\.1/);
    },
  // docs/deploy.md
  'tools/run-fss.sh -h': async ({ dir }) => {
    const run = await sh(join(REPO_ROOT, 'tools/run-fss.sh -h'), dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/-v .*video file/);
  },
  'node services/cli/bin/ei.js redis-acl --secrets-dir secrets --out users.acl': async (
    { dir },
    command,
  ) => {
    const run = await startEi(words(command).slice(2), { cwd: dir }).exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const acl = await readFile(join(dir, 'users.acl'), 'utf8');
    for (const user of ['producer', 'worker', 'gateway', 'admin']) {
      expect(acl).toMatch(new RegExp(`^user ${user} .*\\bon\\b`, 'm'));
      expect(existsSync(join(dir, 'secrets', user))).toBe(true);
    }
  },
  ...Object.fromEntries(
    TLS_STEPS.map((step, k) => [
      step,
      async ({ dir }: Context) => {
        // The steps in order, up to this one, with a loopback address for <node-ip>.
        for (const earlier of TLS_STEPS.slice(0, k + 1)) {
          const run = await sh(earlier.replace('<node-ip>', '127.0.0.1'), dir);
          expect(run.code, `${earlier}\n${run.stderr}`).toBe(0);
        }
        if (k === TLS_STEPS.length - 1) {
          const verify = await sh('openssl verify -CAfile ca.crt tls.crt', dir);
          expect(verify.stdout).toBe('tls.crt: OK\n');
        }
      },
    ]),
  ),
  // docs/models.md
  'pnpm models:pins': async () => {
    const run = await sh('pnpm models:pins', REPO_ROOT);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^nanodet +[0-9a-f]{64} +pinned$/m);
    expect(run.stdout).toMatch(/^blazeface +[0-9a-f]{64} +pinned$/m);
  },
  // docs/models.md: a YOLO export stands in for yolov8n (a tiny model with the same outputs).
  'ei models add yolov8n ./yolov8n.onnx --decoder yolo --labels coco.txt': async (ctx) => {
    await addYolov8n(ctx);
  },
  'ei detect photo.jpg --model yolov8n': async (ctx) => {
    await addYolov8n(ctx);
    await copyFile(photoFixture('dog.jpg'), join(ctx.dir, 'photo.jpg'));
    const run = await startEi(['detect', 'photo.jpg', '--model', 'yolov8n'], {
      cwd: ctx.dir,
      env: { EI_MODELS_DIR: join(ctx.dir, 'models') },
    }).exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^photo\.jpg \(416x312\): 1 detection\(s\);.*\n {2}dog /);
  },
  // docs/producers.md
  'ei produce --source services/cli/defaults/samples/street-people-cars.mp4 --type people --name lobby --loop':
    async (ctx) => {
      const command =
        'ei produce --source services/cli/defaults/samples/street-people-cars.mp4 --type people --name lobby --loop --metrics-port 0';
      await produceUntilLive(ei(command, ctx, REPO_ROOT), 1);
    },
  'ei produce --source recording.mp4 --type car --name audit --policy lossless': async (ctx) => {
    await copyFile(SHORT_CLIP, join(ctx.dir, 'recording.mp4'));
    const command =
      'ei produce --source recording.mp4 --type car --name audit --policy lossless --metrics-port 0';
    // A file without --loop: every frame queued, then it ends by itself.
    const run = await ei(command, ctx).exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"file finished"');
  },
  'ei produce --config ei.yaml': async (ctx) => {
    await writeFile(
      join(ctx.dir, 'ei.yaml'),
      `streams:\n  - { name: a, source: '${CLIP}', type: people, loop: true }\n  - { name: b, source: '${CLIP}', type: car, loop: true }\n`,
    );
    await produceUntilLive(ei('ei produce --config ei.yaml --metrics-port 0', ctx), 2);
  },
};

/** A curl of docs/api.md against the test's gateway (with a token), in the command's folder. */
async function curlTheGateway(command: string, ctx: Context): Promise<EiRun> {
  const { url, token } = await ctx.gateway();
  const run = await sh(command.replace('http://localhost:8080', url), ctx.dir, {
    EI_API_TOKEN: token,
  });
  expect(run.code, run.stderr).toBe(0);
  return run;
}

/** `ei models add` of docs/models.md, with its files made in the command's folder. */
async function addYolov8n(ctx: Context): Promise<void> {
  // YOLOv8's layout [1, 4 + classes, anchors]: one dog box over the middle of the image.
  const model = constantOutputModel({ name: 'images', shape: [1, 3, 64, 64] }, [
    { name: 'output0', shape: [1, 6, 1], values: transposeRows([[32, 32, 40, 20, 0.05, 0.9]]) },
  ]);
  await writeFile(join(ctx.dir, 'yolov8n.onnx'), model);
  await writeFile(join(ctx.dir, 'coco.txt'), 'cat\ndog\n');
  await mkdir(join(ctx.dir, 'models'), { recursive: true });
  const run = await startEi(
    words('ei models add yolov8n ./yolov8n.onnx --decoder yolo --labels coco.txt').slice(1),
    {
      cwd: ctx.dir,
      env: { EI_MODELS_DIR: join(ctx.dir, 'models') },
    },
  ).exited;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const manifest = JSON.parse(await readFile(join(ctx.dir, 'models/manifest.json'), 'utf8')) as {
    models: Record<string, { file: string; decoder: string }>;
  };
  expect(manifest.models.yolov8n).toMatchObject({
    file: join(ctx.dir, 'yolov8n.onnx'),
    decoder: 'yolo',
  });
}

// ---------------------------------------------------------------- does the command exist

const PNPM_BUILTINS = new Set(['install', 'exec', 'link', 'setup', 'test', 'start', 'run']);
const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** Why a doc's `ei …` or `pnpm …` does not exist, or undefined when it does. */
function missing(command: string): string | undefined {
  const [tool, ...rest] = words(command).filter((w) => !/^[A-Z_]+=/.test(w));
  if (tool === 'pnpm') {
    const [first, ...after] = rest;
    if (first === 'ei') return missing(['ei', ...after].join(' '));
    if (first === 'exec') return after[0] === 'ei' ? missing(after.join(' ')) : undefined;
    if (first === '--filter') {
      const dir = after[0] === '@ei/dashboard' ? 'dashboard' : undefined;
      const scripts = dir
        ? (
            JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
              scripts: Record<string, string>;
            }
          ).scripts
        : {};
      return after[1] && scripts[after[1]] ? undefined : `no script ${after[1]} in ${after[0]}`;
    }
    if (first === undefined) return 'no pnpm command';
    if (first === 'start') return missing(['ei', 'up', ...after].join(' '));
    if (PNPM_BUILTINS.has(first) || rootPackage.scripts[first]) return undefined;
    if (existsSync(join(REPO_ROOT, 'node_modules/.bin', first))) return undefined;
    return `pnpm ${first}: no such script or command`;
  }
  // ei: walk the subcommands, then check each --option against the last one.
  const program = buildProgram();
  let current: Command = program;
  let index = 0;
  while (index < rest.length && current.commands.length > 0 && /^[a-z]/.test(rest[index]!)) {
    const sub = current.commands.find((c) => c.name() === rest[index]);
    if (!sub) return `ei ${rest.slice(0, index + 1).join(' ')}: no such command`;
    current = sub;
    index += 1;
  }
  for (const word of rest.slice(index)) {
    const option = /^\[?(--?[a-zA-Z][\w-]*)/.exec(word)?.[1];
    if (!option || option === '--help' || option === '-h') continue;
    if (!current.options.some((o) => o.long === option || o.short === option))
      return `ei ${current.name()}: no option ${option}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- the tests

let redis: PrivateRedis;
let gateway: { process: EiProcess; url: string; token: string } | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await gateway?.process.stop();
  await redis?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function context(): Promise<Context> {
  const dir = await mkdtemp(join(tmpdir(), 'ei-doc-'));
  dirs.push(dir);
  return {
    redis,
    dir,
    gateway: async () => {
      if (!gateway) {
        const port = await freePort();
        const token = 'doc-test-token';
        const process = startEi(['gateway', '--port', String(port), '--token', token], {
          env: { REDIS_URL: redis.url },
        });
        const url = `http://127.0.0.1:${port}`;
        gateway = { process, url, token };
        await waitFor(
          'the gateway',
          async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok,
          60_000,
        );
      }
      return { url: gateway.url, token: gateway.token };
    },
  };
}

describe('the docs’ commands', () => {
  it('are each run here or listed with the reason they cannot be', () => {
    const unaccounted = BLOCK_COMMANDS.filter(
      (c) => !(c.command in RUN) && !(c.command in CANNOT_RUN) && !CLUSTER_TOOLS.test(c.command),
    );
    expect(unaccounted, 'add each to RUN, or to CANNOT_RUN with the reason').toEqual([]);
    const shown = new Set(BLOCK_COMMANDS.map((c) => c.command));
    const stale = [...Object.keys(RUN), ...Object.keys(CANNOT_RUN)].filter((c) => !shown.has(c));
    expect(stale, 'no doc shows these any more: remove them here').toEqual([]);
  });

  it('name only commands, scripts and options that exist', () => {
    const checked = [...BLOCK_COMMANDS, ...INLINE_COMMANDS].filter((c) =>
      /^(?:[A-Z_]+=\S+ )*(ei|pnpm) /.test(c.command),
    );
    expect(checked.length).toBeGreaterThan(50);
    const wrong = checked
      .map((c) => ({ ...c, why: missing(c.command) }))
      .filter((c) => c.why !== undefined);
    expect(wrong).toEqual([]);
  });

  it.each(Object.keys(RUN))(
    '%s',
    async (command) => {
      await RUN[command]!(await context(), command);
    },
    120_000,
  );

  it('quote the benchmark figures that bench:report generates', () => {
    const blocks = generatedBlocks();
    expect(blocks.length).toBeGreaterThan(0);
    const cells = (markdown: string) =>
      markdown
        .split('\n')
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim())
            .join('|')
            .replace(/-{3,}/g, '---'),
        )
        .join('\n');
    for (const block of blocks) {
      const doc = readFileSync(join(REPO_ROOT, block.doc), 'utf8');
      const written = generatedContent(doc, block.name);
      expect(written, `${block.doc}: run pnpm bench:report`).toBeDefined();
      expect(cells(written!), `${block.doc}: run pnpm bench:report`).toBe(cells(block.content));
    }
  });
});
