/** @ei/worker: the inference service and the detection engine it runs. */
export {};
