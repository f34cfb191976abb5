import { fileURLToPath } from 'node:url';

/**
 * 4 s of the pedestrian sample (vtest.avi) at 640x480, 10 fps, MPEG-4 Part 2: 40 frames,
 * 180 KB. Made with:
 *   ffmpeg -i vtest.avi -t 4 -vf scale=640:480 -c:v mpeg4 -q:v 7 -an vtest-640x480-4s.avi
 */
export const FIXTURE_CLIP = fileURLToPath(
  new URL('../../src/testing/fixtures/vtest-640x480-4s.avi', import.meta.url),
);
export const FIXTURE_CLIP_FRAMES = 40;
export const FIXTURE_CLIP_FPS = 10;
