import { App, Stack } from 'aws-cdk-lib';
import { ImagePolicy, ImagePolicyProps, ImagePolicyRule } from '../../lib/policy/image-policy';
import { checkImageParts, ImageParts } from '../../lib/policy/private/image-reference';
import { testStack } from '../support/app';

const WEST = '111111111111.dkr.ecr.us-west-2.amazonaws.com';
const TOKYO = '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('ImagePolicy.check: allowed prefixes', () => {
  const policy = new ImagePolicy({ allowedPrefixes: [`${WEST}/`, `${TOKYO}/nginx:`] });

  test('an ECR image of the allowed account and region passes', () => {
    expect(policy.check(`${WEST}/team/app:v1`)).toEqual({ allowed: true, rule: undefined, reason: expect.stringContaining('complies') });
    expect(policy.check(`${WEST}/team/app@${DIGEST}`).allowed).toBe(true);
  });

  test('Docker Hub nginx:1.19.2 fails the prefix rule, and the reason shows its full name', () => {
    const verdict = policy.check('nginx:1.19.2');
    expect(verdict.allowed).toBe(false);
    expect(verdict.rule).toBe(ImagePolicyRule.ALLOWED_PREFIX);
    expect(verdict.reason).toContain('"nginx:1.19.2" (docker.io/library/nginx:1.19.2) does not start with an allowed prefix');
  });

  test('another account, another region, ECR Public fail', () => {
    for (const image of ['222222222222.dkr.ecr.us-west-2.amazonaws.com/team/app:v1', '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/app:v1', 'public.ecr.aws/nginx/nginx:1.27']) {
      expect(policy.check(image)).toMatchObject({ allowed: false, rule: ImagePolicyRule.ALLOWED_PREFIX });
    }
  });

  test('the tag prefix allows only that repository and tag family', () => {
    expect(policy.check(`${TOKYO}/nginx:1.19.2`).allowed).toBe(true);
    for (const image of [`${TOKYO}/nginx`, `${TOKYO}/nginx@${DIGEST}`, `${TOKYO}/nginx:latest@${DIGEST}`, `${TOKYO}/nginx-evil:1.19.2`, `${TOKYO}/nginx/sub:1`, `${TOKYO}/other:1`]) {
      expect(policy.check(image)).toMatchObject({ allowed: false, rule: ImagePolicyRule.ALLOWED_PREFIX });
    }
  });

  test('a narrower tag prefix allows only its tags', () => {
    const narrow = new ImagePolicy({ allowedPrefixes: [`${TOKYO}/nginx:1.19`] });
    expect(narrow.check(`${TOKYO}/nginx:1.19.2`).allowed).toBe(true);
    expect(narrow.check(`${TOKYO}/nginx:1.20.0`).allowed).toBe(false);
  });

  test('a repository prefix allows that repository only, with any tag or digest', () => {
    const repo = new ImagePolicy({ allowedPrefixes: [`${WEST}/team/app`] });
    expect(repo.check(`${WEST}/team/app`).allowed).toBe(true);
    expect(repo.check(`${WEST}/team/app:v1`).allowed).toBe(true);
    expect(repo.check(`${WEST}/team/app@${DIGEST}`).allowed).toBe(true);
    expect(repo.check(`${WEST}/team/app-other:v1`).allowed).toBe(false);
    expect(repo.check(`${WEST}/team/app/sub:v1`).allowed).toBe(false);
  });

  test('a namespace prefix allows the repositories under it', () => {
    const ns = new ImagePolicy({ allowedPrefixes: [`${WEST}/team/`] });
    expect(ns.check(`${WEST}/team/app:v1`).allowed).toBe(true);
    expect(ns.check(`${WEST}/teamx/app:v1`).allowed).toBe(false);
  });

  test('Docker Hub images can be allowed by their full name', () => {
    const hub = new ImagePolicy({ allowedPrefixes: ['docker.io/library/nginx:1.19'] });
    expect(hub.check('nginx:1.19.2').allowed).toBe(true);
    expect(hub.check('docker.io/library/nginx:1.19.2').allowed).toBe(true);
    expect(hub.check('nginx:1.20').allowed).toBe(false);
    expect(hub.check('evil/nginx:1.19').allowed).toBe(false);
  });
});

