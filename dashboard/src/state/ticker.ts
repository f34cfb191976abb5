import { onBeforeUnmount, readonly, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * A clock that ticks twice a second, shared by every component that shows figures of
 * the live frames (fps, latency, detections). The frames themselves are not reactive;
 * reading them on this tick keeps Vue's work at 2 Hz whatever the frame rate.
 */
export function useTicker(): Readonly<Ref<number>> {
  users++;
  if (timer === undefined) {
    // The clock may have stood still since the last component left: start from now.
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 500);
  }
  onBeforeUnmount(() => {
    users--;
    if (users === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  });
  return readonly(now);
}
