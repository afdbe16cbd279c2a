import { Annotations, CfnResource, IAspect, Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { ImagePolicy } from './image-policy';
import { checkImageParts, ImageParts, PolicyConfig, UnknownPart } from './private/image-reference';

/** Properties of an `ImagePolicyChecker`. */
export interface ImagePolicyCheckerProps {
  /** The policy every container image of the app must follow. */
  readonly policy: ImagePolicy;

  /**
   * Report an image that cannot be checked at synth time (part of it is known only at deploy
   * time, such as a CloudFormation parameter or a repository without a literal name when the
   * naming rule applies) as an error instead of a warning.
   *
   * @default false - such images get a warning, and `DeployedImageMonitor` checks them at run time
   */
  readonly failOnUnresolved?: boolean;
}

/** One image found in a resource: where it is (for messages) and its resolved CloudFormation value. */
interface FoundImage {
  readonly where: string;
  readonly value: unknown;
}

type Extractor = (properties: any) => FoundImage[];

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const named = (kind: string, container: any, index: number): string =>
  `${kind} ${typeof container?.Name === 'string' ? JSON.stringify(container.Name) : `#${index}`}`;
const containers = (kind: string, items: unknown, path: string): FoundImage[] =>
  list(items).filter((c) => c?.Image !== undefined).map((c, i) => ({ where: `${path} ${named(kind, c, i)}`, value: c.Image }));

/**
 * The resource types whose container images are checked, and where their images are. Each
 * takes the resolved CloudFormation properties.
 */
const EXTRACTORS: Record<string, Extractor> = {
  'AWS::ECS::TaskDefinition': (p) => containers('container', p?.ContainerDefinitions, 'ECS task definition'),
  'AWS::Lambda::Function': (p) => (p?.Code?.ImageUri !== undefined ? [{ where: 'Lambda function image', value: p.Code.ImageUri }] : []),
  'AWS::Batch::JobDefinition': (p) => [
    ...(p?.ContainerProperties?.Image !== undefined ? [{ where: 'Batch job definition container', value: p.ContainerProperties.Image }] : []),
    ...list(p?.NodeProperties?.NodeRangeProperties).flatMap((range: any, i: number) => [
      ...(range?.Container?.Image !== undefined ? [{ where: `Batch job definition node range #${i} container`, value: range.Container.Image }] : []),
      ...list(range?.EcsProperties?.TaskProperties).flatMap((t: any) => containers('container', t?.Containers, `Batch job definition node range #${i}`)),
    ]),
    ...list(p?.EcsProperties?.TaskProperties).flatMap((t: any) => containers('container', t?.Containers, 'Batch job definition ECS task')),
    ...containers('container', p?.EksProperties?.PodProperties?.Containers, 'Batch job definition EKS pod'),
    ...containers('init container', p?.EksProperties?.PodProperties?.InitContainers, 'Batch job definition EKS pod'),
  ],
  'AWS::SageMaker::Model': (p) => [
    ...(p?.PrimaryContainer?.Image !== undefined ? [{ where: 'SageMaker model primary container', value: p.PrimaryContainer.Image }] : []),
    ...list(p?.Containers).filter((c: any) => c?.Image !== undefined)
      .map((c: any, i: number) => ({ where: `SageMaker model container #${i}`, value: c.Image })),
  ],
  'AWS::AppRunner::Service': (p) => {
    const repo = p?.SourceConfiguration?.ImageRepository;
    return repo?.ImageIdentifier !== undefined ? [{ where: 'App Runner service image', value: repo.ImageIdentifier }] : [];
  },
};

/**
 * An Aspect that checks every container image an app defines against an `ImagePolicy`:
 * ECS task definitions (`ContainerDefinitions[].Image`), Lambda functions built from a container
 * image (`Code.ImageUri`), AWS Batch job definitions (container, multi-node, ECS and EKS
 * properties), SageMaker models (`PrimaryContainer` and `Containers`) and App Runner services
 * (`ImageRepository.ImageIdentifier`). Escape-hatch overrides are seen, as the template has them.
 *
 * A violation is an error annotation on the resource that names the image and the rule, so
 * `cdk synth` and `cdk deploy` fail.
 *
 * Images are checked as CloudFormation will see them. Parts known at synth time are filled in:
 * the stack's account, region, partition and URL suffix (with an explicit `env`), and the name
 * and registry of ECR repositories (such as a `GuardedRepository`) in the same stack, so
 * `ContainerImage.fromEcrRepository(repo)` passes when the policy allows the repository's
 * registry. A rule that depends on a part known only at deploy time (a CloudFormation
 * parameter, an import from another stack, a generated repository name under a naming rule,
 * the account of an environment-agnostic stack) cannot be decided: such an image gets a warning
 * (`cdk-ecr-scan-guard:imagePolicyUnresolvedImage`), or an error with `failOnUnresolved`. A rule
 * broken whatever the deploy-time parts turn out to be is an error all the same.
 *
 * @example
 * import { App, AspectPriority, Aspects } from 'aws-cdk-lib';
 * import { ImagePolicy, ImagePolicyChecker } from 'cdk-ecr-scan-guard';
 *
 * const app = new App();
 * const policy = new ImagePolicy({ allowedPrefixes: [ImagePolicy.ecrRegistry('111111111111', 'us-east-1')] });
 * Aspects.of(app).add(new ImagePolicyChecker({ policy }), { priority: AspectPriority.READONLY });
 */
export class ImagePolicyChecker implements IAspect {
  /** The CloudFormation resource types whose container images are checked (a new copy on every call). */
  public static checkedResourceTypes(): string[] {
    return Object.keys(EXTRACTORS);
  }

  private readonly config: PolicyConfig;
  private readonly failOnUnresolved: boolean;
  private readonly visited = new WeakSet<IConstruct>();

  constructor(props: ImagePolicyCheckerProps) {
    if (!props?.policy || typeof props.policy.toJson !== 'function') {
      throw new Error('policy is missing: expected an ImagePolicy, such as new ImagePolicy({ allowedPrefixes: [...] }).');
    }
    this.config = JSON.parse(props.policy.toJson());
    this.failOnUnresolved = props.failOnUnresolved ?? false;
  }

  /**
   * Checks the images of `node` when it is a resource that defines container images.
   *
   * @param node the construct the aspect visits
   */
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || this.visited.has(node)) return;
    const extract = EXTRACTORS[node.cfnResourceType];
    if (!extract) return;
    this.visited.add(node);
    const stack = Stack.of(node);
    // The resource as the template will have it (escape-hatch overrides included), with every
    // token resolved to its CloudFormation form, which the Evaluator then reads.
    const rendered = stack.resolve((node as unknown as { _toCloudFormation(): any })._toCloudFormation());
    const resource: any = Object.values(rendered?.Resources ?? {})[0];
    const evaluator = new Evaluator(stack);
    for (const image of extract(resource?.Properties ?? {})) {
      const parts = evaluator.evaluate(image.value);
      const verdict = checkImageParts(this.config, parts);
      if (verdict.violation) {
        Annotations.of(node).addError(`Image policy: ${image.where} uses image "${verdict.shown}", which breaks rule `
          + `${verdict.violation.rule}: ${verdict.violation.reason}`);
      } else if (verdict.undecided.length) {
        const message = `Image policy: ${image.where} uses image "${verdict.shown}", part of which is known only at deploy time, `
          + `so rule ${verdict.undecided.join(' and ')} cannot be checked at synth time. Use literal values (an explicit stack env, `
          + 'a repository with a literal repositoryName) to check it now; DeployedImageMonitor checks the images ECS tasks run.';
        if (this.failOnUnresolved) {
          Annotations.of(node).addError(`${message} (failOnUnresolved is set)`);
        } else {
          Annotations.of(node).addWarningV2('cdk-ecr-scan-guard:imagePolicyUnresolvedImage', message);
        }
      }
    }
  }
}

