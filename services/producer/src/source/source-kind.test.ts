import { describe, expect, it } from 'vitest';
import { FIXTURE_CLIP } from '../testing/fixtures.js';
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
