/** Types of scripts/gateway-build.mjs (plain JS so `npm start` runs it without a TypeScript loader). */
export declare const GATEWAY_BUNDLE: string;
export declare const GATEWAY_NODE_FLAGS: string[];
export declare function buildGateway(): Promise<string>;
export declare function gatewayArgv(args?: string[]): Promise<string[]>;
export declare const GATEWAY_ENV: Record<string, string>;
