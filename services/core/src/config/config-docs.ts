import { z } from 'zod';
import { configSchema } from './config-schema.js';
import { ENV_OVERRIDES } from './env-overrides.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
};

/** The configuration's JSON Schema, for editors (docs/config.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}

/** docs/configuration.md, generated from the schema so the two cannot drift apart. */
export function renderConfigDocs(): string {
  const rows: string[] = [];
  walk(configJsonSchema() as JsonSchema, '', rows);
  const env = ENV_OVERRIDES.map(
    (o) => `| \`${o.variable}\` | \`${o.path.join('.')}\` | ${o.description} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from services/core/src/config/config-schema.ts by `pnpm docs:config`. Do not edit by hand. -->',
    '',
    'Services read one YAML file (`--config ei.yaml`), validated strictly: an unknown key or a',
    'value of the wrong type stops the service with a message naming the key and the expected',
    'value. Every key is optional; the defaults below apply. The same schema as JSON Schema is in',
    '[config.schema.json](config.schema.json), for editor completion.',
    '',
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Environment variables',
    '',
    'In containers, these override the file:',
    '',
    '| variable | key | description |',
    '| --- | --- | --- |',
    ...env,
    '',
    '## Example',
    '',
    '```yaml',
    'redis:',
    '  url: redis://127.0.0.1:6379',
    'types:',
    '  people: { policy: latest, cap: 64, model: nanodet, classes: [person] }',
    '  face: { policy: latest, model: blazeface, minScore: 0.5 }',
    'streams:',
    '  - { name: entrance, source: rtsp://camera.local/stream1, type: people, fps: 15 }',
    '  - { name: archive, source: /videos/day1.mp4, type: people, loop: true }',
    '```',
    '',
  ].join('\n');
}

function walk(schema: JsonSchema, path: string, rows: string[], listRow = true): void {
  const node = unwrap(schema);
  if (path !== '' && listRow)
    rows.push(
      `| \`${path}\` | ${typeOf(node)} | ${defaultOf(schema)} | ${escape(schema.description ?? node.description ?? '')} |`,
    );
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties))
      walk(child, path ? `${path}.${key}` : key, rows);
  } else if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    walk(node.additionalProperties, `${path}.<name>`, rows);
  } else if (node.items && unwrap(node.items).properties) {
    // The list's own row already describes the entries.
    walk(node.items, `${path}[]`, rows, false);
  }
}

/** Optional values show up as `anyOf [T, null]`; document them as T. */
function unwrap(schema: JsonSchema): JsonSchema {
  const nonNull = schema.anyOf?.filter((s) => s.type !== 'null');
  return nonNull?.length === 1 ? nonNull[0]! : schema;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  const base = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (base === 'array' && schema.items) return `list of ${typeOf(unwrap(schema.items))}`;
  if (
    base === 'object' &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === 'object'
  )
    return 'map';
  const range: string[] = [];
  if (schema.minimum !== undefined) range.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) range.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER)
    range.push(`≤ ${schema.maximum}`);
  return range.length ? `${base} (${range.join(', ')})` : base;
}

function defaultOf(schema: JsonSchema): string {
  if (schema.default === undefined) return '';
  const value = schema.default;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '';
  const text = JSON.stringify(value);
  return text.length > 60 ? 'see below' : `\`${escape(text)}\``;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
