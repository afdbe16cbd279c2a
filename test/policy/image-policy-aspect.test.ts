import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnParameter, Size, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { GuardedRepository } from '../../lib/guard/guarded-repository';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { ImagePolicyChecker, ImagePolicyCheckerProps } from '../../lib/policy/image-policy-aspect';
import { testApp, testStack } from '../support/app';

const REGISTRY = '111111111111.dkr.ecr.us-east-1.amazonaws.com/';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const UNRESOLVED = 'cdk-ecr-scan-guard:imagePolicyUnresolvedImage';

/** The annotations of one synthesis, by construct path; `failed` tells whether synthesis failed on them. */
interface Result {
  readonly failed: boolean;
  readonly errors: Array<{ path: string; message: string }>;
  readonly warnings: Array<{ path: string; message: string }>;
}

/**
 * Synthesizes the app as `cdk synth` does and collects the image policy annotations. With the
 * project's feature flags (annotationsInValidationReport), an error annotation fails synthesis.
 */
function synth(app: App): Result {
  let failed = false;
  // A failed synthesis prints its validation report to stderr; the annotations are read below.
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
  } catch (e) {
    if (!/ValidationFailed|Validation failed/.test(String(e))) throw e;
    failed = true;
  } finally {
    printed.mockRestore();
  }
  const errors: Result['errors'] = [];
  const warnings: Result['warnings'] = [];
  for (const c of app.node.findAll()) {
    for (const entry of c.node.metadata) {
      const message = String(entry.data);
      if (!message.startsWith('Image policy')) continue;
      if (entry.type === 'aws:cdk:error') errors.push({ path: c.node.path, message });
      if (entry.type === 'aws:cdk:warning') warnings.push({ path: c.node.path, message });
    }
  }
  return { failed, errors, warnings };
}

function check(build: (stack: Stack) => void, props: Partial<ImagePolicyCheckerProps> = {}, policy = new ImagePolicy({ allowedPrefixes: [REGISTRY] })): Result {
  const stack = testStack();
  build(stack);
  Aspects.of(stack).add(new ImagePolicyChecker({ policy, ...props }), { priority: AspectPriority.READONLY });
  return synth(stack.node.root as App);
}

const at = (list: Result['errors'], path: string) => list.filter((a) => a.path === path).map((a) => a.message);

describe('ImagePolicyChecker on ECS and Lambda', () => {
  const result = check((stack) => {
    const good = new ecs.FargateTaskDefinition(stack, 'Good');
    good.addContainer('app', { image: ecs.ContainerImage.fromRegistry(`${REGISTRY}team/app:v1`) });
    const bad = new ecs.FargateTaskDefinition(stack, 'Bad');
    bad.addContainer('app', { image: ecs.ContainerImage.fromRegistry(`${REGISTRY}team/app:v1`) });
    bad.addContainer('proxy', { image: ecs.ContainerImage.fromRegistry('nginx:1.19.2') });
    const repo = ecr.Repository.fromRepositoryAttributes(stack, 'Foreign', {
      repositoryArn: 'arn:aws:ecr:us-west-2:222222222222:repository/x', repositoryName: 'x',
    });
    new lambda.DockerImageFunction(stack, 'GoodFn', { code: lambda.DockerImageCode.fromEcr(new ecr.Repository(stack, 'Own', { repositoryName: 'team/fn' })) });
    new lambda.DockerImageFunction(stack, 'BadFn', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: 'v1' }) });
    new lambda.CfnFunction(stack, 'L1Fn', { packageType: 'Image', code: { imageUri: 'public.ecr.aws/lambda/nodejs:22' }, role: 'arn:aws:iam::111111111111:role/r' });
  });

  test('a violation fails synthesis, as cdk synth does', () => {
    expect(result.failed).toBe(true);
  });

  test('a compliant task definition and function get no annotation', () => {
    expect(at(result.errors, 'Test/Good/Resource')).toEqual([]);
    expect(at(result.errors, 'Test/GoodFn/Resource')).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test('a Docker Hub container gets one error naming the container, the image and the rule', () => {
    const messages = at(result.errors, 'Test/Bad/Resource');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^Image policy: ECS task definition container "proxy" uses image "nginx:1.19.2", which breaks rule ALLOWED_PREFIX: .*docker.io\/library\/nginx:1.19.2/);
  });

  test('Lambda functions from another registry get an error, L2 and L1 alike', () => {
    expect(at(result.errors, 'Test/BadFn/Resource')).toEqual([expect.stringMatching(
      /Lambda function image uses image "222222222222.dkr.ecr.us-west-2.amazonaws.com\/x:v1", which breaks rule ALLOWED_PREFIX/)]);
    expect(at(result.errors, 'Test/L1Fn')).toEqual([expect.stringMatching(/"public.ecr.aws\/lambda\/nodejs:22", which breaks rule ALLOWED_PREFIX/)]);
    expect(result.errors).toHaveLength(3);
  });
});

