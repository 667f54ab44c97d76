import { escapeControls } from "./safeText";

/** What a command accepts: flags (no value) and options with a value, described for messages. */
export interface OptionSpec {
    flags: string[];
    /** option → what its value is, e.g. "--stack": "a stack name". */
    values: Record<string, string>;
    /** Whether FILE/DIR arguments are accepted. */
    positionals: boolean;
    /** Options of `values` that may be given more than once (e.g. --fail); their values are in `repeated`. */
    repeatable?: string[];
}

export interface ParsedCommandLine {
    flags: Set<string>;
    values: Map<string, string>;
    /** Every value of a repeatable option, in order. */
    repeated: Map<string, string[]>;
    positionals: string[];
    /** One entry per problem; `source` is the option (or argument) concerned. */
    problems: Array<{ source: string; reason: string }>;
}

/**
 * Reads a command line: `--opt value` or `--opt=value`, flags, `--` before arguments that start
 * with -, and `-h` for `--help`. Every problem is collected (unknown option, missing value, option
 * given twice, stray argument) instead of stopping at the first.
 */
export function parseCommandLine(argv: string[], spec: OptionSpec): ParsedCommandLine {
    const parsed: ParsedCommandLine = { flags: new Set(), values: new Map(), repeated: new Map(), positionals: [], problems: [] };
    const problem = (source: string, reason: string) => parsed.problems.push({ source: escapeControls(source), reason: escapeControls(reason) });
    let filesOnly = false;
    for (let i = 0; i < argv.length; i++) {
        let arg = argv[i];
        if (filesOnly || !arg.startsWith("-") || arg === "-") {
            if (!spec.positionals) problem(arg, `unexpected argument ${JSON.stringify(arg)}; options start with --`);
            else if (arg === "-" && !filesOnly) problem(arg, "reading from standard input (-) is not supported; give a file");
            else parsed.positionals.push(arg);
            continue;
        }
        if (arg === "--") {
            filesOnly = true;
            continue;
        }
        if (arg === "-h") arg = "--help";
        let value: string | undefined;
        const eq = arg.indexOf("=");
        if (arg.startsWith("--") && eq > 0) {
            value = arg.slice(eq + 1);
            arg = arg.slice(0, eq);
        }
        if (spec.flags.includes(arg)) {
            if (value !== undefined) problem(arg, `${arg} takes no value`);
            else parsed.flags.add(arg);
            continue;
        }
        if (!(arg in spec.values)) {
            problem(arg, `unknown option ${arg}`);
            continue;
        }
        if (value === undefined) {
            const next = argv[i + 1];
            if (next === undefined || (next.startsWith("-") && next !== "-")) {
                problem(arg, `${arg} needs a value (${spec.values[arg]})`);
                continue;
            }
            value = argv[++i];
        }
        if (value === "") problem(arg, `${arg} needs a value (${spec.values[arg]}), not an empty string`);
        else if (spec.repeatable?.includes(arg)) parsed.repeated.set(arg, [...(parsed.repeated.get(arg) ?? []), value]);
        else if (parsed.values.has(arg)) problem(arg, `${arg} is given more than once`);
        else parsed.values.set(arg, value);
    }
    return parsed;
}

/** --deliveries and the like: plain digits (no 1e3, 0x10, 5.0 or spaces) within bounds. */
export function wholeNumber(option: string, value: string, min: number, max: number): number | { problem: string } {
    const n = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    return { problem: `${option} ${JSON.stringify(escapeControls(value))} must be a whole number from ${min} to ${max}, in digits` };
}
