import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { failedExecutionPattern, renderRetryDefinition, retryMachinePolicy, RetryPolicy } from "../lib/failedExecutionRetry";
import { deadLetterQueuePolicy, eventTargetPolicy, serviceTrustPolicy } from "../lib/policies";

export interface FailedExecutionRetryArgs {
    /** The incident workflow whose failed executions are retried. */
    stateMachineArn: pulumi.Input<string>;
    /** Attempts and delay (failedExecutionRetryAttempts, failedExecutionRetryDelayMinutes). */
    policy: RetryPolicy;
}

/**
 * Retries a finding whose workflow execution failed without waiting for a re-import (GuardDuty,
 * Inspector or a custom product may never send it again): an EventBridge rule on the workflow's
 * FAILED status events starts a small state machine that waits the delay and starts a new
 * execution with the failed one's input, at most `policy.attempts` times per finding; after the
 * last, the finding's event goes to the failed-findings queue (an alarm watches it; see
 * docs/failures.md). Status events the rule cannot deliver land in the same queue. With 0
 * attempts nothing is declared but the queue, which then only stays empty.
 */
export class FailedExecutionRetry extends pulumi.ComponentResource {
    /** Where a finding that still fails after the last retry is listed (its event and last error). */
    readonly failedFindingsQueue: aws.sqs.Queue;
    readonly stateMachine?: aws.sfn.StateMachine;
    readonly rule?: aws.cloudwatch.EventRule;
    readonly retryMachineArn?: pulumi.Output<string>;

    constructor(name: string, args: FailedExecutionRetryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:workflow:FailedExecutionRetry", name, args, opts);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        this.failedFindingsQueue = new aws.sqs.Queue(`${name}-failed-findings`, {
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: 14 * 24 * 3600,
        }, { parent: this });

        if (args.policy.attempts > 0) {
            const role = new aws.iam.Role(`${name}-role`, {
                description: "Lets the retry of failed executions start the incident workflow again",
                assumeRolePolicy: accountId.apply(account => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", { sourceAccount: account }))),
            }, { parent: this });
            const rolePolicy = new aws.iam.RolePolicy(`${name}-tasks`, {
                role: role.id,
                policy: pulumi.all([args.stateMachineArn, this.failedFindingsQueue.arn]).apply(([workflowArn, queueArn]) => JSON.stringify(retryMachinePolicy(workflowArn, queueArn))),
            }, { parent: this });
            this.stateMachine = new aws.sfn.StateMachine(`${name}-machine`, {
                type: "STANDARD",
                roleArn: role.arn,
                definition: pulumi.all([args.stateMachineArn, this.failedFindingsQueue.url]).apply(([workflowArn, queueUrl]) =>
                    JSON.stringify(renderRetryDefinition({ workflowArn, failedFindingsQueueUrl: queueUrl, policy: args.policy }), null, 2)),
            }, { parent: this, dependsOn: [rolePolicy] });

            this.rule = new aws.cloudwatch.EventRule(`${name}-rule`, {
                description: "Failed executions of the incident workflow, to be retried",
                eventPattern: pulumi.output(args.stateMachineArn).apply(arn => JSON.stringify(failedExecutionPattern(arn))),
            }, { parent: this });
            const queuePolicy = new aws.sqs.QueuePolicy(`${name}-failed-findings-policy`, {
                queueUrl: this.failedFindingsQueue.url,
                policy: pulumi.all([this.failedFindingsQueue.arn, this.rule.arn]).apply(([queueArn, ruleArn]) => JSON.stringify(deadLetterQueuePolicy(queueArn, ruleArn))),
            }, { parent: this });
            const targetRole = new aws.iam.Role(`${name}-target-role`, {
                description: "Lets EventBridge start the retry of a failed execution",
                assumeRolePolicy: accountId.apply(account => JSON.stringify(serviceTrustPolicy("events.amazonaws.com", { sourceAccount: account }))),
            }, { parent: this });
            const targetPolicy = new aws.iam.RolePolicy(`${name}-start-retry`, {
                role: targetRole.id,
                policy: this.stateMachine.arn.apply(arn => JSON.stringify(eventTargetPolicy(arn))),
            }, { parent: this });
            new aws.cloudwatch.EventTarget(`${name}-target`, {
                rule: this.rule.name,
                arn: this.stateMachine.arn,
                roleArn: targetRole.arn,
                deadLetterConfig: { arn: this.failedFindingsQueue.arn },
            }, { parent: this, dependsOn: [targetPolicy, queuePolicy] });
            this.retryMachineArn = this.stateMachine.arn;
        }
        this.registerOutputs({ failedFindingsQueueUrl: this.failedFindingsQueue.url, retryMachineArn: this.retryMachineArn });
    }
}
