/**
 * EventBridge event-pattern matching, for replaying findings offline. It covers the pattern
 * features this project can produce and a few neighbours (exact values, nested fields, arrays,
 * prefix, anything-but, exists, numeric, $or); any other operator is refused rather than guessed.
 *
 * Semantics (EventBridge user guide, "Event patterns"): every field of the pattern must match
 * (AND); a field matches when any event value at that path equals any listed matcher (OR); arrays
 * in the event are flattened along the path, so a pattern value matches when it intersects them.
 */

export type MatchResult = { matched: true } | { matched: false; field: string };

const SUPPORTED = new Set(["prefix", "anything-but", "exists", "numeric"]);

/** Every value at `key` under the given nodes, arrays flattened. */
function valuesAt(nodes: unknown[], key: string): unknown[] {
    // The common case, one object holding a plain value or object: no loop, one small array.
    if (nodes.length === 1) {
        const node = nodes[0];
        if (node === null || typeof node !== "object" || Array.isArray(node) || !(key in node)) return [];
        const value = (node as Record<string, unknown>)[key];
        return Array.isArray(value) ? value.flat(Infinity) : [value];
    }
    const values: unknown[] = [];
    for (const node of nodes) {
        if (node === null || typeof node !== "object" || Array.isArray(node)) continue;
        if (!(key in node)) continue;
        const value = (node as Record<string, unknown>)[key];
        if (Array.isArray(value)) values.push(...value.flat(Infinity));
        else values.push(value);
    }
    return values;
}

const NUMERIC_OPERATORS = new Set(["<", "<=", "=", ">", ">="]);

/**
 * `{"numeric": [op, bound, (op, bound)]}`: the value must be a JSON number (a string "4" never
 * matches) and satisfy every comparison. Numbers compare as numbers, so 4 and 4.0 are equal
 * (EventBridge user guide, "Numeric matching"). A malformed spec is refused, as EventBridge
 * refuses such a rule when it is created.
 */
function numericMatch(value: unknown, spec: unknown): boolean {
    if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) {
        throw new Error(`numeric ${JSON.stringify(spec)} must be one or two pairs of an operator and a number`);
    }
    for (let i = 0; i < spec.length; i += 2) {
        if (!NUMERIC_OPERATORS.has(spec[i])) throw new Error(`numeric operator ${JSON.stringify(spec[i])} is not supported`);
        if (typeof spec[i + 1] !== "number" || !Number.isFinite(spec[i + 1])) throw new Error(`numeric ${JSON.stringify(spec)}: ${JSON.stringify(spec[i + 1])} is not a number`);
    }
    if (typeof value !== "number") return false;
    for (let i = 0; i < spec.length; i += 2) {
        const op = spec[i];
        const bound = spec[i + 1] as number;
        const ok = op === "<" ? value < bound : op === "<=" ? value <= bound : op === "=" ? value === bound : op === ">" ? value > bound : value >= bound;
        if (!ok) return false;
    }
    return true;
}

function anythingBut(value: unknown, spec: unknown): boolean {
    if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
        const { prefix } = spec as { prefix?: string };
        if (prefix === undefined) throw new Error(`anything-but ${JSON.stringify(spec)} is not supported`);
        return typeof value === "string" && !value.startsWith(prefix);
    }
    const excluded = Array.isArray(spec) ? spec : [spec];
    return (typeof value === "string" || typeof value === "number") && !excluded.includes(value);
}

/** Does one event value satisfy one matcher of a pattern list? */
function matchesOne(value: unknown, matcher: unknown): boolean {
    if (matcher === null || typeof matcher !== "object") return value === matcher;
    const [operator, ...rest] = Object.keys(matcher);
    if (rest.length > 0 || !SUPPORTED.has(operator)) {
        throw new Error(`event pattern operator ${JSON.stringify(matcher)} is not supported by the offline matcher`);
    }
    const spec = (matcher as Record<string, unknown>)[operator];
    switch (operator) {
        case "prefix": return typeof value === "string" && typeof spec === "string" && value.startsWith(spec);
        case "anything-but": return anythingBut(value, spec);
        case "numeric": return numericMatch(value, spec);
        default: return false;
    }
}

function matchLeaf(values: unknown[], matchers: unknown[]): boolean {
    const existence = matchers.find(m => m !== null && typeof m === "object" && "exists" in (m as object)) as { exists: boolean } | undefined;
    if (existence) return existence.exists ? values.length > 0 : values.length === 0;
    return values.some(value => matchers.some(matcher => matchesOne(value, matcher)));
}

/**
 * One field of a pattern level, worked out once per pattern object and path (patterns are not
 * changed once built): its dotted name, what kind of field it is, and the result naming it when it
 * fails. Nothing is checked here: a malformed field is refused when the matcher reaches it, as
 * before, so an event that fails an earlier field never meets the error.
 */
interface CompiledField {
    key: string;
    expected: unknown;
    field: string;
    /** The dotted path of the level the field is in (a `$or`'s branches are matched at it). */
    path: string;
    kind: "or" | "leaf" | "nested" | "invalid";
    /** A leaf of strings only (no operator objects): a value matches when it is one of them (`===` on strings). */
    strings?: Set<string>;
    /** The inner level of a nested field, compiled when first reached. */
    inner?: CompiledField[];
    failed: MatchResult;
}

const MATCHED: MatchResult = { matched: true };
const compiled = new WeakMap<Record<string, unknown>, Map<string, CompiledField[]>>();

