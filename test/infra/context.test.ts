import { App, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/context.js';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

describe('settingsFromContext', () => {
  it('leaves every default to the stack when nothing is set', () => {
    expect(settings({})).toEqual({ stackName: 'EnrichJobWatch', stackProps: {} });
  });

  it('reads the overrides, as `-c key=value` strings or cdk.json values', () => {
    const { stackName, stackProps } = settings({
      stackName: 'EnrichJobWatch-dev',
      removalPolicy: 'destroy',
      pollIntervalMinutes: '5',
    });
    expect(stackName).toBe('EnrichJobWatch-dev');
    expect(stackProps.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(stackProps.pollInterval?.toMinutes()).toBe(5);
    expect(settings({ pollIntervalMinutes: 2 }).stackProps.pollInterval?.toMinutes()).toBe(2);
  });

  it.each([
    [{ removalPolicy: 'snapshot' }, /removalPolicy must be one of retain, destroy \(got "snapshot"\)/],
    [
      { pollIntervalMinutes: '0.5' },
      /pollIntervalMinutes must be a whole number of minutes >= 1 \(got "0.5"\)/,
    ],
    [{ pollIntervalMinutes: 'often' }, /pollIntervalMinutes must be a whole number/],
  ])('rejects %j', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });
});
