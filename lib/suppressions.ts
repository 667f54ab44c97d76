/**
 * Suppression rules → Security Hub automation rules, one set per finding format in use: CSPM
 * `AutomationRule` (ASFF criteria) and the new Security Hub's `AutomationRuleV2` (OCSF criteria).
 * Pure: the component declares what this returns, synth writes it, and the replay's Security Hub
 * stand-in applies it. docs/suppressions.md explains each choice.
 *
 * How one suppression rule compiles:
 * - Each criterion becomes one filter field; its values are OR-joined (EQUALS, PREFIX, CONTAINS on
 *   one field are joined by OR: StringFilter API reference), fields are AND-joined.
 * - A criterion with more values than its field takes (20, or 100 for account and resource IDs and
 *   titles; AUTOMATION_RULE_LIMITS) is split: the rule becomes one part per chunk (per combination
 *   of chunks when several criteria are split). Every part counts against the 100 rules per
 *   Region.
 * - With the workflow's write-back on (notifyFindings), each part is a pair: first, for findings
 *   that carry this project's open Note (they have an incident), a rule that sets only the status,
 *   so the Note naming the incident stays and the lifecycle rule takes the suppression to the
 *   incident; then the rule that suppresses with the reason as Note. In CSPM the first is terminal
 *   (IsTerminal: "doesn't evaluate other rules for the finding", AutomationRulesConfig API
 *   reference), so the second never overwrites the Note. V2 rules have no IsTerminal: the second
 *   carries `comment PREFIX_NOT_EQUALS <open prefix>` instead.
 * - RuleOrder: consecutive from the file's firstRuleOrder, in file order.
 * - An expired rule (past its `expires` day, UTC, at `now`) is declared with status DISABLED and
 *   named in a warning; it still counts against the limit (it is still a rule in the account).
 */
import type * as aws from "@pulumi/aws";
import { AUTOMATION_RULE_LIMITS, AUTOMATION_RULE_WIDE_CRITERIA, OCSF_STATUS_IDS } from "./limits";
import { NOTE_OPEN_PREFIX } from "./stateMachineDefinition";
import type { FindingFormat } from "./config/formats";
import type { SuppressionCriterion, SuppressionRule, SuppressionsFile } from "./config/suppressions";

/** Who the Note says updated the finding (Note.UpdatedBy). */
export const SUPPRESSION_NOTE_AUTHOR = "securityhub-incidents/suppressions";

/** One criterion's field in each format: the ASFF criteria key (Pulumi's name and the API's) and the OCSF field. */
export const CRITERION_FIELDS: Record<SuppressionCriterion, { pulumi: string; asff: string; ocsf: string; comparison: "EQUALS" | "PREFIX" | "CONTAINS" }> = {
    securityControlIds: { pulumi: "complianceSecurityControlIds", asff: "ComplianceSecurityControlId", ocsf: "compliance.control", comparison: "EQUALS" },
    accounts: { pulumi: "awsAccountIds", asff: "AwsAccountId", ocsf: "cloud.account.uid", comparison: "EQUALS" },
    regions: { pulumi: "resourceRegions", asff: "ResourceRegion", ocsf: "cloud.region", comparison: "EQUALS" },
    resourceIds: { pulumi: "resourceIds", asff: "ResourceId", ocsf: "resources.uid", comparison: "EQUALS" },
    resourceIdPrefixes: { pulumi: "resourceIds", asff: "ResourceId", ocsf: "resources.uid", comparison: "PREFIX" },
    productNames: { pulumi: "productNames", asff: "ProductName", ocsf: "metadata.product.name", comparison: "EQUALS" },
    titleContains: { pulumi: "titles", asff: "Title", ocsf: "finding_info.title", comparison: "CONTAINS" },
    resourceTags: { pulumi: "resourceTags", asff: "ResourceTags", ocsf: "resources.tags", comparison: "EQUALS" },
};

/** The note-text criterion of the pair's first rule: the finding carries this project's open Note. */
const NOTE_FIELD = { pulumi: "noteTexts", asff: "NoteText", ocsf: "comment" } as const;

export type SuppressionRole = "on-incident" | "suppress";

