import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { AWS_CLIENT_BOUNDS, boundedClientConfig } from '../core/adapters/aws-call.js';
import { SnsTopicPublisher } from '../core/adapters/sns-notifier.js';
import type { AlarmRelayConfig } from '../core/config.js';
import type { AlarmRelayDeps } from './make-handler.js';

/**
 * The alarm relay's production dependencies: the Powertools logger and one bounded SNS client
 * publishing to the operator topic. No table, no API key and no metrics (a
 * custom metric series costs money; Lambda's own Errors and the on-failure queue say enough).
 */
export function alarmRelayDeps(config: AlarmRelayConfig): AlarmRelayDeps {
  const logger = new Logger();
  const sns = new SNSClient(boundedClientConfig(AWS_CLIENT_BOUNDS.sns));
  return {
    publisher: new SnsTopicPublisher(sns, config.operatorTopicArn),
    log: logger,
    logger,
  };
}
