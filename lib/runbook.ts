import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { AUTOMATION_LIMITS } from "./limits";
import { DynamicParameterValue, OPS_ITEM_RUNBOOK_PARAMETERS, opsItemRunbookProblems, runbookParameterProblems } from "./runbookParameters";

/** A runbook read from YAML and checked against AWS's Automation document schema. */
export interface Runbook {
    /** The file it came from. */
    file: string;
    /** The YAML text as deployed (document format YAML): as written, or re-written with pause timeouts. */
    content: string;
    /** The parsed document. */
    document: { schemaVersion: string; description?: string; mainSteps: RunbookStep[]; [key: string]: unknown };
}

export interface RunbookStep {
    name: string;
    action: string;
    nextStep?: string;
    onFailure?: string;
    onCancel?: string;
    isEnd?: boolean;
    [key: string]: unknown;
}

/** A runbook that cannot be deployed: one line per problem, each naming the file. */
export class RunbookError extends Error {
    constructor(readonly file: string, readonly problems: string[]) {
        super(problems.map(p => `runbook ${file}: ${p}`).join("\n"));
        this.name = "RunbookError";
    }
}

/** What a path is when it is not a regular file (kept here: the program itself checks runbooks). */
function notRegularFile(stat: fs.Stats): string | undefined {
    if (stat.isDirectory()) return "a directory";
    if (stat.isFIFO()) return "a FIFO (named pipe)";
    if (stat.isCharacterDevice()) return "a character device";
    if (stat.isBlockDevice()) return "a block device";
    if (stat.isSocket()) return "a socket";
    return stat.isFile() ? undefined : "not a regular file";
}

/**
 * Why `file` cannot be a runbook, found with stat before anything is read (so /dev/zero, a FIFO or
 * a huge file is never read): missing, not a regular file, or larger than Systems Manager's
 * document limit. Undefined when it may be read. Messages start with the file.
 */
export function runbookFileProblem(file: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return `runbook file ${file} does not exist; give a path (relative to the project) of an SSM Automation YAML document`;
        return `runbook file ${file} cannot be read (${code ?? (err as Error).message})`;
    }
    const kind = notRegularFile(stat);
    if (kind) return `runbook file ${file} is ${kind}, not a regular file; give an SSM Automation YAML document`;
    const max = AUTOMATION_LIMITS.documentContentBytes;
    if (stat.size > max) {
        return `runbook file ${file} is ${stat.size.toLocaleString("en")} bytes; Systems Manager accepts a document of at most ${max.toLocaleString("en")} bytes (64 KB, MaxDocumentSizeExceeded), so it is not read`;
    }
    return undefined;
}

let schemaValidator: ValidateFunction | undefined;

/** AWS's JSON schema for Automation documents, as shipped by aws-ssm-document-language-service. */
function automationSchemaValidator(): ValidateFunction {
    if (!schemaValidator) {
        const schemaFile = path.join(path.dirname(require.resolve("aws-ssm-document-language-service/package.json")), "dist", "schema.json");
        const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
        // The schema's patterns use escapes that are only valid without the `u` flag.
        const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
        schemaValidator = ajv.compile(schema);
    }
    return schemaValidator;
}

/** Names the step an ajv error points into, e.g. "step Report (mainSteps[2])". */
function where(document: Runbook["document"], error: ErrorObject): string {
    const match = /^\/mainSteps\/(\d+)(\/.*)?$/.exec(error.instancePath);
    if (!match) return error.instancePath ? `at ${error.instancePath}` : "document";
    const index = Number(match[1]);
    const name = document.mainSteps?.[index]?.name;
    const field = match[2] ? ` field ${match[2].slice(1).replace(/\//g, ".")}` : "";
    return `step ${name ? `"${name}"` : "(unnamed)"} (mainSteps[${index}])${field}`;
}

/**
 * The most useful ajv messages: schema branches (oneOf/anyOf/if) only restate their children, and
 * an enum miss on `action` is the one a misspelt action produces.
 */
