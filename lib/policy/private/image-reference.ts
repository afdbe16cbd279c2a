/**
 * Pure image-policy logic shared by the `ImagePolicy` class (synth time) and the
 * deployed-image-monitor handler (run time). No imports: the handler bundle includes this
 * file, and must not pull in aws-cdk-lib.
 */

/** The rules of an image policy, as the verdict names them. Same values as the `ImagePolicyRule` enum. */
export type RuleName = 'REFERENCE_FORMAT' | 'ALLOWED_PREFIX' | 'REJECTED_PREFIX' | 'NAMING' | 'DIGEST_PINNING';

/** A policy in the form the handler receives it (JSON in an environment variable). */
export interface PolicyConfig {
  /** Normalised prefixes (see `normalisePrefix`). */
  readonly allowedPrefixes: string[];
  /** Normalised prefixes that reject an image even though an allowed prefix matches it. */
  readonly rejectedPrefixes?: string[];
  /** Regular expression source matched against the whole repository path. */
  readonly namingPattern?: string;
  readonly requireDigest?: boolean;
}

/** The outcome of one check. */
export interface Verdict {
  readonly allowed: boolean;
  readonly rule?: RuleName;
  readonly reason: string;
}

/** An image reference split into its parts, after Docker's normalisation of short names. */
export interface ImageReference {
  /** The image as given. */
  readonly original: string;
  /** The full reference: `registry/path[:tag][@digest]` (`nginx` becomes `docker.io/library/nginx`). */
  readonly normalised: string;
  readonly registry: string;
  /** The repository path, without registry, tag and digest (`team/app`, `library/nginx`). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
  /**
   * What prefixes are matched against: the normalised reference, or, for a reference with a
   * digest, `registry/path@digest` without the tag. The runtime pulls by digest, so the tag of
   * such a reference says nothing about the image that runs.
   */
  readonly matched: string;
}

/** The Docker Hub registry as normalised references name it. */
export const DOCKER_HUB = 'docker.io';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::\d{1,5})?$/;

/** Whether the first component of a reference names a registry (Docker's rule: a dot, a port, or `localhost`). */
export function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Parses an image reference as Docker does. A first component without `.` or `:` (and other
 * than `localhost`) is a Docker Hub path: `nginx:1.19.2` is `docker.io/library/nginx:1.19.2`.
 * Returns an error message for a malformed reference.
 */
