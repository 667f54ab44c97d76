import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { configKeyProblems, PROJECT_NAME, RawConfigReader } from "../lib/settings";

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

/** Reads Pulumi.<stack>.yaml from the project, or `file` when given (e.g. a copy being tried out). */
export function readStackConfig(stack: string, projectDir: string = PROJECT_DIR, file?: string): StackConfig {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`--stack ${JSON.stringify(stack)}: a stack name is letters, digits, _, . and -`);
    if (file === undefined) file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    else if (!fs.existsSync(file)) throw new Error(`--stack-file ${file} does not exist`);
    if (!fs.existsSync(file)) {
        const stacks = fs.readdirSync(projectDir).filter(f => /^Pulumi\..+\.yaml$/.test(f)).map(f => f.slice(7, -5));
        throw new Error(`--stack ${stack}: ${path.basename(file)} does not exist; stacks here: ${stacks.join(", ")}`);
    }
    const parsed = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const config = parsed?.config ?? {};
    const values: Record<string, string> = {};
    const secrets: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        // A secret is stored as `key: {secure: <ciphertext>}`.
        if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).join() === "secure") secrets.push(key);
        if (value !== null && value !== undefined) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const unknownNamespace = Object.keys(values).filter(k => !k.startsWith(`${PROJECT_NAME}:`) && !k.startsWith("aws:"));
    if (unknownNamespace.length > 0) throw new Error(`${path.basename(file)}: keys outside ${PROJECT_NAME}: and aws:: ${unknownNamespace.join(", ")}`);
    // Misspelt and secret settings, refused with the message the program itself gives.
    const keyProblems = configKeyProblems({ keys: Object.keys(values), isSecret: key => secrets.includes(key) });
    if (keyProblems.length > 0) throw new Error(keyProblems.map(p => `${path.basename(file)}: ${p}`).join("\n"));
    return { stack, file, values, region: values["aws:region"] ?? "us-east-1", read: key => values[`${PROJECT_NAME}:${key}`] };
}
