/** Delivery, logs, traces and alarms: how the pipeline is watched and how hard EventBridge tries. */
import { EVENT_RETRY_LIMITS, LOG_RETENTION_DAYS } from "../limits";
import { boolean, describe, integer, matching, oneOf, SettingError, SettingSpec, SNS_TOPIC_ARN } from "./values";

export const LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ObservabilitySettings {
    alarmTopicArn?: string;
    logLevel: LogLevel;
    logIncludeExecutionData: boolean;
    logRetentionDays: number;
    tracingEnabled: boolean;
    eventRetryAttempts: number;
    eventMaxAgeSeconds: number;
}

export const OBSERVABILITY_SETTINGS: SettingSpec<ObservabilitySettings> = {
    alarmTopicArn: { parse: r => matching(r, SNS_TOPIC_ARN, "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"), default: undefined },
    logLevel: { parse: r => oneOf(r, LOG_LEVELS), default: "ERROR" },
    logIncludeExecutionData: { parse: boolean, default: false },
    logRetentionDays: {
        parse: r => {
            const days = Number(r);
            if ((LOG_RETENTION_DAYS as readonly number[]).includes(days)) return days;
            throw new SettingError(`${describe(r)} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
        },
        default: 90,
    },
    tracingEnabled: { parse: boolean, default: false },
    eventRetryAttempts: { parse: r => integer(r, 0, EVENT_RETRY_LIMITS.maxRetryAttempts), default: EVENT_RETRY_LIMITS.maxRetryAttempts },
    eventMaxAgeSeconds: { parse: r => integer(r, EVENT_RETRY_LIMITS.minEventAgeSeconds, EVENT_RETRY_LIMITS.maxEventAgeSeconds), default: EVENT_RETRY_LIMITS.maxEventAgeSeconds },
};
