import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { configKeyProblems, PROJECT_NAME, RawConfigReader } from "../lib/settings";
import { fsReason, specialKind } from "./fsMessages";
import { escapeControls } from "./safeText";

export const PROJECT_DIR = path.join(__dirname, "..");

/**
 * A stack's config file (Pulumi.<stack>.yaml), read the way the Pulumi CLI hands it to the program:
 * strings stay strings; lists, maps, numbers and booleans become JSON.
 */
export interface StackConfig {
    stack: string;
    file: string;
    /** Every key (namespaced, e.g. "aws:region") → raw value as the program sees it. */
    values: Record<string, string>;
    region: string;
    read: RawConfigReader;
}

/** Stack files larger than this are refused (the bundled ones are under 1 KB). */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const STACK_FILE_NAME = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/;

/**
 * The stack a run is for: --stack when given; else the <name> of a --stack-file named
 * Pulumi.<name>.yaml; else dev. A --stack-file with another name needs --stack, so that its
 * settings never end up under another stack's name (out/dev).
 */
export function stackName(stack: string | undefined, file?: string): string {
    if (stack !== undefined) {
        if (!STACK_NAME.test(stack)) throw new Error(`--stack ${JSON.stringify(stack)}: a stack name is letters, digits, _, . and -`);
        return stack;
    }
    if (file === undefined) return "dev";
    const m = STACK_FILE_NAME.exec(path.basename(file));
    if (!m) throw new Error(`--stack-file ${file}: the file is not named Pulumi.<stack>.yaml, so give the stack's name with --stack`);
    return m[1];
}

/** Reads a stack file as text, refusing what cannot be one (a directory, a device, a huge file). */
function readStackFileText(file: string, shown: string): string {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch (err) {
        throw new Error(`${shown} cannot be read: ${fsReason(err)}`);
    }
    if (stat.isDirectory()) throw new Error(`${shown} is a directory, not a Pulumi.<stack>.yaml file`);
    const special = specialKind(stat);
    if (special) throw new Error(`${shown} is ${special}, not a Pulumi.<stack>.yaml file`);
    if (stat.size > MAX_STACK_FILE_BYTES) throw new Error(`${shown} is ${stat.size} bytes; a stack file over ${MAX_STACK_FILE_BYTES} bytes is not read`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`${shown} cannot be read: ${fsReason(err)}`);
    }
}

/**
 * Parses a stack file's YAML. Anchors and aliases are refused as soon as the parser meets one
 * (stack files have no use for them, and aliases nested in aliases expand exponentially: a
 * "billion laughs" file).
 */
function parseStackYaml(text: string, shown: string): unknown {
    try {
        return yaml.load(text, {
            // The core schema, as the Pulumi CLI reads a stack file: `2026-01-01` stays the text
            // written (js-yaml's default schema would make it a Date), no !!binary, !!set or << merges.
            schema: yaml.CORE_SCHEMA,
            listener(event, state) {
                if (event !== "close") return;
                const anchor = Object.keys((state as unknown as { anchorMap: object }).anchorMap)[0];
                if (anchor === undefined) return;
                const line = text.split("\n").findIndex(l => l.includes(`&${anchor}`)) + 1 || state.line + 1;
                throw new Error(`${shown}:${line}: YAML anchors and aliases (&${anchor}) are not accepted in stack files; write the values out`);
            },
        });
    } catch (err) {
        if (err instanceof yaml.YAMLException) {
            const at = err.mark ? `:${err.mark.line + 1}:${err.mark.column + 1}` : "";
            throw new Error(`${shown}${at}: not valid YAML: ${err.reason ?? err.message}`);
        }
        throw err;
    }
}

/** The YAML spelling (.inf, -.inf, .nan) of the first number in `value` that JSON cannot hold. */
function nonFiniteNumber(value: unknown): string | undefined {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
        const v = pending.pop();
        if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf";
        if (v !== null && typeof v === "object") pending.push(...Object.values(v as object));
    }
    return undefined;
}

const kindOf = (value: unknown) => value === null ? "empty" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `a ${typeof value}`;
const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Reads Pulumi.<stack>.yaml from the project, or `file` when given (e.g. a copy being tried out;
 * relative to `baseDir`). `stack` undefined: see stackName.
 */
export function readStackConfig(stack: string | undefined, projectDir: string = PROJECT_DIR, file?: string, baseDir: string = process.cwd()): StackConfig {
    if (file !== undefined) file = path.resolve(baseDir, file);
    stack = stackName(stack, file);
    const shown = file !== undefined ? escapeControls(file) : `Pulumi.${stack}.yaml`;
    if (file === undefined) {
        file = path.join(projectDir, `Pulumi.${stack}.yaml`);
        if (!fs.existsSync(file)) {
            const stacks = fs.readdirSync(projectDir).filter(f => /^Pulumi\..+\.yaml$/.test(f)).map(f => f.slice(7, -5));
            throw new Error(`--stack ${stack}: ${path.basename(file)} does not exist; stacks here: ${stacks.join(", ")}`);
        }
    } else if (!fs.existsSync(file)) throw new Error(`--stack-file ${shown} does not exist`);
    const parsed = parseStackYaml(readStackFileText(file, shown), shown);
    // An empty file (or a bare `config:`) is a stack without settings, as for Pulumi.
    if (parsed !== null && parsed !== undefined && !isMapping(parsed)) throw new Error(`${shown}: a stack file is a YAML mapping (config: ...), not ${kindOf(parsed)}`);
    const rawConfig = parsed?.config ?? {};
    if (!isMapping(rawConfig)) throw new Error(`${shown}: config: must be a mapping of key: value, not ${kindOf(rawConfig)}`);
    const config: Record<string, unknown> = rawConfig;
    // Keys are the user's: none may reach Object.prototype (a key `__proto__` would vanish).
    const values = Object.create(null) as Record<string, string>;
    const secrets: string[] = [];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        // JSON (how Pulumi hands lists, maps and numbers over) has no infinity or NaN: the value
        // would arrive as null.
        const odd = nonFiniteNumber(value);
        if (odd !== undefined) {
            problems.push(`${path.basename(file)}: ${escapeControls(key)}: ${odd} is YAML's ${odd.endsWith("nan") ? "not-a-number" : "infinity"}, which no setting takes (Pulumi hands values over as JSON, which has neither); give a finite number, or quote it for the text`);
            continue;
        }
        // A secret is stored as `key: {secure: <ciphertext>}`.
        if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).join() === "secure") secrets.push(key);
        if (value !== null && value !== undefined) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const unknownNamespace = Object.keys(values).filter(k => !k.startsWith(`${PROJECT_NAME}:`) && !k.startsWith("aws:"));
    if (unknownNamespace.length > 0) problems.push(`${path.basename(file)}: keys outside ${PROJECT_NAME}: and aws:: ${unknownNamespace.map(escapeControls).join(", ")}`);
    // Misspelt and secret settings, refused with the message the program itself gives.
    const keyProblems = configKeyProblems({ keys: Object.keys(values), isSecret: key => secrets.includes(key) });
    problems.push(...keyProblems.map(p => `${path.basename(file)}: ${p}`));
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return { stack, file, values, region: values["aws:region"] ?? "us-east-1", read: key => values[`${PROJECT_NAME}:${key}`] };
}
