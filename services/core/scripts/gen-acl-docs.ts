// Writes the Redis users' grants into docs/security.md (between the redis-acl markers).
import { readFile, writeFile } from 'node:fs/promises';
import { withAclDocs } from '../src/redis/redis-acl-docs.js';

const file = new URL('../../../docs/security.md', import.meta.url);
await writeFile(file, withAclDocs(await readFile(file, 'utf8')));
console.log('wrote the Redis users of docs/security.md');
