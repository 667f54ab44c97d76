import * as crypto from "crypto";
import jsonata from "jsonata";

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

const compiled = new Map<string, jsonata.Expression>();

function compile(expression: string): jsonata.Expression {
    let expr = compiled.get(expression);
    if (!expr) {
        try {
            expr = jsonata(expression);
        } catch (err) {
            fail(`JSONata syntax error: ${(err as Error).message}`);
        }
        for (const [name, impl, signature] of stepFunctionsFunctions) expr!.registerFunction(name, impl, signature);
        expr!.registerFunction("eval", () => fail("$eval is not available in Step Functions; use $parse"));
        compiled.set(expression, expr!);
    }
    return expr!;
}

/** The `$states` variable of a JSONata state. */
export interface StatesBinding {
    input: unknown;
    context: unknown;
    result?: unknown;
    errorOutput?: unknown;
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** Evaluates one "{% … %}" string; other strings are literals. */
export async function evaluateString(text: string, states: StatesBinding): Promise<unknown> {
    const match = EXPRESSION.exec(text);
    if (!match) return text;
    let value: unknown;
    try {
        value = await compile(match[1]).evaluate(undefined, { states });
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
