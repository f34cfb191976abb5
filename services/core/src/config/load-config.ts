import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSchema, type EiConfig } from './config-schema.js';
import { ENV_OVERRIDES } from './env-overrides.js';

export interface LoadConfigOptions {
  /** YAML file to read; defaults only when left out. */
  file?: string;
  /** Environment to read overrides from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Reads, merges and validates the configuration. Throws `ConfigError` naming every bad key. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<EiConfig> {
  let raw: unknown = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read config file ${options.file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      const where =
        error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
      throw new ConfigError(
        `${options.file}${where}: not valid YAML: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const config = parseConfig(raw, { env: options.env, source: options.file });
  if (options.file !== undefined) resolveModelPaths(config, dirname(resolve(options.file)));
  return config;
}

/** Model files (and label files) are relative to the config file that names them. */
function resolveModelPaths(config: EiConfig, base: string): void {
  for (const model of Object.values(config.models)) {
    if (!isAbsolute(model.path)) model.path = resolve(base, model.path);
    if (typeof model.labels === 'string' && !isAbsolute(model.labels))
      model.labels = resolve(base, model.labels);
  }
}

/** Validates an already parsed config object (plus environment overrides). */
export function parseConfig(
  raw: unknown,
  options: { env?: NodeJS.ProcessEnv; source?: string } = {},
): EiConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `${options.source ?? 'config'}: the top level must be a mapping of keys to values`,
    );
  }
  const merged = applyEnvOverrides(
    structuredClone(raw) as Record<string, unknown>,
    options.env ?? process.env,
  );
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error, merged, options.source));
  }
  return result.data;
}

function applyEnvOverrides(
  target: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  for (const override of ENV_OVERRIDES) {
    const text = env[override.variable];
    if (text === undefined || text === '') continue;
    let value: unknown = text;
    if (override.parse === 'boolean') {
      if (!/^(true|false|1|0)$/i.test(text)) {
        throw new ConfigError(`${override.variable}=${text}: expected true or false`);
      }
      value = /^(true|1)$/i.test(text);
    } else if (override.parse === 'integer') {
      if (!/^\d+$/.test(text))
        throw new ConfigError(`${override.variable}=${text}: expected a whole number`);
      value = Number(text);
    }
    let node = target;
    for (const key of override.path.slice(0, -1)) {
      const child = node[key];
      if (typeof child !== 'object' || child === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[override.path[override.path.length - 1]!] = value;
  }
  return target;
}

function formatIssues(error: z.ZodError, input: unknown, source: string | undefined): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
    return `  ${path}: ${issue.message}${issue.code === 'unrecognized_keys' ? '' : shown}`;
  });
  return `invalid configuration${source ? ` in ${source}` : ''}:\n${lines.join('\n')}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
