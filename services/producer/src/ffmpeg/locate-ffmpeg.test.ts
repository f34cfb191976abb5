import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CLIP, FIXTURE_CLIP_FRAMES } from '../testing/fixtures.js';
import { captureArgs } from './capture-args.js';
import { FfmpegCapture } from './ffmpeg-capture.js';
import { FfmpegNotFoundError } from './ffmpeg-not-found-error.js';
import { locateFfmpeg } from './locate-ffmpeg.js';

describe('locateFfmpeg', () => {
  it('prefers the system ffmpeg on the PATH', () => {
    const found = locateFfmpeg({ env: { PATH: process.env.PATH } });
    expect(found.origin).toBe('system');
    expect(execFileSync(found.path, ['-version']).toString()).toMatch(/^ffmpeg version/);
  });

  it('says how to fix a FFMPEG_PATH or --ffmpeg that points nowhere', () => {
    expect(() => locateFfmpeg({ env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } })).toThrow(
      FfmpegNotFoundError,
    );
    expect(() => locateFfmpeg({ env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } })).toThrow(
      /ffmpeg not found at FFMPEG_PATH=\/nonexistent\/ffmpeg: .*apt-get install ffmpeg/,
    );
    expect(() => locateFfmpeg({ path: '/nonexistent/ffmpeg', env: {} })).toThrow(/--ffmpeg/);
  });

  it('falls back to the binary of @ffmpeg-installer/ffmpeg, which captures frames too', async () => {
    const found = locateFfmpeg({ env: { PATH: '' } });
    expect(found.origin).toBe('npm');
    expect(found.path).toContain('@ffmpeg-installer');
    // The shipped build is older (4.x): the capture options must work with it as well.
    const capture = new FfmpegCapture({
      ffmpegPath: found.path,
      source: FIXTURE_CLIP,
      kind: 'file',
      realtime: false,
      loop: false,
      maxWidth: 160,
      jpegQuality: 5,
      rtspTransport: 'tcp',
    });
    const sizes: string[] = [];
    for await (const image of capture.images) sizes.push(`${image.width}x${image.height}`);
    expect(await capture.ended).toEqual({ ok: true });
    expect(sizes).toEqual(Array<string>(FIXTURE_CLIP_FRAMES).fill('160x120'));
  });
});

describe('captureArgs', () => {
  it('paces files only when asked, loops in one process, and never scales up', () => {
    const file = captureArgs({
      kind: 'file',
      realtime: true,
      loop: true,
      fps: 15,
      maxWidth: 640,
      jpegQuality: 4,
      rtspTransport: 'tcp',
    });
    expect(file.inputOptions).toEqual(expect.arrayContaining(['-re', '-stream_loop', '-1']));
    expect(file.outputOptions.join(' ')).toContain("-vf fps=15,scale=w='min(iw,640)':h=-2");
    expect(file.outputOptions.join(' ')).toContain('-f image2pipe -c:v mjpeg');
    const camera = captureArgs({
      kind: 'rtsp',
      realtime: true,
      loop: true,
      jpegQuality: 4,
      rtspTransport: 'tcp',
    });
    expect(camera.inputOptions).toEqual(expect.arrayContaining(['-rtsp_transport', 'tcp']));
    expect(camera.inputOptions).not.toContain('-re');
    expect(camera.inputOptions).not.toContain('-stream_loop');
    expect(camera.outputOptions).not.toContain('-vf');
  });
});