describe('ImagePolicy.check: a reference with a digest is judged by its repository and digest, never by its tag', () => {
  const pinnedTag = new ImagePolicy({ allowedPrefixes: ['docker.io/library/nginx:1.25.3'] });

  test('a tag prefix does not admit the tag with any digest: the runtime pulls the digest', () => {
    expect(pinnedTag.check('nginx:1.25.3').allowed).toBe(true);
    const verdict = pinnedTag.check(`nginx:1.25.3@${DIGEST}`);
    expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.ALLOWED_PREFIX });
    expect(verdict.reason).toContain(`judged by its repository and digest (docker.io/library/nginx@${DIGEST}), never by its tag`);
  });

  test('a repository, namespace or registry prefix admits a digest reference whatever its tag', () => {
    const policy = new ImagePolicy({ allowedPrefixes: ['docker.io/library/nginx', `${WEST}/team/`, `${TOKYO}/`] });
    for (const image of [`nginx:1.25.3@${DIGEST}`, `nginx@${DIGEST}`, `${WEST}/team/app:v1@${DIGEST}`, `${TOKYO}/x:anything@${DIGEST}`]) {
      expect({ image, allowed: policy.check(image).allowed }).toEqual({ image, allowed: true });
    }
  });

  test('the naming rule still reads the repository path of a digest reference', () => {
    const policy = new ImagePolicy({ allowedPrefixes: [`${WEST}/`], namingPattern: 'team/[a-z]+' });
    expect(policy.check(`${WEST}/other/app:v1@${DIGEST}`).rule).toBe(ImagePolicyRule.NAMING);
  });
});

describe('ImagePolicy.check: rejected prefixes (pull-through cache namespaces)', () => {
  const cache = ImagePolicy.pullThroughCachePrefix('111111111111', 'us-west-2', 'docker-hub');
  const policy = new ImagePolicy({ allowedPrefixes: [ImagePolicy.ecrRegistry('111111111111', 'us-west-2')], rejectedPrefixes: [cache] });

  test('pullThroughCachePrefix names the namespace under the registry', () => {
    expect(cache).toBe(`${WEST}/docker-hub/`);
  });

  test('an image of the cache namespace is rejected although its registry is allowed', () => {
    const verdict = policy.check(`${WEST}/docker-hub/library/nginx:1.25.3`);
    expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.REJECTED_PREFIX });
    expect(verdict.reason).toContain(`starts with the rejected prefix ${WEST}/docker-hub/`);
    expect(policy.check(`${WEST}/docker-hub/library/nginx@${DIGEST}`).rule).toBe(ImagePolicyRule.REJECTED_PREFIX);
  });

  test('the registry\'s own repositories, and look-alike namespaces, stay allowed', () => {
    expect(policy.check(`${WEST}/team/app:v1`).allowed).toBe(true);
    expect(policy.check(`${WEST}/docker-hubx/app:v1`).allowed).toBe(true);
  });

  test('without rejected prefixes, a registry prefix admits its pull-through cache images', () => {
    expect(new ImagePolicy({ allowedPrefixes: [`${WEST}/`] }).check(`${WEST}/docker-hub/library/nginx:1.25.3`).allowed).toBe(true);
  });

  test('the policy JSON carries the rejected prefixes only when there are some', () => {
    expect(JSON.parse(policy.toJson()).rejectedPrefixes).toEqual([`${WEST}/docker-hub/`]);
    expect(JSON.parse(new ImagePolicy({ allowedPrefixes: [`${WEST}/`] }).toJson()).rejectedPrefixes).toBeUndefined();
  });

  test('a bad rejected prefix or namespace throws, naming it', () => {
    expect(() => new ImagePolicy({ allowedPrefixes: [`${WEST}/`], rejectedPrefixes: ['docker-hub/'] })).toThrow(/rejectedPrefixes\[0\] is "docker-hub\/": it does not start with a registry host/);
    expect(() => ImagePolicy.pullThroughCachePrefix('111111111111', 'us-west-2', 'Docker Hub')).toThrow(/namespace is "Docker Hub": expected the literal repository prefix/);
  });
});

