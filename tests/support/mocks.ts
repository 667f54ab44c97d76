import { installMocks, settled, valueOf, DeclaredResource } from "../../offline/pulumiMocks";

// Installed once for the whole test run, before any component or the program is loaded.
export const declared: DeclaredResource[] = installMocks("ap-northeast-1", "test");
export { valueOf };

/** Resources declared with this exact logical name, once the program has settled. */
export async function resource(name: string): Promise<DeclaredResource> {
    await settled(declared, 20);
    const found = declared.filter(r => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}: ${declared.map(r => r.name).join(", ")}`);
    return found[0];
}

/** Every child resource (not component) whose name starts with `prefix-`. */
export async function childrenOf(prefix: string): Promise<DeclaredResource[]> {
    await settled(declared, 20);
    return declared.filter(r => r.name.startsWith(`${prefix}-`) && !r.type.startsWith("securityhub-incidents:"));
}

export const json = (text: string) => JSON.parse(text);
