import * as crypto from "crypto";
import jsonata from "jsonata";
import { extractExecutionConstants } from "./jsonataExecutionMemo";
import { jsonataSync, SyncExpression } from "./jsonataSync";

/**
 * JSONata as Step Functions runs it: the jsonata package at the version Step Functions uses
 * (2.0.x), plus the functions Step Functions adds ($partition, $range, $hash, $random, $uuid,
 * $parse) and without $eval, which Step Functions does not offer.
 *
 * The replay evaluates with the package's own evaluator made synchronous (offline/jsonataSync.ts);
 * `library: "published"` evaluates with the package as published (asynchronous), which the tests
 * use as the reference.
 */

/** An error carrying a Step Functions error name (e.g. States.QueryEvaluationError). */
export class StatesError extends Error {
    constructor(name: string, message: string) {
        super(message);
        this.name = name;
    }
}

const HASH_ALGORITHMS: Record<string, string> = { "MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

/** Mulberry32: a small seeded generator, so that $random(seed) repeats for the same seed. */
function seededRandom(seed: number): number {
    let t = (seed + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function fail(message: string): never {
    throw new StatesError("States.QueryEvaluationError", message);
}

const stepFunctionsFunctions: Array<[string, (...args: any[]) => unknown, string]> = [
    ["partition", (array: unknown[], size: number) => {
        if (!Array.isArray(array) || !Number.isInteger(size) || size < 1) fail("$partition expects an array and a positive chunk size");
        const chunks: unknown[][] = [];
        for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
        return chunks;
    }, "<an:a>"],
    ["range", (start: number, end: number, step: number) => {
        if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(step) || step === 0) fail("$range expects whole numbers and a non-zero step");
        const values: number[] = [];
        for (let v = start; step > 0 ? v <= end : v >= end; v += step) values.push(v);
        return values;
    }, "<nnn:a<n>>"],
    ["hash", (value: unknown, algorithm: string) => {
        const name = HASH_ALGORITHMS[algorithm];
        if (!name) fail(`$hash algorithm ${JSON.stringify(algorithm)} is not one of ${Object.keys(HASH_ALGORITHMS).join(", ")}`);
        if (typeof value !== "string") fail("$hash expects a string to hash");
        return crypto.createHash(name).update(value as string, "utf8").digest("hex");
    }, "<ss:s>"],
    ["random", (seed?: number) => (seed === undefined ? Math.random() : seededRandom(Math.trunc(seed))), "<n?:n>"],
    ["uuid", () => crypto.randomUUID(), "<:s>"],
    ["parse", (text: string) => {
        try {
            return JSON.parse(text);
        } catch {
            return fail("$parse expects a JSON string");
        }
    }, "<s:x>"],
];

/** Which build of the jsonata package evaluates: the synchronous one (the replay's) or the package as published. */
export type JsonataLibrary = "sync" | "published";

/** Either build's expression; the published one's `evaluate` returns a promise. */
type Expression = SyncExpression | jsonata.Expression;

interface Compiled {
    expression: Expression;
    /** Blocks constant in an execution, moved out of the expression (offline/jsonataExecutionMemo.ts), each compiled the same way. */
    constants: Array<{ name: string; key: string; compiled: Compiled }>;
}

function withStepFunctionsFunctions<E extends Expression>(expr: E): E {
    for (const [name, impl, signature] of stepFunctionsFunctions) expr.registerFunction(name, impl, signature);
    expr.registerFunction("eval", () => fail("$eval is not available in Step Functions; use $parse"));
    return expr;
}

const LIBRARIES: Record<JsonataLibrary, (expression: string) => Expression> = { sync: jsonataSync, published: jsonata };

/** A compiled expression with its execution-constant blocks moved out (and theirs, in turn). */
function prepared(expr: Expression, library: JsonataLibrary): Compiled {
    const constants = extractExecutionConstants(expr.ast() as Record<string, any>).map(c => {
        // An expression of its own whose tree is the block (the tree of a placeholder expression, replaced).
        const own = LIBRARIES[library]("0");
        const root = own.ast() as Record<string, any>;
        for (const k of Object.keys(root)) delete root[k];
        Object.assign(root, c.block);
        return { name: c.name, key: c.key, compiled: prepared(own, library) };
    });
    return { expression: withStepFunctionsFunctions(expr), constants };
}

/** Compiled expressions, per build and per whether execution-constant blocks are moved out, by the expression's whole "{% … %}" text. */
const compiledCache = new Map<string, Map<string, Compiled | undefined>>();

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The compiled expression of a "{% … %}" text, or undefined when the text is a literal string. */
function compile(text: string, executionConstants: boolean, library: JsonataLibrary): Compiled | undefined {
    const cacheKey = `${library}:${executionConstants}`;
    const cache = compiledCache.get(cacheKey) ?? compiledCache.set(cacheKey, new Map()).get(cacheKey)!;
    if (cache.has(text)) return cache.get(text);
    const match = EXPRESSION.exec(text);
    let entry: Compiled | undefined;
    if (match) {
        let expr: Expression;
        try {
            expr = LIBRARIES[library](match[1]);
        } catch (err) {
            fail(`JSONata syntax error: ${(err as Error).message}`);
        }
        entry = executionConstants ? prepared(expr!, library) : { expression: withStepFunctionsFunctions(expr!), constants: [] };
    }
    cache.set(text, entry);
    return entry;
}

/** Per execution (its context's Execution object), the values of its execution-constant blocks. */
const executionConstants = new WeakMap<object, Map<string, unknown>>();

/** The bindings of one evaluation: $states, and a function per execution-constant block that evaluates it once per execution. */
function bindingsFor(entry: Compiled, states: StatesBinding): Record<string, unknown> {
    const bindings: Record<string, unknown> = { states };
    if (entry.constants.length === 0) return bindings;
    const execution = (states.context as { Execution?: unknown } | undefined)?.Execution;
    const cache = execution !== null && typeof execution === "object"
        ? executionConstants.get(execution) ?? executionConstants.set(execution, new Map()).get(execution)!
        : new Map<string, unknown>();
    const constantStates = { context: states.context };
    for (const { name, key, compiled: block } of entry.constants) {
        bindings[name] = () => {
            // The published build's value is a promise (jsonata awaits it); a failure is kept too, so it repeats as it was.
            if (!cache.has(key)) {
                let value: unknown;
                try {
                    value = { value: block.expression.evaluate(undefined, bindingsFor(block, constantStates as StatesBinding)) };
                } catch (err) {
                    value = { err };
                }
                cache.set(key, value);
            }
            const kept = cache.get(key) as { value?: unknown; err?: unknown };
            if ("err" in kept) throw kept.err;
            return kept.value;
        };
    }
    return bindings;
}

/** The `$states` variable of a JSONata state. */
export interface StatesBinding {
    input: unknown;
    context: unknown;
    result?: unknown;
    errorOutput?: unknown;
}

/** Options of an evaluation: which build, and whether execution-constant blocks are evaluated once per execution. */
export interface EvaluationOptions {
    /** Default true: what is constant in an execution is evaluated once (offline/jsonataExecutionMemo.ts, which must give the same results). false evaluates every part afresh, as Step Functions does. */
    executionConstants?: boolean;
    /** Default "sync" (the replay's build); "published" evaluates with the package as published, the reference. */
    library?: JsonataLibrary;
}

/** Plain JSON, as Step Functions serialises results between states. */
function asJson(value: unknown, text: string): unknown {
    if (value === undefined) fail(`the JSONata expression returned no value: ${text.slice(2, -2).trim().slice(0, 120)}`);
    // A string, a boolean, null or a finite number other than -0 serialises to itself: no copy needed.
    if (typeof value === "string" || typeof value === "boolean" || value === null) return value;
    if (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0)) return value;
    return JSON.parse(JSON.stringify(value));
}

function asStatesError(err: unknown): StatesError {
    if (err instanceof StatesError) return err;
    // A failing expression ($error, a type error) fails the state as Step Functions reports it.
    return new StatesError("States.QueryEvaluationError", (err as { message?: string }).message ?? String(err));
}

/** Evaluates one "{% … %}" string with the synchronous build; other strings are literals. */
function evaluateStringSync(text: string, states: StatesBinding, executionConstants: boolean): unknown {
    let value: unknown;
    try {
        const entry = compile(text, executionConstants, "sync");
        if (!entry) return text;
        value = entry.expression.evaluate(undefined, bindingsFor(entry, states));
    } catch (err) {
        throw asStatesError(err);
    }
    return asJson(value, text);
}

/** Evaluates a JSONata template with the synchronous build: every "{% … %}" string at any depth. */
function evaluateTemplateSync(template: unknown, states: StatesBinding): unknown {
    if (typeof template === "string") return evaluateStringSync(template, states, true);
    if (Array.isArray(template)) return template.map(item => evaluateTemplateSync(item, states));
    if (template !== null && typeof template === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(template)) out[k] = evaluateTemplateSync(v, states);
        return out;
    }
    return template;
}

/** Evaluates one "{% … %}" string; other strings are literals. */
export async function evaluateString(text: string, states: StatesBinding, options: EvaluationOptions = {}): Promise<unknown> {
    const executionConstants = options.executionConstants ?? true;
    if ((options.library ?? "sync") === "sync") return evaluateStringSync(text, states, executionConstants);
    let value: unknown;
    try {
        const entry = compile(text, executionConstants, "published");
        if (!entry) return text;
        value = await entry.expression.evaluate(undefined, bindingsFor(entry, states));
    } catch (err) {
        throw asStatesError(err);
    }
    return asJson(value, text);
}

/** Evaluates a JSONata template (Arguments, Output): every "{% … %}" string at any depth. */
export async function evaluateTemplate(template: unknown, states: StatesBinding): Promise<unknown> {
    return evaluateTemplateSync(template, states);
}
