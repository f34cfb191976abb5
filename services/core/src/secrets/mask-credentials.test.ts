import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK, maskCredentials } from './mask-credentials.js';

const scheme = fc.constantFrom('rtsp', 'rtsps', 'http', 'https', 'RTSP');
const user = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const host = fc.constantFrom('cam', '10.0.0.5', 'cam-7.local', '[fe80::1]', 'camera.example.org');
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const path = fc.constantFrom(
  '',
  '/',
  '/live',
  '/Streaming/Channels/101',
  '/video.cgi',
  '/a/b.mjpg',
);
/** Any printable text, symbols included: what people put in passwords. */
const password = fc.string({ minLength: 6, maxLength: 24, unit: 'grapheme-ascii' });
/** Query parameter names that carry a credential, in the spellings cameras use. */
const secretName = fc.constantFrom(
  'pwd',
  'password',
  'Password',
  'pass',
  'passwd',
  'PWD',
  'token',
  'access_token',
  'key',
  'apikey',
  'api_key',
  'auth',
  'authkey',
  'secret',
  'client_secret',
  'sig',
  'credential',
  'sessionid',
);

/** Every form in which a password can show in a URL: raw, percent-encoded, as URL encodes it. */
function forms(secret: string): string[] {
  const encoded = new URL('http://u@h/');
  encoded.password = secret;
  const query = new URLSearchParams({ v: secret }).toString().slice(2);
  return [...new Set([secret, encodeURIComponent(secret), encoded.password, query])];
}

function leaks(masked: string, secret: string): string | undefined {
  return forms(secret).find((form) => masked.includes(form));
}

describe('maskCredentials', () => {
  it('masks the password of a URL, in a URL and in the message around it', () => {
    expect(maskCredentials('rtsp://admin:secret@10.0.0.5/live')).toBe(
      `rtsp://admin:${MASK}@10.0.0.5/live`,
    );
    expect(maskCredentials('http://cam/video.cgi?user=admin&pwd=secret')).toBe(
      `http://cam/video.cgi?user=admin&pwd=${MASK}`,
    );
    expect(
      maskCredentials(
        'rtsp://admin:secret@127.0.0.1:554/x: Connection refused; http://cam/v?password=secret#t',
      ),
    ).toBe(
      `rtsp://admin:${MASK}@127.0.0.1:554/x: Connection refused; http://cam/v?password=${MASK}#t`,
    );
    // A raw "@" or "/" in the password: not a valid URL any more, masked all the same.
    expect(maskCredentials('rtsp://admin:p@ss/w#rd@cam/x')).toBe(`rtsp://admin:${MASK}@cam/x`);
    // A lone userinfo may be a token.
    expect(maskCredentials('https://ghp_token123@cam/x')).toBe(`https://${MASK}@cam/x`);
  });

  it('leaves texts without credentials alone', () => {
    for (const text of [
      'http://cam/mjpeg',
      'rtsp://10.0.0.5:554/Streaming/Channels/101',
      '/dev/video0',
      'samples/vtest.avi',
      'http://cam/snap@2x.jpg',
      'http://cam/video?user=admin&resolution=640x480',
      'connection refused',
    ]) {
      expect(maskCredentials(text)).toBe(text);
    }
  });

  it('is idempotent', () => {
    const once = maskCredentials('rtsp://admin:secret@cam/x?token=abc');
    expect(maskCredentials(once)).toBe(once);
  });

  it('no password of a generated URL survives: userinfo and query, alone or in a message', () => {
    fc.assert(
      fc.property(
        scheme,
        user,
        password,
        host,
        port,
        path,
        secretName,
        password,
        fc.constantFrom('url', 'message', 'json'),
        (s, u, pass, h, p, pathname, name, querySecret, context) => {
          const url = new URL(`${s}://${h}${p === undefined ? '' : `:${p}`}${pathname}`);
          url.username = u;
          url.password = pass;
          url.search = new URLSearchParams([
            ['user', u],
            [name, querySecret],
            ['channel', '1'],
          ]).toString();
          const skeleton = url.href
            .replace(url.password, '')
            .replace(new URLSearchParams({ v: querySecret }).toString().slice(2), '');
          // A secret that is part of the rest of the URL cannot be told apart from it.
          fc.pre(
            [pass, querySecret].every((secret) =>
              forms(secret).every((form) => !skeleton.includes(form) && !MASK.includes(form)),
            ),
          );
          const text =
            context === 'url'
              ? url.href
              : context === 'message'
                ? `[tcp @ 0x55d] ${url.href}: Connection refused`
                : JSON.stringify({ level: 40, source: url.href, msg: 'capture stopped' });
          const masked = maskCredentials(text);
          expect(leaks(masked, pass), masked).toBeUndefined();
          expect(leaks(masked, querySecret), masked).toBeUndefined();
          expect(masked).toContain(u);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('no password survives in a URL that does not parse (raw @ / ? # : in the password)', () => {
    const raw = fc.string({
      minLength: 6,
      maxLength: 24,
      unit: fc.constantFrom(...'abcXYZ0189@/?#:%!$&()*+,;=[]~._-'.split('')),
    });
    fc.assert(
      fc.property(scheme, user, raw, host, path, (s, u, pass, h, pathname) => {
        const text = `${s}://${u}:${pass}@${h}${pathname}`;
        fc.pre(!`${s}://${u}:@${h}${pathname}`.includes(pass));
        expect(maskCredentials(text)).not.toContain(pass);
        expect(maskCredentials(`ffmpeg: ${text}: 401 Unauthorized`)).not.toContain(pass);
      }),
      { numRuns: 2000 },
    );
  });
});
