import { App } from 'aws-cdk-lib';
import { settingsFromContext } from './context.js';
import { EnrichJobWatchStack } from './enrich-job-watch-stack.js';

const app = new App();
const { stackName, stackProps } = settingsFromContext(app.node);
new EnrichJobWatchStack(app, stackName, stackProps);
