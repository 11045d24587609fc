/** Types of scripts/gateway-build.mjs (plain JS so `npm start` runs it without a TypeScript loader). */
export declare const GATEWAY_BUNDLE: string;
export declare function gatewayNodeFlags(env?: Record<string, string | undefined>): string[];
export declare function buildGateway(): Promise<string>;
export declare function gatewayArgv(args?: string[], env?: Record<string, string | undefined>): Promise<string[]>;
export declare const GATEWAY_ENV: Record<string, string>;
