/**
 * @ei/producer: cameras and files into the frame queues. `ei produce` runs `runProducer`;
 * `ei up` starts a `StreamProducer` per configured stream.
 */
export {
  StreamProducer,
  type ProducedStreamConfig,
  type StreamProducerOptions,
  type StreamStatus,
} from './stream-producer.js';
export { runProducer, type RunProducerOptions } from './run-producer.js';
export {
  createProducerMetrics,
  type LocalDropReason,
  type ProducerMetrics,
} from './metrics/producer-metrics.js';
export {
  locateFfmpeg,
  type FfmpegLocation,
  type FfmpegOrigin,
  type LocateFfmpegOptions,
} from './ffmpeg/locate-ffmpeg.js';
export { FfmpegNotFoundError } from './ffmpeg/ffmpeg-not-found-error.js';
export { JpegSplitter, type JpegImage, type JpegSplitterOptions } from './ffmpeg/jpeg-splitter.js';
export {
  FfmpegCapture,
  type CaptureEnd,
  type FfmpegCaptureOptions,
} from './ffmpeg/ffmpeg-capture.js';
export { captureArgs, type CaptureArgsOptions } from './ffmpeg/capture-args.js';
export { classifySource, type SourceKind } from './source/source-kind.js';
export { SourceError } from './source/source-error.js';
