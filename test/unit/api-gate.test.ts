import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../functions/core/domain/check-decision.js';
import { StatusApiError } from '../../functions/core/domain/errors.js';
import { ApiGate } from '../../functions/core/use-cases/poll-tick/api-gate.js';
import { snapshot } from '../support/builders.js';

/** Follows a promise so a test can tell whether it has settled yet, and with what. */
function follow<T>(promise: Promise<T>): { readonly settled: boolean; readonly value: T | undefined } {
  const state: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void promise.then((value) => {
    state.settled = true;
    state.value = value;
  });
  return state;
}

/** Lets every pending promise continuation run (a macrotask boundary, not a sleep). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A gate whose probe is out, with `count` requests queued behind it. */
async function gateWithWaiters(count: number) {
  const gate = new ApiGate();
  const probe = await gate.admit();
  const waiters = Array.from({ length: count }, () => follow(gate.admit()));
  await flush();
  return { gate, probe, waiters };
}

describe('API gate', () => {
  it('admits the first request alone, as a probe, and holds the others until it is settled', async () => {
    const { gate, probe, waiters } = await gateWithWaiters(3);

    expect(probe).toBe(true);
    expect(waiters.map((waiter) => waiter.settled)).toEqual([false, false, false]);
    expect(gate.halted).toBeNull();
    expect(gate.answered).toBe(false);
    expect(gate.signal.aborted).toBe(false);
  });

  it('releases every waiting request at once when the probe is answered', async () => {
    const { gate, waiters } = await gateWithWaiters(3);

    gate.settle('answered');
    await flush();

    expect(waiters.map((waiter) => [waiter.settled, waiter.value])).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ]);
    expect(gate.answered).toBe(true);
    // There is one probe per tick: later requests go straight through, without a settle in between.
    await expect(gate.admit()).resolves.toBe(true);
    await expect(gate.admit()).resolves.toBe(true);
  });

  it.each([
    'unauthorized',
    'payment_required',
    'forbidden',
    'api_key_unavailable',
    'api_key_transient',
  ] as const)(
    'halts on %s: waiting and later requests are refused and requests in flight are aborted',
    async (problem) => {
      const { gate, waiters } = await gateWithWaiters(2);

      gate.settle(problem);
      await flush();

      expect(waiters.map((waiter) => [waiter.settled, waiter.value])).toEqual([
        [true, false],
        [true, false],
      ]);
      expect(gate.halted).toBe(problem);
      expect(gate.answered).toBe(false);
      expect(gate.signal.aborted).toBe(true);
      expect((gate.signal.reason as Error).message).toBe(`API halted: ${problem}`);
      await expect(gate.admit()).resolves.toBe(false);
    },
  );

  it('halts on a 429 and keeps its Retry-After for the pause', async () => {
    const { gate, waiters } = await gateWithWaiters(1);

    gate.settleThrottled(150_000);
    await flush();

    expect(waiters[0]?.value).toBe(false);
    expect(gate.halted).toBe('throttled');
    expect(gate.retryAfterMs).toBe(150_000);
    expect(gate.signal.aborted).toBe(true);
    await expect(gate.admit()).resolves.toBe(false);
  });

  it('keeps a null Retry-After when the 429 carried none, so the pause backs off instead', async () => {
    const gate = new ApiGate();
    await gate.admit();
    gate.settleThrottled(null);
    expect(gate.halted).toBe('throttled');
    expect(gate.retryAfterMs).toBeNull();
  });

  it('does not halt on an inconclusive probe: the requests behind it go ahead', async () => {
    const { gate, waiters } = await gateWithWaiters(2);

    gate.settle('inconclusive');
    await flush();

    expect(waiters.map((waiter) => waiter.value)).toEqual([true, true]);
    expect(gate.halted).toBeNull();
    expect(gate.answered).toBe(false);
    expect(gate.signal.aborted).toBe(false);
  });

  it('aborts requests already in flight when one of them halts the gate', async () => {
    const gate = new ApiGate();
    await gate.admit();
    gate.settle('answered');
    // Three requests in flight, all sharing the gate's signal.
    const admitted = await Promise.all([gate.admit(), gate.admit(), gate.admit()]);
    expect(admitted).toEqual([true, true, true]);
    const aborted: string[] = [];
    gate.signal.addEventListener('abort', () => aborted.push('in-flight request'));

    gate.settle('unauthorized');

    expect(aborted).toEqual(['in-flight request']);
    expect(gate.halted).toBe('unauthorized');
    // The account answered earlier in the tick: both facts are kept for the watcher state.
    expect(gate.answered).toBe(true);
  });

  it('keeps the first halt reason: later refusals are consequences of it', async () => {
    const gate = new ApiGate();
    await gate.admit();
    gate.settle('payment_required');
    const firstReason: unknown = gate.signal.reason;

    gate.settleThrottled(30_000);
    gate.settle('unauthorized');

    expect(gate.halted).toBe('payment_required');
    expect(gate.signal.reason).toBe(firstReason);
  });

  it('records an answer that comes back after the gate halted', async () => {
    const gate = new ApiGate();
    await gate.admit();
    gate.settleThrottled(null);
    gate.settle('answered');
    expect(gate.halted).toBe('throttled');
    expect(gate.answered).toBe(true);
  });

  it('refuses every request, probe included, once halted before the first one (an earlier 429 pause)', async () => {
    const gate = new ApiGate();

    gate.halt('throttled');

    await expect(gate.admit()).resolves.toBe(false);
    await expect(gate.admit()).resolves.toBe(false);
    expect(gate.halted).toBe('throttled');
    expect(gate.signal.aborted).toBe(true);
    expect(gate.answered).toBe(false);
  });

  it('halts as systematic once most answers so far would end jobs the same way (at least three)', async () => {
    const gate = new ApiGate();
    const notFound: CheckResult = {
      ok: false,
      error: new StatusApiError('not_found', 'CompanyEnrich answered 404', { httpStatus: 404 }),
    };
    await gate.admit();
    gate.settleAnswer(notFound);
    gate.settleAnswer(notFound);
    expect(gate.halted).toBeNull();
    // A 404 proves the key works.
    expect(gate.answered).toBe(true);
    expect(gate.documentReceived).toBe(false);

    gate.settleAnswer(notFound);
    expect(gate.halted).toBe('systematic_not_found');
    expect(gate.signal.aborted).toBe(true);
    await expect(gate.admit()).resolves.toBe(false);
  });

  it('does not halt while normal answers are the majority, and remembers that a document came back', async () => {
    const gate = new ApiGate();
    await gate.admit();
    const rejected: CheckResult = {
      ok: false,
      error: new StatusApiError('rejected', 'CompanyEnrich answered 400', { httpStatus: 400 }),
    };
    const document: CheckResult = { ok: true, snapshot: snapshot() };
    for (const result of [document, document, document, rejected, rejected, rejected])
      gate.settleAnswer(result);
    expect(gate.halted).toBeNull();
    expect(gate.documentReceived).toBe(true);
  });
});
