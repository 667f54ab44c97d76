import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { buildEventPattern, buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern, EventFilterSettings } from "../lib/eventPattern";
import { deadLetterQueuePolicy, eventTargetPolicy, serviceTrustPolicy } from "../lib/policies";
import { EVENT_RETRY_LIMITS } from "../lib/limits";
import { FINDING_FORMATS, FindingFormat } from "../lib/config/formats";

export interface FindingEventRuleArgs {
    /** Which findings start the workflow (severity, record state, workflow status, product). */
    filter: EventFilterSettings;
    /**
     * Which Security Hub event formats to listen to, each through its own rules: `ASFF` (Security
     * Hub CSPM, "Security Hub Findings - Imported") and/or `OCSF` (the new Security Hub,
     * "Findings Imported V2"). Default: ["ASFF"].
     */
    formats?: FindingFormat[];
    /**
     * Also send the workflow the lifecycle events of findings that have an incident (resolved,
     * suppressed, archived; see buildLifecyclePattern), through a second rule per format. Needs the
     * workflow to write its Note back to findings. Default: false.
     */
    followLifecycle?: boolean;
    /** ARN of the state machine that receives matching events. */
    stateMachineArn: pulumi.Input<string>;
    /** Delivery retries before an event goes to the dead-letter queue (0-185). Default: 185. */
    retryAttempts?: number;
    /** Oldest event EventBridge still delivers, in seconds (60-86400). Default: 86400. */
    maxEventAgeSeconds?: number;
}

/** One rule of the component, its target and the pattern it was given. */
export interface FindingRule {
    format: FindingFormat;
    kind: "findings" | "lifecycle";
    rule: aws.cloudwatch.EventRule;
    target: aws.cloudwatch.EventTarget;
    eventPattern: string;
}

/**
 * Each rule's logical name suffix (after `<name>-`): the ASFF rules keep the names they had before
 * OCSF existed, so stacks that already run them replace nothing.
 */
const RULE_SUFFIX: Record<FindingFormat, Record<FindingRule["kind"], string>> = {
    ASFF: { findings: "", lifecycle: "lifecycle-" },
    OCSF: { findings: "ocsf-", lifecycle: "ocsf-lifecycle-" },
};

const DESCRIPTION: Record<FindingFormat, Record<FindingRule["kind"], string>> = {
    ASFF: {
        findings: "Imported Security Hub findings that should open an incident",
        lifecycle: "Findings with an incident that were resolved, suppressed or archived",
    },
    OCSF: {
        findings: "Imported Security Hub findings (OCSF, Findings Imported V2) that should open an incident",
        lifecycle: "OCSF findings (Findings Imported V2) with an incident that were resolved, suppressed or archived",
    },
};

/**
 * The EventBridge rules that send imported Security Hub findings to the workflow: per format, a
 * findings rule and (with the write-back) a lifecycle rule, all with one target role and one
 * dead-letter queue. Events that cannot be delivered after the retries land in the encrypted
 * dead-letter queue instead of being dropped.
 */
export class FindingEventRule extends pulumi.ComponentResource {
    /** Every rule, in the order ASFF findings, ASFF lifecycle, OCSF findings, OCSF lifecycle (those declared). */
    readonly rules: FindingRule[];
    /** The ASFF findings rule (undefined when ASFF is off). */
    readonly rule?: aws.cloudwatch.EventRule;
    readonly lifecycleRule?: aws.cloudwatch.EventRule;
    readonly ocsfRule?: aws.cloudwatch.EventRule;
    readonly ocsfLifecycleRule?: aws.cloudwatch.EventRule;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly role: aws.iam.Role;
    readonly target?: aws.cloudwatch.EventTarget;
    readonly lifecycleTarget?: aws.cloudwatch.EventTarget;
    readonly eventPattern?: string;
    readonly lifecycleEventPattern?: string;
    readonly ocsfEventPattern?: string;
    readonly ocsfLifecycleEventPattern?: string;
    readonly ruleArn?: pulumi.Output<string>;
    readonly lifecycleRuleArn?: pulumi.Output<string>;
    readonly ocsfRuleArn?: pulumi.Output<string>;
    readonly ocsfLifecycleRuleArn?: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;