function schemaProblems(document: Runbook["document"], errors: ErrorObject[]): string[] {
    const specific = errors.filter(e => !["oneOf", "anyOf", "if", "not"].includes(e.keyword));
    const chosen = specific.length > 0 ? specific : errors;
    const problems = chosen.map(e => {
        const allowed = e.keyword === "enum" ? `; allowed: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}` : "";
        const extra = e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
        return `${where(document, e)}: ${e.message}${extra}${allowed}`;
    });
    return [...new Set(problems)];
}

/** Step-graph sanity: unique names, every jump lands on a step, at least one end. */
export function stepGraphProblems(steps: RunbookStep[]): string[] {
    const problems: string[] = [];
    const names = new Set<string>();
    steps.forEach((step, index) => {
        if (names.has(step.name)) problems.push(`step "${step.name}" (mainSteps[${index}]): the name is used by an earlier step; step names must be unique`);
        names.add(step.name);
    });
    const jumpTarget = (value: string) => value.startsWith("step:") ? value.slice("step:".length) : value;
    steps.forEach((step, index) => {
        const label = `step "${step.name}" (mainSteps[${index}])`;
        if (step.nextStep !== undefined && !names.has(step.nextStep)) {
            problems.push(`${label}: nextStep "${step.nextStep}" is not a step; steps are ${[...names].join(", ")}`);
        }
        for (const field of ["onFailure", "onCancel"] as const) {
            const value = step[field];
            if (typeof value === "string" && value !== "Abort" && value !== "Continue" && !names.has(jumpTarget(value))) {
                problems.push(`${label}: ${field} "${value}" is not Abort, Continue or step:<name> of an existing step`);
            }
        }
        if (step.isEnd === true && step.nextStep !== undefined) {
            problems.push(`${label}: isEnd is true but nextStep is set; a step either ends the runbook or goes on`);
        }
    });
    const last = steps[steps.length - 1];
    const ends = steps.some(s => s.isEnd === true) || (last !== undefined && last.nextStep === undefined);
    if (steps.length > 0 && !ends) problems.push(`no step ends the runbook; set isEnd: true on the last step`);
    return problems;
}

/** How the runbook is adapted for deployment. */
export interface RunbookOptions {
    /**
     * `timeoutSeconds` for every aws:pause step that does not set its own (1 s to 30 days). A
     * pause without one times out after AWS's default of 7 days, which fails the runbook while the
     * responder may still be working. Default: leave the steps as written.
     */
    pauseTimeoutSeconds?: number;
}

/**
 * Gives every aws:pause step the configured timeout and checks the ones steps set themselves
 * against aws:pause's maximum. Returns the problems; changes `steps` in place.
 */
function applyPauseTimeouts(steps: RunbookStep[], options: RunbookOptions): string[] {
    const max = AUTOMATION_LIMITS.pauseMaxTimeoutSeconds;
    const problems: string[] = [];
    if (options.pauseTimeoutSeconds !== undefined && !(Number.isInteger(options.pauseTimeoutSeconds) && options.pauseTimeoutSeconds >= 1 && options.pauseTimeoutSeconds <= max)) {
        throw new RangeError(`pauseTimeoutSeconds ${options.pauseTimeoutSeconds} is not a whole number from 1 to ${max}`);
    }
    steps.forEach((step, index) => {
        if (step.action !== "aws:pause") return;
        const own = step.timeoutSeconds;
        // The schema takes a number or a string of digits.
        const seconds = typeof own === "string" && /^\d+$/.test(own) ? Number(own) : own;
        if (own === undefined) {
            if (options.pauseTimeoutSeconds !== undefined) step.timeoutSeconds = options.pauseTimeoutSeconds;
        } else if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > max) {
            problems.push(`step "${step.name}" (mainSteps[${index}]): timeoutSeconds ${JSON.stringify(own)} is not a whole number of seconds from 1 to ${max} (aws:pause waits at most 30 days)`);
        }
    });
    return problems;
}

/**
 * Parses and validates runbook YAML text; `file` names it in errors. With options, the document
 * is adapted first (see RunbookOptions) and what is validated and returned is what would be deployed.
 */
