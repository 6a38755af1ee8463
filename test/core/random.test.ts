import { SeededRandom } from '../../lib/index.js';

describe('SeededRandom', () => {
  test('the same seed gives the same stream; different seeds give different ones', () => {
    expect(new SeededRandom(5).normals(4)).toEqual(new SeededRandom(5).normals(4));
    expect(new SeededRandom(5).normals(4)).not.toEqual(new SeededRandom(6).normals(4));
  });

  // Noisy batch copies use seeds s, s + 1, ...: the first numbers of nearby
  // seeds must be independent standard normals (with pure-rand's own seeding
  // the first normal of 61 % of seeds 0-999 was beyond 3σ).
  test('the first normals of consecutive seeds look like independent standard normals', () => {
    const count = 4000;
    const first = Float64Array.from({ length: count }, (_, s) => new SeededRandom(s).normal());
    const mean = first.reduce((a, z) => a + z, 0) / count;
    const variance = first.reduce((a, z) => a + (z - mean) ** 2, 0) / count;
    const beyond3 = first.filter((z) => Math.abs(z) > 3).length / count;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(count)); // 4 standard errors
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(beyond3).toBeLessThan(0.006); // 0.0027 expected
    // Neighbouring seeds are uncorrelated.
    let c = 0;
    for (let s = 0; s + 1 < count; s++) c += first[s]! * first[s + 1]!;
    expect(Math.abs(c / (count - 1))).toBeLessThan(4 / Math.sqrt(count));
  });

  test('BAD CALL - a seed that is not a safe integer', () => {
    expect(() => new SeededRandom(1.5)).toThrow(/^SeededRandom: 'seed' must be an integer in \[-9007199254740991, 9007199254740991\], got 1.5$/);
    expect(() => new SeededRandom('1' as never)).toThrow(TypeError);
  });
});
