import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import { CEL_SCHEMA } from './input.ts';

/** A compiled `when`: call it with an activation; it returns the CEL value or throws. */
export type CompiledWhen = (activation: Record<string, unknown>) => unknown;

/** The outcome of compiling one expression. */
export type CompileResult =
  | { ok: true; fn: CompiledWhen; actionTypes: ReadonlySet<string> | null }
  | { ok: false; message: string; offset: number | undefined };

// Two environments: the typed one only checks (it converts every object into a typed instance per
// call, which measured 2-3x slower), the map one evaluates. Both see the same expression text, so
// positions agree. Building an Environment is expensive: once per process.
let checkEnv: Environment | undefined;
let evalEnv: Environment | undefined;

function environments(): { check: Environment; run: Environment } {
  if (!checkEnv || !evalEnv) {
    checkEnv = new Environment();
    evalEnv = new Environment();
    for (const [name, schema] of Object.entries(CEL_SCHEMA)) {
      checkEnv.registerVariable({ name, schema: schema as Record<string, unknown> } as never);
      evalEnv.registerVariable(name, 'map');
    }
  }
  return { check: checkEnv, run: evalEnv };
}

/** Parses and type-checks `expression`; a `when` must be a bool (or dyn, as `action.params.x` is). */
export function compileWhen(expression: string): CompileResult {
  const { check, run } = environments();
  const checked = check.check(expression);
  if (!checked.valid) return failure(checked.error);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, message: `must be a bool expression (got ${checked.type})`, offset: 0 };
  }
  try {
    const parsed = run.parse(expression);
    // Type-checking once here stores the checked types on the AST; otherwise cel-js re-checks on every call.
    parsed.check();
    return { ok: true, fn: parsed as CompiledWhen, actionTypes: actionTypeGuard(parsed.ast) };
  } catch (err) {
    return failure(err);
  }
}

function failure(err: unknown): CompileResult {
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  const message = e.summary ?? e.message?.split('\n')[0] ?? String(err);
  return { ok: false, message, offset: e.range?.start };
}

/** The action types a rule can match at all, from top-level conjuncts `action.type == "x"` or
 *  `action.type in ["x", "y"]`; null when it does not say. CEL's `&&` is false when any conjunct is
 *  false, even when another one errors, so skipping a rule whose guard fails gives the same result
 *  as evaluating it: this is an index, not a change of meaning. */
export function actionTypeGuard(ast: ASTNode): Set<string> | null {
  let types: Set<string> | undefined;
  for (const conjunct of conjuncts(ast)) {
    const set = guardOf(conjunct);
    if (!set) continue;
    const before: Set<string> | undefined = types;
    types = before ? new Set([...before].filter((t) => set.has(t))) : set;
  }
  return types ?? null;
}

function conjuncts(ast: ASTNode): ASTNode[] {
  if (ast.op === '&&') return [...conjuncts(ast.args[0]), ...conjuncts(ast.args[1])];
  return [ast];
}

function isActionType(node: ASTNode): boolean {
  return node.op === '.' && node.args[1] === 'type' && node.args[0].op === 'id' && node.args[0].args === 'action';
}

function stringLiteral(node: ASTNode): string | undefined {
  return node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

function guardOf(node: ASTNode): Set<string> | null {
  if (node.op === '==') {
    const [a, b] = node.args;
    const literal = isActionType(a) ? stringLiteral(b) : isActionType(b) ? stringLiteral(a) : undefined;
    return literal === undefined ? null : new Set([literal]);
  }
  if (node.op === 'in' && isActionType(node.args[0]) && node.args[1].op === 'list') {
    const values = node.args[1].args.map(stringLiteral);
    return values.every((v) => v !== undefined) ? new Set(values as string[]) : null;
  }
  return null;
}