describe('ImagePolicyChecker with repositories of the app', () => {
  const build = (stack: Stack) => {
    const repo = new GuardedRepository(stack, 'Repo');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('tagged', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    new lambda.DockerImageFunction(stack, 'Pinned', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: DIGEST }) });
  };

  test('a GuardedRepository image passes when the policy allows its registry, though its name is generated', () => {
    const result = check(build);
    expect(result).toEqual({ failed: false, errors: [], warnings: [] });
  });

  test('its registry is known: a policy allowing another registry rejects it', () => {
    const result = check(build, {}, new ImagePolicy({ allowedPrefixes: ['222222222222.dkr.ecr.us-east-1.amazonaws.com'] }));
    expect(at(result.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(
      /uses image "111111111111.dkr.ecr.us-east-1.amazonaws.com\/\$\{Ref Repo\w+\}:v1", which breaks rule ALLOWED_PREFIX/)]);
    expect(at(result.errors, 'Test/Pinned/Resource')).toEqual([expect.stringMatching(/breaks rule ALLOWED_PREFIX/)]);
  });

  test('digest pinning is decided: the tag fails, the digest passes', () => {
    const result = check(build, {}, new ImagePolicy({ allowedPrefixes: [REGISTRY], requireDigest: true }));
    expect(at(result.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(/container "tagged" uses image .*:v1", which breaks rule DIGEST_PINNING/)]);
    expect(at(result.errors, 'Test/Pinned/Resource')).toEqual([]);
  });

  test('a naming rule on a generated name cannot be decided: a warning, or an error with failOnUnresolved', () => {
    const policy = new ImagePolicy({ allowedPrefixes: [REGISTRY], namingPattern: 'team/.+' });
    const warned = check(build, {}, policy);
    expect(warned.failed).toBe(false);
    expect(warned.errors).toEqual([]);
    expect(at(warned.warnings, 'Test/Task/Resource')).toEqual([expect.stringMatching(
      new RegExp(`so rule NAMING cannot be checked at synth time.*\\[ack: ${UNRESOLVED}\\]`))]);
    const failed = check(build, { failOnUnresolved: true }, policy);
    expect(failed.failed).toBe(true);
    expect(at(failed.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(/so rule NAMING cannot be checked at synth time.*failOnUnresolved is set/)]);
  });

  test('a repository with a literal name is checked in full, naming rule included', () => {
    const result = check((stack) => {
      const repo = new ecr.Repository(stack, 'Named', { repositoryName: 'other/app' });
      new ecs.FargateTaskDefinition(stack, 'Task').addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    }, {}, new ImagePolicy({ allowedPrefixes: [REGISTRY], namingPattern: 'team/.+' }));
    expect(at(result.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(
      /uses image "111111111111.dkr.ecr.us-east-1.amazonaws.com\/other\/app:v1", which breaks rule NAMING/)]);
  });
});

describe('ImagePolicyChecker with Docker image assets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-asset-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  const build = (stack: Stack) => {
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('app', { image: ecs.ContainerImage.fromAsset(dir) });
  };

  test('an asset image lives in the bootstrap registry of the stack: it passes when that registry is allowed', () => {
    expect(check(build)).toEqual({ failed: false, errors: [], warnings: [] });
  });

  test('and fails a policy allowing only another registry', () => {
    const result = check(build, {}, new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/team/'] }));
    expect(at(result.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(
      /uses image "111111111111.dkr.ecr.us-east-1.amazonaws.com\/cdk-hnb659fds-container-assets-111111111111-us-east-1:[0-9a-f]{64}", which breaks rule ALLOWED_PREFIX/)]);
  });
});

