import { CfnResource, Stack } from 'aws-cdk-lib';

/** Bytes a resource of unknown shape is counted as (a guarded repository with a few exemptions takes about 2 KB). */
const FALLBACK_BYTES = 4_096;

/**
 * The bytes a resource takes in its stack's template as the CDK writes it (JSON indented by
 * one space, nested one level below `Resources`), as the resource stands now. Falls back to
 * a conservative estimate if the resource cannot be rendered yet.
 */
export function templateBytesOf(resource: CfnResource): number {
  // _toCloudFormation() is how the stack renders each resource; it is not part of the typed API.
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') return FALLBACK_BYTES;
  try {
    const rendered = Stack.of(resource).resolve(render.call(resource)) as { Resources?: Record<string, unknown> };
    const body = Object.entries(rendered.Resources ?? {})
      .map(([logicalId, value]) => `  "${logicalId}": ${JSON.stringify(value, undefined, 1).replace(/\n/g, '\n  ')},\n`)
      .join('');
    return Buffer.byteLength(body);
  } catch {
    return FALLBACK_BYTES;
  }
}
