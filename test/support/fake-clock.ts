import type { Clock } from '../../functions/core/ports.js';

/** A clock that only moves when the test says so. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: string | Date = '2026-11-29T10:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  set(instant: string | Date): void {
    this.current = new Date(instant).getTime();
  }
}
