import type { EiMetrics, StreamState } from '@ei/core';
import { Counter, Gauge } from 'prom-client';

/** Why a frame that left ffmpeg never reached the queue. */
export type LocalDropReason =
  /** Pushes to Redis were already in flight for this stream (Redis slower than the source). */
  | 'backpressure'
  /** The push failed (Redis down or refusing). */
  | 'redis'
  /** Larger than `limits.maxFrameBytes`: lower --max-width or raise the limit. */
  | 'too-large';

/**
 * Producer metrics, added to the process registry of `createMetrics`. Queue-policy drops
 * are counted exactly in Redis by the queue itself; these count what happens before it.
 */
export interface ProducerMetrics {
  core: EiMetrics;
  /** Frames accepted by the queue, per stream. */
  producedFrames: Counter<'stream' | 'type'>;
  /** Frames the queue turned away (`latest` queue full of other streams). */
  rejectedFrames: Counter<'stream' | 'type'>;
  localDrops: Counter<'stream' | 'type' | 'reason'>;
  reconnects: Counter<'stream' | 'type'>;
  captureErrors: Counter<'stream' | 'type'>;
  /** 1 for the stream's current state, 0 for the others. */
  streamState: Gauge<'stream' | 'type' | 'state'>;
  /** Frames per second leaving ffmpeg, averaged over 10 s. */
  captureFps: Gauge<'stream' | 'type'>;
}

export const STREAM_STATES: readonly StreamState[] = ['connecting', 'live', 'retrying', 'stopped'];

export function createProducerMetrics(core: EiMetrics): ProducerMetrics {
  const registers = [core.registry];
  const labelNames = ['stream', 'type'] as const;
  return {
    core,
    producedFrames: new Counter({
      name: 'ei_produced_frames_total',
      help: 'Frames pushed into the frame queue and accepted, per stream.',
      labelNames,
      registers,
    }),
    rejectedFrames: new Counter({
      name: 'ei_producer_rejected_frames_total',
      help: 'Frames the queue refused (policy latest, queue full of other streams).',
      labelNames,
      registers,
    }),
    localDrops: new Counter({
      name: 'ei_producer_dropped_frames_total',
      help: 'Frames dropped in the producer before the queue: backpressure (Redis slower than the source), redis (push failed), too-large (over limits.maxFrameBytes).',
      labelNames: [...labelNames, 'reason'],
      registers,
    }),
    reconnects: new Counter({
      name: 'ei_producer_reconnects_total',
      help: 'Times the producer restarted capture after the source stopped or failed.',
      labelNames,
      registers,
    }),
    captureErrors: new Counter({
      name: 'ei_capture_errors_total',
      help: 'Capture failures (source unreachable, ffmpeg error, stalled source), per stream.',
      labelNames,
      registers,
    }),
    streamState: new Gauge({
      name: 'ei_producer_stream_state',
      help: 'Current state of each stream: 1 for the state it is in, 0 for the others.',
      labelNames: [...labelNames, 'state'],
      registers,
    }),
    captureFps: new Gauge({
      name: 'ei_producer_fps',
      help: 'Frames per second leaving ffmpeg, averaged over 10 s.',
      labelNames,
      registers,
    }),
  };
}
