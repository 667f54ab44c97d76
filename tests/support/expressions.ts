/** Every distinct "{% … %}" string (a JSONata expression) anywhere in a definition. */
export function expressionsOf(definition: unknown): string[] {
    const found: string[] = [];
    const walk = (v: unknown) => {
        if (typeof v === "string" && /^\{%[\s\S]*%\}$/.test(v)) found.push(v);
        else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(definition);
    return [...new Set(found)];
}