function compileField(key: string, expected: unknown, path: string): CompiledField {
    const field = path ? `${path}.${key}` : key;
    const kind = key === "$or" ? "or" : Array.isArray(expected) ? "leaf" : expected !== null && typeof expected === "object" ? "nested" : "invalid";
    const strings = kind === "leaf" && (expected as unknown[]).every(m => typeof m === "string") ? new Set(expected as string[]) : undefined;
    return { key, expected, field, path, kind, strings, failed: { matched: false, field } };
}

function fieldsOf(pattern: Record<string, unknown>, path: string): CompiledField[] {
    let byPath = compiled.get(pattern);
    if (!byPath) compiled.set(pattern, byPath = new Map());
    let fields = byPath.get(path);
    if (!fields) byPath.set(path, fields = Object.entries(pattern).map(([key, expected]) => compileField(key, expected, path)));
    return fields;
}

function innerOf(f: CompiledField): CompiledField[] {
    return f.inner ??= fieldsOf(f.expected as Record<string, unknown>, f.field);
}

/** The branches of a `$or` field: a list of patterns, at least one of which must match at its level. */
function branchesOf(f: CompiledField): Array<Record<string, unknown>> {
    if (!Array.isArray(f.expected) || f.expected.length < 2) throw new Error(`event pattern field ${f.field} must be a list of at least two patterns`);
    return f.expected as Array<Record<string, unknown>>;
}

function invalidField(f: CompiledField): Error {
    return new Error(`event pattern field ${f.field} must be a list or an object`);
}

/** Whether some of the values satisfy a leaf field (for a list of plain strings, the same answer as matchLeaf: some value is one of them). */
function leafHolds(values: unknown[], f: CompiledField): boolean {
    const strings = f.strings;
    if (!strings) return matchLeaf(values, f.expected as unknown[]);
    for (const value of values) if (typeof value === "string" && strings.has(value)) return true;
    return false;
}

/** Whether the nodes satisfy one `$or` or leaf field (a nested field is walked by its caller). */
function holds(nodes: unknown[], f: CompiledField): boolean {
    if (f.kind === "or") return branchesOf(f).some(branch => matchNodes(nodes, fieldsOf(branch, f.path)).matched);
    return leafHolds(valuesAt(nodes, f.key), f);
}

function matchNodes(nodes: unknown[], fields: CompiledField[]): MatchResult {
    for (const f of fields) {
        if (f.kind === "nested") {
            const inner = matchNodes(valuesAt(nodes, f.key), innerOf(f));
            if (!inner.matched) return inner;
        } else if (f.kind === "invalid") {
            throw invalidField(f);
        } else if (!holds(nodes, f)) {
            return f.failed;
        }
    }
    return MATCHED;
}

/**
 * matchNodes for one node (an event, or the one object at a path), without building the lists of
 * values: the value at a key is taken as it is unless it is a list, which goes the general way.
 * The same fields in the same order as matchNodes([node], fields), so the same result and errors.
 */
function matchOne(node: unknown, fields: CompiledField[]): MatchResult {
    const isNode = node !== null && typeof node === "object" && !Array.isArray(node);
    for (const f of fields) {
        if (f.kind === "invalid") throw invalidField(f);
        if (f.kind === "or") {
            if (!branchesOf(f).some(branch => matchOne(node, fieldsOf(branch, f.path)).matched)) return f.failed;
            continue;
        }
        const present = isNode && f.key in (node as object);
        let value = present ? (node as Record<string, unknown>)[f.key] : undefined;
        // A list of one value that is not a list (as `detail.findings` is) flattens to that value.
        if (Array.isArray(value) && value.length === 1 && 0 in value && !Array.isArray(value[0])) value = value[0];
        else if (!present || Array.isArray(value)) {
            // No value, or a list of several: the general way.
            const values = present ? (value as unknown[]).flat(Infinity) : [];
            if (f.kind === "nested") {
                const inner = matchNodes(values, innerOf(f));
                if (!inner.matched) return inner;
            } else if (!leafHolds(values, f)) {
                return f.failed;
            }
            continue;
        }
        if (f.kind === "nested") {
            const inner = matchOne(value, innerOf(f));
            if (!inner.matched) return inner;
        } else if (!leafHolds([value], f)) {
            return f.failed;
        }
    }
    return MATCHED;
}

/** Every field of a pattern the nodes fail, in the pattern's order (a failed `$or` is named as one field). */
function failingNodes(nodes: unknown[], fields: CompiledField[], failing: string[]): string[] {
    // The compiled dotted names: every filtered finding of a replay lists the same few strings, shared.
    for (const f of fields) {
        if (f.kind === "nested") failingNodes(valuesAt(nodes, f.key), innerOf(f), failing);
        else if (f.kind === "invalid") throw invalidField(f);
        else if (!holds(nodes, f)) failing.push(f.field);
    }
    return failing;
}

/**
 * Every field of the pattern the event fails, not only the first: what would have to change for
 * the event to match (empty when it matches). The first is the one matchEventPattern names.
 */
export function failingFields(pattern: Record<string, unknown>, event: unknown): string[] {
    return failingNodes([event], fieldsOf(pattern, ""), []);
}

/** Matches an event against a pattern; when it does not match, names the first field that failed. */
export function matchEventPattern(pattern: Record<string, unknown>, event: unknown): MatchResult {
    return matchOne(event, fieldsOf(pattern, ""));
}