describe('ImagePolicy: a registry written without its trailing /', () => {
  const policy = new ImagePolicy({ allowedPrefixes: [WEST] });

  test('is normalised to end with /', () => {
    expect(policy.allowedPrefixes).toEqual([`${WEST}/`]);
  });

  test('never lets a look-alike host through', () => {
    const verdict = policy.check(`${WEST}.evil.example/x`);
    expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.ALLOWED_PREFIX });
    expect(policy.check(`${WEST}.evil.example/x:latest`).allowed).toBe(false);
    expect(policy.check(`${WEST}evil/x`).allowed).toBe(false);
    expect(policy.check(`${WEST}/x`).allowed).toBe(true);
  });
});

describe('ImagePolicy.check: naming and digest pinning', () => {
  const policy = new ImagePolicy({ allowedPrefixes: [`${WEST}/`], namingPattern: '(team-a|team-b)/[a-z0-9-]+', requireDigest: true });

  test('a pinned image with a conforming name passes', () => {
    expect(policy.check(`${WEST}/team-a/api@${DIGEST}`).allowed).toBe(true);
    expect(policy.check(`${WEST}/team-b/web:v2@${DIGEST}`).allowed).toBe(true);
  });

  test('the naming pattern is anchored to the whole repository path', () => {
    for (const image of [`${WEST}/team-c/api@${DIGEST}`, `${WEST}/x/team-a/api@${DIGEST}`, `${WEST}/team-a/api/extra@${DIGEST}`]) {
      const verdict = policy.check(image);
      expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.NAMING });
      expect(verdict.reason).toContain('does not match the naming pattern /(team-a|team-b)/[a-z0-9-]+/');
    }
  });

  test('a tag without a digest fails digest pinning', () => {
    const verdict = policy.check(`${WEST}/team-a/api:v1`);
    expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.DIGEST_PINNING });
    expect(verdict.reason).toContain('is not pinned to a digest');
  });

  test('the prefix rule is reported before naming and digest', () => {
    expect(policy.check('nginx:1.19.2').rule).toBe(ImagePolicyRule.ALLOWED_PREFIX);
    expect(policy.check(`${WEST}/other/api:v1`).rule).toBe(ImagePolicyRule.NAMING);
  });

  test('without requireDigest a tag is enough', () => {
    const loose = new ImagePolicy({ allowedPrefixes: [`${WEST}/`], namingPattern: 'team-a/.+' });
    expect(loose.check(`${WEST}/team-a/api:v1`).allowed).toBe(true);
    expect(loose.requireDigest).toBe(false);
  });
});

describe('ImagePolicy.check: malformed references', () => {
  const policy = new ImagePolicy({ allowedPrefixes: [`${WEST}/`] });
  test.each([
    ['', /is empty/],
    [' nginx', /white space/],
    [`${WEST}/App:v1`, /not a valid repository path/],
    [`${WEST}/app@sha256:abc`, /not a sha256 digest/],
    [`${WEST}/app:-bad`, /not a valid tag/],
    ['-bad.example/app:v1', /"-bad.example" is not a valid registry host/],
  ])('%j fails the format rule', (image, reason) => {
    const verdict = policy.check(image);
    expect(verdict).toMatchObject({ allowed: false, rule: ImagePolicyRule.REFERENCE_FORMAT });
    expect(verdict.reason).toMatch(reason);
  });
});

