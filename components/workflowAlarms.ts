import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface WorkflowAlarmsArgs {
    /** The incident workflow whose failed executions raise an alarm. */
    stateMachineArn: pulumi.Input<string>;
    /** Name of the event rule's dead-letter queue. */
    deadLetterQueueName: pulumi.Input<string>;
    /** Name of the queue findings go to when their workflow still fails after the last retry. Default: no alarm. */
    failedFindingsQueueName?: pulumi.Input<string>;
    /** The retry of failed executions (its own failures: it could not retry or list a finding). Default: no alarm. */
    retryMachineArn?: pulumi.Input<string>;
    /** SNS topic that receives alarm and recovery notifications. Default: none (alarms only show in CloudWatch). */
    alarmTopicArn?: string;
}

/**
 * Alarms for the two ways a finding can fail to become an incident: the workflow failed (it
 * released its claim, so the next re-import retries) or the event never reached the workflow.
 */
export class WorkflowAlarms extends pulumi.ComponentResource {
    readonly failedExecutions: aws.cloudwatch.MetricAlarm;
    readonly deadLetters: aws.cloudwatch.MetricAlarm;
    readonly failedFindings?: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: WorkflowAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:monitoring:WorkflowAlarms", name, args, opts);
        const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
        const common = {
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            evaluationPeriods: 1,
            period: 300,
            treatMissingData: "notBreaching",
            alarmActions: actions,
            okActions: actions,
        };
        this.failedExecutions = new aws.cloudwatch.MetricAlarm(`${name}-failed-executions`, {
            ...common,
            alarmDescription: "A Security Hub finding did not become an incident: the incident workflow failed. See the execution's error.",
            namespace: "AWS/States",
            metricName: "ExecutionsFailed",
            dimensions: { StateMachineArn: args.stateMachineArn },
            statistic: "Sum",
        }, { parent: this });
        this.deadLetters = new aws.cloudwatch.MetricAlarm(`${name}-dead-letters`, {
            ...common,
            alarmDescription: "Security Hub finding events could not be delivered to the incident workflow and wait in the dead-letter queue.",
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: args.deadLetterQueueName },
            statistic: "Maximum",
        }, { parent: this });
        if (args.failedFindingsQueueName) {
            this.failedFindings = new aws.cloudwatch.MetricAlarm(`${name}-failed-findings`, {
                ...common,
                alarmDescription: "A Security Hub finding still failed after the last retry of its workflow and waits in the failed-findings queue (docs/failures.md).",
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: args.failedFindingsQueueName },
                statistic: "Maximum",
            }, { parent: this });
        }
        if (args.retryMachineArn) {
            new aws.cloudwatch.MetricAlarm(`${name}-retry-failed`, {
                ...common,
                alarmDescription: "The retry of failed workflow executions failed or gave a finding up (see its execution and the failed-findings queue).",
                namespace: "AWS/States",
                metricName: "ExecutionsFailed",
                dimensions: { StateMachineArn: args.retryMachineArn },
                statistic: "Sum",
            }, { parent: this });
        }
        this.registerOutputs({ failedExecutionsAlarmArn: this.failedExecutions.arn, deadLettersAlarmArn: this.deadLetters.arn, failedFindingsAlarmArn: this.failedFindings?.arn });
    }
}
