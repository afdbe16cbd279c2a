import { App, AppProps, Stack, StackProps } from 'aws-cdk-lib';
import * as cdkJson from '../../cdk.json';

/** The account and region test stacks are bound to. */
export const TEST_ENV = { account: '111111111111', region: 'us-east-1' };

/** An app with the feature flags of cdk.json, so tests see what users get. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...cdkJson.context, ...props.context } });
}

/** A stack in `TEST_ENV` inside a new `testApp`, unless an app is given. */
export function testStack(id = 'Test', props: StackProps = {}, app: App = testApp()): Stack {
  return new Stack(app, id, { env: TEST_ENV, ...props });
}
