/**
 * CloudWatch alarm Lambda action events, in the shape AWS documents for the "Lambda action
 * payload" (a metric alarm: `alarmData.state`, `previousState`, `configuration` with the
 * description and the metrics), for the alarm relay's tests.
 */

export const ALARM_NAME = 'EnrichJobWatch-PollErrors';
export const ALARM_DESCRIPTION =
  'Poll ticks failed (Lambda Errors >= 1 in 2 of the last 3 five-minute periods): a crash, an invalid configuration or an internal error. Read the function log group and the X-Ray traces.';
export const ALARM_REASON =
  'Threshold Crossed: 2 out of the last 3 datapoints [3.0 (02/12/26 05:35:00), 1.0 (02/12/26 05:30:00)] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).';

type State = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A metric alarm going from `from` to `to` (ALARM from OK unless told), with the stack's kind of description. */
export function alarmActionEvent(
  options: {
    to?: State;
    from?: State;
    alarmName?: string;
    description?: string | null;
    region?: string;
  } = {},
): Record<string, unknown> {
  const region = options.region ?? 'us-east-1';
  const alarmName = options.alarmName ?? ALARM_NAME;
  const to = options.to ?? 'ALARM';
  const from = options.from ?? (to === 'ALARM' ? 'OK' : 'ALARM');
  const configuration: Record<string, unknown> = {
    metrics: [
      {
        id: 'd8f0e1b2-0000-4000-8000-000000000001',
        metricStat: {
          metric: {
            namespace: 'AWS/Lambda',
            name: 'Errors',
            dimensions: { FunctionName: 'EnrichJobWatch-PollerFunction' },
          },
          period: 300,
          stat: 'Sum',
        },
        returnData: true,
      },
    ],
  };
  if (options.description !== null) configuration.description = options.description ?? ALARM_DESCRIPTION;
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`,
    accountId: '123456789012',
    time: '2026-12-02T05:40:12.345+0000',
    region,
    alarmData: {
      alarmName,
      state: {
        value: to,
        reason: to === 'ALARM' ? ALARM_REASON : 'Threshold Crossed: no datapoints were breaching.',
        reasonData: '{"version":"1.0","statistic":"Sum","period":300,"threshold":1.0}',
        timestamp: '2026-12-02T05:40:12.340+0000',
      },
      previousState: {
        value: from,
        reason: 'Threshold Crossed: no datapoints were breaching.',
        timestamp: '2026-12-01T22:10:00.000+0000',
      },
      configuration,
    },
  };
}
