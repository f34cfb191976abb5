/**
 * Node.js flags every service process starts with: `ei up` passes them to its children,
 * the container images put them in their ENTRYPOINT, and the benchmarks start services
 * with them. They are V8 flags, which must be given on the command line (NODE_OPTIONS
 * refuses them, and setting them at run time aborts V8).
 *
 * `--single-threaded-gc`: the frame path allocates a buffer per frame outside the V8 heap,
 * which makes V8 run a full mark-compact every few hundred frames. With its default helper
 * threads, that marking competes for the same one or two cores as Redis, sharp and
 * onnxruntime. Measured with `pnpm bench:queue` on 2 cores, `fifo`: consumers with the
 * flag pop 25-35 % more frames per second with 25 % less CPU, and push-to-pop p99 at half
 * rate drops from 10-40 ms to 3-4 ms (docs/performance.md).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
