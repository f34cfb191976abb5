/** @ei/gateway */
export {};