/** AutomationRule arguments, plain (no Outputs): what the component declares and synth writes. */
export interface AsffRuleArgs {
    ruleName: string;
    description: string;
    ruleOrder: number;
    ruleStatus: "ENABLED" | "DISABLED";
    isTerminal: boolean;
    /** Pulumi criteria key (e.g. awsAccountIds) → its filters. */
    criteria: Record<string, Array<{ comparison: string; value: string; key?: string }>>;
    actions: Array<{ type: "FINDING_FIELDS_UPDATE"; findingFieldsUpdate: { workflow: { status: "SUPPRESSED" }; note?: { text: string; updatedBy: string } } }>;
}

/** AutomationRuleV2 arguments, plain. */
export interface OcsfRuleArgs {
    ruleName: string;
    description: string;
    ruleOrder: number;
    ruleStatus: "ENABLED" | "DISABLED";
    criteria: { ocsfFindingCriteriaJson: string };
    action: { type: "FINDING_FIELDS_UPDATE"; findingFieldsUpdate: { statusId: number; comment?: string } };
}

/** The type checker holds both to @pulumi/aws's own argument types. */
type Fits<T extends Target, Target> = T;
export type AsffRuleArgsFit = Fits<AsffRuleArgs, aws.securityhub.AutomationRuleArgs>;
export type OcsfRuleArgsFit = Fits<OcsfRuleArgs, aws.securityhub.AutomationRuleV2Args>;

export interface CompiledAutomationRule<A> {
    /** The suppression rule it comes from. */
    suppression: string;
    format: FindingFormat;
    role: SuppressionRole;
    /** 1-based part of a split rule, and how many parts it has. */
    part: number;
    parts: number;
    /** Pulumi resource name, unique in the stack: `asff-<ruleName>` or `ocsf-<ruleName>` (the component prefixes its own name). */
    resourceName: string;
    args: A;
}

export interface CompiledSuppressions {
    asff: Array<CompiledAutomationRule<AsffRuleArgs>>;
    ocsf: Array<CompiledAutomationRule<OcsfRuleArgs>>;
    /** Preview warnings (expired rules), one line each. */
    warnings: string[];
    /** Limits the rules break (too many rules, RuleOrder past 1000); the program refuses them. */
    problems: string[];
}

export interface CompileOptions {
    formats: FindingFormat[];
    /** Whether the workflow writes its open Note back (notifyFindings): then each part is a pair (see the module comment). */
    followIncidents: boolean;
    /** The day rules are compiled (expiry); the program passes the real date, tests a fixed one. */
    now: Date;
}

interface Value {
    value: string;
    key?: string;
}

/** The values of one criterion, as filter values. */
function valuesOf(rule: SuppressionRule, criterion: SuppressionCriterion): Value[] {
    if (criterion === "resourceTags") return Object.entries(rule.match.resourceTags ?? {}).map(([key, value]) => ({ key, value }));
    return (rule.match[criterion] ?? []).map(value => ({ value }));
}

/** How many values the criterion's ASFF field takes. */
export function valuesPerField(criterion: SuppressionCriterion): number {
    return (AUTOMATION_RULE_WIDE_CRITERIA as readonly string[]).includes(CRITERION_FIELDS[criterion].asff)
        ? AUTOMATION_RULE_LIMITS.valuesPerWideCriterion
        : AUTOMATION_RULE_LIMITS.valuesPerCriterion;
}

function chunks<T>(items: T[], size: number): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

/**
 * The parts of a rule: criterion → its values, each part within the per-field limits. resourceIds
 * and resourceIdPrefixes share one field (ResourceId / resources.uid), so they are counted and split
 * together.
 */
export function splitRule(rule: SuppressionRule): Array<Map<SuppressionCriterion, Value[]>> {
    // Fields (ASFF key) → the criteria values on it.
    const fields = new Map<string, Array<{ criterion: SuppressionCriterion; value: Value }>>();
    for (const criterion of Object.keys(CRITERION_FIELDS) as SuppressionCriterion[]) {
        const values = valuesOf(rule, criterion);
        if (values.length === 0) continue;
        const field = CRITERION_FIELDS[criterion].asff;
        if (!fields.has(field)) fields.set(field, []);
        fields.get(field)!.push(...values.map(value => ({ criterion, value })));
    }
    let parts: Array<Map<SuppressionCriterion, Value[]>> = [new Map()];
    for (const entries of fields.values()) {
        const limit = valuesPerField(entries[0].criterion);
        const next: Array<Map<SuppressionCriterion, Value[]>> = [];
        for (const part of parts) {
            for (const chunk of chunks(entries, limit)) {
                const copy = new Map(part);
                for (const { criterion, value } of chunk) copy.set(criterion, [...(copy.get(criterion) ?? []), value]);
                next.push(copy);
            }
        }
        parts = next;
    }
    return parts;
}

