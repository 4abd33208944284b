import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './context.js';
import { EnrichJobWatchStack } from './enrich-job-watch-stack.js';

const app = new App();
// cdk-nag 3 is a policy-validation plugin: a finding that is not acknowledged (next to the
// resource it concerns, with its reason) fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const { stackName, stackProps } = settingsFromContext(app.node);
new EnrichJobWatchStack(app, stackName, stackProps);
