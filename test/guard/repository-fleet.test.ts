import { readFileSync } from 'fs';
import { join } from 'path';
import { CfnResource, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FleetRepositoryProps, GuardedRepositoryFleet, GuardedRepositoryFleetProps, IFleetStackFactory } from '../../lib/guard/repository-fleet';
import { templateBytesOf } from '../../lib/guard/private/template-size';
import { TEST_ENV, testApp } from '../support/app';

const GUARD = { allowedVpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'] };

function repos(n: number, extra: Partial<FleetRepositoryProps> = {}): FleetRepositoryProps[] {
  return Array.from({ length: n }, (_, i) => ({ repositoryName: `team${i}/app`, ...GUARD, ...extra }));
}

function fleet(props: GuardedRepositoryFleetProps): GuardedRepositoryFleet {
  return new GuardedRepositoryFleet(testApp(), 'Fleet', { stackProps: { env: TEST_ENV }, ...props });
}

function resourceCount(stack: Stack): number {
  return stack.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
}

function repositoryNamesIn(stack: Stack): string[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository')).map((r: any) => r.Properties.RepositoryName);
}

describe('split by resource budget', () => {
  const f = fleet({ repositories: repos(10), maxResourcesPerStack: 4 });

  test('fills stacks in order, opening a new one when the next repository would go over the budget', () => {
    expect(f.stacks.map(resourceCount)).toEqual([4, 4, 2]);
    expect(repositoryNamesIn(f.stacks[0])).toEqual(['team0/app', 'team1/app', 'team2/app', 'team3/app']);
    expect(repositoryNamesIn(f.stacks[2])).toEqual(['team8/app', 'team9/app']);
  });

  test('default stacks are named Stack1..n under the fleet and use stackProps', () => {
    expect(f.stacks.map((s) => s.node.path)).toEqual(['Fleet/Stack1', 'Fleet/Stack2', 'Fleet/Stack3']);
    expect(f.stacks.every((s) => s.account === TEST_ENV.account && s.region === TEST_ENV.region)).toBe(true);
  });

  test('every repository keeps its guard in whichever stack it lands', () => {
    const policy = Template.fromStack(f.stacks[1]).findResources('AWS::ECR::Repository');
    for (const r of Object.values(policy) as any[]) {
      expect(r.Properties.RepositoryPolicyText.Statement.map((s: any) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks']);
    }
  });

  test('ids default to the repository name with "/" as "+", and repositories can be looked up', () => {
    expect(f.repositories.map((r) => r.node.id).slice(0, 2)).toEqual(['team0+app', 'team1+app']);
    expect(f.tryFindRepository('team9+app')?.node.path).toBe('Fleet/Stack3/team9+app');
    expect(f.tryFindRepository('nope')).toBeUndefined();
  });

  test('addRepository appends to the last stack, then opens a new one', () => {
    const g = fleet({ repositories: repos(3), maxResourcesPerStack: 4 });
    g.addRepository({ id: 'Extra1', ...GUARD });
    expect(g.stacks).toHaveLength(1);
    const r = g.addRepository({ id: 'Extra2', ...GUARD });
    expect(g.stacks).toHaveLength(2);
    expect(Stack.of(r)).toBe(g.stacks[1]);
    expect(g.repositories).toHaveLength(5);
  });

  test('an empty fleet has no stack', () => {
    expect(fleet({}).stacks).toEqual([]);
  });
});

test('the default resource budget keeps 450 repositories per stack, under the 500-resource limit', () => {
  const f = fleet({ repositories: repos(460), maxTemplateSizePerStack: Size.bytes(1_000_000) });
  expect(f.maxResourcesPerStack).toBe(450);
  expect(f.stacks.map(resourceCount)).toEqual([450, 10]);
});

test('the default template budget (760 KiB) bites first for repositories of about 1.9 KB, below where the CDK warns', () => {
  const app = testApp();
  // A VPC id and a few principals make each repository's policy about 1.9 KB.
  const f = new GuardedRepositoryFleet(app, 'Fleet', {
    stackProps: { env: TEST_ENV },
    repositories: repos(460, {
      allowedVpcIds: ['vpc-0abc1234def567890'],
      allowedPrincipalArns: ['arn:aws:iam::111111111111:role/ci-builder', 'arn:aws:iam::111111111111:role/ecs-execution'],
    }),
  });
  expect(f.maxTemplateBytesPerStack).toBe(760 * 1024);
  const [first, second] = f.stacks.map(resourceCount);
  expect(first).toBeGreaterThan(380);
  expect(first).toBeLessThan(430);
  expect(first + second).toBe(460);
  const assembly = app.synth();
  const bytes = readFileSync(join(assembly.directory, f.stacks[0].templateFile)).length;
  expect(bytes).toBeLessThan(800_000);
  expect(Annotations.fromStack(f.stacks[0]).findWarning('*', Match.stringLikeRegexp('Template size'))).toEqual([]);
});

describe('split by template size', () => {
  const app = testApp();
  const f = new GuardedRepositoryFleet(app, 'Fleet', {
    stackProps: { env: TEST_ENV },
    repositories: repos(12),
    maxTemplateSizePerStack: Size.kibibytes(10),
  });
  const assembly = app.synth();

  test('no stack template goes over the budget', () => {
    expect(f.stacks.length).toBeGreaterThan(1);
    for (const stack of f.stacks) {
      const bytes = readFileSync(join(assembly.directory, stack.templateFile)).length;
      // The budget counts the repositories; the template adds a few hundred bytes of its own.
      expect(bytes).toBeLessThanOrEqual(10 * 1024 + 1024);
    }
  });

  test('the estimate matches the bytes the repositories take in the written template within 2%', () => {
    const stack = f.stacks[0];
    const template = readFileSync(join(assembly.directory, stack.templateFile), 'utf8');
    const written = Buffer.byteLength(/\n "Resources": \{\n([\s\S]*?)\n \}/.exec(template)![1]);
    const resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
    const estimated = resources.reduce((sum, r) => sum + templateBytesOf(r), 0);
    expect(resources.length).toBeGreaterThan(2);
    expect(Math.abs(written - estimated) / written).toBeLessThan(0.02);
  });
});

describe('repositoriesPerStack', () => {
  test('places repository i in stack i / n, whatever the sizes', () => {
    const list = repos(7).map((r, i) => (i === 1 ? { ...r, allowedSourceCidrs: Array.from({ length: 40 }, (_, c) => `203.0.${c}.0/24`) } : r));
    const f = fleet({ repositories: list, repositoriesPerStack: 3 });
    expect(f.stacks.map(resourceCount)).toEqual([3, 3, 1]);
    expect(repositoryNamesIn(f.stacks[1])).toEqual(['team3/app', 'team4/app', 'team5/app']);
  });

  test('a stack over a budget throws, naming repositoriesPerStack', () => {
    expect(() => fleet({ repositories: repos(5), repositoriesPerStack: 5, maxResourcesPerStack: 4 }))
      .toThrow(/repositories\[4\]: repositoriesPerStack is 5, but stack Fleet\/Stack1 would hold 5 resources .* over maxResourcesPerStack 4/);
  });

  test.each([0, 2.5, 501])('repositoriesPerStack %p throws', (value) => {
    expect(() => fleet({ repositoriesPerStack: value })).toThrow(new RegExp(`repositoriesPerStack is ${value}: expected a whole number from 1 to 500`));
  });
});

describe('stack factory', () => {
  class Named implements IFleetStackFactory {
    public readonly calls: number[] = [];
    constructor(private readonly preload = 0) {}
    createStack(scope: Construct, id: string, index: number): Stack {
      this.calls.push(index);
      const stack = new Stack(scope, id, { env: TEST_ENV, stackName: `registry-${index}` });
      for (let i = 0; i < this.preload; i++) new sns.Topic(stack, `T${i}`);
      return stack;
    }
  }

  test('is called once per stack with its index; its stacks are used as they are', () => {
    const factory = new Named();
    const f = fleet({ repositories: repos(5), maxResourcesPerStack: 2, stackFactory: factory });
    expect(factory.calls).toEqual([0, 1, 2]);
    expect(f.stacks.map((s) => s.stackName)).toEqual(['registry-0', 'registry-1', 'registry-2']);
  });

  test('resources the factory adds count against the budget', () => {
    const f = fleet({ repositories: repos(5), maxResourcesPerStack: 4, stackFactory: new Named(2) });
    expect(f.stacks.map(resourceCount)).toEqual([4, 4, 3]);
  });

  test('a factory stack with no room left throws, naming the budget', () => {
    expect(() => fleet({ repositories: repos(1), maxResourcesPerStack: 2, stackFactory: new Named(2) }))
      .toThrow(/repositories\[0\]: the stack factory returned stack Fleet\/Stack1 already holding 2 resources.*maxResourcesPerStack 2/);
  });

  test('a factory returning the same stack twice throws', () => {
    let shared: Stack | undefined;
    const same: IFleetStackFactory = { createStack: (scope, id) => (shared ??= new Stack(scope, id)) };
    expect(() => fleet({ repositories: repos(2), maxResourcesPerStack: 1, stackFactory: same }))
      .toThrow(/stackFactory.createStack\(1\) returned stack Fleet\/Stack1 again: expected a new Stack/);
  });

  test('a factory returning something else than a stack throws', () => {
    const bad = { createStack: () => ({}) as unknown as Stack };
    expect(() => fleet({ repositories: repos(1), stackFactory: bad })).toThrow(/stackFactory.createStack\(0\) returned .*expected a new Stack/);
  });
});

describe('validation', () => {
  test.each([0, 501, 1.5, -3])('maxResourcesPerStack %p throws', (value) => {
    expect(() => fleet({ maxResourcesPerStack: value })).toThrow(new RegExp(`maxResourcesPerStack is ${value}: expected a whole number from 1 to 500`));
  });

  test('maxResourcesPerStack 500 is accepted', () => {
    expect(fleet({ maxResourcesPerStack: 500 }).maxResourcesPerStack).toBe(500);
  });

  test.each([Size.mebibytes(2), Size.kibibytes(1)])('maxTemplateSizePerStack out of range throws', (size) => {
    expect(() => fleet({ maxTemplateSizePerStack: size })).toThrow(/maxTemplateSizePerStack is \d+ bytes: expected from 10 KiB to 1000000 bytes \(the largest template CloudFormation accepts\)/);
  });

  test('a duplicate id throws, naming both entries, even across stacks', () => {
    const list = [...repos(3), { id: 'team0+app', ...GUARD }];
    expect(() => fleet({ repositories: list, maxResourcesPerStack: 1 }))
      .toThrow(/repositories\[3\].id is "team0\+app", already the id of repository #0 of the fleet/);
  });

  test('a repository with neither id nor name throws', () => {
    expect(() => fleet({ repositories: [{ ...GUARD }] })).toThrow(/repositories\[0\].id is missing/);
  });

  test('an id with "/" throws', () => {
    expect(() => fleet({ repositories: [{ id: 'a/b', ...GUARD }] })).toThrow(/repositories\[0\].id is "a\/b": expected a non-empty construct id without "\/"/);
  });

  test('the guard\'s own validation still names the repository prop', () => {
    expect(() => fleet({ repositories: [{ repositoryName: 'x/y', allowedVpcIds: ['vpc-nope'] }] })).toThrow(/allowedVpcIds\[0\] is "vpc-nope"/);
  });
});
