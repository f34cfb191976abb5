/** @ei/producer */
export {};