export function parseRunbook(file: string, content: string, options: RunbookOptions = {}): Runbook {
    let document: unknown;
    try {
        document = yaml.load(content, { filename: file });
    } catch (err) {
        throw new RunbookError(file, [`not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
        throw new RunbookError(file, ["the document must be a YAML mapping with schemaVersion and mainSteps"]);
    }
    const doc = document as Runbook["document"];
    const validate = automationSchemaValidator();
    if (!validate(doc)) {
        throw new RunbookError(file, schemaProblems(doc, validate.errors ?? []));
    }
    const graph = [...stepGraphProblems(doc.mainSteps), ...applyPauseTimeouts(doc.mainSteps, options)];
    if (graph.length > 0) throw new RunbookError(file, graph);
    // Deployed as written unless a step was given a timeout (then re-written; comments are dropped).
    const deployed = options.pauseTimeoutSeconds !== undefined ? yaml.dump(doc, { lineWidth: -1, noRefs: true }) : content;
    if (options.pauseTimeoutSeconds !== undefined && !validate(doc)) {
        throw new RunbookError(file, schemaProblems(doc, validate.errors ?? []));
    }
    const bytes = Buffer.byteLength(deployed, "utf8");
    if (bytes > AUTOMATION_LIMITS.documentContentBytes) {
        throw new RunbookError(file, [
            `the document is ${bytes.toLocaleString("en")} bytes as deployed; Systems Manager accepts at most ${AUTOMATION_LIMITS.documentContentBytes.toLocaleString("en")} (64 KB, MaxDocumentSizeExceeded). Shorten the step descriptions or split the runbook`,
        ]);
    }
    return { file, content: deployed, document: doc };
}

/** Reads and validates a runbook file (adapted as `options` say), after runbookFileProblem's checks. */
export function loadRunbook(file: string, options: RunbookOptions = {}): Runbook {
    const problem = runbookFileProblem(file);
    if (problem) throw new RunbookError(file, [problem.replace(`runbook file ${file} `, "")]);
    let content: string;
    try {
        content = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new RunbookError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
    return parseRunbook(file, content, options);
}

/**
 * Every problem of a stack's runbooks as the program finds them before declaring anything: each
 * plan's runbook must be a valid document (adapted as `options` say) that takes exactly what the
 * plan passes. synth (through the program) and simulate both call this, so a stack the replay
 * accepts passes `pulumi preview`'s runbook checks.
 */
export function stackRunbookProblems(
    plans: ReadonlyArray<{ responsePlanName: string; runbookPath: string }>,
    passed: Readonly<Record<string, DynamicParameterValue>>,
    options: RunbookOptions = {},
): string[] {
    const problems: string[] = [];
    const loaded = new Map<string, Runbook | undefined>();
    for (const plan of plans) {
        if (!loaded.has(plan.runbookPath)) {
            try {
                loaded.set(plan.runbookPath, loadRunbook(plan.runbookPath, options));
            } catch (err) {
                if (!(err instanceof RunbookError)) throw err;
                loaded.set(plan.runbookPath, undefined);
                problems.push(...err.message.split("\n"));
            }
        }
        const runbook = loaded.get(plan.runbookPath);
        if (runbook) problems.push(...runbookParameterProblems(plan.responsePlanName, runbook, passed));
    }
    return problems;
}

/**
 * With the OpsCenter backend and opsItemStartRunbook, the stack's runbook must take what the
 * workflow passes it (OPS_ITEM_RUNBOOK_PARAMETERS); a runbook that cannot be loaded is reported by
 * stackRunbookProblems already. synth (through the program) and simulate both call this.
 */
export function opsCenterRunbookProblems(runbookPath: string, options: RunbookOptions = {}): string[] {
    try {
        return opsItemRunbookProblems(loadRunbook(runbookPath, options), OPS_ITEM_RUNBOOK_PARAMETERS);
    } catch (err) {
        if (err instanceof RunbookError) return [];
        throw err;
    }
}
