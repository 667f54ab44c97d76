import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { buildEventPattern, buildLifecyclePattern, EventFilterSettings } from "../lib/eventPattern";
import { deadLetterQueuePolicy, eventTargetPolicy, serviceTrustPolicy } from "../lib/policies";
import { EVENT_RETRY_LIMITS } from "../lib/limits";

export interface FindingEventRuleArgs {
    /** Which findings start the workflow (severity, record state, workflow status, product). */
    filter: EventFilterSettings;
    /**
     * Also send the workflow the lifecycle events of findings that have an incident (resolved,
     * suppressed, archived; see buildLifecyclePattern), through a second rule. Needs the workflow
     * to write its Note back to findings. Default: false.
     */
    followLifecycle?: boolean;
    /** ARN of the state machine that receives matching events. */
    stateMachineArn: pulumi.Input<string>;
    /** Delivery retries before an event goes to the dead-letter queue (0-185). Default: 185. */
    retryAttempts?: number;
    /** Oldest event EventBridge still delivers, in seconds (60-86400). Default: 86400. */
    maxEventAgeSeconds?: number;
}

/**
 * The EventBridge rule that sends imported Security Hub findings to the workflow. Events that
 * cannot be delivered after the retries land in an encrypted dead-letter queue instead of being
 * dropped.
 */
export class FindingEventRule extends pulumi.ComponentResource {
    readonly rule: aws.cloudwatch.EventRule;
    readonly lifecycleRule?: aws.cloudwatch.EventRule;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly role: aws.iam.Role;
    readonly target: aws.cloudwatch.EventTarget;
    readonly lifecycleTarget?: aws.cloudwatch.EventTarget;
    readonly eventPattern: string;
    readonly lifecycleEventPattern?: string;
    readonly ruleArn: pulumi.Output<string>;
    readonly lifecycleRuleArn?: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;

    constructor(name: string, args: FindingEventRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:events:FindingEventRule", name, args, opts);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        this.eventPattern = JSON.stringify(buildEventPattern(args.filter));

        this.rule = new aws.cloudwatch.EventRule(`${name}-rule`, {
            description: "Imported Security Hub findings that should open an incident",
            eventPattern: this.eventPattern,
        }, { parent: this });
        if (args.followLifecycle) {
            this.lifecycleEventPattern = JSON.stringify(buildLifecyclePattern());
            this.lifecycleRule = new aws.cloudwatch.EventRule(`${name}-lifecycle-rule`, {
                description: "Findings with an incident that were resolved, suppressed or archived",
                eventPattern: this.lifecycleEventPattern,
            }, { parent: this });
        }
        const rules = [this.rule, ...(this.lifecycleRule ? [this.lifecycleRule] : [])];

        this.deadLetterQueue = new aws.sqs.Queue(`${name}-dlq`, {
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: 14 * 24 * 3600,
        }, { parent: this });
        const queuePolicy = new aws.sqs.QueuePolicy(`${name}-dlq-policy`, {
            queueUrl: this.deadLetterQueue.url,
            policy: pulumi.all([this.deadLetterQueue.arn, ...rules.map(r => r.arn)]).apply(([queueArn, ...ruleArns]) =>
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

        const target = (targetName: string, rule: aws.cloudwatch.EventRule) => new aws.cloudwatch.EventTarget(targetName, {
            rule: rule.name,
            arn: args.stateMachineArn,
            roleArn: this.role.arn,
            deadLetterConfig: { arn: this.deadLetterQueue.arn },
            retryPolicy: {
                maximumRetryAttempts: args.retryAttempts ?? EVENT_RETRY_LIMITS.maxRetryAttempts,
                maximumEventAgeInSeconds: args.maxEventAgeSeconds ?? EVENT_RETRY_LIMITS.maxEventAgeSeconds,
            },
        }, { parent: this, dependsOn: [rolePolicy, queuePolicy] });
        this.target = target(`${name}-target`, this.rule);
        if (this.lifecycleRule) this.lifecycleTarget = target(`${name}-lifecycle-target`, this.lifecycleRule);

        this.ruleArn = this.rule.arn;
        this.lifecycleRuleArn = this.lifecycleRule?.arn;
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        this.registerOutputs({ ruleArn: this.ruleArn, lifecycleRuleArn: this.lifecycleRuleArn, deadLetterQueueUrl: this.deadLetterQueueUrl, deadLetterQueueArn: this.deadLetterQueue.arn });
    }
}