/** Whether a rule is past its last day at `now` (expires is the last day it applies, UTC). */
export function isExpired(rule: SuppressionRule, now: Date): boolean {
    if (rule.expires === undefined) return false;
    const endOfDay = Date.parse(`${rule.expires}T00:00:00Z`) + 86_400_000;
    return now.getTime() >= endOfDay;
}

function asffCriteria(part: Map<SuppressionCriterion, Value[]>, role: SuppressionRole): AsffRuleArgs["criteria"] {
    const criteria: AsffRuleArgs["criteria"] = {};
    for (const [criterion, values] of part) {
        const { pulumi, comparison } = CRITERION_FIELDS[criterion];
        criteria[pulumi] = [...(criteria[pulumi] ?? []), ...values.map(v => (v.key !== undefined ? { comparison, key: v.key, value: v.value } : { comparison, value: v.value }))];
    }
    if (role === "on-incident") criteria[NOTE_FIELD.pulumi] = [{ comparison: "PREFIX", value: NOTE_OPEN_PREFIX }];
    return criteria;
}

/** OcsfFindingFilters: one composite filter per field (its values OR-joined), composites AND-joined. */
export function ocsfCriteria(part: Map<SuppressionCriterion, Value[]>, role: SuppressionRole | "plain"): Record<string, unknown> {
    const byField = new Map<string, Array<{ criterion: SuppressionCriterion; value: Value }>>();
    for (const [criterion, values] of part) {
        const field = CRITERION_FIELDS[criterion].ocsf;
        if (!byField.has(field)) byField.set(field, []);
        byField.get(field)!.push(...values.map(value => ({ criterion, value })));
    }
    const composites: Array<Record<string, unknown>> = [];
    for (const [field, entries] of byField) {
        if (entries[0].criterion === "resourceTags") {
            composites.push({
                MapFilters: entries.map(({ value }) => ({ FieldName: field, Filter: { Key: value.key, Value: value.value, Comparison: "EQUALS" } })),
                Operator: "OR",
            });
        } else {
            composites.push({
                StringFilters: entries.map(({ criterion, value }) => ({ FieldName: field, Filter: { Value: value.value, Comparison: CRITERION_FIELDS[criterion].comparison } })),
                Operator: "OR",
            });
        }
    }
    if (role !== "plain") {
        composites.push({
            StringFilters: [{ FieldName: NOTE_FIELD.ocsf, Filter: { Value: NOTE_OPEN_PREFIX, Comparison: role === "on-incident" ? "PREFIX" : "PREFIX_NOT_EQUALS" } }],
            Operator: "AND",
        });
    }
    return { CompositeFilters: composites, CompositeOperator: "AND" };
}

function describeRule(rule: SuppressionRule, role: SuppressionRole, part: number, parts: number): string {
    const which = parts > 1 ? ` Part ${part} of ${parts}.` : "";
    const what = role === "on-incident"
        ? "Findings that have an incident: set SUPPRESSED and keep the incident's Note, so the incident hears of it."
        : "Sets the finding SUPPRESSED with the reason as its Note.";
    return `Suppression ${rule.name} (securityhub-incidents): ${what}${which} Reason: ${rule.reason}`.slice(0, 1024);
}

/**
 * Compiles the rules of a suppressions file for the formats in use. Throws nothing: limits the
 * result breaks are listed in `problems` (the program refuses them at preview).
 */
