import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { checkImage, namingRegExp, normalisePrefix, PolicyConfig } from './private/image-reference';

/** The rules of an `ImagePolicy`, in the order they are checked. */
export enum ImagePolicyRule {
  /** The image must be a well-formed reference (`registry/path[:tag][@sha256:digest]`). */
  REFERENCE_FORMAT = 'REFERENCE_FORMAT',
  /**
   * The image must start with one of the allowed prefixes. A reference with a digest is judged
   * by its repository and digest, never by its tag.
   */
  ALLOWED_PREFIX = 'ALLOWED_PREFIX',
  /** The image must not start with a rejected prefix (such as a pull-through cache namespace). */
  REJECTED_PREFIX = 'REJECTED_PREFIX',
  /** The repository path must match the naming pattern. */
  NAMING = 'NAMING',
  /** The image must be pinned to a digest (`@sha256:...`). */
  DIGEST_PINNING = 'DIGEST_PINNING',
}

/** The outcome of `ImagePolicy.check`. */
export interface ImagePolicyVerdict {
  /** Whether the policy allows the image. */
  readonly allowed: boolean;

  /**
   * The first rule the image breaks.
   *
   * @default - none: the image is allowed
   */
  readonly rule?: ImagePolicyRule;

  /** Why the image is allowed or not, naming the image and the rule. */
  readonly reason: string;
}

/** Properties of an `ImagePolicy`. */
export interface ImagePolicyProps {
  /**
   * Where images may come from. An image is allowed when its full reference (Docker Hub short
   * names are expanded: `nginx:1.19.2` is `docker.io/library/nginx:1.19.2`) starts with one of
   * these prefixes, read by how they end:
   * - `111111111111.dkr.ecr.us-west-2.amazonaws.com/`: any image of that registry. A registry
   *   written without the trailing `/` gets it added, so
   *   `111111111111.dkr.ecr.us-west-2.amazonaws.com.evil.example/x` never matches;
   * - `111111111111.dkr.ecr.us-west-2.amazonaws.com/team/`: any repository under `team/`;
   * - `111111111111.dkr.ecr.us-west-2.amazonaws.com/team/app`: exactly that repository, any tag or digest
   *   (not `team/app-other`, not `team/app/sub`);
   * - `111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/nginx:`: every tag of `nginx`;
   *   `.../nginx:1.19` only the tags starting with `1.19`. A tag prefix never matches a
   *   reference with a digest (`nginx:1.19.2@sha256:...`): the runtime pulls the digest, so such a
   *   reference is judged by its repository and digest alone. Allow the repository to accept it.
   *
   * A registry prefix also admits its pull-through cache namespaces
   * (`<registry>/docker-hub/library/nginx`: images of a public registry, cached): list them in
   * `rejectedPrefixes` to keep them out.
   *
   * Prefixes must be literal strings (the Aspect compares them at synth time). Use
   * `ImagePolicy.ecrRegistry` or `ImagePolicy.ecrRegistryOf` for ECR registries.
   */
  readonly allowedPrefixes: string[];

  /**
   * Prefixes that reject an image even though an allowed prefix admits it, written like
   * `allowedPrefixes`: typically the pull-through cache namespaces of an allowed registry
   * (`ImagePolicy.pullThroughCachePrefix(account, region, 'docker-hub')`), whose images come from
   * a public registry.
   *
   * @default - no rejected prefix
   */
  readonly rejectedPrefixes?: string[];

  /**
   * A regular expression (JavaScript syntax) that every repository path must match as a whole
   * (it is anchored: `^(?:pattern)$`). The repository path is the reference without registry,
   * tag and digest: `team/app` in `111111111111.dkr.ecr.us-west-2.amazonaws.com/team/app:v1`,
   * `library/nginx` for Docker Hub's `nginx`.
   *
   * @default - no naming rule
   */
  readonly namingPattern?: string;

  /**
   * Require every image to be pinned to a digest (`...@sha256:<64 hex digits>`), so the image
   * that runs is the image that was scanned, whatever happens to its tag.
   *
   * @default false
   */
  readonly requireDigest?: boolean;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/**
 * One description of which container images may run: allowed registry prefixes, an optional
 * naming rule on the repository path, and an optional digest-pinning requirement.
 *
 * `check` is pure: use it in your own tests. `ImagePolicyChecker` checks the
 * images an app defines at synth time; `DeployedImageMonitor` checks the images ECS
 * tasks actually run.
 *
 * @example
 * import { ImagePolicy } from 'cdk-ecr-scan-guard';
 *
 * const policy = new ImagePolicy({
 *   allowedPrefixes: [ImagePolicy.ecrRegistry('111111111111', 'us-west-2')],
 *   namingPattern: '(team-a|team-b)/[a-z0-9-]+',
 *   requireDigest: true,
 * });
 * policy.check('nginx:1.19.2').allowed; // false (ALLOWED_PREFIX)
 */
export class ImagePolicy {
  /**
   * The prefix of an ECR private registry: `<account>.dkr.ecr.<region>.<domain suffix>/`
   * (`amazonaws.com`, or `amazonaws.com.cn` in the China regions).
   *
   * @param account a 12-digit account id
   * @param region a region such as `us-west-2`
   */
  public static ecrRegistry(account: string, region: string): string {
    if (Token.isUnresolved(account) || !ACCOUNT.test(account)) {
      throw new Error(`account is ${JSON.stringify(account)}: expected a literal 12-digit account id such as "111111111111".`);
    }
    if (Token.isUnresolved(region) || !REGION.test(region)) {
      throw new Error(`region is ${JSON.stringify(region)}: expected a literal region such as "us-west-2".`);
    }
    const suffix = RegionInfo.get(region).domainSuffix ?? (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');
    return `${account}.dkr.ecr.${region}.${suffix}/`;
  }

  /**
   * The prefix of the ECR private registry of the stack that holds `scope`, the registry of
   * every `GuardedRepository` in that stack. The stack needs an explicit `env`.
   *
   * @param scope any construct of the stack
   */
  public static ecrRegistryOf(scope: IConstruct): string {
    const stack = Stack.of(scope);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(`Stack ${stack.node.path} has no explicit account and region: give it env: { account, region }, `
        + 'or list the registry with ImagePolicy.ecrRegistry(account, region).');
    }
    return ImagePolicy.ecrRegistry(stack.account, stack.region);
  }

