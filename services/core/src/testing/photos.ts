import { fileURLToPath } from 'node:url';

/**
 * Real photos with known content, shared by the model, detection and CLI tests and the
 * benchmarks: dog.jpg (bicycle, dog, truck), person.jpg (person, horse, dog), frames of
 * the Megamind clip (faces), and annotations.json with the objects a detector must find.
 * Resolved from src/ in both builds (dist has no copies of the images).
 */
export const PHOTO_FIXTURES_DIR = fileURLToPath(
  new URL('../../src/testing/fixtures/photos/', import.meta.url),
);

/** Absolute path of one fixture photo, e.g. `photoFixture('dog.jpg')`. */
export function photoFixture(name: string): string {
  return `${PHOTO_FIXTURES_DIR}${name}`;
}