describe('ImagePolicy validation', () => {
  test.each<[string, ImagePolicyProps, RegExp]>([
    ['no prefix', { allowedPrefixes: [] }, /allowedPrefixes is \[\]: expected at least one prefix/],
    ['an empty prefix', { allowedPrefixes: [''] }, /allowedPrefixes\[0\] is "": it is empty/],
    ['a prefix with a space', { allowedPrefixes: [`${WEST}/ x`] }, /white space/],
    ['a prefix with a scheme', { allowedPrefixes: [`https://${WEST}/`] }, /URL scheme/],
    ['a prefix with a digest', { allowedPrefixes: [`${WEST}/app@${DIGEST}`] }, /contains a digest: .*set requireDigest/],
    ['an upper-case prefix', { allowedPrefixes: [`${WEST}/Team/`] }, /upper-case/],
    ['a prefix without a registry host', { allowedPrefixes: [`${WEST}/`, 'nginx:'] }, /allowedPrefixes\[1\] is "nginx:": it does not start with a registry host \("nginx:"\).*docker\.io\/library\/nginx:/],
    ['a malformed repository path', { allowedPrefixes: [`${WEST}/team//app`] }, /is not a repository path/],
    ['a malformed tag prefix', { allowedPrefixes: [`${WEST}/app:-x`] }, /is not the start of a tag/],
    ['a tag before a path', { allowedPrefixes: [`${WEST}/app:v1/x`] }, /it has a ":" before the last "\/"/],
    ['an empty naming pattern', { allowedPrefixes: [`${WEST}/`], namingPattern: ' ' }, /namingPattern is " ": expected a regular expression/],
    ['an invalid naming pattern', { allowedPrefixes: [`${WEST}/`], namingPattern: 'team-(a' }, /namingPattern is "team-\(a": not a valid regular expression/],
  ])('%s throws', (_name, props, message) => {
    expect(() => new ImagePolicy(props)).toThrow(message);
  });

  test('a token prefix or pattern throws', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(() => new ImagePolicy({ allowedPrefixes: [`${stack.account}.dkr.ecr.us-west-2.amazonaws.com/`] })).toThrow(/allowedPrefixes\[0\] is a token/);
    expect(() => new ImagePolicy({ allowedPrefixes: [`${WEST}/`], namingPattern: stack.region })).toThrow(/namingPattern is a token/);
  });
});

describe('ImagePolicy registry helpers', () => {
  test('ecrRegistry builds the registry prefix, with the China domain where it applies', () => {
    expect(ImagePolicy.ecrRegistry('111111111111', 'us-west-2')).toBe(`${WEST}/`);
    expect(ImagePolicy.ecrRegistry('111111111111', 'cn-north-1')).toBe('111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/');
  });

  test('ecrRegistry rejects malformed accounts and regions', () => {
    expect(() => ImagePolicy.ecrRegistry('1111', 'us-west-2')).toThrow(/account is "1111": expected a literal 12-digit account id/);
    expect(() => ImagePolicy.ecrRegistry('111111111111', 'West')).toThrow(/region is "West": expected a literal region/);
  });

  test('ecrRegistryOf uses the stack environment and needs one', () => {
    expect(ImagePolicy.ecrRegistryOf(testStack())).toBe('111111111111.dkr.ecr.us-east-1.amazonaws.com/');
    expect(() => ImagePolicy.ecrRegistryOf(new Stack(new App(), 'Agnostic'))).toThrow(/Stack Agnostic has no explicit account and region/);
  });

  test('toJson carries what the monitor function needs', () => {
    const policy = new ImagePolicy({ allowedPrefixes: [WEST], namingPattern: 'a/.+', requireDigest: true });
    expect(JSON.parse(policy.toJson())).toEqual({ allowedPrefixes: [`${WEST}/`], namingPattern: 'a/.+', requireDigest: true });
    expect(JSON.parse(new ImagePolicy({ allowedPrefixes: [WEST] }).toJson())).toEqual({ allowedPrefixes: [`${WEST}/`] });
  });
});

