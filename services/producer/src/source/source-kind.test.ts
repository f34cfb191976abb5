import { describe, expect, it } from 'vitest';
import { FIXTURE_CLIP } from '../testing/fixtures.js';
import { Backoff } from './backoff.js';
import { SourceError } from './source-error.js';
import { classifySource } from './source-kind.js';

describe('classifySource', () => {
  it('tells files, RTSP, HTTP MJPEG and V4L2 devices apart', () => {
    expect(classifySource(FIXTURE_CLIP)).toBe('file');
    expect(classifySource('rtsp://user:pw@10.0.0.5:554/stream1')).toBe('rtsp');
    expect(classifySource('RTSPS://camera.local/live')).toBe('rtsp');
    expect(classifySource('http://10.0.0.6/video.mjpg')).toBe('http');
    expect(classifySource('https://camera.example/mjpeg')).toBe('http');
    expect(classifySource('/dev/video0')).toBe('v4l2');
  });

  it('rejects what can never work with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['rtsp:/camera/stream', /not a valid URL \(missing "\/\/"\?\)/],
      ['http://[::1/x', /not a valid URL/],
      ['ftp://10.0.0.5/video', /unsupported scheme ftp:\/\//],
      ['/no/such/clip.mp4', /no such file/],
      ['/tmp', /not a regular file/],
    ];
    for (const [source, message] of cases) {
      expect(() => classifySource(source), source).toThrow(SourceError);
      expect(() => classifySource(source), source).toThrow(message);
    }
  });
});

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('spreads delays by the jitter fraction without passing the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.5 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.5 }, () => 0.999_999);
    expect(low.next()).toBe(500);
    expect(high.next()).toBe(1500);
    for (let i = 0; i < 5; i++) expect(high.next()).toBeLessThanOrEqual(4000);
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
