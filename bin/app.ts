#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp, ContextValueError } from './deployments';

// With no context: a hub, a sample spoke, the Service Catalog stack, a member-account forwarder
// and the launch role stack, on sample values. See the README for the context values.
const app = new App();
try {
  buildApp(app);
} catch (err) {
  // A bad context value is the user's input, not a bug: one line that names the key and the fix.
  if (!(err instanceof ContextValueError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
app.synth();