    constructor(name: string, args: FindingEventRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:events:FindingEventRule", name, args, opts);
        const formats = args.formats ?? ["ASFF"];
        if (formats.length === 0 || formats.some(f => !FINDING_FORMATS.includes(f)) || new Set(formats).size !== formats.length) {
            throw new Error(`FindingEventRule ${name}: formats ${JSON.stringify(formats)} must name each of ${FINDING_FORMATS.join(", ")} at most once, and at least one`);
        }
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        const patterns: Array<{ format: FindingFormat; kind: FindingRule["kind"]; pattern: Record<string, unknown> }> = [];
        for (const format of FINDING_FORMATS.filter(f => formats.includes(f))) {
            patterns.push({ format, kind: "findings", pattern: format === "ASFF" ? buildEventPattern(args.filter) : buildOcsfEventPattern(args.filter) });
            if (args.followLifecycle) patterns.push({ format, kind: "lifecycle", pattern: format === "ASFF" ? buildLifecyclePattern(args.filter) : buildOcsfLifecyclePattern(args.filter) });
        }
        const declaredRules = patterns.map(({ format, kind, pattern }) => {
            const eventPattern = JSON.stringify(pattern);
            const rule = new aws.cloudwatch.EventRule(`${name}-${RULE_SUFFIX[format][kind]}rule`, {
                description: DESCRIPTION[format][kind],
                eventPattern,
            }, { parent: this });
            return { format, kind, rule, eventPattern };
        });

        this.deadLetterQueue = new aws.sqs.Queue(`${name}-dlq`, {
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: 14 * 24 * 3600,
        }, { parent: this });
        const queuePolicy = new aws.sqs.QueuePolicy(`${name}-dlq-policy`, {
            queueUrl: this.deadLetterQueue.url,
            policy: pulumi.all([this.deadLetterQueue.arn, ...declaredRules.map(r => r.rule.arn)]).apply(([queueArn, ...ruleArns]) =>
                JSON.stringify(deadLetterQueuePolicy(queueArn, ruleArns))),
        }, { parent: this });

        this.role = new aws.iam.Role(`${name}-role`, {
            description: "Lets EventBridge start the incident workflow",
            assumeRolePolicy: accountId.apply(account => JSON.stringify(serviceTrustPolicy("events.amazonaws.com", { sourceAccount: account }))),
        }, { parent: this });
        const rolePolicy = new aws.iam.RolePolicy(`${name}-start-execution`, {
            role: this.role.id,
            policy: pulumi.output(args.stateMachineArn).apply(arn => JSON.stringify(eventTargetPolicy(arn))),
        }, { parent: this });

        this.rules = declaredRules.map(({ format, kind, rule, eventPattern }) => ({
            format,
            kind,
            rule,
            eventPattern,
            target: new aws.cloudwatch.EventTarget(`${name}-${RULE_SUFFIX[format][kind]}target`, {
                rule: rule.name,
                arn: args.stateMachineArn,
                roleArn: this.role.arn,
                deadLetterConfig: { arn: this.deadLetterQueue.arn },
                retryPolicy: {
                    maximumRetryAttempts: args.retryAttempts ?? EVENT_RETRY_LIMITS.maxRetryAttempts,
                    maximumEventAgeInSeconds: args.maxEventAgeSeconds ?? EVENT_RETRY_LIMITS.maxEventAgeSeconds,
                },
            }, { parent: this, dependsOn: [rolePolicy, queuePolicy] }),
        }));

        const find = (format: FindingFormat, kind: FindingRule["kind"]) => this.rules.find(r => r.format === format && r.kind === kind);
        const asff = find("ASFF", "findings");
        const asffLifecycle = find("ASFF", "lifecycle");
        const ocsf = find("OCSF", "findings");
        const ocsfLifecycle = find("OCSF", "lifecycle");
        this.rule = asff?.rule;
        this.target = asff?.target;
        this.eventPattern = asff?.eventPattern;
        this.lifecycleRule = asffLifecycle?.rule;
        this.lifecycleTarget = asffLifecycle?.target;
        this.lifecycleEventPattern = asffLifecycle?.eventPattern;
        this.ocsfRule = ocsf?.rule;
        this.ocsfEventPattern = ocsf?.eventPattern;
        this.ocsfLifecycleRule = ocsfLifecycle?.rule;
        this.ocsfLifecycleEventPattern = ocsfLifecycle?.eventPattern;

        this.ruleArn = this.rule?.arn;
        this.lifecycleRuleArn = this.lifecycleRule?.arn;
        this.ocsfRuleArn = this.ocsfRule?.arn;
        this.ocsfLifecycleRuleArn = this.ocsfLifecycleRule?.arn;
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        this.registerOutputs({
            ruleArn: this.ruleArn,
            lifecycleRuleArn: this.lifecycleRuleArn,
            ocsfRuleArn: this.ocsfRuleArn,
            ocsfLifecycleRuleArn: this.ocsfLifecycleRuleArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            deadLetterQueueArn: this.deadLetterQueue.arn,
        });
    }
}
