/**
 * The retry of failed workflow executions, rendered as pure data (components/failedExecutionRetry.ts
 * wires it; the replay models it with the same policy).
 *
 * Why a new execution and not RedriveExecution: a redrive "continues the failed execution from the
 * unsuccessful step and uses the same input", keeping the results of the steps that succeeded
 * (Step Functions API reference, RedriveExecution). The workflow ends its failures in Fail states
 * after it has given back its claim (IncidentNotOpened, FindingNotNotified): continuing from there
 * only fails again, and the claim it gave back is not taken again. A new execution with the failed
 * one's input runs the whole workflow again, claim first, which is what a re-import would do.
 *
 * How: Step Functions sends "Step Functions Execution Status Change" events to EventBridge for
 * Standard workflows (Step Functions developer guide, "EventBridge (CloudWatch Events) for Step
 * Functions execution status changes"); their detail has `executionArn`, `stateMachineArn`, `name`,
 * `status`, `input` (a JSON string, left out when input and output together exceed 248 KB, which
 * `inputDetails.truncated` says; DescribeExecution still has it), `error`, `cause` and
 * `redriveCount`. A rule on our state machine's FAILED events starts the retry state machine, which
 * waits the delay, then starts the workflow again under the name `retry<n>-<first name>` (names
 * are unique per state machine for 90 days, so a status event delivered twice starts one retry).
 * The name carries the attempt: the retry of a retry counts on, and after the last attempt the
 * retry machine sends the finding's event to the failed-findings queue and fails (its alarm).
 */
import { RetrySettings } from "./config/retry";

export const RETRY_NAME_PREFIX = "retry";
/** EventBridge's detail-type of Step Functions' execution status events. */
export const EXECUTION_STATUS_DETAIL_TYPE = "Step Functions Execution Status Change";

export interface RetryPolicy {
    attempts: number;
    delaySeconds: number;
}

export function retryPolicyOf(settings: Pick<RetrySettings, "failedExecutionRetryAttempts" | "failedExecutionRetryDelayMinutes">): RetryPolicy {
    return { attempts: settings.failedExecutionRetryAttempts, delaySeconds: settings.failedExecutionRetryDelayMinutes * 60 };
}

/** The rule's pattern: failed executions of the workflow, whoever started them (retries included: the name counts). */
export function failedExecutionPattern(stateMachineArn: string): Record<string, unknown> {
    return {
        source: ["aws.states"],
        "detail-type": [EXECUTION_STATUS_DETAIL_TYPE],
        detail: { status: ["FAILED"], stateMachineArn: [stateMachineArn] },
    };
}

/**
 * The attempt a failed execution's retry is (1 for a first failure), from the failed execution's
 * name; the replay and the retry machine's JSONata agree on it (tests check both).
 */
export function nextAttempt(executionName: string): number {
    const match = new RegExp(`^${RETRY_NAME_PREFIX}([0-9]+)-`).exec(executionName);
    return match ? Number(match[1]) + 1 : 1;
}

/** The name of the retry: `retry<n>-` and the first execution's name (at most 80 characters). */
export function retryName(executionName: string, attempt: number): string {
    const first = executionName.replace(new RegExp(`^${RETRY_NAME_PREFIX}[0-9]+-`), "");
    return `${RETRY_NAME_PREFIX}${attempt}-${first}`.slice(0, 80);
}

export interface RetryMachineInputs {
    workflowArn: string;
    failedFindingsQueueUrl: string;
    policy: RetryPolicy;
}

