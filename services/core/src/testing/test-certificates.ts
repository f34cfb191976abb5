import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The test CA's certificate: what clients trust. */
  caFile: string;
  /** Server certificate for 127.0.0.1 and localhost, signed by the CA, and its key. */
  certFile: string;
  keyFile: string;
}

/**
 * A throw-away CA and a server certificate signed by it (valid two days), made with the
 * openssl command in `dir`. For TLS tests only: the keys are unencrypted.
 */
export async function createTestCertificates(dir: string): Promise<TestCertificates> {
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = async (args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? 'openssl not found: install it (Debian: apt-get install openssl)'
          : `openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`,
        { cause: error },
      );
    }
  };
  await openssl(
    ['req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.crt')].concat([
      '-days',
      '2',
      '-subj',
      '/CN=ei test CA',
    ]),
  );
  await openssl(
    ['req', ...ec, '-keyout', path('redis.key'), '-out', path('redis.csr')].concat([
      '-subj',
      '/CN=localhost',
    ]),
  );
  await writeFile(path('redis.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl([
    ...['x509', '-req', '-in', path('redis.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key')],
    ...['-CAcreateserial', '-days', '2', '-extfile', path('redis.ext'), '-out', path('redis.crt')],
  ]);
  return { caFile: path('ca.crt'), certFile: path('redis.crt'), keyFile: path('redis.key') };
}
