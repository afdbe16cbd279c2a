import { resolveTemplate } from './simulate';

/**
 * Resolves a template as CloudFormation would with the given parameter values. The shared
 * resolver reads every parameter as a string; a `CommaDelimitedList` parameter is a list in
 * CloudFormation, so each `Ref` to one is first rewritten as the split of its string value.
 */
export function resolveWithParameters(template: any, parameters: Record<string, string>): any {
  const lists = new Set(Object.entries<any>(template.Parameters ?? {})
    .filter(([, p]) => p.Type === 'CommaDelimitedList')
    .map(([name]) => name));
  const rewrite = (value: any): any => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref' && lists.has(value.Ref)) return { 'Fn::Split': [',', value] };
    return Object.fromEntries(keys.map((k) => [k, rewrite(value[k])]));
  };
  return resolveTemplate(rewrite(template), parameters);
}
