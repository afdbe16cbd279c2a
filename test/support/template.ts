import { Template } from 'aws-cdk-lib/assertions';

/** The logical id and resource of the only resource of a type (the test fails when there are more or none). */
export function only(template: Template, type: string): [string, any] {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The environment variables of the only Lambda function of a template. */
export function environmentOf(template: Template): Record<string, unknown> {
  return only(template, 'AWS::Lambda::Function')[1].Properties.Environment.Variables;
}