export function compileSuppressions(file: SuppressionsFile | undefined, options: CompileOptions): CompiledSuppressions {
    const result: CompiledSuppressions = { asff: [], ocsf: [], warnings: [], problems: [] };
    if (!file) return result;
    const roles: SuppressionRole[] = options.followIncidents ? ["on-incident", "suppress"] : ["suppress"];
    let order = file.firstRuleOrder;
    const used = new Set<string>();
    const L = AUTOMATION_RULE_LIMITS;
    for (const rule of file.rules) {
        const expired = isExpired(rule, options.now);
        if (expired) result.warnings.push(`${file.file}: rule ${JSON.stringify(rule.name)} expired on ${rule.expires}; its automation rules are declared DISABLED: remove the rule or move its expires date`);
        const ruleStatus = expired ? "DISABLED" : "ENABLED";
        const parts = splitRule(rule);
        parts.forEach((part, index) => {
            for (const role of roles) {
                const suffix = `${parts.length > 1 ? `-part${index + 1}` : ""}${role === "on-incident" ? "-on-incident" : ""}`;
                const ruleName = `${rule.name}${suffix}`;
                if (used.has(ruleName)) {
                    result.problems.push(`${file.file}: rule ${JSON.stringify(rule.name)}: its automation rule ${JSON.stringify(ruleName)} has the name of another rule's (names get -partN and -on-incident); rename one of them`);
                }
                used.add(ruleName);
                const description = describeRule(rule, role, index + 1, parts.length);
                const common = { suppression: rule.name, role, part: index + 1, parts: parts.length };
                if (options.formats.includes("ASFF")) {
                    result.asff.push({
                        ...common,
                        format: "ASFF",
                        resourceName: `asff-${ruleName}`,
                        args: {
                            ruleName,
                            description,
                            ruleOrder: order,
                            ruleStatus,
                            isTerminal: role === "on-incident",
                            criteria: asffCriteria(part, role),
                            actions: [{
                                type: "FINDING_FIELDS_UPDATE",
                                findingFieldsUpdate: role === "on-incident"
                                    ? { workflow: { status: "SUPPRESSED" } }
                                    : { workflow: { status: "SUPPRESSED" }, note: { text: rule.reason, updatedBy: SUPPRESSION_NOTE_AUTHOR } },
                            }],
                        },
                    });
                }
                if (options.formats.includes("OCSF")) {
                    result.ocsf.push({
                        ...common,
                        format: "OCSF",
                        resourceName: `ocsf-${ruleName}`,
                        args: {
                            ruleName,
                            description,
                            ruleOrder: order,
                            ruleStatus,
                            criteria: { ocsfFindingCriteriaJson: JSON.stringify(ocsfCriteria(part, options.followIncidents ? role : "plain")) },
                            action: {
                                type: "FINDING_FIELDS_UPDATE",
                                findingFieldsUpdate: role === "on-incident"
                                    ? { statusId: OCSF_STATUS_IDS.Suppressed }
                                    : { statusId: OCSF_STATUS_IDS.Suppressed, comment: rule.reason },
                            },
                        },
                    });
                }
                order++;
            }
        });
    }
    const last = order - 1;
    if (last > L.maxRuleOrder) {
        result.problems.push(`${file.file}: the rules need RuleOrder ${file.firstRuleOrder} to ${last}; RuleOrder is at most ${L.maxRuleOrder}: lower firstRuleOrder or merge rules`);
    }
    for (const [format, rules] of [["ASFF", result.asff], ["OCSF", result.ocsf]] as const) {
        if (rules.length > L.rulesPerRegion) {
            const bySource = new Map<string, number>();
            for (const r of rules) bySource.set(r.suppression, (bySource.get(r.suppression) ?? 0) + 1);
            const biggest = [...bySource].filter(([, n]) => n > 1).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, n]) => `${name}: ${n}`).join(", ");
            result.problems.push(
                `${file.file}: the rules compile to ${rules.length} ${format === "ASFF" ? "Security Hub CSPM" : "Security Hub (OCSF)"} automation rules; Security Hub allows at most ${L.rulesPerRegion} per administrator account and Region` +
                `${options.followIncidents ? " (each rule is a pair while notifyFindings is on)" : ""}${biggest ? `; the largest: ${biggest}` : ""}: merge rules or shorten long value lists`,
            );
        }
    }
    return result;
}

/** What synth writes as suppression-rules.json: exactly the arguments declared, per format. */
export function suppressionRulesDocument(compiled: CompiledSuppressions): Record<string, unknown> {
    const entry = <A>(r: CompiledAutomationRule<A>) => ({ suppression: r.suppression, role: r.role, part: r.part, parts: r.parts, resourceName: r.resourceName, args: r.args });
    return {
        asff: compiled.asff.map(entry),
        ocsf: compiled.ocsf.map(r => ({ ...entry(r), criteria: JSON.parse(r.args.criteria.ocsfFindingCriteriaJson) })),
        warnings: compiled.warnings,
    };
}
