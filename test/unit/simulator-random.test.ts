import { describe, expect, it } from 'vitest';
import { randomUuid, seededRandom } from '../../local/random.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function draw(random: () => number, count: number): number[] {
  return Array.from({ length: count }, () => random());
}

describe('seededRandom', () => {
  it('is mulberry32: matches its published first outputs for seed 1', () => {
    expect(draw(seededRandom(1), 3)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('replays the same sequence for the same seed and a different one for another seed', () => {
    expect(draw(seededRandom(123), 100)).toEqual(draw(seededRandom(123), 100));
    expect(draw(seededRandom(123), 100)).not.toEqual(draw(seededRandom(124), 100));
  });

  it('reduces the seed to 32 bits', () => {
    expect(draw(seededRandom(2 ** 32 + 7), 5)).toEqual(draw(seededRandom(7), 5));
  });

  it('yields floats in [0, 1) that spread over the whole interval', () => {
    const values = draw(seededRandom(99), 10_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const buckets = new Array<number>(10).fill(0);
    for (const value of values) buckets[Math.floor(value * 10)] = (buckets[Math.floor(value * 10)] ?? 0) + 1;
    for (const bucket of buckets) expect(bucket).toBeGreaterThan(850); // 1000 expected per tenth
  });
});

describe('randomUuid', () => {
  it('produces distinct RFC 4122 v4 uuids using every variant digit', () => {
    const random = seededRandom(5);
    const uuids = Array.from({ length: 2000 }, () => randomUuid(random));
    for (const uuid of uuids) expect(uuid).toMatch(UUID_V4);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Set(uuids.map((uuid) => uuid.charAt(19)))).toEqual(new Set(['8', '9', 'a', 'b']));
  });

  it('is reproducible from a seed', () => {
    expect(randomUuid(seededRandom(42))).toBe(randomUuid(seededRandom(42)));
    expect(randomUuid(seededRandom(42))).not.toBe(randomUuid(seededRandom(43)));
  });

  it('still yields a valid uuid from a generator at the edges of its range', () => {
    expect(randomUuid(() => 0)).toBe('00000000-0000-4000-8000-000000000000');
    expect(randomUuid(() => 1)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});
