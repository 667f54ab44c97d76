import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { fsReason } from "./fsMessages";
import { escapeControls } from "./safeText";

/**
 * Where `npm run synth` writes, and the rule that keeps it safe: synth only ever replaces or
 * removes files it wrote itself, unchanged since. It records them (with a SHA-256 of each) in a
 * manifest in the output directory; a directory that is not empty and has no manifest is refused,
 * as is anything in the way that synth did not write (a user's file, a symlink, a changed file).
 */
export const MANIFEST = ".synth-manifest.json";
const TOOL = "securityhub-incidents synth";

interface Manifest {
    tool: string;
    version: 1;
    stack: string;
    /** Relative path (with /) → sha256 hex of the content synth wrote. */
    files: Record<string, string>;
}

export class SynthOutputError extends Error {}

const sha256 = (content: string | Buffer) => crypto.createHash("sha256").update(content).digest("hex");

/** A manifest entry or artefact name: relative, normalised, inside the directory. */
function isSafeRelative(rel: string): boolean {
    if (rel === "" || path.isAbsolute(rel) || rel.includes("\\") || rel.includes("\0")) return false;
    const parts = rel.split("/");
    return parts.every(p => p !== "" && p !== "." && p !== "..") && rel !== MANIFEST;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
    try {
        return fs.lstatSync(p);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new SynthOutputError(`${escapeControls(p)} cannot be inspected: ${fsReason(err)}`);
    }
}

function readManifest(dir: string): Manifest | undefined {
    const file = path.join(dir, MANIFEST);
    const stat = lstatOrUndefined(file);
    if (!stat) return undefined;
    const shown = escapeControls(file);
    const notOurs = `${shown} is not a manifest synth wrote; synth will not replace anything in ${escapeControls(dir)}: choose another --out`;
    if (!stat.isFile() || stat.size > 1024 * 1024) throw new SynthOutputError(notOurs);
    let manifest: Manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        throw new SynthOutputError(notOurs);
    }
    const files = manifest?.files;
    if (manifest?.tool !== TOOL || manifest.version !== 1 || files === null || typeof files !== "object" || Array.isArray(files)
        || !Object.entries(files).every(([rel, hash]) => isSafeRelative(rel) && typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash))) {
        throw new SynthOutputError(notOurs);
    }
    return manifest;
}

/** Every directory between `dir` and `rel`'s file must be a real directory (not a symlink out). */
function checkParents(dir: string, rel: string): void {
    const parts = rel.split("/").slice(0, -1);
    let current = dir;
    for (const part of parts) {
        current = path.join(current, part);
        const stat = lstatOrUndefined(current);
        if (stat === undefined) return;
        if (!stat.isDirectory()) {
            throw new SynthOutputError(`${escapeControls(current)} is ${stat.isSymbolicLink() ? "a symbolic link" : "not a directory"} and was not made by synth; synth will not write through it: move it away or choose another --out`);
        }
    }
}

/**
 * Writes `files` (relative path → content) into `dir`, replacing the output of an earlier run:
 * files that run wrote and this one does not are removed, nothing else is. Checks everything
 * before it changes anything. Returns the absolute paths written.
 */
export function writeSynthOutput(dir: string, stack: string, files: Map<string, string>, hint = ""): string[] {
    const shownDir = escapeControls(dir);
    for (const rel of files.keys()) if (!isSafeRelative(rel)) throw new SynthOutputError(`artefact name ${JSON.stringify(escapeControls(rel))} is not a plain relative path`);

    const dirStat = (() => {
        try {
            return fs.statSync(dir);
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
            throw new SynthOutputError(`--out ${shownDir}: ${fsReason(err)}`);
        }
    })();
    if (dirStat && !dirStat.isDirectory()) throw new SynthOutputError(`--out ${shownDir} is a file, not a directory`);

    let previous: Record<string, string> = {};
    if (dirStat) {
        const manifest = readManifest(dir);
        if (manifest) previous = manifest.files;
        else {
            let entries: string[];
            try {
                entries = fs.readdirSync(dir);
            } catch (err) {
                throw new SynthOutputError(`--out ${shownDir} cannot be listed: ${fsReason(err)}`);
            }
            if (entries.length > 0) {
                throw new SynthOutputError(`--out ${shownDir} is not empty and holds no earlier synth output (no ${MANIFEST}); synth only replaces files it wrote itself: choose a new or empty directory${hint}`);
            }
        }
    }

    // Everything synth would remove or overwrite must be a regular file it wrote, unchanged.
    for (const [rel, hash] of Object.entries(previous)) {
        checkParents(dir, rel);
        const target = path.join(dir, rel);
        const stat = lstatOrUndefined(target);
        if (stat === undefined) continue;
        const shown = escapeControls(target);
        if (!stat.isFile()) throw new SynthOutputError(`${shown} was written by synth but is now ${stat.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; synth will not replace it: move it away`);
        let current: Buffer;
        try {
            current = fs.readFileSync(target);
        } catch (err) {
            throw new SynthOutputError(`${shown} cannot be read: ${fsReason(err)}`);
        }
        if (sha256(current) !== hash) throw new SynthOutputError(`${shown} was changed since synth wrote it; synth will not overwrite or remove it: move it away or restore it`);
    }
    for (const rel of files.keys()) {
        checkParents(dir, rel);
        const target = path.join(dir, rel);
        if (!(rel in previous) && lstatOrUndefined(target) !== undefined) {
            throw new SynthOutputError(`${escapeControls(target)} exists and was not written by synth; synth will not overwrite it: move it away or choose another --out`);
        }
    }

    const written: string[] = [];
    const record = () => {
        // What is on disk now and was written by synth (this run or, unchanged, an earlier one).
        const onDisk: Record<string, string> = {};
        for (const rel of new Set([...Object.keys(previous), ...files.keys()])) {
            const target = path.join(dir, rel);
            try {
                if (fs.lstatSync(target).isFile()) onDisk[rel] = sha256(fs.readFileSync(target));
            } catch {
                // gone: nothing to record
            }
        }
        return onDisk;
    };
    const writeManifest = (entries: Record<string, string>) => {
        const manifest: Manifest = { tool: TOOL, version: 1, stack, files: entries };
        const file = path.join(dir, MANIFEST);
        const temporary = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, JSON.stringify(manifest, null, 2) + "\n");
        fs.renameSync(temporary, file);
    };
    try {
        fs.mkdirSync(dir, { recursive: true });
        for (const rel of Object.keys(previous)) if (!files.has(rel)) fs.rmSync(path.join(dir, rel), { force: true });
        for (const [rel, content] of files) {
            const target = path.join(dir, rel);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, content);
            written.push(target);
        }
        writeManifest(Object.fromEntries([...files].map(([rel, content]) => [rel, sha256(content)])));
    } catch (err) {
        // Keep the manifest true to what is on disk, so the next run can replace it.
        try {
            if (fs.statSync(dir).isDirectory()) writeManifest(record());
        } catch {
            // the directory itself could not be made: nothing was written
        }
        const at = (err as NodeJS.ErrnoException).path;
        throw new SynthOutputError(`cannot write ${escapeControls(at ?? dir)}: ${fsReason(err)}`);
    }
    return written;
}