  /**
   * The prefix of the images a pull-through cache rule of an ECR private registry serves:
   * `<account>.dkr.ecr.<region>.<domain suffix>/<namespace>/`, where `namespace` is the rule's
   * ECR repository prefix (`docker-hub`, `ecr-public`, `quay`, `k8s`, `github`, ...). For `rejectedPrefixes`.
   *
   * @param account a 12-digit account id
   * @param region a region such as `us-west-2`
   * @param namespace the pull-through cache rule's repository prefix, such as `docker-hub`
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
   */
  public static pullThroughCachePrefix(account: string, region: string, namespace: string): string {
    if (Token.isUnresolved(namespace) || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(namespace)) {
      throw new Error(`namespace is ${JSON.stringify(namespace)}: expected the literal repository prefix of a pull-through cache rule, such as "docker-hub".`);
    }
    return `${ImagePolicy.ecrRegistry(account, region)}${namespace}/`;
  }

  /** The allowed prefixes, normalised (a bare registry host has its trailing `/`). */
  public readonly allowedPrefixes: string[];

  /** The rejected prefixes, normalised. */
  public readonly rejectedPrefixes: string[];

  /**
   * The naming pattern of repository paths.
   *
   * @default - no naming rule
   */
  public readonly namingPattern?: string;

  /** Whether images must be pinned to a digest. */
  public readonly requireDigest: boolean;

  constructor(props: ImagePolicyProps) {
    if (!Array.isArray(props.allowedPrefixes) || props.allowedPrefixes.length === 0) {
      throw new Error(`allowedPrefixes is ${JSON.stringify(props.allowedPrefixes)}: expected at least one prefix, `
        + 'such as "111111111111.dkr.ecr.us-west-2.amazonaws.com/" (ImagePolicy.ecrRegistry(account, region)).');
    }
    this.allowedPrefixes = normalisePrefixes('allowedPrefixes', props.allowedPrefixes);
    this.rejectedPrefixes = normalisePrefixes('rejectedPrefixes', props.rejectedPrefixes ?? []);
    if (props.namingPattern !== undefined) {
      if (Token.isUnresolved(props.namingPattern)) {
        throw new Error(`namingPattern is a token (${props.namingPattern}): expected a literal regular expression.`);
      }
      if (props.namingPattern.trim() === '') {
        throw new Error(`namingPattern is ${JSON.stringify(props.namingPattern)}: expected a regular expression such as "team-[a-z]+/[a-z0-9-]+"; omit it for no naming rule.`);
      }
      try {
        namingRegExp(props.namingPattern);
      } catch (e) {
        throw new Error(`namingPattern is ${JSON.stringify(props.namingPattern)}: not a valid regular expression `
          + `(${(e as Error).message}). Expected JavaScript syntax, such as "team-[a-z]+/[a-z0-9-]+".`);
      }
    }
    this.namingPattern = props.namingPattern;
    this.requireDigest = props.requireDigest ?? false;
  }

  /**
   * Checks one image reference. Pure: the same image always gives the same verdict.
   * Rules are checked in the order of `ImagePolicyRule`; the verdict names the first
   * rule broken.
   *
   * @param image an image reference such as `111111111111.dkr.ecr.us-west-2.amazonaws.com/team/app:v1`
   */
  public check(image: string): ImagePolicyVerdict {
    const verdict = checkImage(this.toConfig(), image);
    return { allowed: verdict.allowed, rule: verdict.rule as ImagePolicyRule | undefined, reason: verdict.reason };
  }

  /**
   * The policy as JSON, as the deployed image monitor's function reads it from its environment.
   */
  public toJson(): string {
    return JSON.stringify(this.toConfig());
  }

  private toConfig(): PolicyConfig {
    return {
      allowedPrefixes: [...this.allowedPrefixes],
      ...(this.rejectedPrefixes.length ? { rejectedPrefixes: [...this.rejectedPrefixes] } : {}),
      ...(this.namingPattern !== undefined ? { namingPattern: this.namingPattern } : {}),
      ...(this.requireDigest ? { requireDigest: true } : {}),
    };
  }
}

/** Normalises the prefixes of `prop`, or throws naming the prop, the index and the value. */
function normalisePrefixes(prop: string, prefixes: string[]): string[] {
  return prefixes.map((prefix, index) => {
    if (Token.isUnresolved(prefix)) {
      throw new Error(`${prop}[${index}] is a token (${prefix}): expected a literal prefix, because images are `
        + 'checked at synth time. Use ImagePolicy.ecrRegistry(account, region) with literal values, or give the stack an explicit env.');
    }
    const normalised = normalisePrefix(prefix);
    if (typeof normalised === 'string') {
      throw new Error(`${prop}[${index}] is ${JSON.stringify(prefix)}: ${normalised}. Expected a registry `
        + '("111111111111.dkr.ecr.us-west-2.amazonaws.com/"), a namespace (".../team/"), a repository (".../team/app") '
        + 'or a repository and tag prefix (".../nginx:").');
    }
    return normalised.prefix;
  });
}
