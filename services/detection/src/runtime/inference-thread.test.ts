import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultModelsDirectory,
  readModelManifest,
  readVerifiedModel,
  type ModelManifestEntry,
} from '@ei/models';
import { prepareModels } from '@ei/models/build';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceThread, InferenceThreadError, type ThreadExit } from './inference-thread.js';
import type { InputTensor } from './model-runner.js';

let dir: string;
let entry: ModelManifestEntry;
let modelPath: string;

beforeAll(async () => {
  await prepareModels();
  dir = await mkdtemp(join(tmpdir(), 'ei-thread-'));
  entry = (await readModelManifest(defaultModelsDirectory())).models.blazeface!;
  modelPath = join(dir, 'blazeface.onnx');
  await copyFile(join(defaultModelsDirectory(), entry.file), modelPath);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function feeds(): Record<string, InputTensor> {
  return { [entry.input.name]: { data: new Float32Array(256 * 256 * 3), dims: entry.input.shape } };
}

async function startThread(maxRestarts?: number) {
  const exits: ThreadExit[] = [];
  const thread = await InferenceThread.create(() => readVerifiedModel(entry, modelPath), {
    maxRestarts,
    onExit: (exit) => exits.push(exit),
  });
  return { thread, exits };
}

describe('InferenceThread when its thread dies', () => {
  it('rejects the runs in flight, starts a new thread, and serves the next runs', async () => {
    const { thread, exits } = await startThread();
    expect(Object.keys((await thread.run(feeds())).outputs)).toHaveLength(4);
    // Runs sent after the crash message are still waiting on the thread when it goes.
    const crashed = thread.crashThread('drill');
    const inFlight = Promise.allSettled(Array.from({ length: 5 }, () => thread.run(feeds())));
    await crashed;
    for (const outcome of await inFlight) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(InferenceThreadError);
    }
    expect(exits).toMatchObject([{ restarting: true, inARow: 1 }]);
    expect(exits[0]!.error.message).toContain('drill');
    // The new thread loaded the model again and serves.
    expect(Object.keys((await thread.run(feeds())).outputs)).toHaveLength(4);
    await thread.close();
    await expect(thread.run(feeds())).rejects.toThrow('inference thread is closed');
  });

  it('gives up after maxRestarts deaths in a row: every later run is rejected', async () => {
    const { thread, exits } = await startThread(1);
    await thread.crashThread();
    await thread.crashThread(); // the restarted one, before any run succeeded
    expect(exits.map((exit) => exit.restarting)).toEqual([true, false]);
    expect(exits[1]!.error.message).toContain('died 2 times in a row');
    await expect(thread.run(feeds())).rejects.toThrow('died 2 times in a row');
    await thread.close();
  });

  it('a restart reads and verifies the model again: a file changed meanwhile is not loaded', async () => {
    const { thread, exits } = await startThread();
    const tampered = await readFile(modelPath);
    tampered.writeUInt8(tampered.readUInt8(100) ^ 0xff, 100);
    await writeFile(modelPath, tampered);
    try {
      await thread.crashThread();
      await expect(thread.run(feeds())).rejects.toThrow(/could not be restarted: .*sha256/);
      expect(exits.map((exit) => exit.restarting)).toEqual([true, false]);
    } finally {
      await copyFile(join(defaultModelsDirectory(), entry.file), modelPath);
      await thread.close();
    }
  });
});
