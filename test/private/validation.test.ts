import { BROAD_PREFIX, cidrRange, isBroadCidr, isNonPublicCidr, isWholeAccountWildcard, isWholeInternetCidr } from '../../lib/private/validation';

// The IAM simulator of the policy tests reads a /0 as a /32, so the range logic is tested here directly.
describe('a CIDR is judged by the range it covers', () => {
  test.each([
    ['0.0.0.0/0', 'ipv4', 0, 0n],
    ['10.0.0.0/1', 'ipv4', 1, 0n],
    ['203.0.113.77/24', 'ipv4', 24, (203n << 24n) + (0n << 16n) + (113n << 8n)],
    ['203.0.113.7', 'ipv4', 32, (203n << 24n) + (113n << 8n) + 7n],
    ['::/0', 'ipv6', 0, 0n],
    ['2001:db8::/32', 'ipv6', 32, 0x20010db8n << 96n],
    ['::ffff:192.0.2.1', 'ipv6', 128, (0xffffn << 32n) + (192n << 24n) + (2n << 8n) + 1n],
  ])('%s covers %s/%i from %s', (cidr, family, prefix, network) => {
    expect(cidrRange(cidr)).toEqual({ family, prefix, network });
  });

  test.each(['nope', '203.0.113.0/33', '2001:db8::/129', '1.2.3/8'])('%s is no range', (cidr) => {
    expect(cidrRange(cidr)).toBeUndefined();
  });

  test.each([['0.0.0.0/0', true], ['10.1.2.3/0', true], ['::/0', true], ['2001:db8::/0', true], ['0.0.0.0/1', false], ['0.0.0.0', false]])('%s covers a whole family: %s', (cidr, whole) => {
    expect(isWholeInternetCidr(cidr as string)).toBe(whole);
  });

  test.each([
    ['10.0.0.0/1', true], ['128.0.0.0/1', true], ['198.51.0.0/15', true], ['198.51.0.0/16', false], ['203.0.113.0/24', false],
    ['2000::/3', true], ['2001:db8::/31', true], ['2001:db8::/32', false], ['2001:db8:1::/48', false],
  ])('%s is very broad: %s', (cidr, broad) => {
    expect(isBroadCidr(cidr as string)).toBe(broad);
  });

  test('the broad thresholds are a /16 for IPv4 and a /32 for IPv6', () => {
    expect(BROAD_PREFIX).toEqual({ ipv4: 16, ipv6: 32 });
  });

  test.each([
    // wholly non-public
    ['10.0.0.0/8', true], ['10.20.0.0/16', true], ['172.16.0.0/12', true], ['172.31.255.0/24', true], ['192.168.1.1', true], ['100.64.0.0/10', true],
    ['127.0.0.1', true], ['169.254.169.254', true], ['fd00::/8', true], ['fe80::1', true], ['::1', true],
    // reaching beyond a non-public block: judged by what it covers, not its first address
    ['10.0.0.0/1', false], ['10.0.0.0/7', false], ['172.16.0.0/11', false], ['0.0.0.0/0', false], ['::/0', false], ['fc00::/6', false],
    // public
    ['8.8.8.8', false], ['203.0.113.0/24', false], ['2001:db8::/32', false], ['172.32.0.0/16', false],
  ])('%s lies wholly in non-public ranges: %s', (cidr, nonPublic) => {
    expect(isNonPublicCidr(cidr as string)).toBe(nonPublic);
  });
});

describe('whole-account wildcards', () => {
  test.each([
    ['arn:aws:iam::111111111111:role/*', true], ['arn:aws:iam::111111111111:user/*', true], ['arn:aws:iam::111111111111:role/?*', true],
    ['arn:aws:iam::111111111111:role/*/*', true], ['arn:aws:iam::111111111111:role/ci-*', false], ['arn:aws:iam::111111111111:role/service-role/*', false],
    ['arn:aws:iam::111111111111:root', false], ['arn:aws:iam::111111111111:role/deployer', false],
  ])('%s: %s', (arn, wildcard) => {
    expect(isWholeAccountWildcard(arn as string)).toBe(wildcard);
  });
});

