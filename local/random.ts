/**
 * Deterministic randomness for the local run and for tests.
 *
 * `Math.random()` cannot be replayed, so anything that must behave the same on every run (simulated job
 * plans, generated job ids) takes a `() => number` built from a seed instead.
 */

/**
 * Builds a seeded pseudo-random generator (mulberry32): fast, 32-bit state, good enough for simulations,
 * and NOT suitable for anything security-related.
 *
 * @param seed - any number; it is reduced to an unsigned 32-bit integer, so `1` and `2 ** 32 + 1` agree.
 * @returns a function yielding deterministic floats in `[0, 1)`.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX_DIGITS = '0123456789abcdef';

/**
 * Produces an RFC 4122 version 4 uuid (lower-case, `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`) from the
 * given generator, so ids are reproducible when the generator is seeded.
 *
 * @param random - a source of floats in `[0, 1)`, such as {@link seededRandom}; consumes 32 values.
 */
export function randomUuid(random: () => number): string {
  let uuid = '';
  for (let position = 0; position < 32; position++) {
    // Clamp so a generator that (wrongly) returns 1 still yields a hex digit instead of an empty string.
    let nibble = Math.min(15, Math.floor(random() * 16));
    if (position === 12) nibble = 4; // version
    if (position === 16) nibble = 0b1000 | (nibble & 0b0011); // RFC 4122 variant: 8, 9, a or b
    if (position === 8 || position === 12 || position === 16 || position === 20) uuid += '-';
    uuid += HEX_DIGITS.charAt(nibble);
  }
  return uuid;
}
