import { DynamoDbError, LocalDynamoDb } from "../../offline/localDynamoDb";

/**
 * Makes calls of one DynamoDB operation fail, counted from now: calls number `from` to
 * `from + times - 1` (1-based) of `operation` throw `errorName`, as DynamoDB would (with
 * `afterApplying`, each is carried out first and only its response is lost). Unlike
 * LocalDynamoDb.failNext, which fails the next calls, this reaches a later state's call of an
 * operation that earlier states use too (every write of the workflow is an UpdateItem).
 * Returns the function that restores the table.
 */
export function failDynamoDbCalls(dynamoDb: LocalDynamoDb, operation: string, errorName: string, opts: { from: number; times?: number; afterApplying?: boolean }): () => void {
    const real = dynamoDb.request.bind(dynamoDb);
    const last = opts.from + (opts.times ?? 1) - 1;
    let calls = 0;
    dynamoDb.request = async (op: string, body: unknown) => {
        if (op !== operation) return real(op, body);
        calls++;
        if (calls < opts.from || calls > last) return real(op, body);
        if (opts.afterApplying) await real(op, body).catch(() => undefined);
        const error = new DynamoDbError(`injected ${errorName}${opts.afterApplying ? " after the request was applied" : ""}`);
        error.name = errorName;
        throw error;
    };
    return () => { dynamoDb.request = real; };
}
