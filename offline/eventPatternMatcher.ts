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

/** A pattern level's fields with their dotted names, worked out once per pattern object and path (patterns are not changed once built). */
const compiled = new WeakMap<Record<string, unknown>, Map<string, Array<[key: string, expected: unknown, field: string]>>>();

function fieldsOf(pattern: Record<string, unknown>, path: string): Array<[string, unknown, string]> {
    let byPath = compiled.get(pattern);
    if (!byPath) compiled.set(pattern, byPath = new Map());
    let fields = byPath.get(path);
    if (!fields) byPath.set(path, fields = Object.entries(pattern).map(([key, expected]) => [key, expected, path ? `${path}.${key}` : key]));
    return fields;
}

function matchNodes(nodes: unknown[], pattern: Record<string, unknown>, path: string): MatchResult {
    for (const [key, expected, field] of fieldsOf(pattern, path)) {
        if (key === "$or") {
            // "$or": a list of patterns, at least one of which must match at this level.
            if (!Array.isArray(expected) || expected.length < 2) throw new Error(`event pattern field ${field} must be a list of at least two patterns`);
            if (!expected.some(branch => matchNodes(nodes, branch as Record<string, unknown>, path).matched)) return { matched: false, field };
            continue;
        }
        const values = valuesAt(nodes, key);
        if (Array.isArray(expected)) {
            if (!matchLeaf(values, expected)) return { matched: false, field };
        } else if (expected !== null && typeof expected === "object") {
            const inner = matchNodes(values, expected as Record<string, unknown>, field);
            if (!inner.matched) return inner;
        } else {
            throw new Error(`event pattern field ${field} must be a list or an object`);
        }
    }
    return { matched: true };
}

/** Every field of a pattern the nodes fail, in the pattern's order (a failed `$or` is named as one field). */
function failingNodes(nodes: unknown[], pattern: Record<string, unknown>, path: string): string[] {
    const failing: string[] = [];
    // The compiled dotted names: every filtered finding of a replay lists the same few strings, shared.
    for (const [key, expected, field] of fieldsOf(pattern, path)) {
        if (key === "$or" || Array.isArray(expected)) {
            if (!matchNodes(nodes, { [key]: expected }, path).matched) failing.push(field);
        } else if (expected !== null && typeof expected === "object") {
            failing.push(...failingNodes(valuesAt(nodes, key), expected as Record<string, unknown>, field));
        } else {
            throw new Error(`event pattern field ${field} must be a list or an object`);
        }
    }
    return failing;
}

/**
 * Every field of the pattern the event fails, not only the first: what would have to change for
 * the event to match (empty when it matches). The first is the one matchEventPattern names.
 */
export function failingFields(pattern: Record<string, unknown>, event: unknown): string[] {
    return failingNodes([event], pattern, "");
}

/** Matches an event against a pattern; when it does not match, names the first field that failed. */
export function matchEventPattern(pattern: Record<string, unknown>, event: unknown): MatchResult {
    return matchNodes([event], pattern, "");
}
