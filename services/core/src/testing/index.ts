/** Test helpers shared by every package's tests and benchmarks (`@ei/core/testing`). */
export { freePort } from '../net/free-port.js';
export {
  startPrivateRedis,
  startPrivateRedisWithClient,
  type PrivateRedis,
  type PrivateRedisOptions,
} from './redis-server.js';
export { createTestCertificates, type TestCertificates } from './test-certificates.js';
export { sampleJpeg } from './sample-jpeg.js';
export { sampleFrame, sampleResult } from './sample-messages.js';
export { jpegClaimingSize } from './jpeg-claiming-size.js';
export { PHOTO_FIXTURES_DIR, photoFixture } from './photos.js';
export {
  commandLine,
  cpuSeconds,
  descendants,
  isAlive,
  rssMB,
  treeCpuSeconds,
} from './process-stats.js';
export { waitFor } from './wait-for.js';
