import { CfnResource, Size, Stack, StackProps, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { GuardedRepository, GuardedRepositoryProps } from './guarded-repository';
import { templateBytesOf } from './private/template-size';

/** CloudFormation's limit on the resources of one stack. */
const STACK_RESOURCE_LIMIT = 500;
/** CloudFormation's limit on a template uploaded through S3 (how the CDK deploys templates over 50 KB), as the CDK checks it. */
const TEMPLATE_BYTES_LIMIT = 1_000_000;
/** Default resource budget: room left for what the app adds to the stacks later (grants, outputs, CDK metadata). */
const DEFAULT_MAX_RESOURCES = 450;
/** Default template budget: under the 800,000 characters (80% of the limit) where the CDK starts warning. */
const DEFAULT_MAX_TEMPLATE_BYTES = 760 * 1024;

/** One repository of a `GuardedRepositoryFleet`: the construct id plus the usual repository and guard props. */
export interface FleetRepositoryProps extends GuardedRepositoryProps {
  /**
   * Construct id of the repository, unique in the fleet. Construct ids are a contract:
   * changing one replaces the repository. The stack a repository lands in is part of its
   * identity too, so append new repositories at the end of the list and never reorder it.
   *
   * @default - `repositoryName` with each `/` replaced by `+` (a character ECR names never
   *   contain); required when `repositoryName` is not set or is a token
   */
  readonly id?: string;
}

/** Makes the stacks of a `GuardedRepositoryFleet`, for example to set their names, environment or synthesizer. */
export interface IFleetStackFactory {
  /**
   * Creates the stack with the given index (0 for the first one).
   *
   * @param scope the fleet; create the stack inside it, or anywhere in the same app
   * @param id the construct id the fleet proposes, such as `Stack1`
   * @param index position of the stack in the fleet, from 0
   */
  createStack(scope: Construct, id: string, index: number): Stack;
}

/** Properties of a `GuardedRepositoryFleet`. */
export interface GuardedRepositoryFleetProps {
  /**
   * The repositories, in a stable order. More can be added with `addRepository`.
   *
   * @default - none
   */
  readonly repositories?: FleetRepositoryProps[];

  /**
   * Most CloudFormation resources the fleet puts into one stack, counting what the stack
   * factory already put there. CloudFormation allows 500; the margin leaves room for what the
   * app adds later. A guarded repository is one resource.
   *
   * @default 450
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
   */
  readonly maxResourcesPerStack?: number;

  /**
   * Most template bytes the fleet's repositories take in one stack, as the CDK writes the
   * template (indented JSON). CloudFormation accepts templates of up to 1 MB through S3, and
   * the CDK warns above 800,000 characters. A repository with a few exemptions takes about
   * 1.9 KB; long exemption lists take more.
   *
   * @default Size.kibibytes(760)
   */
  readonly maxTemplateSizePerStack?: Size;

  /**
   * A fixed number of repositories per stack: repository i goes to stack i / n, whatever its
   * size, so changing a repository's exemptions never moves others to another stack. Placement
   * then fails (naming this prop) instead of splitting when a stack would go over a budget.
   *
   * @default - as many as the budgets allow; a repository that grows (more exemptions) can then
   *   move the repositories after it to the next stack, which replaces them
   */
  readonly repositoriesPerStack?: number;

  /**
   * Makes each stack.
   *
   * @default - `new Stack(fleet, 'Stack<n>', stackProps)`, n counting from 1
   */
  readonly stackFactory?: IFleetStackFactory;

  /**
   * Props of the stacks the default factory creates. Ignored with `stackFactory`.
   *
   * @default - no props: the stacks inherit the environment of the app
   */
  readonly stackProps?: StackProps;
}

interface StackLoad {
  readonly stack: Stack;
  resources: number;
  bytes: number;
}

/**
 * Spreads many `GuardedRepository`s over as many stacks as needed, so that no stack
 * goes over a resource budget (default 450 of CloudFormation's 500) or a template-size
 * budget (default 760 KiB of the 1 MB limit, below the size where the CDK warns).
 *
 * Repositories fill the stacks in the order given; a new stack opens when the next
 * repository would go over a budget. Keep the order stable and append new repositories at
 * the end: moving a repository to another stack replaces it.
 *
 * @example
 * import { App } from 'aws-cdk-lib';
 * import { GuardedRepositoryFleet } from 'cdk-ecr-scan-guard';
 *
 * const app = new App();
 * new GuardedRepositoryFleet(app, 'Repositories', {
 *   stackProps: { env: { account: '111111111111', region: 'us-east-1' } },
 *   repositories: [
 *     { repositoryName: 'team-a/api', allowedVpcIds: ['vpc-0abc1234def567890'] },
 *     { repositoryName: 'team-b/web', allowedVpcIds: ['vpc-0abc1234def567890'] },
 *   ],
 * });
 */
export class GuardedRepositoryFleet extends Construct {
  /** Resource budget per stack in force. */
  public readonly maxResourcesPerStack: number;
  /** Template-size budget per stack in force, in bytes. */
  public readonly maxTemplateBytesPerStack: number;

  private readonly loads: StackLoad[] = [];
  private readonly repos: GuardedRepository[] = [];
  private readonly ids = new Map<string, number>();
  private readonly perStack?: number;
  private readonly factory?: IFleetStackFactory;
  private readonly stackProps?: StackProps;
  /** Largest cost of one repository seen so far: the forecast for the next one. */
  private forecast = { resources: 1, bytes: 0 };

  constructor(scope: Construct, id: string, props: GuardedRepositoryFleetProps = {}) {
    super(scope, id);
    const maxResources = props.maxResourcesPerStack ?? DEFAULT_MAX_RESOURCES;
    if (!Number.isInteger(maxResources) || maxResources < 1 || maxResources > STACK_RESOURCE_LIMIT) {
      throw new Error(`maxResourcesPerStack is ${maxResources}: expected a whole number from 1 to ${STACK_RESOURCE_LIMIT} `
        + `(CloudFormation's limit per stack); the default ${DEFAULT_MAX_RESOURCES} leaves room for resources added later.`);
    }
    const size = props.maxTemplateSizePerStack;
    const maxBytes = size === undefined ? DEFAULT_MAX_TEMPLATE_BYTES : size.toBytes();
    if (!Number.isInteger(maxBytes) || maxBytes < 10_240 || maxBytes > TEMPLATE_BYTES_LIMIT) {
      throw new Error(`maxTemplateSizePerStack is ${maxBytes} bytes: expected from 10 KiB to ${TEMPLATE_BYTES_LIMIT} bytes `
        + '(the largest template CloudFormation accepts); for example Size.kibibytes(760).');
    }
    const perStack = props.repositoriesPerStack;
    if (perStack !== undefined && (!Number.isInteger(perStack) || perStack < 1 || perStack > STACK_RESOURCE_LIMIT)) {
      throw new Error(`repositoriesPerStack is ${perStack}: expected a whole number from 1 to ${STACK_RESOURCE_LIMIT}, `
        + 'or no value to fill each stack as far as the budgets allow.');
    }
    this.perStack = perStack;
    this.maxResourcesPerStack = maxResources;
    this.maxTemplateBytesPerStack = maxBytes;
    this.factory = props.stackFactory;
    this.stackProps = props.stackProps;
    (props.repositories ?? []).forEach((repo, index) => this.place(repo, `repositories[${index}]`));
  }

  /** The stacks created so far, in order. */
  public get stacks(): Stack[] {
    return this.loads.map((l) => l.stack);
  }

  /** Every repository of the fleet, in the order added. */
  public get repositories(): GuardedRepository[] {
    return [...this.repos];
  }

  /**
   * Adds a repository at the end of the fleet, in the last stack or in a new one when the
   * last stack is full.
   *
   * @param props the repository's construct id and `GuardedRepository` props
   */
  public addRepository(props: FleetRepositoryProps): GuardedRepository {
    return this.place(props, `addRepository(#${this.repos.length})`);
  }

  /**
   * The repository with the given construct id, or undefined.
   *
   * @param id the construct id given in `repositories` or `addRepository`
   */
  public tryFindRepository(id: string): GuardedRepository | undefined {
    const index = this.ids.get(id);
    return index === undefined ? undefined : this.repos[index];
  }

  private place(props: FleetRepositoryProps, where: string): GuardedRepository {
    const id = this.repositoryId(props, where);
    let load = this.loads[this.loads.length - 1];
    if (this.perStack !== undefined) {
      if (!load || this.repos.length % this.perStack === 0) load = this.openStack();
    } else if (!load || !this.fits(load)) {
      load = this.openStack();
      if (!this.fits(load)) {
        throw new Error(`${where}: the stack factory returned stack ${load.stack.node.path} already holding ${load.resources} resources `
          + `(${load.bytes} template bytes), so not even one repository fits in maxResourcesPerStack ${this.maxResourcesPerStack} `
          + `/ maxTemplateSizePerStack ${this.maxTemplateBytesPerStack} bytes: return an emptier stack or raise the budget.`);
      }
    }
    const { id: _id, ...repositoryProps } = props;
    const repository = new GuardedRepository(load.stack, id, repositoryProps);
    const cost = { resources: cfnResources(repository).length, bytes: bytesOf(repository) };
    load.resources += cost.resources;
    load.bytes += cost.bytes;
    if (this.perStack !== undefined && (load.resources > this.maxResourcesPerStack || load.bytes > this.maxTemplateBytesPerStack)) {
      throw new Error(`${where}: repositoriesPerStack is ${this.perStack}, but stack ${load.stack.node.path} would hold ${load.resources} resources `
        + `and ${load.bytes} template bytes, over maxResourcesPerStack ${this.maxResourcesPerStack} or maxTemplateSizePerStack `
        + `${this.maxTemplateBytesPerStack} bytes: lower repositoriesPerStack (this moves repositories of deployed stacks), `
        + 'raise a budget, or leave repositoriesPerStack unset to split by the budgets.');
    }
    this.forecast = {
      resources: Math.max(this.forecast.resources, cost.resources),
      bytes: Math.max(this.forecast.bytes, cost.bytes),
    };
    this.ids.set(id, this.repos.length);
    this.repos.push(repository);
    return repository;
  }

  private fits(load: StackLoad): boolean {
    return load.resources + this.forecast.resources <= this.maxResourcesPerStack
      && load.bytes + this.forecast.bytes <= this.maxTemplateBytesPerStack;
  }

  private repositoryId(props: FleetRepositoryProps, where: string): string {
    let id = props.id;
    if (id === undefined) {
      if (props.repositoryName === undefined || Token.isUnresolved(props.repositoryName)) {
        throw new Error(`${where}.id is missing: give each repository an id when its repositoryName is not set or is a token `
          + '(for example { id: \'App\', ... }).');
      }
      id = props.repositoryName.split('/').join('+');
    }
    if (id === '' || id.includes('/')) {
      throw new Error(`${where}.id is ${JSON.stringify(id)}: expected a non-empty construct id without "/".`);
    }
    const previous = this.ids.get(id);
    if (previous !== undefined) {
      throw new Error(`${where}.id is ${JSON.stringify(id)}, already the id of repository #${previous} of the fleet: `
        + 'give each repository a unique id (ids must be unique across all the fleet\'s stacks).');
    }
    return id;
  }

  private openStack(): StackLoad {
    const index = this.loads.length;
    const proposed = `Stack${index + 1}`;
    const stack = this.factory ? this.factory.createStack(this, proposed, index) : new Stack(this, proposed, this.stackProps);
    if (!Stack.isStack(stack)) {
      throw new Error(`stackFactory.createStack(${index}) returned ${String(stack)}: expected a new Stack.`);
    }
    if (this.loads.some((l) => l.stack === stack)) {
      throw new Error(`stackFactory.createStack(${index}) returned stack ${stack.node.path} again: expected a new Stack for each call.`);
    }
    const existing = cfnResources(stack);
    const load = { stack, resources: existing.length, bytes: existing.reduce((sum, r) => sum + templateBytesOf(r), 0) };
    this.loads.push(load);
    return load;
  }
}

function cfnResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

function bytesOf(scope: IConstruct): number {
  return cfnResources(scope).reduce((sum, r) => sum + templateBytesOf(r), 0);
}
