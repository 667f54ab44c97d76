import * as crypto from "crypto";
import jsonata from "jsonata";
import { extractExecutionConstants } from "./jsonataExecutionMemo";

/**
 * JSONata as Step Functions runs it: the jsonata package at the version Step Functions uses
 * (2.0.x), plus the functions Step Functions adds ($partition, $range, $hash, $random, $uuid,
 * $parse) and without $eval, which Step Functions does not offer.
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

interface Compiled {
    expression: jsonata.Expression;
    /** Blocks constant in an execution, moved out of the expression (offline/jsonataExecutionMemo.ts), each compiled the same way. */
    constants: Array<{ name: string; key: string; compiled: Compiled }>;
}

const compiled = new Map<string, Compiled>();

function withStepFunctionsFunctions(expr: jsonata.Expression): jsonata.Expression {
    for (const [name, impl, signature] of stepFunctionsFunctions) expr.registerFunction(name, impl, signature);
    expr.registerFunction("eval", () => fail("$eval is not available in Step Functions; use $parse"));
    return expr;
}

/** A compiled expression with its execution-constant blocks moved out (and theirs, in turn). */
function prepared(expr: jsonata.Expression): Compiled {
    const constants = extractExecutionConstants(expr.ast() as Record<string, any>).map(c => {
        // An expression of its own whose tree is the block (the tree of a placeholder expression, replaced).
        const own = jsonata("0");
        const root = own.ast() as Record<string, any>;
        for (const k of Object.keys(root)) delete root[k];
        Object.assign(root, c.block);
        return { name: c.name, key: c.key, compiled: prepared(own) };
    });
    return { expression: withStepFunctionsFunctions(expr), constants };
}

/** Compiled as written, nothing moved out (tests compare the two). */
const compiledAsWritten = new Map<string, Compiled>();

function compile(expression: string, executionConstants = true): Compiled {
    const cache = executionConstants ? compiled : compiledAsWritten;
    let entry = cache.get(expression);
    if (!entry) {
        let expr: jsonata.Expression;
        try {
            expr = jsonata(expression);
        } catch (err) {
            fail(`JSONata syntax error: ${(err as Error).message}`);
        }
        entry = executionConstants ? prepared(expr!) : { expression: withStepFunctionsFunctions(expr!), constants: [] };
        cache.set(expression, entry);
    }
    return entry;
}

/** Per execution (its context's Execution object), the values of its execution-constant blocks. */
const executionConstants = new WeakMap<object, Map<string, Promise<unknown>>>();

/** The bindings of one evaluation: $states, and a function per execution-constant block that evaluates it once per execution. */
function bindingsFor(entry: Compiled, states: StatesBinding): Record<string, unknown> {
    const bindings: Record<string, unknown> = { states };
    if (entry.constants.length === 0) return bindings;
    const execution = (states.context as { Execution?: unknown } | undefined)?.Execution;
    const cache = execution !== null && typeof execution === "object"
        ? executionConstants.get(execution) ?? executionConstants.set(execution, new Map()).get(execution)!
        : new Map<string, Promise<unknown>>();
    const constantStates = { context: states.context };
    for (const { name, key, compiled: block } of entry.constants) {
        bindings[name] = () => {
            let value = cache.get(key);
            if (!value) {
                value = block.expression.evaluate(undefined, bindingsFor(block, constantStates as StatesBinding));
                cache.set(key, value);
            }
            return value;
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

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/**
 * Evaluates one "{% … %}" string; other strings are literals. `executionConstants: false`
 * evaluates every part of it afresh (as Step Functions does; the default caches what is constant
 * in an execution, offline/jsonataExecutionMemo.ts, which must give the same results).
 */
export async function evaluateString(text: string, states: StatesBinding, options: { executionConstants?: boolean } = {}): Promise<unknown> {
    const match = EXPRESSION.exec(text);
    if (!match) return text;
    let value: unknown;
    try {
        const entry = compile(match[1], options.executionConstants ?? true);
        value = await entry.expression.evaluate(undefined, bindingsFor(entry, states));
    } catch (err) {
        if (err instanceof StatesError) throw err;
        // A failing expression ($error, a type error) fails the state as Step Functions reports it.
        throw new StatesError("States.QueryEvaluationError", (err as { message?: string }).message ?? String(err));
    }
    if (value === undefined) fail(`the JSONata expression returned no value: ${match[1].trim().slice(0, 120)}`);
    // Plain JSON, as Step Functions serialises results between states.
    return JSON.parse(JSON.stringify(value));
}

/** Evaluates a JSONata template (Arguments, Output): every "{% … %}" string at any depth. */
export async function evaluateTemplate(template: unknown, states: StatesBinding): Promise<unknown> {
    if (typeof template === "string") return evaluateString(template, states);
    if (Array.isArray(template)) return Promise.all(template.map(item => evaluateTemplate(item, states)));
    if (template !== null && typeof template === "object") {
        const entries = await Promise.all(Object.entries(template).map(async ([k, v]) => [k, await evaluateTemplate(v, states)] as const));
        return Object.fromEntries(entries);
    }
    return template;
}
