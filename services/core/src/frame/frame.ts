/** Image encodings a frame can carry. Only JPEG travels today; the byte is reserved for more. */
export type FrameEncoding = 'jpeg';

/** One captured image on its way from a producer to a worker. */
export interface Frame {
  /** Stream id, unique in the cluster (`[A-Za-z0-9_.:-]`, 1..128 chars). */
  streamId: string;
  /** Inference type, the name of the queue (`[a-z0-9_-]`, 1..64 chars). */
  type: string;
  /** Per-stream sequence number, starting at 0 when the producer starts. */
  seq: number;
  /** Capture time, milliseconds since the Unix epoch (fractions allowed). */
  captureTs: number;
  /** Pixel size of the image. 0 means unknown (legacy producers do not send it). */
  width: number;
  height: number;
  encoding: FrameEncoding;
  /** The encoded image, exactly as the producer captured it. */
  data: Buffer;
}

export const STREAM_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TYPE_PATTERN = /^[a-z0-9_-]{1,64}$/;