describe('ImagePolicyChecker with images known only at deploy time', () => {
  const build = (stack: Stack) => {
    const image = new CfnParameter(stack, 'Image', { type: 'String' });
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('app', { image: ecs.ContainerImage.fromRegistry(image.valueAsString) });
    const tag = new CfnParameter(stack, 'Tag', { type: 'String' });
    new ecs.FargateTaskDefinition(stack, 'Tagged').addContainer('app', { image: ecs.ContainerImage.fromRegistry(`docker.io/library/nginx:${tag.valueAsString}`) });
    // Strictly undecided: a tag "5000/x" would make "nginx:5000" a registry host.
    new ecs.FargateTaskDefinition(stack, 'Short').addContainer('app', { image: ecs.ContainerImage.fromRegistry(`nginx:${tag.valueAsString}`) });
  };

  test('a parameter image gets a warning; a Docker Hub image with a parameter tag still fails', () => {
    const result = check(build);
    expect(at(result.warnings, 'Test/Task/Resource')).toEqual([expect.stringMatching(
      /uses image "\$\{Ref Image\}", part of which is known only at deploy time, so rule ALLOWED_PREFIX cannot be checked/)]);
    expect(at(result.errors, 'Test/Tagged/Resource')).toEqual([expect.stringMatching(/uses image "docker.io\/library\/nginx:\$\{Ref Tag\}", which breaks rule ALLOWED_PREFIX/)]);
    expect(at(result.warnings, 'Test/Short/Resource')).toEqual([expect.stringMatching(/uses image "nginx:\$\{Ref Tag\}", part of which/)]);
  });

  test('failOnUnresolved turns the warning into an error', () => {
    const result = check(build, { failOnUnresolved: true });
    expect(at(result.errors, 'Test/Task/Resource')).toEqual([expect.stringMatching(/\$\{Ref Image\}.*failOnUnresolved is set/)]);
    expect(at(result.errors, 'Test/Short/Resource')).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  test('an environment-agnostic stack leaves the registry of its repositories undecided', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    const repo = new ecr.Repository(stack, 'Repo', { repositoryName: 'team/app' });
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    Aspects.of(stack).add(new ImagePolicyChecker({ policy: new ImagePolicy({ allowedPrefixes: [REGISTRY] }) }));
    const result = synth(app);
    expect(at(result.warnings, 'Agnostic/Task/Resource')).toEqual([expect.stringMatching(
      /uses image "\$\{AWS::AccountId\}.dkr.ecr.\$\{AWS::Region\}.*team\/app:v1".*rule ALLOWED_PREFIX cannot be checked/)]);
  });
});

describe('ImagePolicyChecker on Batch, SageMaker and App Runner', () => {
  const result = check((stack) => {
    new batch.EcsJobDefinition(stack, 'Job', {
      container: new batch.EcsEc2ContainerDefinition(stack, 'JobContainer', {
        image: ecs.ContainerImage.fromRegistry('busybox:1'), cpu: 1, memory: Size.mebibytes(512),
      }),
    });
    new sagemaker.CfnModel(stack, 'Model', {
      executionRoleArn: 'arn:aws:iam::111111111111:role/sm',
      primaryContainer: { image: `${REGISTRY}models/a:v1` },
      containers: [{ image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1' }],
    });
    new apprunner.CfnService(stack, 'Service', {
      sourceConfiguration: { imageRepository: { imageIdentifier: 'public.ecr.aws/aws-containers/hello-app-runner:latest', imageRepositoryType: 'ECR_PUBLIC' } },
    });
  });

  test('each resource type reports its images', () => {
    expect(at(result.errors, 'Test/Job/Resource')).toEqual([expect.stringMatching(/Batch job definition container uses image "busybox:1", which breaks rule ALLOWED_PREFIX/)]);
    expect(at(result.errors, 'Test/Model')).toEqual([expect.stringMatching(/SageMaker model container #0 uses image "763104351884.*", which breaks rule ALLOWED_PREFIX/)]);
    expect(at(result.errors, 'Test/Service')).toEqual([expect.stringMatching(/App Runner service image uses image "public.ecr.aws\/aws-containers\/hello-app-runner:latest"/)]);
  });
});

describe('ImagePolicyChecker.checkedResourceTypes', () => {
  test('lists the resource types checked', () => {
    expect(ImagePolicyChecker.checkedResourceTypes()).toEqual([
      'AWS::ECS::TaskDefinition', 'AWS::Lambda::Function', 'AWS::Batch::JobDefinition', 'AWS::SageMaker::Model', 'AWS::AppRunner::Service',
    ]);
  });

  test('is a copy: changing it changes nothing the checker does', () => {
    const types = ImagePolicyChecker.checkedResourceTypes();
    types.length = 0;
    expect(types).toHaveLength(0);
    expect(ImagePolicyChecker.checkedResourceTypes()).toHaveLength(5);
  });
});

describe('ImagePolicyChecker validation', () => {
  test('a missing policy throws', () => {
    expect(() => new ImagePolicyChecker({} as ImagePolicyCheckerProps)).toThrow(/policy is missing: expected an ImagePolicy/);
  });
});
