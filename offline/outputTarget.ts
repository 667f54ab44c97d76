import * as fs from "fs";
import * as path from "path";
import { fsReason, specialKind } from "./fsMessages";
import { INPUT_FILE } from "./findingInput";
import { escapeControls } from "./safeText";

/**
 * Where a command may write what the user asked for (simulate's --output, synth's --out), decided
 * before anything is written, on every exit path: a target is refused when it is, or would
 * overwrite, a file the command reads, another file that is not the command's own output, anything
 * under the project's node_modules/ or .git/, or when it cannot take a file (a directory, a FIFO).
 * Nothing here writes.
 */

/** What a command reads, so that its output can never replace any of it. */
export interface FilesRead {
    /** FILE and DIR arguments, resolved. A directory stands for the .json and .jsonl files in it. */
    inputs?: string[];
    /** The stack file the settings come from, resolved. */
    stackFile?: string;
    /** Runbook files the settings name, resolved. */
    runbooks?: string[];
}

/** Directories of the project nothing is ever written into: its dependencies and its history. */
const PROTECTED_DIRS = ["node_modules", ".git"];

/** Largest existing file checked for being an earlier report (bigger ones are not replaced). */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

const realOrUndefined = (p: string): string | undefined => {
    try {
        return fs.realpathSync(p);
    } catch {
        return undefined;
    }
};

const statOrUndefined = (p: string): fs.Stats | undefined => {
    try {
        return fs.statSync(p);
    } catch {
        return undefined;
    }
};

/** The real path `p` would have: that of its nearest existing ancestor, with the rest appended. */
function resolvedReal(p: string): string | undefined {
    let existing = p;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    const real = realOrUndefined(existing);
    return real === undefined ? undefined : path.join(real, path.relative(existing, p));
}

const within = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** Whether the user's text names a directory: `dir/`, `.`, `..`, `dir/.`. */
export function namesDirectory(given: string): boolean {
    return given.endsWith("/") || given.endsWith(path.sep) || [".", ".."].includes(path.basename(given));
}

/** Every file `read` names, with what it is to the command (for the message). */
function readFiles(read: FilesRead): Array<{ file: string; what: string }> {
    const files: Array<{ file: string; what: string }> = [];
    for (const input of read.inputs ?? []) {
        if (statOrUndefined(input)?.isDirectory()) {
            let names: string[] = [];
            try {
                names = fs.readdirSync(input).filter(f => INPUT_FILE.test(f));
            } catch {
                // an unlistable directory is reported by the input reader
            }
            for (const name of names) files.push({ file: path.join(input, name), what: `a findings file of the input directory ${escapeControls(input)}` });
        } else {
            files.push({ file: input, what: "one of the input files" });
        }
    }
    if (read.stackFile !== undefined) files.push({ file: read.stackFile, what: "the stack file the settings are read from" });
    for (const runbook of read.runbooks ?? []) files.push({ file: runbook, what: "a runbook the settings name" });
    return files;
}

/** What `target` (an existing file) is among the files read, compared as the system does: device and inode. */
function sameAsRead(target: fs.Stats, read: FilesRead): string | undefined {
    for (const { file, what } of readFiles(read)) {
        const stat = statOrUndefined(file);
        if (stat && stat.ino === target.ino && stat.dev === target.dev) return what;
    }
    return undefined;
}

/**
 * Whether `file` holds what simulate writes: a report (--json: the document with `events`,
 * `incidents` and `executions`; else the text that starts "Stack …" then "Replayed …"), an error
 * document (`{"error": {"kind": …}}`), or nothing.
 */
export function isSimulateReport(file: string, size: number): boolean {
    if (size === 0) return true;
    if (size > MAX_REPORT_BYTES) return false;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return false;
    }
    if (/^Stack [^\n]*\nReplayed /.test(text)) return true;
    try {
        const value = JSON.parse(text);
        if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
        const error = value.error;
        if (error !== null && typeof error === "object" && typeof error.kind === "string" && Object.keys(value).length === 1) return true;
        return Array.isArray(value.incidents) && typeof value.executions === "number" && typeof value.events === "number";
    } catch {
        return false;
    }
}

