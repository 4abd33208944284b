import { describe, expect, it } from 'vitest';
import { renderWatcherAlert } from '../../functions/core/domain/notification.js';
import type { Notifier } from '../../functions/core/ports.js';
import { publishToChannels } from '../../functions/core/use-cases/poll-tick/publish-to-channels.js';
import { ConsoleNotifier, DeliverAndShowNotifier } from '../../local/console-notifier.js';

const alert = renderWatcherAlert(
  { kind: 'payment_required', openedAt: '2026-11-29T10:00:00.000Z' },
  'opened',
  '2026-11-29T10:00:00.000Z',
);

describe('the local run shows operator alerts as such', () => {
  it("prints an alert on the operator's channels, headed OPERATOR ALERT, never as an email or SMS", async () => {
    const printed: string[] = [];
    const operator = new ConsoleNotifier((text) => printed.push(text), 'operator');
    const outcome = await publishToChannels(operator, alert, []);

    expect(outcome.delivered).toEqual(['operator', 'events']);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^── OPERATOR ALERT watcher\.payment_required · operator email ─+\n/);
    expect(printed[0]).toContain(
      '    Subject: enrich-job-watch Action needed: CompanyEnrich account needs credits (402)',
    );
    expect(printed[0]).toContain('    CompanyEnrich account needs credits (402). Polling is paused.');
    expect(printed[1]).toMatch(/^── OPERATOR ALERT watcher\.payment_required · JSON event ─+\n {4}\{/);
    expect(printed.join('\n')).not.toMatch(/NOTIFICATION|· email|· SMS/);
  });

  it('keeps the job subscribers’ channels and heading for job notifications', () => {
    const jobs = new ConsoleNotifier(() => undefined);
    expect(jobs.channels).toEqual(['email', 'sms', 'events']);
  });

  it('delivers an alert through SNS on the alert channels it has topics for, and shows it labelled', async () => {
    const printed: string[] = [];
    const sent: string[] = [];
    const sns: Notifier = {
      channels: ['operator', 'events'],
      publish: (_notification, channel) => {
        sent.push(channel);
        return Promise.resolve({ messageId: `sns-${channel}` });
      },
    };
    const notifier = new DeliverAndShowNotifier(
      sns,
      new ConsoleNotifier((text) => printed.push(text), 'operator'),
    );
    const outcome = await publishToChannels(notifier, alert, []);
    expect(sent).toEqual(['operator', 'events']);
    expect(outcome.messageIds).toEqual({ operator: 'sns-operator', events: 'sns-events' });
    expect(printed.every((text) => text.startsWith('── OPERATOR ALERT'))).toBe(true);
  });
});
