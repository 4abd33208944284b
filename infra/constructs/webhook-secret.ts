import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../../functions/contract.js';
import { grantSecretValue } from './secret-grant.js';

/** Characters of the generated key: 64 letters and digits are about 380 bits, more than HMAC-SHA256 uses. */
export const WEBHOOK_SECRET_LENGTH = 64;

export interface WebhookSecretProps {
  /**
   * What happens to the secret when it leaves the stack. A new secret means new tokens: the
   * callback URLs already given to CompanyEnrich stop working (polling still finishes those jobs).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The key of the webhook tokens (HMAC-SHA256 of the id in each callback URL), in Secrets
 * Manager: a random string Secrets Manager generates when the stack is created, so it is never
 * in the template, the cloud assembly or anyone's shell. Only the API function (which puts
 * tokens in the callback URLs it gives CompanyEnrich) and the webhook function (which checks
 * them) may read it.
 */
export class WebhookSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: WebhookSecretProps = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'enrich-job-watch: key of the webhook tokens (HMAC-SHA256 of the id in each callback URL)',
      generateSecretString: {
        passwordLength: WEBHOOK_SECRET_LENGTH,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the webhook key invalidates every callback URL already given to CompanyEnrich for running jobs (their tokens are HMACs under the old key), so it is rotated by hand at a chosen moment (docs/DEPLOY.md); polling still finishes the jobs whose callbacks then fail.',
    });
  }

  /** Sets WEBHOOK_SECRET_ARN on `fn` and lets it read this secret's value, and nothing else. */
  grantRead(fn: LambdaFunction): void {
    grantSecretValue(fn, {
      variable: ENVIRONMENT.webhookSecretArn,
      secretId: this.secret.secretArn,
      policyArn: this.secret.secretArn,
    });
  }
}
