/**
 * Resolves the intrinsic functions of a synthesized CloudFormation template with concrete
 * pseudo parameters and stack parameters, as CloudFormation would at deploy time.
 *
 * Written for the tests because the published resolver (cfn-resolver-lib) mistakes an IAM
 * policy's `Condition` block for a CloudFormation condition and leaves it unresolved.
 */
const NO_VALUE = Symbol('AWS::NoValue');

export function resolveCfn(template: any, refs: Record<string, string>): any {
  const conditions: Record<string, boolean> = {};
  const ctx = { template, refs, conditions };
  for (const name of Object.keys(template.Conditions ?? {})) {
    conditions[name] = Boolean(resolveValue(template.Conditions[name], ctx));
  }
  const resources: Record<string, any> = {};
  for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
    if (resource.Condition && !conditions[resource.Condition]) continue;
    resources[id] = resolveValue(resource, ctx);
  }
  return { ...template, Resources: resources };
}

interface Ctx { template: any; refs: Record<string, string>; conditions: Record<string, boolean> }

function ref(name: string, ctx: Ctx): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in ctx.refs) return ctx.refs[name];
  const param = ctx.template.Parameters?.[name];
  if (param) {
    if (param.Default === undefined) throw new Error(`parameter ${name} has no value and no default`);
    return param.Default;
  }
  if (ctx.template.Resources?.[name]) return name;
  throw new Error(`unresolvable Ref ${name}`);
}

function sub(text: string, vars: Record<string, unknown>, ctx: Ctx): string {
  return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
    if (name in vars) return String(vars[name]);
    const [base, attr] = name.split('.');
    if (attr) return `${base}.${attr}`;
    return String(ref(name, ctx));
  });
}

function resolveValue(value: any, ctx: Ctx): any {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, ctx)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = value[fn];
    switch (fn) {
      case 'Ref': return ref(arg, ctx);
      case 'Fn::Join': return (resolveValue(arg[1], ctx) as unknown[]).join(arg[0]);
      case 'Fn::Sub': return Array.isArray(arg) ? sub(arg[0], resolveValue(arg[1], ctx), ctx) : sub(arg, {}, ctx);
      case 'Fn::Split': return String(resolveValue(arg[1], ctx)).split(arg[0]);
      case 'Fn::Select': return resolveValue(arg[1], ctx)[Number(resolveValue(arg[0], ctx))];
      case 'Fn::If': return resolveValue(ctx.conditions[arg[0]] ? arg[1] : arg[2], ctx);
      case 'Fn::Equals': return resolveValue(arg[0], ctx) === resolveValue(arg[1], ctx);
      case 'Fn::Not': return !resolveValue(arg[0], ctx);
      case 'Fn::And': return arg.every((a: any) => resolveValue(a, ctx));
      case 'Fn::Or': return arg.some((a: any) => resolveValue(a, ctx));
      case 'Condition': if (typeof arg === 'string' && arg in ctx.conditions) return ctx.conditions[arg]; break;
      case 'Fn::GetAtt': return `${arg[0]}.${arg[1]}`;
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = resolveValue(value[key], ctx);
    if (v !== NO_VALUE) out[key] = v;
  }
  return out;
}
