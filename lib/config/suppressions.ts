/**
 * Suppressions as code: the `suppressionsFile` setting names a YAML file in the project whose rules
 * become Security Hub automation rules (lib/suppressions.ts compiles them). The file is read and
 * checked here, before anything is declared, with one line per problem naming the file, the rule
 * and the field. docs/suppressions.md describes the format.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { AUTOMATION_RULE_LIMITS } from "../limits";
import { describe, REGION, SettingError, SettingSpec } from "./values";

/** The criteria a rule may name, in the order the docs list them. */
export const SUPPRESSION_CRITERIA = [
    "securityControlIds", "accounts", "regions", "resourceIds", "resourceIdPrefixes", "productNames", "titleContains", "resourceTags",
] as const;
export type SuppressionCriterion = (typeof SUPPRESSION_CRITERIA)[number];

/** What a rule matches: every criterion it names must match, a criterion matches when any of its values does. */
export interface SuppressionMatch {
    /** Security control IDs (e.g. S3.2), equal. */
    securityControlIds?: string[];
    /** Account IDs (12 digits), equal. */
    accounts?: string[];
    /** Regions (e.g. ap-northeast-1), equal. */
    regions?: string[];
    /** Resource IDs (ARNs for most resources), equal. */
    resourceIds?: string[];
    /** Resource IDs starting with one of these. */
    resourceIdPrefixes?: string[];
    /** Product names (e.g. "Security Hub", "GuardDuty"), equal; case-sensitive as Security Hub compares. */
    productNames?: string[];
    /** Text the finding's title contains. */
    titleContains?: string[];
    /** Resource tag key → value, equal. */
    resourceTags?: Record<string, string>;
}

export interface SuppressionRule {
    /** Unique in the file: letters, digits, - and _ (it names the automation rules and their resources). */
    name: string;
    /** Why the findings are accepted: the Note (CSPM) or comment (OCSF) the rule writes. */
    reason: string;
    /** The last day (UTC, YYYY-MM-DD) the rule applies; after it the rule is declared DISABLED. */
    expires?: string;
    match: SuppressionMatch;
}

export interface SuppressionsFile {
    /** The file as the setting names it (for messages). */
    file: string;
    /** RuleOrder of the first automation rule (default 1); the others follow in file order. */
    firstRuleOrder: number;
    rules: SuppressionRule[];
}

export interface SuppressionSettings {
    /** YAML file of suppression rules, relative to the project. Unset: no automation rules. */
    suppressionsFile?: string;
}

export const SUPPRESSION_SETTINGS: SettingSpec<SuppressionSettings> = {
    suppressionsFile: {
        parse: raw => {
            if (raw.trim().length === 0) throw new SettingError(`${describe(raw)} is not a path; give a YAML file relative to the project, e.g. suppressions.yaml`);
            return raw;
        },
        default: undefined,
    },
};

/** A suppressions file over this size is not read (a hundred rules take well under 64 KB). */
export const MAX_SUPPRESSIONS_FILE_BYTES = 256 * 1024;

export class SuppressionsFileError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "SuppressionsFileError";
    }
}

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** Security control IDs as Security Hub writes them: a service prefix, a dot and a number (S3.2, EC2.19, CloudTrail.1). */
const SECURITY_CONTROL_ID = /^[A-Za-z][A-Za-z0-9]*\.\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TOP_LEVEL_KEYS = ["rules", "firstRuleOrder"];
const RULE_KEYS = ["name", "reason", "expires", "match"];
/** Keys people reach for that the API cannot do: what to write instead. */
const REFUSED_KEYS: Record<string, string> = {
    titleRegex: "automation rules have no regular expressions; list literal text in titleContains (any of them matches)",
    titleMatches: "automation rules have no regular expressions; list literal text in titleContains (any of them matches)",
    titles: "use titleContains (text the title contains); exact titles are rarely stable across standards",
    resourceIdRegex: "automation rules have no regular expressions; use resourceIds (equal) or resourceIdPrefixes (starts with)",
    resourceIdPattern: "automation rules have no wildcards; use resourceIds (equal) or resourceIdPrefixes (starts with)",
    resourceIdSuffixes: "automation rules cannot match the end of a value; use resourceIds (equal) or resourceIdPrefixes (starts with)",
    accountRegex: "automation rules have no regular expressions; list the 12-digit account IDs in accounts",
    exclude: "rules only suppress what they match; narrow match instead (every criterion named must match)",
    not: "rules only suppress what they match; narrow match instead (every criterion named must match)",
};

