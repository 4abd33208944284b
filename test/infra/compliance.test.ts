import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validations, type PolicyViolation } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonTool } from '../support/python-tools.js';
import { REPO_ROOT, synthFixture, type Fixture } from './fixture.js';

let fixture: Fixture;

beforeAll(() => {
  // Throws if cdk-nag (registered as a validation plugin, as in infra/app.ts) reports anything.
  fixture = synthFixture();
}, 60_000);

afterAll(() => {
  // Unset when synthesis failed in beforeAll (and that failure is the one to report).
  (fixture as Fixture | undefined)?.dispose();
});

type Acknowledgement = { id: string; path: string; reason: string };

/** Every `Validations.of(x).acknowledge()` in the app, with the construct it was made on. */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  const visit = (construct: IConstruct): void => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ id: id.replace(/^annotation::/i, ''), path: construct.node.path, reason });
      }
    }
    for (const child of construct.node.children) visit(child);
  };
  visit(root);
  return found;
}

/** What AwsSolutionsChecks finds when nothing is acknowledged: rule id and resource path. */
function unacknowledgedFindings(root: IConstruct): { id: string; path: string }[] {
  const pack = new AwsSolutionsChecks();
  // cdk-nag consults the acknowledgements in a private method; make it see none.
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  const report = pack.validateScope(root);
  return report.violations.flatMap((violation: PolicyViolation) =>
    violation.violatingResources.map((resource) => ({
      id: violation.ruleName,
      path: resource.constructPath ?? '',
    })),
  );
}

describe('cdk-nag (AwsSolutions)', () => {
  it('synthesizes every variant with zero unacknowledged findings (the plugin fails synth otherwise)', () => {
    const reportFile = path.join(fixture.outdir, 'validation-report.json');
    const reports = existsSync(reportFile)
      ? (JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { violations: unknown[] }[] })
          .pluginReports
      : [];
    expect(reports.flatMap((report) => report.violations)).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(fixture.app).violations).toEqual([]);
  });

  it('has only acknowledgements that answer a real finding, on the resource it concerns, with a reason', () => {
    const acks = acknowledgements(fixture.app);
    const findings = unacknowledgedFindings(fixture.app);
    // Each finding is covered by an acknowledgement on the resource itself (or its L2 wrapper).
    for (const finding of findings) {
      const covering = acks.filter(
        (ack) =>
          ack.id === finding.id && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
      );
      expect(covering, `${finding.id} on ${finding.path}`).toHaveLength(1);
      expect(finding.path.split('/').length - (covering[0]?.path.split('/').length ?? 0)).toBeLessThanOrEqual(
        1,
      );
    }
    // ...and each acknowledgement covers a finding: none is stale or too broad.
    for (const ack of acks) {
      expect(
        findings.some(
          (finding) =>
            finding.id === ack.id && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
        ),
        `${ack.id} on ${ack.path} acknowledges nothing`,
      ).toBe(true);
      expect(ack.reason.length, `${ack.id} on ${ack.path}: give a real reason`).toBeGreaterThan(60);
    }
    // The list the docs rely on; IAM5 only for X-Ray's Resource "*", never a bare IAM5.
    const perStack = (stack: string) =>
      acks
        .filter((ack) => ack.path.startsWith(`${stack}/`))
        .map((ack) => `${ack.id} @ ${ack.path.slice(stack.length + 1)}`)
        .sort();
    // The webhook route is the one public route (APIG4); every job route needs IAM, so no finding.
    expect(perStack('EnrichJobWatch')).toEqual([
      'AwsSolutions-APIG4 @ Api/WebhookRoute',
      'AwsSolutions-IAM5[Resource::*] @ AlarmRelay/FunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Api/ApiFunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Api/WebhookFunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Poller/FunctionRole/DefaultPolicy',
      'AwsSolutions-L1 @ AlarmRelay/Function',
      'AwsSolutions-L1 @ Api/ApiFunction',
      'AwsSolutions-L1 @ Api/WebhookFunction',
      'AwsSolutions-L1 @ Poller/Function',
      'AwsSolutions-SMG4 @ ApiKey/Secret',
      'AwsSolutions-SMG4 @ WebhookSecret/Secret',
      'AwsSolutions-SQS3 @ AlarmRelay/FailedQueue',
      'AwsSolutions-SQS3 @ Poller/DeadLetterQueue',
    ]);
    // An imported API key secret is not the stack's to rotate: nothing to acknowledge for it.
    expect(perStack('Configured')).toEqual([
      'AwsSolutions-APIG4 @ Api/WebhookRoute',
      'AwsSolutions-IAM5[Resource::*] @ AlarmRelay/FunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Api/ApiFunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Api/WebhookFunctionRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Poller/FunctionRole/DefaultPolicy',
      'AwsSolutions-L1 @ AlarmRelay/Function',
      'AwsSolutions-L1 @ Api/ApiFunction',
      'AwsSolutions-L1 @ Api/WebhookFunction',
      'AwsSolutions-L1 @ Poller/Function',
      'AwsSolutions-SMG4 @ WebhookSecret/Secret',
      'AwsSolutions-SQS3 @ AlarmRelay/FailedQueue',
      'AwsSolutions-SQS3 @ Poller/DeadLetterQueue',
    ]);
  });
});

describe('cfn-lint', () => {
  it('finds no errors or warnings in the template of any variant (exceptions, with reasons: .cfnlintrc.yaml)', () => {
    expect(fixture.templateFiles).toHaveLength(3);
    const lint = spawnSync(pythonTool('cfn-lint'), ['--', ...fixture.templateFiles], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(lint.error, 'cfn-lint must be on PATH').toBeUndefined();
    expect(lint.status, `cfn-lint:\n${lint.stdout}${lint.stderr}`).toBe(0);
  }, 60_000);
});