/** What synth needs to know of a declared resource to name its pattern file. */
interface NamedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const FINDING_EVENT_RULE = "securityhub-incidents:events:FindingEventRule";
/** The retry of failed executions has one rule of its own: its pattern is `failed-execution-event-pattern.json`. */
const FAILED_EXECUTION_RETRY = "securityhub-incidents:workflow:FailedExecutionRetry";

/**
 * Each event rule's pattern, by file name: the rule's logical name without its component's name and
 * the trailing `rule`, then `event-pattern.json`. So `findings-rule` → `event-pattern.json`,
 * `findings-lifecycle-rule` → `lifecycle-event-pattern.json`, `findings-ocsf-rule` →
 * `ocsf-event-pattern.json`, `findings-ocsf-lifecycle-rule` → `ocsf-lifecycle-event-pattern.json`.
 * Throws when a rule belongs to no FindingEventRule component, or two rules would share a file.
 */
export function eventPatternFiles(declared: NamedResource[]): Map<string, Record<string, unknown>> {
    const components = declared.filter(r => r.type === FINDING_EVENT_RULE).map(r => r.name);
    const retries = new Set(declared.filter(r => r.type === FAILED_EXECUTION_RETRY).map(r => `${r.name}-rule`));
    const files = new Map<string, Record<string, unknown>>();
    for (const rule of declared.filter(r => r.type === EVENT_RULE)) {
        if (retries.has(rule.name)) {
            files.set("failed-execution-event-pattern.json", JSON.parse(rule.inputs.eventPattern));
            continue;
        }
        // The longest component name that prefixes the rule's name is its parent.
        const owner = components.filter(c => rule.name.startsWith(`${c}-`)).sort((a, b) => b.length - a.length)[0];
        if (owner === undefined || !rule.name.endsWith("rule")) {
            throw new SynthOutputError(`event rule ${rule.name} is not named <component>-…rule after a FindingEventRule component; cannot name its pattern file`);
        }
        const file = `${rule.name.slice(owner.length + 1, -"rule".length)}event-pattern.json`;
        if (files.has(file)) throw new SynthOutputError(`two event rules would both write ${file} (the second is ${rule.name})`);
        files.set(file, JSON.parse(rule.inputs.eventPattern));
    }
    return files;
}

const AUTOMATION_RULE = "aws:securityhub/automationRule:AutomationRule";
const AUTOMATION_RULE_V2 = "aws:securityhub/automationRuleV2:AutomationRuleV2";

/**
 * suppression-rules.json: every automation rule the program declared (suppressionsFile), by
 * format, with the inputs the provider gets, in RuleOrder. A V2 rule's OCSF criteria are shown
 * parsed beside the JSON string that is deployed. Empty lists when the stack has no rules.
 */
export function suppressionRulesFile(declared: NamedResource[]): { asff: unknown[]; ocsf: unknown[] } {
    const byOrder = (a: NamedResource, b: NamedResource) => (a.inputs.ruleOrder ?? 0) - (b.inputs.ruleOrder ?? 0);
    return {
        asff: declared.filter(r => r.type === AUTOMATION_RULE).sort(byOrder).map(r => ({ name: r.name, inputs: r.inputs })),
        ocsf: declared.filter(r => r.type === AUTOMATION_RULE_V2).sort(byOrder).map(r => ({
            name: r.name,
            inputs: r.inputs,
            criteria: JSON.parse(r.inputs.criteria?.ocsfFindingCriteriaJson ?? "null"),
        })),
    };
}