export function parseImage(image: string): ImageReference | string {
  if (typeof image !== 'string' || image.length === 0) return 'the image reference is empty';
  if (image !== image.trim() || /\s/.test(image)) return 'the image reference contains white space';
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `"@${digest}" is not a sha256 digest (expected @sha256: and 64 lowercase hex digits)`;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `":${tag}" is not a valid tag`;
  }
  const components = rest.split('/');
  let registry = DOCKER_HUB;
  if (components.length > 1 && isRegistryComponent(components[0])) {
    registry = components.shift()!;
    if (!HOST.test(registry)) return `"${registry}" is not a valid registry host`;
  } else if (components.length === 1) {
    components.unshift('library');
  }
  if (components.some((c) => !PATH_COMPONENT.test(c))) {
    return `"${components.join('/')}" is not a valid repository path (lowercase letters, digits and . _ - separators)`;
  }
  const path = components.join('/');
  const normalised = `${registry}/${path}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const matched = digest !== undefined ? `${registry}/${path}@${digest}` : normalised;
  return { original: image, normalised, registry, path, tag, digest, matched };
}

/** What is wrong with a policy read from JSON (`ImagePolicy.toJson()`), or undefined when it is valid. */
export function policyConfigProblem(value: unknown): string | undefined {
  const v = value as Partial<PolicyConfig> | null;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not an object';
  if (!Array.isArray(v.allowedPrefixes) || v.allowedPrefixes.length === 0 || v.allowedPrefixes.some((p) => typeof p !== 'string' || p === '')) {
    return 'allowedPrefixes is not a non-empty list of strings';
  }
  if (v.rejectedPrefixes !== undefined && (!Array.isArray(v.rejectedPrefixes) || v.rejectedPrefixes.some((p) => typeof p !== 'string' || p === ''))) {
    return 'rejectedPrefixes is not a list of strings';
  }
  if (v.namingPattern !== undefined) {
    if (typeof v.namingPattern !== 'string') return 'namingPattern is not a string';
    try {
      new RegExp(v.namingPattern);
    } catch (e) {
      return `namingPattern is not a valid regular expression (${(e as Error).message})`;
    }
  }
  if (v.requireDigest !== undefined && typeof v.requireDigest !== 'boolean') return 'requireDigest is not a boolean';
  return undefined;
}

/** The kind of an allowed prefix, from how it ends. */
export type PrefixKind = 'registry' | 'namespace' | 'repository' | 'tag';

/**
 * Normalises an allowed prefix, or returns why it is invalid.
 * - a bare registry host (`111111111111.dkr.ecr.us-west-2.amazonaws.com`) gets its trailing `/`,
 *   so `...amazonaws.com.evil.example/x` can never match it;
 * - `host/` allows the whole registry, `host/team/` every repository under `team/`;
 * - `host/team/app` allows exactly that repository (any tag or digest);
 * - `host/nginx:` allows every tag of `nginx`, `host/nginx:1.19` the tags starting with `1.19`.
 */
export function normalisePrefix(prefix: string): { prefix: string; kind: PrefixKind } | string {
  if (typeof prefix !== 'string' || prefix.length === 0) return 'it is empty';
  if (/\s/.test(prefix)) return 'it contains white space';
  if (prefix.includes('://')) return 'it has a URL scheme: drop "https://"';
  if (prefix.includes('@')) return 'it contains a digest: list the repository ("host/repo") and set requireDigest instead';
  if (prefix !== prefix.toLowerCase()) return 'it has upper-case letters: registry hosts and repository paths are lowercase';
  const slash = prefix.indexOf('/');
  const host = slash < 0 ? prefix : prefix.slice(0, slash);
  if (!isRegistryComponent(host) || !HOST.test(host)) {
    return `it does not start with a registry host ("${host}"): write the registry in full, such as `
      + '"111111111111.dkr.ecr.us-west-2.amazonaws.com/" or, for Docker Hub images, "docker.io/library/nginx:"';
  }
  if (slash < 0) return { prefix: `${prefix}/`, kind: 'registry' };
  const afterHost = prefix.slice(slash + 1);
  if (afterHost === '') return { prefix, kind: 'registry' };
  const lastSlash = prefix.lastIndexOf('/');
  const colon = prefix.indexOf(':', slash + 1);
  const pathPart = colon >= 0 ? prefix.slice(slash + 1, colon) : afterHost.replace(/\/$/, '');
  if (pathPart.split('/').some((c) => !PATH_COMPONENT.test(c))) {
    return `"${pathPart}" is not a repository path (lowercase letters, digits and . _ - separators)`;
  }
  if (colon >= 0) {
    if (colon < lastSlash) return 'it has a ":" before the last "/"';
    const tagPart = prefix.slice(colon + 1);
    if (tagPart !== '' && !/^[\w][\w.-]*$/.test(tagPart)) return `":${tagPart}" is not the start of a tag`;
    return { prefix, kind: 'tag' };
  }
  return { prefix, kind: prefix.endsWith('/') ? 'namespace' : 'repository' };
}

/** Whether a normalised reference starts with a normalised prefix, by the prefix's kind. */
export function matchesPrefix(normalised: string, prefix: string): boolean {
  if (!normalised.startsWith(prefix)) return false;
  if (prefix.endsWith('/') || prefix.includes(':', prefix.indexOf('/') + 1)) return true;
  // A repository prefix: the repository path must end right there.
  const next = normalised.charAt(prefix.length);
  return next === '' || next === ':' || next === '@';
}

/** The naming pattern anchored to the whole repository path. */
export function namingRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** Checks one image against a policy: format, then allowed prefixes, rejected prefixes, naming, digest pinning. */
export function checkImage(policy: PolicyConfig, image: string): Verdict {
  const ref = parseImage(image);
  if (typeof ref === 'string') {
    return { allowed: false, rule: 'REFERENCE_FORMAT', reason: `${JSON.stringify(image)} is not a valid image reference: ${ref}.` };
  }
  const shown = ref.normalised === image ? JSON.stringify(image) : `${JSON.stringify(image)} (${ref.normalised})`;
  if (!policy.allowedPrefixes.some((p) => matchesPrefix(ref.matched, p))) {
    const byDigest = ref.tag !== undefined && ref.digest !== undefined && policy.allowedPrefixes.some((p) => matchesPrefix(ref.normalised, p))
      ? ` It is judged by its repository and digest (${ref.matched}), never by its tag: the runtime pulls the digest, whatever the tag says.`
      : '';
    return {
      allowed: false,
      rule: 'ALLOWED_PREFIX',
      reason: `${shown} does not start with an allowed prefix (${policy.allowedPrefixes.join(', ')}).${byDigest}`,
    };
  }
  const rejected = (policy.rejectedPrefixes ?? []).find((p) => matchesPrefix(ref.matched, p));
  if (rejected !== undefined) {
    return {
      allowed: false,
      rule: 'REJECTED_PREFIX',
      reason: `${shown} starts with the rejected prefix ${rejected} (such as a pull-through cache of a public registry).`,
    };
  }
  if (policy.namingPattern !== undefined && !namingRegExp(policy.namingPattern).test(ref.path)) {
    return {
      allowed: false,
      rule: 'NAMING',
      reason: `the repository path "${ref.path}" of ${shown} does not match the naming pattern /${policy.namingPattern}/.`,
    };
  }
  if (policy.requireDigest && ref.digest === undefined) {
    return {
      allowed: false,
      rule: 'DIGEST_PINNING',
      reason: `${shown} is not pinned to a digest: append @sha256:<digest>.`,
    };
  }
  return { allowed: true, reason: `${shown} complies with the image policy.` };
}

/** A part of an image whose value is known only at deploy time. */
export interface UnknownPart {
  /** What the value is, for messages (`Ref MyRepo`, `AWS::AccountId`). */
  readonly what: string;
  /** `name`: an ECR repository name (no `:` or `@`); `any`: anything. */
  readonly kind: 'name' | 'any';
}

/** An image as far as it is known at synth time: literal text and unknown parts. */
export type ImageParts = Array<string | UnknownPart>;

/** The outcome of checking an image with unknown parts. */
export interface PartialVerdict {
  /** A rule the image breaks whatever the unknown parts turn out to be. */
  readonly violation?: Verdict;
  /** Rules that cannot be decided before deployment. */
  readonly undecided: RuleName[];
  /** The image as shown in messages, unknown parts as `${...}`. */
  readonly shown: string;
}

/**
 * Checks an image of which some parts are known only at deploy time. A rule is broken when no
 * value of the unknown parts could satisfy it, satisfied when every value would, and undecided
 * otherwise.
 */
export function checkImageParts(policy: PolicyConfig, parts: ImageParts): PartialVerdict {
  const shown = parts.map((p) => (typeof p === 'string' ? p : `\${${p.what}}`)).join('');
  const firstUnknown = parts.findIndex((p) => typeof p !== 'string');
  if (firstUnknown < 0) {
    const verdict = checkImage(policy, parts.join(''));
    return { violation: verdict.allowed ? undefined : verdict, undecided: [], shown };
  }
  const head = parts.slice(0, firstUnknown).join('');
  const lastUnknown = parts.length - 1 - [...parts].reverse().findIndex((p) => typeof p !== 'string');
  const tail = parts.slice(lastUnknown + 1).join('');
  const onlyNames = parts.every((p) => typeof p === 'string' || p.kind === 'name');
  const undecided: RuleName[] = [];

  // The registry is known only when the head holds the first "/" and a registry host before it.
  const slash = head.indexOf('/');
  const hostKnown = slash >= 0 && isRegistryComponent(head.slice(0, slash));
  // A known digest means the image is judged without its tag: tag prefixes can never match it.
  const hasDigest = /@sha256:[0-9a-f]{64}$/.test(tail) || /@sha256:[0-9a-f]{64}$/.test(head);
  const untagged = (prefixes: string[]) => prefixes.filter((p) => !p.includes(':', p.indexOf('/') + 1));
  const usable = (prefixes: string[]) => (hasDigest ? untagged(prefixes) : prefixes);
  if (!hostKnown) {
    undecided.push('ALLOWED_PREFIX');
    if (policy.rejectedPrefixes?.length) undecided.push('REJECTED_PREFIX');
  } else {
    const allowed = prefixOutcome(head, usable(policy.allowedPrefixes));
    if (!allowed.possible) {
      return {
        violation: {
          allowed: false,
          rule: 'ALLOWED_PREFIX',
          reason: `"${shown}" does not start with an allowed prefix (${policy.allowedPrefixes.join(', ')}).`,
        },
        undecided: [],
        shown,
      };
    }
    // A tag prefix holds only if no unknown part brings a digest (repository names hold no "@").
    const onlyByTag = allowed.satisfied && !hasDigest && !onlyNames && !prefixOutcome(head, untagged(policy.allowedPrefixes)).satisfied;
    if (!allowed.satisfied || onlyByTag) undecided.push('ALLOWED_PREFIX');
    const rejected = prefixOutcome(head, policy.rejectedPrefixes ?? []);
    if (rejected.satisfied) {
      return {
        violation: { allowed: false, rule: 'REJECTED_PREFIX', reason: `"${shown}" starts with a rejected prefix (${policy.rejectedPrefixes!.join(', ')}).` },
        undecided,
        shown,
      };
    }
    if (rejected.possible) undecided.push('REJECTED_PREFIX');
  }

  if (policy.namingPattern !== undefined) {
    // The repository path is known when the head reaches past it (to its tag or digest).
    const afterHost = hostKnown ? head.slice(slash + 1) : '';
    const end = afterHost.search(/[:@]/);
    if (hostKnown && end >= 0) {
      const path = afterHost.slice(0, end);
      if (!namingRegExp(policy.namingPattern).test(path)) {
        return {
          violation: {
            allowed: false,
            rule: 'NAMING',
            reason: `the repository path "${path}" of "${shown}" does not match the naming pattern /${policy.namingPattern}/.`,
          },
          undecided,
          shown,
        };
      }
    } else {
      undecided.push('NAMING');
    }
  }

  if (policy.requireDigest) {
    if (hasDigest) {
      // pinned
    } else if (onlyNames) {
      // Repository names hold no "@": the known tail decides.
      return {
        violation: { allowed: false, rule: 'DIGEST_PINNING', reason: `"${shown}" is not pinned to a digest: append @sha256:<digest>.` },
        undecided,
        shown,
      };
    } else {
      undecided.push('DIGEST_PINNING');
    }
  }
  return { undecided, shown };
}

/**
 * Whether the known head of an image (its text up to the first unknown part) matches one of
 * `prefixes` whatever follows (`satisfied`), or could match for some value of what follows (`possible`).
 */
function prefixOutcome(head: string, prefixes: string[]): { satisfied: boolean; possible: boolean } {
  const whole = (p: string) => p.endsWith('/') || p.includes(':', p.indexOf('/') + 1);
  const satisfied = prefixes.some((p) => {
    if (!head.startsWith(p)) return false;
    if (whole(p)) return true;
    const next = head.charAt(p.length);
    return next === ':' || next === '@';
  });
  const possible = prefixes.some((p) => {
    if (p.startsWith(head)) return true;
    if (!head.startsWith(p)) return false;
    if (whole(p)) return true;
    const next = head.charAt(p.length);
    return next === '' || next === ':' || next === '@';
  });
  return { satisfied, possible };
}
