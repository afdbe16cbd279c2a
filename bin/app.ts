#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { EnhancedScanning, GuardedRepository } from '../lib';

const app = new App();
const stack = new Stack(app, 'ScanGuardSample', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
new EnhancedScanning(stack, 'EnhancedScanning');
new GuardedRepository(stack, 'Repository', {
  repositoryName: 'sample/app',
  allowedVpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'],
  allowedSourceCidrs: ['203.0.113.0/24'],
});
app.synth();
