/**
 * How raw config values are read: the parsers every concern's settings use, and the shape of a
 * setting. Pulumi hands a value over as a plain string, or as JSON for lists, maps, numbers and
 * booleans (`pulumi config set --path` may store numbers as strings).
 */
import { AWS_REGION_PATTERN } from "../limits";

/** One setting: how to read its raw value, and its value when it is not set. */
export interface Setting<T> {
    parse: (raw: string) => T;
    default: T;
}

/** The settings of one concern, key by key, typed after its settings interface. */
export type SettingSpec<T> = { [K in keyof T]-?: Setting<T[K]> };

/** A problem with settings read together (e.g. one key needs another), naming the key to fix. */
export interface CrossCheckProblem {
    key: string;
    message: string;
}

/**
 * Thrown by a parser; the loader names the key. A setting made of parts (e.g. responsePlans) may
 * report several problems at once: the loader lists each on its own line.
 */
export class SettingError extends Error {
    readonly messages: string[];
    constructor(messages: string | string[]) {
        const list = Array.isArray(messages) ? messages : [messages];
        super(list.join("; "));
        this.messages = list;
    }
}

export const SNS_TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
export const CONTACT_ARN = /^arn:aws(-cn|-us-gov)?:ssm-contacts:[a-z0-9-]+:\d{12}:contact\/[a-z0-9_-]+$/;
export const REGION = new RegExp(AWS_REGION_PATTERN);

export function describe(value: unknown): string {
    return JSON.stringify(value);
}

export function parseJson(raw: string, expected: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        throw new SettingError(`${describe(raw)} is not ${expected}`);
    }
}

/**
 * A JSON list of strings. `max`: at most that many (an API's limit, named with `limitSource`, e.g.
 * "Incident Manager takes at most 5 engagements").
 */
export function stringList(raw: string, opts: { allowed?: readonly string[]; pattern?: RegExp; what: string; allowEmpty: boolean; max?: number; limitSource?: string }): string[] {
    const value = parseJson(raw, `a JSON list of ${opts.what}`);
    if (!Array.isArray(value)) {
        throw new SettingError(`${describe(value)} is not a list; give a JSON list of ${opts.what}`);
    }
    if (value.length === 0 && !opts.allowEmpty) {
        throw new SettingError(`the list is empty; give at least one of ${opts.what}`);
    }
    for (const item of value) {
        if (typeof item !== "string" || item.length === 0) {
            throw new SettingError(`${describe(item)} is not a non-empty string; give a JSON list of ${opts.what}`);
        }
        if (opts.allowed && !opts.allowed.includes(item)) {
            throw new SettingError(`${describe(item)} is not allowed; use one or more of ${opts.allowed.join(", ")}`);
        }
        if (opts.pattern && !opts.pattern.test(item)) {
            throw new SettingError(`${describe(item)} is not ${opts.what.replace(/s$/, "")}`);
        }
    }
    if (new Set(value).size !== value.length) {
        throw new SettingError(`${describe(value)} lists a value twice`);
    }
    if (opts.max !== undefined && value.length > opts.max) {
        throw new SettingError(`lists ${value.length} ${opts.what}; ${opts.limitSource ?? `at most ${opts.max} are allowed`}`);
    }
    return value as string[];
}

export function boolean(raw: string): boolean {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new SettingError(`${describe(raw)} is not a boolean; use true or false`);
}

export function integer(raw: string, min: number, max: number): number {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
        throw new SettingError(`${describe(raw)} is not a whole number from ${min} to ${max}`);
    }
    return value;
}

export function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    throw new SettingError(`${describe(raw)} is not allowed; use one of ${allowed.join(", ")}`);
}

export function matching(raw: string, pattern: RegExp, what: string): string {
    if (pattern.test(raw)) return raw;
    throw new SettingError(`${describe(raw)} is not ${what}`);
}
