/**
 * An offline-engine cache, not a change to the definition: the JSONata programs the template
 * inlines into many states (the finding's normalised view, its facts) read only the execution's
 * input, so within one execution they give the same value in every state that evaluates them.
 * Step Functions evaluates them again each time; the offline engine evaluates each once per
 * execution and hands the value to the next state that asks, which gives the same results faster.
 *
 * What qualifies is decided on the compiled expression tree, conservatively: the right-hand side
 * of a `$name := ( … )` binding (a parenthesised block) whose only free variables are pure
 * built-in functions and `$states.context.Execution.{Input,Id,Name,StartTime}` (constant in an
 * execution), which never reads the context item (`$`, a relative field name) where it stands,
 * is not inside a function body or a path step, and calls nothing that differs between calls
 * ($now, $millis, $random, $uuid, $shuffle, $eval). Such a block is replaced, in that tree, by a
 * call of a function that evaluates it lazily (only when the original would have) and keeps its
 * value for the rest of the execution; errors repeat as they were.
 */

type Node = Record<string, any>;

/** Built-in functions whose result depends only on their arguments (JSONata's and Step Functions'). */
const PURE_FUNCTIONS = new Set([
    "string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim", "pad", "contains",
    "split", "join", "match", "replace", "base64encode", "base64decode", "encodeUrlComponent", "encodeUrl", "decodeUrlComponent",
    "decodeUrl", "formatNumber", "formatBase", "formatInteger", "parseInteger", "number", "abs", "floor", "ceil", "round", "power",
    "sqrt", "boolean", "not", "exists", "count", "append", "sort", "reverse", "distinct", "zip", "sum", "max", "min", "average",
    "keys", "lookup", "spread", "merge", "sift", "each", "error", "assert", "type", "map", "filter", "single", "reduce",
    "toMillis", "fromMillis", "partition", "range", "hash", "parse",
]);

/** The parts of `$states.context.Execution` that stay the same for the whole execution. */
const EXECUTION_CONSTANTS = new Set(["Input", "Id", "Name", "StartTime"]);

/** Node types that read the context item. */
const CONTEXT_STEPS = new Set(["name", "wildcard", "descendant", "parent"]);

interface Analysis {
    /** Variables read that the block does not bind itself. */
    free: Set<string>;
    ok: boolean;
}

/** Every object-valued field of a node (its children), with the field's name. */
function children(node: Node): Array<[string, unknown]> {
    return Object.entries(node).filter(([k, v]) => k !== "position" && v !== null && typeof v === "object" && !(v instanceof RegExp));
}

/** Whether a path reads `$states.context.Execution.<constant>` (and only that part of $states). */
function isExecutionConstantPath(node: Node): boolean {
    const [head, context, execution, field] = node.steps ?? [];
    const plain = (step: Node | undefined, value: string | Set<string>) => step?.type === "name" && !step.stages && !step.predicate && !step.group
        && (typeof value === "string" ? step.value === value : value.has(step.value));
    return head?.type === "variable" && head.value === "states" && !head.stages && !head.predicate
        && plain(context, "context") && plain(execution, "Execution") && plain(field, EXECUTION_CONSTANTS);
}

/**
 * Walks one subtree: free variables, and whether anything in it depends on more than the
 * execution's constants. `itemContext`: the node is evaluated against a path's items (a step after
 * the first, a stage, a predicate, a group, a sort term), where reading the context is fine.
 */
