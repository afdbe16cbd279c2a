#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from './deployments';

// With no context: a hub, a sample spoke, the Service Catalog stack, a member-account forwarder
// and the launch role stack, on sample values. See the README for the context values.
const app = new App();
buildApp(app);
app.synth();
