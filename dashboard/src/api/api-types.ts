/**
 * Shapes of the gateway's REST answers, inferred from the gateway's own schemas
 * (services/gateway/src/routes/api-schemas.ts). Type-only imports: nothing of the gateway
 * reaches the bundle (eslint refuses a value import from it).
 */
export type {
  EventView as PlatformEvent,
  StreamView,
  TypeView,
  WorkerView,
} from '@ei/gateway/api-types';
export type { StreamState } from '@ei/core/browser';