/** Signs of a regular expression (never part of a literal ID, and unlikely in a title). */
const REGEX = /^\^|\$$|\.\*|\.\+|\\[dwsDWS.]|\(\?/;

/** What the API cannot express in a value, with what to write instead; undefined when the value is fine. */
function refusedValue(criterion: SuppressionCriterion, value: string): string | undefined {
    const regex = REGEX.test(value);
    if (criterion === "titleContains") {
        if (regex) return "automation rules have no regular expressions; list each literal piece of text in titleContains (any of them matches)";
        if (!value.includes("*")) return undefined;
        const bare = value.replace(/^\*+|\*+$/g, "");
        if (bare.length > 0 && !bare.includes("*")) return `titleContains already matches text anywhere in the title; drop the * (write ${describe(bare)})`;
        return "automation rules have no wildcards; list each literal piece of text in titleContains (any of them matches)";
    }
    const star = /[*?]/.test(value);
    if (!regex && !star) return undefined;
    if (criterion === "resourceIds" || criterion === "resourceIdPrefixes") {
        const head = value.replace(/\*+$/, "");
        if (!regex && /^[^*?]+\*+$/.test(value)) return `automation rules have no wildcards; for IDs that start with ${describe(head)} use resourceIdPrefixes: [${describe(head)}]`;
        return "automation rules have no wildcards or regular expressions; use resourceIds (equal) or resourceIdPrefixes (starts with)";
    }
    const what = criterion === "accounts" ? "account ID" : criterion === "regions" ? "Region" : criterion === "securityControlIds" ? "control ID" : "value";
    return `automation rules have no wildcards or regular expressions; list every ${what} in full`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A date YYYY-MM-DD that exists (2027-02-30 does not). */
function validDate(text: string): boolean {
    const m = DATE.exec(text);
    if (!m) return false;
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return date.toISOString().slice(0, 10) === text;
}

/** Per criterion: what a value must look like (beyond being a non-empty string). */
const VALUE_CHECKS: Partial<Record<SuppressionCriterion, { test: (v: string) => boolean; what: string }>> = {
    accounts: { test: v => ACCOUNT_ID.test(v), what: "a 12-digit account ID (quote it, so YAML keeps leading zeros)" },
    regions: { test: v => REGION.test(v), what: "an AWS Region such as ap-northeast-1" },
    securityControlIds: { test: v => SECURITY_CONTROL_ID.test(v), what: "a security control ID such as S3.2 or EC2.19" },
};

function checkList(criterion: SuppressionCriterion, given: unknown, at: string, problems: string[]): string[] | undefined {
    if (!Array.isArray(given)) {
        problems.push(`${at}: ${describe(given)} is not a list; give a YAML list, e.g. ${criterion}: [${criterion === "accounts" ? '"123456789012"' : "..."}]`);
        return undefined;
    }
    if (given.length === 0) {
        problems.push(`${at}: the list is empty; give at least one value or leave ${criterion} out`);
        return undefined;
    }
    const values: string[] = [];
    let ok = true;
    given.forEach((value, i) => {
        const where = `${at}[${i}]`;
        if (criterion === "accounts" && typeof value === "number") {
            problems.push(`${where}: ${value} is a number; quote account IDs ("${String(value).padStart(12, "0")}") so that YAML keeps every digit`);
            ok = false;
            return;
        }
        if (typeof value !== "string" || value.trim().length === 0) {
            problems.push(`${where}: ${describe(value)} is not a non-empty string`);
            ok = false;
            return;
        }
        const refused = refusedValue(criterion, value);
        if (refused) {
            problems.push(`${where}: ${describe(value)}: ${refused}`);
            ok = false;
            return;
        }
        const check = VALUE_CHECKS[criterion];
        if (check && !check.test(value)) {
            problems.push(`${where}: ${describe(value)} is not ${check.what}`);
            ok = false;
            return;
        }
        if (values.includes(value)) {
            problems.push(`${where}: ${describe(value)} is listed twice`);
            ok = false;
            return;
        }
        values.push(value);
    });
    return ok ? values : undefined;
}

function checkTags(given: unknown, at: string, problems: string[]): Record<string, string> | undefined {
    if (!isMapping(given)) {
        problems.push(`${at}: ${describe(given)} is not a mapping of tag key to value, e.g. resourceTags: {Environment: sandbox}`);
        return undefined;
    }
    const entries = Object.entries(given);
    if (entries.length === 0) {
        problems.push(`${at}: the mapping is empty; give at least one tag or leave resourceTags out`);
        return undefined;
    }
    const tags: Record<string, string> = {};
    let ok = true;
    for (const [key, value] of entries) {
        const where = `${at}.${key}`;
        if (key.trim().length === 0) {
            problems.push(`${at}: a tag key is empty`);
            ok = false;
            continue;
        }
        if (typeof value !== "string" || value.length === 0) {
            problems.push(`${where}: ${describe(value)} is not a non-empty string; quote the tag value (tag values are text)`);
            ok = false;
            continue;
        }
        const refused = refusedValue("resourceTags", value) ?? (/[*?]/.test(key) ? "automation rules have no wildcards; give the tag key in full" : undefined);
        if (refused) {
            problems.push(`${where}: ${describe(value)}: ${refused}`);
            ok = false;
            continue;
        }
        tags[key] = value;
    }
    return ok ? tags : undefined;
}

function checkRule(given: unknown, index: number, file: string, names: Set<string>, problems: string[]): SuppressionRule | undefined {
    const label = isMapping(given) && typeof given.name === "string" ? `rule ${describe(given.name)} (rules[${index}])` : `rules[${index}]`;
    const at = `${file}: ${label}`;
    if (!isMapping(given)) {
        problems.push(`${at}: ${describe(given)} is not a mapping with name, reason and match`);
        return undefined;
    }
    const before = problems.length;
    for (const key of Object.keys(given)) {
        if (!RULE_KEYS.includes(key)) problems.push(`${at}: unknown field ${describe(key)}; a rule takes ${RULE_KEYS.join(", ")}`);
    }
    const { name, reason, expires, match } = given;
    if (typeof name !== "string" || !RULE_NAME.test(name)) {
        problems.push(`${at}: name: ${describe(name)} is not allowed; a name is 1-64 letters, digits, - and _, starting with a letter or digit`);
    } else if (names.has(name)) {
        problems.push(`${at}: name: ${describe(name)} is used by an earlier rule; names must be unique`);
    } else {
        names.add(name);
    }
    const maxReason = Math.min(AUTOMATION_RULE_LIMITS.noteTextLength, AUTOMATION_RULE_LIMITS.commentLength);
    if (reason === undefined) {
        problems.push(`${at}: reason is required; say why these findings are accepted (it becomes the finding's Note)`);
    } else if (typeof reason !== "string" || reason.trim().length === 0 || [...reason].length > maxReason) {
        problems.push(`${at}: reason: ${describe(reason)} is not text of 1-${maxReason} characters (Security Hub's Note and comment limit)`);
    }
    if (expires !== undefined && (typeof expires !== "string" || !validDate(expires))) {
        problems.push(`${at}: expires: ${describe(expires)} is not a date YYYY-MM-DD (the last day the rule applies, UTC)`);
    }
    const criteria: SuppressionMatch = {};
    if (match === undefined) {
        problems.push(`${at}: match is required; name at least one of ${SUPPRESSION_CRITERIA.join(", ")}`);
    } else if (!isMapping(match)) {
        problems.push(`${at}: match: ${describe(match)} is not a mapping of criteria (${SUPPRESSION_CRITERIA.join(", ")})`);
    } else {
        if (Object.keys(match).length === 0) {
            problems.push(`${at}: match is empty, which would suppress every finding; name at least one of ${SUPPRESSION_CRITERIA.join(", ")}`);
        }
        for (const [key, value] of Object.entries(match)) {
            const where = `${at}: match.${key}`;
            if (key in REFUSED_KEYS) {
                problems.push(`${where}: cannot be expressed as an automation rule: ${REFUSED_KEYS[key]}`);
                continue;
            }
            if (!(SUPPRESSION_CRITERIA as readonly string[]).includes(key)) {
                problems.push(`${where}: unknown criterion; use ${SUPPRESSION_CRITERIA.join(", ")}`);
                continue;
            }
            const criterion = key as SuppressionCriterion;
            if (criterion === "resourceTags") {
                const tags = checkTags(value, where, problems);
                if (tags) criteria.resourceTags = tags;
            } else {
                const list = checkList(criterion, value, where, problems);
                if (list) criteria[criterion] = list;
            }
        }
    }
    if (problems.length > before) return undefined;
    return { name: name as string, reason: reason as string, ...(expires !== undefined ? { expires: expires as string } : {}), match: criteria };
}

/**
 * Parses suppression rules from YAML text; `file` names it in every message. YAML anchors and
 * aliases are refused (as in stack files: nothing needs them and nested aliases expand
 * exponentially). Dates stay text (the core schema), so `expires: 2027-03-31` is read as written.
 */
export function parseSuppressions(file: string, content: string): SuppressionsFile {
    let document: unknown;
    try {
        document = yaml.load(content, {
            filename: file,
            schema: yaml.CORE_SCHEMA,
            listener(event, state) {
                if (event !== "close") return;
                const anchor = Object.keys((state as unknown as { anchorMap: object }).anchorMap)[0];
                if (anchor === undefined) return;
                throw new SuppressionsFileError([`${file}:${state.line + 1}: YAML anchors and aliases (&${anchor}) are not accepted; write each rule out`]);
            },
        });
    } catch (err) {
        if (err instanceof SuppressionsFileError) throw err;
        throw new SuppressionsFileError([`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
    if (!isMapping(document)) throw new SuppressionsFileError([`${file}: the file must be a YAML mapping with a rules list`]);
    const problems: string[] = [];
    for (const key of Object.keys(document)) {
        if (!TOP_LEVEL_KEYS.includes(key)) problems.push(`${file}: unknown top-level field ${describe(key)}; the file takes ${TOP_LEVEL_KEYS.join(", ")}`);
    }
    const { minRuleOrder, maxRuleOrder } = AUTOMATION_RULE_LIMITS;
    const order = document.firstRuleOrder ?? minRuleOrder;
    if (!Number.isInteger(order) || (order as number) < minRuleOrder || (order as number) > maxRuleOrder) {
        problems.push(`${file}: firstRuleOrder: ${describe(order)} is not a whole number from ${minRuleOrder} to ${maxRuleOrder} (RuleOrder)`);
    }
    const given = document.rules;
    const rules: SuppressionRule[] = [];
    if (!Array.isArray(given)) {
        problems.push(`${file}: rules: ${describe(given ?? null)} is not a list of rules (each with name, reason and match)`);
    } else {
        const names = new Set<string>();
        given.forEach((rule, i) => {
            const checked = checkRule(rule, i, file, names, problems);
            if (checked) rules.push(checked);
        });
    }
    if (problems.length > 0) throw new SuppressionsFileError(problems);
    return { file, firstRuleOrder: order as number, rules };
}

/**
 * Reads the suppressions file the setting names: a regular file inside the project, of at most
 * {@link MAX_SUPPRESSIONS_FILE_BYTES}, then parses and checks it.
 */
export function loadSuppressions(projectDir: string, file: string): SuppressionsFile {
    const root = path.resolve(projectDir);
    const absolute = path.resolve(root, file);
    const relative = path.relative(root, absolute);
    if (relative.startsWith("..") || path.isAbsolute(relative)) {
        throw new SuppressionsFileError([`${file}: is outside the project (${root}); keep the suppressions file in the project, reviewed like code`]);
    }
    let stat: fs.Stats;
    try {
        stat = fs.statSync(absolute);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new SuppressionsFileError([`${file}: cannot be read (${code === "ENOENT" ? "no such file" : code ?? (err as Error).message}); give a YAML file relative to the project`]);
    }
    if (!stat.isFile()) throw new SuppressionsFileError([`${file}: is ${stat.isDirectory() ? "a directory" : "not a regular file"}; give a YAML file`]);
    if (stat.size > MAX_SUPPRESSIONS_FILE_BYTES) {
        throw new SuppressionsFileError([`${file}: is ${stat.size} bytes; a suppressions file over ${MAX_SUPPRESSIONS_FILE_BYTES} bytes is not read`]);
    }
    let content: string;
    try {
        content = fs.readFileSync(absolute, "utf8");
    } catch (err) {
        throw new SuppressionsFileError([`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
    }
    return parseSuppressions(file, content);
}