function analyse(node: unknown, itemContext: boolean, out: Analysis, bound: Set<string>): void {
    if (!out.ok) return;
    if (Array.isArray(node)) {
        for (const child of node) analyse(child, itemContext, out, bound);
        return;
    }
    if (node === null || typeof node !== "object") return;
    const n = node as Node;
    switch (n.type) {
        case "variable":
            if (n.value === "" || n.value === "$") {
                if (!itemContext) out.ok = false;
            } else if (n.value === "states") {
                out.ok = false; // Only the constant path form (below) may read $states.
            } else if (!bound.has(n.value)) out.free.add(n.value);
            break;
        case "path": {
            if (isExecutionConstantPath(n)) {
                // Later steps (after Input) read the input itself: analyse them as item steps.
                analyse(n.steps.slice(4), true, out, bound);
                return;
            }
            n.steps.forEach((step: Node, i: number) => analyse(step, itemContext || i > 0, out, bound));
            if (n.group) analyse(n.group, true, out, bound);
            for (const [k, v] of children(n)) if (k !== "steps" && k !== "group") analyse(v, true, out, bound);
            return;
        }
        case "bind":
            // The right-hand side first: `$x := $x + 1` reads the outer $x.
            analyse(n.rhs, itemContext, out, bound);
            if (n.lhs?.type === "variable") bound.add(n.lhs.value);
            return;
        case "block": {
            // A block has a scope of its own: what it binds is not bound after it.
            const inner = new Set(bound);
            for (const expression of n.expressions ?? []) analyse(expression, itemContext, out, inner);
            for (const [k, v] of children(n)) if (k !== "expressions") analyse(v, true, out, inner);
            return;
        }
        case "lambda": {
            const inner = new Set(bound);
            for (const arg of n.arguments ?? []) inner.add(arg.value);
            // A function body is evaluated wherever it is called: its context is not known here.
            analyse(n.body, false, out, inner);
            return;
        }
        case "function":
        case "partial":
            if (n.procedure?.type === "variable" && !bound.has(n.procedure.value) && !PURE_FUNCTIONS.has(n.procedure.value)) {
                out.ok = false;
                return;
            }
            break;
        case "sort":
            analyse(n.terms, true, out, bound);
            break;
        default:
            if (CONTEXT_STEPS.has(n.type) && !itemContext) out.ok = false;
    }
    for (const [k, v] of children(n)) {
        if (n.type === "sort" && k === "terms") continue;
        // Stages and predicates filter a step's items.
        analyse(v, itemContext || k === "stages" || k === "predicate", out, bound);
    }
}

/** Names bound anywhere in a tree (a block's free variable must not be one of them: it could be shadowed). */
function boundNames(node: unknown, names: Set<string>): Set<string> {
    if (Array.isArray(node)) node.forEach(child => boundNames(child, names));
    else if (node !== null && typeof node === "object") {
        const n = node as Node;
        if (n.type === "bind" && n.lhs?.type === "variable") names.add(n.lhs.value);
        if (n.type === "lambda") for (const arg of n.arguments ?? []) names.add(arg.value);
        for (const [, v] of children(n)) boundNames(v, names);
    }
    return names;
}

/** A block worth caching: one that does enough work (a few nodes are cheaper to evaluate than to look up). */
const MIN_NODES = 20;

function size(node: unknown): number {
    if (Array.isArray(node)) return node.reduce((sum: number, child) => sum + size(child), 0);
    if (node === null || typeof node !== "object") return 0;
    return 1 + children(node as Node).reduce((sum, [, v]) => sum + size(v), 0);
}

/** A block found to be constant in an execution, moved out of its tree. */
export interface ExecutionConstant {
    /** The name of the function called in its place (`$<name>()`). */
    name: string;
    /** The block as it was, for evaluating on its own; the same text gets the same key in every expression. */
    block: Node;
    key: string;
}

let counter = 0;
const keys = new Map<string, string>();

/**
 * Finds the execution-constant blocks of a compiled expression's tree and replaces each, in
 * place, by a call `$<name>()`. Returns what was replaced (nothing when none qualifies).
 */
export function extractExecutionConstants(ast: Node): ExecutionConstant[] {
    const found: ExecutionConstant[] = [];
    const shadowable = boundNames(ast, new Set());
    const visit = (node: unknown, safe: boolean): void => {
        if (Array.isArray(node)) {
            node.forEach(child => visit(child, safe));
            return;
        }
        if (node === null || typeof node !== "object") return;
        const n = node as Node;
        if (safe && n.type === "bind" && n.rhs?.type === "block" && !n.rhs.stages && !n.rhs.predicate && size(n.rhs) >= MIN_NODES) {
            const out: Analysis = { free: new Set(), ok: true };
            analyse(n.rhs, false, out, new Set());
            if (out.ok && [...out.free].every(v => PURE_FUNCTIONS.has(v) && !shadowable.has(v))) {
                const block: Node = { ...n.rhs };
                const key = JSON.stringify(block, (k, v) => (k === "position" ? undefined : v instanceof RegExp ? `/${v.source}/${v.flags}` : v));
                if (!keys.has(key)) keys.set(key, `__executionConstant${++counter}`);
                const name = keys.get(key)!;
                found.push({ name, block, key });
                const keepArray = n.rhs.keepArray;
                n.rhs = { type: "function", value: "(", procedure: { type: "variable", value: name, position: n.rhs.position }, arguments: [], position: n.rhs.position, ...(keepArray ? { keepArray } : {}) };
                return;
            }
        }
        switch (n.type) {
            case "lambda":
                visit(n.body, false);
                return;
            case "path":
                n.steps.forEach((step: Node, i: number) => visit(step, safe && i === 0 && !step.stages && !step.predicate));
                return;
            default:
                for (const [k, v] of children(n)) visit(v, safe && k !== "stages" && k !== "predicate" && k !== "group" && k !== "terms");
        }
    };
    visit(ast, true);
    return found;
}