/** The retry state machine (JSONata): count the attempt, wait, start the workflow again, or give the finding up. */
export function renderRetryDefinition(inputs: RetryMachineInputs): Record<string, any> {
    const { attempts, delaySeconds } = inputs.policy;
    const prefix = RETRY_NAME_PREFIX;
    return {
        Comment: `Retries a failed securityhub-incidents execution: a new execution with its input after ${delaySeconds} s, at most ${attempts} times; then the finding goes to the failed-findings queue.`,
        QueryLanguage: "JSONata",
        StartAt: "CountAttempt",
        States: {
            CountAttempt: {
                Type: "Pass",
                Assign: {
                    failed: "{% $states.input.detail %}",
                    attempt: `{% ( $m := $match($states.input.detail.name, /^${prefix}([0-9]+)-/); $exists($m) ? $number($m[0].groups[0]) + 1 : 1 ) %}`,
                    first: `{% $replace($states.input.detail.name, /^${prefix}[0-9]+-/, '') %}`,
                },
                Next: "InputComplete",
            },
            InputComplete: {
                Type: "Choice",
                Comment: "Step Functions leaves the input out of the event when input and output exceed 248 KB: read it back then.",
                Choices: [{ Condition: "{% $failed.inputDetails.truncated = true %}", Next: "ReadInput" }],
                Default: "KeepInput",
            },
            KeepInput: { Type: "Pass", Assign: { input: "{% $parse($failed.input) %}" }, Next: "AttemptsLeft" },
            ReadInput: {
                Type: "Task",
                Resource: "arn:aws:states:::aws-sdk:sfn:describeExecution",
                Arguments: { ExecutionArn: "{% $failed.executionArn %}" },
                Assign: { input: "{% $parse($states.result.Input) %}" },
                Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 5, IntervalSeconds: 2, BackoffRate: 2 }],
                Next: "AttemptsLeft",
            },
            AttemptsLeft: {
                Type: "Choice",
                Choices: [{ Condition: `{% $attempt <= ${attempts} %}`, Next: "Delay" }],
                Default: "GiveUp",
            },
            Delay: { Type: "Wait", Seconds: delaySeconds, Next: "StartAgain" },
            StartAgain: {
                Type: "Task",
                Resource: "arn:aws:states:::states:startExecution",
                Arguments: {
                    StateMachineArn: inputs.workflowArn,
                    Name: `{% $substring('${prefix}' & $attempt & '-' & $first, 0, 80) %}`,
                    Input: "{% $input %}",
                },
                Retry: [{ ErrorEquals: ["StepFunctions.ExecutionLimitExceeded", "States.TaskFailed"], MaxAttempts: 6, IntervalSeconds: 5, BackoffRate: 2 }],
                // A status event delivered twice: the retry of this attempt already runs.
                Catch: [{ ErrorEquals: ["StepFunctions.ExecutionAlreadyExistsException"], Next: "AlreadyRetried" }],
                End: true,
            },
            AlreadyRetried: { Type: "Succeed" },
            GiveUp: {
                Type: "Task",
                Resource: "arn:aws:states:::sqs:sendMessage",
                Arguments: {
                    QueueUrl: inputs.failedFindingsQueueUrl,
                    MessageBody: "{% { 'reason': 'retries exhausted', 'attempts': $attempt - 1, 'lastExecutionArn': $failed.executionArn, 'error': $failed.error, 'cause': $failed.cause, 'input': $input } %}",
                },
                Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 6, IntervalSeconds: 5, BackoffRate: 2 }],
                Next: "GaveUp",
            },
            GaveUp: { Type: "Fail", Error: "FindingGivenUp", Cause: "The finding's workflow failed on every retry; its event is in the failed-findings queue." },
        },
    };
}

/** The execution ARNs of a state machine, for IAM (DescribeExecution): `...:execution:<name>:*`. */
export function executionArnsOf(stateMachineArn: string): string {
    return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:*`;
}

/** What the retry machine's role may do: start the workflow, read its executions' input, list a given-up finding. */
export function retryMachinePolicy(workflowArn: string, failedFindingsQueueArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["states:StartExecution"], Resource: [workflowArn] },
            { Effect: "Allow", Action: ["states:DescribeExecution"], Resource: [executionArnsOf(workflowArn)] },
            { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [failedFindingsQueueArn] },
        ],
    };
}