describe('checkImageParts: images with parts known only at deploy time', () => {
  const name = { what: 'Ref Repo', kind: 'name' as const };
  const any = { what: 'Ref Param', kind: 'any' as const };
  const config = (extra = {}) => ({ allowedPrefixes: [`${WEST}/team/`, `${TOKYO}/nginx:`, `${WEST}/solo`], ...extra });
  const run = (parts: ImageParts, extra = {}) => checkImageParts(config(extra), parts);

  test('fully known parts are checked as one image', () => {
    expect(run([`${WEST}/team/app:v1`])).toEqual({ violation: undefined, undecided: [], shown: `${WEST}/team/app:v1` });
    expect(run(['nginx:1']).violation?.rule).toBe('ALLOWED_PREFIX');
  });

  test('a known namespace prefix satisfies the prefix rule whatever follows', () => {
    expect(run([`${WEST}/team/`, name, ':v1'])).toEqual({ undecided: [], shown: `${WEST}/team/\${Ref Repo}:v1` });
  });

  test('a head that no prefix can complete breaks the prefix rule', () => {
    expect(run([`${WEST}/other/`, name]).violation?.rule).toBe('ALLOWED_PREFIX');
    expect(run(['222222222222.dkr.ecr.us-west-2.amazonaws.com/', name]).violation?.rule).toBe('ALLOWED_PREFIX');
  });

  test('a head that a prefix may still complete is undecided', () => {
    expect(run([`${WEST}/`, name, ':v1']).undecided).toEqual(['ALLOWED_PREFIX']);
    expect(run([`${WEST}/so`, any]).undecided).toEqual(['ALLOWED_PREFIX']);
    expect(run([any, '/team/app:v1']).undecided).toEqual(['ALLOWED_PREFIX']);
  });

  test('a repository prefix is decided by the character after it', () => {
    expect(run([`${WEST}/solo:`, any]).undecided).toEqual([]);
    expect(run([`${WEST}/solo-x`, any]).violation?.rule).toBe('ALLOWED_PREFIX');
  });

  test('naming: decided when the head holds the whole path, undecided otherwise', () => {
    expect(run([`${WEST}/team/app:`, any], { namingPattern: 'team/[a-z]+' }).undecided).toEqual([]);
    expect(run([`${WEST}/team/x1:`, any], { namingPattern: 'team/[a-z]+' }).violation?.rule).toBe('NAMING');
    expect(run([`${WEST}/team/`, name, ':v1'], { namingPattern: 'team/[a-z]+' }).undecided).toEqual(['NAMING']);
  });

  test('a tag prefix decides only when no unknown part can bring a digest', () => {
    expect(run([`${TOKYO}/nginx:`, name]).undecided).toEqual([]);
    expect(run([`${TOKYO}/nginx:`, any]).undecided).toEqual(['ALLOWED_PREFIX']);
    expect(run([`${TOKYO}/nginx:1`, name, `@${DIGEST}`]).violation?.rule).toBe('ALLOWED_PREFIX');
  });

  test('rejected prefixes: broken when the head matches one, undecided when it may', () => {
    const rejected = { rejectedPrefixes: [`${WEST}/team/cache/`] };
    expect(run([`${WEST}/team/cache/`, name], rejected).violation?.rule).toBe('REJECTED_PREFIX');
    expect(run([`${WEST}/team/`, name], rejected).undecided).toEqual(['REJECTED_PREFIX']);
    expect(run([`${WEST}/team/app:`, any], rejected).undecided).toEqual([]);
    expect(run([any, '/team/app:v1'], rejected).undecided).toEqual(['ALLOWED_PREFIX', 'REJECTED_PREFIX']);
  });

  test('digest pinning: a repository name holds no "@", other unknown parts may', () => {
    expect(run([`${WEST}/team/`, name, ':v1'], { requireDigest: true }).violation?.rule).toBe('DIGEST_PINNING');
    expect(run([`${WEST}/team/`, name, `@${DIGEST}`], { requireDigest: true }).violation).toBeUndefined();
    expect(run([`${WEST}/team/app`, any], { requireDigest: true }).undecided).toEqual(['DIGEST_PINNING']);
  });
});
