/** AWS console addresses, shared by every mail that links to the console. */

/** The AWS console address of a partition and region. */
export function consoleHost(partition: string, region: string): string {
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

/** The Inspector console page of one finding, by its ARN (`arn:<partition>:inspector2:<region>:<account>:finding/<id>`). */
export function findingConsoleLink(findingArn: string, fallback: { partition?: string; region?: string } = {}): string {
  const match = /^arn:([^:]+):inspector2:([^:]*):/.exec(findingArn);
  const p = match?.[1] || fallback.partition || 'aws';
  const r = match?.[2] || fallback.region || 'us-east-1';
  return `${consoleHost(p, r)}/inspector/v2/home?region=${encodeURIComponent(r)}#/findings/details/${encodeURIComponent(findingArn)}`;
}
