import { describe, expect, it } from 'vitest';
import { classColour } from './class-colour';

describe('classColour', () => {
  it('gives each label one colour, the same every time, different for different labels', () => {
    expect(classColour('person')).toBe(classColour('person'));
    expect(classColour('person')).toMatch(/^hsl\(\d+ 90% 55%\)$/);
    const labels = ['person', 'car', 'truck', 'bus', 'bicycle', 'dog', 'face'];
    expect(new Set(labels.map(classColour)).size).toBe(labels.length);
  });
});
