// Writes docs/configuration.md and docs/config.schema.json from the config schema.
import { writeFile } from 'node:fs/promises';
import { configJsonSchema, renderConfigDocs } from '../src/config/config-docs.js';

const docs = new URL('../../../docs/', import.meta.url);
await writeFile(new URL('configuration.md', docs), renderConfigDocs());
await writeFile(
  new URL('config.schema.json', docs),
  JSON.stringify(configJsonSchema(), null, 2) + '\n',
);
console.log('wrote docs/configuration.md and docs/config.schema.json');
