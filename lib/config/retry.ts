/** The retry of failed workflow executions (components/failedExecutionRetry.ts, lib/failedExecutionRetry.ts). */
import { integer, SettingSpec } from "./values";

export interface RetrySettings {
    /** New executions started for a finding whose execution failed, before it is given up (0: none). */
    failedExecutionRetryAttempts: number;
    /** Minutes between a failed execution and its retry. */
    failedExecutionRetryDelayMinutes: number;
}

export const RETRY_SETTINGS: SettingSpec<RetrySettings> = {
    failedExecutionRetryAttempts: { parse: r => integer(r, 0, 10), default: 3 },
    failedExecutionRetryDelayMinutes: { parse: r => integer(r, 1, 1440), default: 15 },
};