/**
 * Why simulate must not write its report to `target` (the resolved form of `given`), or undefined
 * when it may. It writes a new file, or replaces an earlier report of its own (or an empty file);
 * never a file it reads, nor any other existing file, nor anything under the project's
 * node_modules/ or .git/. A character device (/dev/null) is written to; a FIFO is refused.
 */
export function outputFileRefusal(given: string, target: string, read: FilesRead, projectDir: string): string | undefined {
    if (namesDirectory(given)) return "names a directory (it ends with / or is . or ..); give a file name, e.g. DIR/report.json";
    let stat: fs.Stats | undefined;
    try {
        stat = fs.statSync(target);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") return fsReason(err);
        // A dangling symbolic link would be written through, to wherever it points.
        if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) return "is a symbolic link to a file that does not exist; give the file itself";
    }
    if (stat?.isDirectory()) return "is a directory; give a file name";
    const special = stat && specialKind(stat);
    // A character device takes a write and returns; a FIFO waits for a reader and may never
    // return; a socket or block device is no place for a report.
    if (stat && special && !stat.isCharacterDevice()) return `is ${special}, not a regular file; give a file name`;
    if (stat) {
        const what = sameAsRead(stat, read);
        if (what) return `is ${what}; the report would overwrite it`;
    }
    const realTarget = stat ? realOrUndefined(target) : resolvedReal(target);
    const realProject = realOrUndefined(projectDir) ?? projectDir;
    const protectedDir = PROTECTED_DIRS.find(dir => realTarget !== undefined && within(path.join(realProject, dir), realTarget));
    if (protectedDir) return `is under the project's ${protectedDir}/, which is never written to; write the report elsewhere`;
    const parent = path.dirname(target);
    const realParent = realOrUndefined(parent);
    // A new .json file in an input directory would be read as findings by the next replay of it.
    if (!stat && realParent !== undefined && INPUT_FILE.test(target)) {
        const dir = (read.inputs ?? []).find(input => statOrUndefined(input)?.isDirectory() && realOrUndefined(input) === realParent);
        if (dir !== undefined) return `is in the input directory ${escapeControls(dir)}: the next replay of it would read the report as findings; write it elsewhere`;
    }
    if (stat && stat.isFile() && !isSimulateReport(target, stat.size)) {
        return "exists and is not a report of simulate; simulate replaces only its own reports: remove the file or give another name";
    }
    try {
        if (!fs.statSync(parent).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
        fs.accessSync(stat ? target : parent, fs.constants.W_OK);
    } catch (err) {
        return `cannot be written: ${fsReason(err)}`;
    }
    return undefined;
}

/**
 * Why synth must not write into `dir`: it is under the project's node_modules/ or .git/, or it
 * holds (at any depth) a file synth reads. synth's manifest (offline/synthOutput.ts) then decides
 * what in it may be replaced.
 */
export function outputDirRefusal(dir: string, read: FilesRead, projectDir: string): string | undefined {
    const realProject = realOrUndefined(projectDir) ?? projectDir;
    const realDir = resolvedReal(dir);
    if (realDir === undefined) return undefined;
    const protectedDir = PROTECTED_DIRS.find(p => within(path.join(realProject, p), realDir));
    if (protectedDir) return `is under the project's ${protectedDir}/, which is never written to; choose another --out (the default is out/<stack>)`;
    for (const { file, what } of readFiles(read)) {
        const real = realOrUndefined(file);
        if (real !== undefined && within(realDir, real)) return `holds ${escapeControls(file)}, ${what}; choose an --out that holds nothing synth reads`;
    }
    return undefined;
}

/**
 * Writes to standard output and waits until the text is handed over: resolves to why it could not
 * be (a full disk: "no space left on the device (ENOSPC)", a reader that went away: EPIPE), or
 * undefined.
 */
let stdoutErrorsHandled = false;

export function writeStandardOutput(text: string): Promise<string | undefined> {
    // The stream also emits each failed write as an error event: without a listener that would
    // end the process with a stack trace. The write's own callback reports it.
    if (!stdoutErrorsHandled) {
        process.stdout.on("error", () => undefined);
        stdoutErrorsHandled = true;
    }
    return new Promise(resolve => {
        let settled = false;
        const done = (err?: Error | null) => {
            if (settled) return;
            settled = true;
            resolve(err ? fsReason(err) : undefined);
        };
        try {
            process.stdout.write(text, done);
        } catch (err) {
            done(err as Error);
        }
    });
}
