import { configSchema, type EiConfig } from './config-schema.js';

/**
 * The configuration's defaults, read from its schema. Constructors that take a setting as
 * an option fall back to these, so each default is stated once, in config-schema.ts.
 */
export const CONFIG_DEFAULTS: Readonly<EiConfig> = Object.freeze(configSchema.parse({}));

/** Ports the services listen on unless told otherwise (the images and manifests use them too). */
export const DEFAULT_PORTS = Object.freeze({
  /** Gateway: REST API, websockets, dashboard (`ei gateway`, `ei up`). */
  gateway: 8080,
  /** A worker's /metrics, /healthz, /readyz (`ei worker`). */
  workerMetrics: 8000,
  /** A producer's /metrics, /healthz, /readyz (`ei produce`). */
  producerMetrics: 8001,
  /** The gateway's ops port: /metrics, /healthz, /readyz (`ei gateway`). */
  gatewayMetrics: 8002,
});