const ECR_REPOSITORY = 'AWS::ECR::Repository';
const PSEUDO = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::URLSuffix']);

/**
 * Evaluates resolved CloudFormation values into image parts: literal text where the value is
 * known at synth time, unknown parts elsewhere.
 */
class Evaluator {
  private repositories?: Map<string, string | undefined>;
  private readonly account?: string;
  private readonly region?: string;

  constructor(private readonly stack: Stack) {
    this.account = Token.isUnresolved(stack.account) ? undefined : stack.account;
    this.region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  }

  public evaluate(value: unknown): ImageParts {
    return merge(this.parts(value));
  }

  private parts(value: unknown): ImageParts {
    if (typeof value === 'string') return [value];
    if (typeof value === 'number') return [String(value)];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1) {
        const arg = (value as any)[keys[0]];
        switch (keys[0]) {
          case 'Ref': return this.ref(arg);
          case 'Fn::GetAtt': return Array.isArray(arg) ? this.getAtt(arg[0], arg[1]) : [unknown('Fn::GetAtt')];
          case 'Fn::Join': return this.join(arg);
          case 'Fn::Select': return this.select(arg);
          case 'Fn::Sub': return this.sub(arg);
        }
        return [unknown(keys[0])];
      }
    }
    return [unknown('a value')];
  }

  private ref(name: unknown): ImageParts {
    if (typeof name !== 'string') return [unknown('Ref')];
    const region = this.region ? RegionInfo.get(this.region) : undefined;
    const known: Record<string, string | undefined> = {
      'AWS::AccountId': this.account,
      'AWS::Region': this.region,
      'AWS::Partition': region?.partition,
      'AWS::URLSuffix': region?.domainSuffix,
    };
    if (name in known) return [known[name] ?? unknown(name)];
    const repositories = this.ecrRepositories();
    if (repositories.has(name)) return [repositories.get(name) ?? unknown(`Ref ${name}`, 'name')];
    return [unknown(`Ref ${name}`)];
  }

  private getAtt(id: unknown, attribute: unknown): ImageParts {
    const what = `${String(id)}.${String(attribute)}`;
    if (typeof id !== 'string' || !this.ecrRepositories().has(id)) return [unknown(what)];
    const name = this.ref(id);
    if (attribute === 'Arn') {
      return [...this.ref('AWS::Partition').flatMap((p) => ['arn:', p]), ':ecr:', ...this.ref('AWS::Region'), ':',
        ...this.ref('AWS::AccountId'), ':repository/', ...name];
    }
    if (attribute === 'RepositoryUri') {
      return [...this.ref('AWS::AccountId'), '.dkr.ecr.', ...this.ref('AWS::Region'), '.', ...this.ref('AWS::URLSuffix'), '/', ...name];
    }
    return [unknown(what)];
  }

  private join(arg: unknown): ImageParts {
    if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) return [unknown('Fn::Join')];
    return arg[1].flatMap((item: unknown, i: number) => (i === 0 ? this.parts(item) : [arg[0], ...this.parts(item)]));
  }

  private select(arg: unknown): ImageParts {
    if (!Array.isArray(arg) || typeof arg[0] !== 'number' && typeof arg[0] !== 'string') return [unknown('Fn::Select')];
    const index = Number(arg[0]);
    const source = arg[1];
    const split = source && typeof source === 'object' && !Array.isArray(source) ? (source as any)['Fn::Split'] : undefined;
    if (!Array.isArray(split) || typeof split[0] !== 'string') return [unknown('Fn::Select')];
    const delimiter: string = split[0];
    // Split across unknown parts that cannot hold the delimiter (pseudo parameters and repository
    // names hold no ":"); after any other unknown part, segment boundaries are unknown.
    const segments: ImageParts[] = [[]];
    let complete = true;
    for (const part of merge(this.parts(split[1]))) {
      if (typeof part === 'string') {
        const pieces = part.split(delimiter);
        segments[segments.length - 1].push(pieces[0]);
        for (const piece of pieces.slice(1)) segments.push([piece]);
      } else {
        segments[segments.length - 1].push(part);
        if (!(delimiter === ':' && (part.kind === 'name' || PSEUDO.has(part.what)))) {
          complete = false;
          break;
        }
      }
    }
    const known = complete ? segments.length : segments.length - 1;
    return index < known ? merge(segments[index]) : [unknown('Fn::Select')];
  }

  private sub(arg: unknown): ImageParts {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
    if (typeof text !== 'string') return [unknown('Fn::Sub')];
    const out: ImageParts = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      out.push(text.slice(last, match.index));
      last = match.index! + match[0].length;
      const name = match[1];
      if (name.startsWith('!')) out.push(`\${${name.slice(1)}}`);
      else if (name in vars) out.push(...this.parts(vars[name]));
      else if (name.includes('.')) out.push(...this.getAtt(name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)));
      else out.push(...this.ref(name));
    }
    out.push(text.slice(last));
    return out;
  }

  /** The ECR repositories of the stack: logical id to literal name (undefined when generated or a token). */
  private ecrRepositories(): Map<string, string | undefined> {
    if (!this.repositories) {
      this.repositories = new Map();
      for (const c of this.stack.node.findAll()) {
        if (!CfnResource.isCfnResource(c) || c.cfnResourceType !== ECR_REPOSITORY || Stack.of(c) !== this.stack) continue;
        const name = (c as unknown as { repositoryName?: string }).repositoryName;
        this.repositories.set(this.stack.resolve(c.logicalId), typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined);
      }
    }
    return this.repositories;
  }
}

function unknown(what: string, kind: UnknownPart['kind'] = 'any'): UnknownPart {
  return { what, kind };
}

/** Joins adjacent literal parts and drops empty ones. */
function merge(parts: ImageParts): ImageParts {
  const out: ImageParts = [];
  for (const part of parts) {
    if (part === '') continue;
    const last = out[out.length - 1];
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part;
    else out.push(part);
  }
  return out;
}
