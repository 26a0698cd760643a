// Generated from the server's OpenAPI document by `npm run sdk:generate`: do not edit.
// packages/sdk/test/generated.test.ts fails when the server's routes no longer match it.
export interface paths {
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keyId: string;
                            tenantId: string;
                            scope: "reader" | "operator" | "admin";
                            system: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tenants visible to the key (all of them for the bootstrap key) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Tenant"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create a tenant (bootstrap key only) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description lower-case letters, digits and dashes, 1–63 characters
                         * @example acme
                         */
                        id?: string;
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description lower-case letters, digits and dashes, 1–63 characters
                             * @example acme
                             */
                            id: string;
                            name: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One tenant */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description lower-case letters, digits and dashes, 1–63 characters
                             * @example acme
                             */
                            id: string;
                            name: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's API keys (the caller's own tenant, or any for the bootstrap key) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["ApiKey"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API key in a tenant (the caller's own, or any for the bootstrap key) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        scope: "reader" | "operator" | "admin";
                        /** Format: date-time */
                        expiresAt?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"] & {
                            /** @description the key itself; shown only once */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's tenant's API keys */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["ApiKey"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API key in the caller's tenant; the secret is shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        scope: "reader" | "operator" | "admin";
                        /** Format: date-time */
                        expiresAt?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"] & {
                            /** @description the key itself; shown only once */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            name: string;
                            scope: "reader" | "operator" | "admin";
                            system: boolean;
                            expiresAt: string | null;
                            revokedAt: string | null;
                            lastUsedAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key of a tenant (the caller's own, or any for the bootstrap key) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                    keyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            name: string;
                            scope: "reader" | "operator" | "admin";
                            system: boolean;
                            expiresAt: string | null;
                            revokedAt: string | null;
                            lastUsedAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's tenant's users */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["User"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a user in the caller's tenant
         * @description E-mails are unique across tenants. Without `password` the user cannot sign in until it is set with a reset token. A password must pass the policy (`weak_password`, docs/ACCESS.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description an e-mail address; compared without regard to case
                         * @example ada@example.com
                         */
                        email: string;
                        name?: string;
                        /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                        scope: "reader" | "operator" | "admin";
                        password?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            email: string;
                            name: string;
                            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                            scope: "reader" | "operator" | "admin";
                            /** @description the first admin user: may manage tenants like the bootstrap key */
                            system: boolean;
                            passwordSet: boolean;
                            totpEnabled: boolean;
                            disabledAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's users (the caller's own, or any for the bootstrap key) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["User"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a user in a tenant (the caller's own, or any for the bootstrap key)
         * @description E-mails are unique across tenants. Without `password` the user cannot sign in until it is set with a reset token. A password must pass the policy (`weak_password`, docs/ACCESS.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /**
                     * @description lower-case letters, digits and dashes, 1–63 characters
                     * @example acme
                     */
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description an e-mail address; compared without regard to case
                         * @example ada@example.com
                         */
                        email: string;
                        name?: string;
                        /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                        scope: "reader" | "operator" | "admin";
                        password?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            email: string;
                            name: string;
                            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                            scope: "reader" | "operator" | "admin";
                            /** @description the first admin user: may manage tenants like the bootstrap key */
                            system: boolean;
                            passwordSet: boolean;
                            totpEnabled: boolean;
                            disabledAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            email: string;
                            name: string;
                            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                            scope: "reader" | "operator" | "admin";
                            /** @description the first admin user: may manage tenants like the bootstrap key */
                            system: boolean;
                            passwordSet: boolean;
                            totpEnabled: boolean;
                            disabledAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Remove a user; its sessions end */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{userId}/reset-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A single-use token that sets the user's password (POST /v1/auth/password-reset); shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description single use; shown only once */
                            token: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with e-mail and password (and a TOTP code when enrolled); sets the session cookie
         * @description Wrong e-mail and wrong password answer the same `invalid_credentials`. Repeated failures lock the account and the address for a while (`login_locked`, 429, with Retry-After).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description an e-mail address; compared without regard to case
                         * @example ada@example.com
                         */
                        email: string;
                        password: string;
                        /** @description a TOTP code, or a recovery code, when the user has TOTP */
                        code?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"] & {
                            /** @description the session secret, also set as the HTTP-only cookie; for non-browser clients (the CLI) */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End the calling console session and clear its cookie */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling console session, its user and CSRF token */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            user: components["schemas"]["User"];
                            /** @description send it as X-CSRF-Token with every write of this session */
                            csrfToken: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            idleExpiresAt: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set a password with a reset token (single use); every session of the user ends */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            email: string;
                            name: string;
                            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                            scope: "reader" | "operator" | "admin";
                            /** @description the first admin user: may manage tenants like the bootstrap key */
                            system: boolean;
                            passwordSet: boolean;
                            totpEnabled: boolean;
                            disabledAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/totp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start TOTP enrolment: a secret and its otpauth URI, pending until confirmed */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description base32; enter it in an authenticator app, or use the URI */
                            secret: string;
                            otpauthUri: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/totp/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm TOTP with a code of the new secret: later logins need a code; answers recovery codes once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description each works once instead of a TOTP code; shown only once */
                            recoveryCodes: string[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/totp/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Turn TOTP off with a current code or a recovery code */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenantId: string;
                            email: string;
                            name: string;
                            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
                            scope: "reader" | "operator" | "admin";
                            /** @description the first admin user: may manage tenants like the bootstrap key */
                            system: boolean;
                            passwordSet: boolean;
                            totpEnabled: boolean;
                            disabledAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List device types */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["DeviceType"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create a device type */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @example sigfox-tracker */
                        id: string;
                        name: string;
                        description?: string;
                        expectedUplinkIntervalSeconds?: number | null;
                        /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                        settings?: {
                            [key: string]: unknown;
                        };
                        capture?: {
                            /** @description a message received more than this after its device time is `late` (default 600) */
                            lateAfterSeconds?: number;
                            /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                            sequenceBits?: 8 | 12 | 16 | 32;
                            /** @description network-server callbacks for unknown devices create them in this type (default false) */
                            autoCreateDevices?: boolean;
                            /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                            dedupWindowSeconds?: number;
                        };
                        /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                        variables?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            id: string;
                            name: string;
                            description: string;
                            expectedUplinkIntervalSeconds: number | null;
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            settings: {
                                [key: string]: unknown;
                            };
                            capture: {
                                /** @description a message received more than this after its device time is `late` (default 600) */
                                lateAfterSeconds: number;
                                /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                                sequenceBits: 8 | 12 | 16 | 32;
                                /** @description network-server callbacks for unknown devices create them in this type (default false) */
                                autoCreateDevices: boolean;
                                /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                                dedupWindowSeconds: number;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            /** @description null when the type has no codec; set it with PUT /v1/device-types/{id}/codec */
                            codec: {
                                kind: "javascript" | "sigfox";
                                source: string;
                                /** @description increments on every codec change */
                                version: number;
                                /** Format: date-time */
                                updatedAt: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One device type */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            id: string;
                            name: string;
                            description: string;
                            expectedUplinkIntervalSeconds: number | null;
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            settings: {
                                [key: string]: unknown;
                            };
                            capture: {
                                /** @description a message received more than this after its device time is `late` (default 600) */
                                lateAfterSeconds: number;
                                /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                                sequenceBits: 8 | 12 | 16 | 32;
                                /** @description network-server callbacks for unknown devices create them in this type (default false) */
                                autoCreateDevices: boolean;
                                /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                                dedupWindowSeconds: number;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            /** @description null when the type has no codec; set it with PUT /v1/device-types/{id}/codec */
                            codec: {
                                kind: "javascript" | "sigfox";
                                source: string;
                                /** @description increments on every codec change */
                                version: number;
                                /** Format: date-time */
                                updatedAt: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a device type that has no devices */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a device type (If-Match supported) */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        description?: string;
                        expectedUplinkIntervalSeconds?: number | null;
                        /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                        settings?: {
                            [key: string]: unknown;
                        };
                        capture?: {
                            /** @description a message received more than this after its device time is `late` (default 600) */
                            lateAfterSeconds?: number;
                            /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                            sequenceBits?: 8 | 12 | 16 | 32;
                            /** @description network-server callbacks for unknown devices create them in this type (default false) */
                            autoCreateDevices?: boolean;
                            /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                            dedupWindowSeconds?: number;
                        };
                        /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                        variables?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            id: string;
                            name: string;
                            description: string;
                            expectedUplinkIntervalSeconds: number | null;
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            settings: {
                                [key: string]: unknown;
                            };
                            capture: {
                                /** @description a message received more than this after its device time is `late` (default 600) */
                                lateAfterSeconds: number;
                                /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                                sequenceBits: 8 | 12 | 16 | 32;
                                /** @description network-server callbacks for unknown devices create them in this type (default false) */
                                autoCreateDevices: boolean;
                                /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                                dedupWindowSeconds: number;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            /** @description null when the type has no codec; set it with PUT /v1/device-types/{id}/codec */
                            codec: {
                                kind: "javascript" | "sigfox";
                                source: string;
                                /** @description increments on every codec change */
                                version: number;
                                /** Format: date-time */
                                updatedAt: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List devices, filtered by type, tags or a condition (`where`), a page at a time */
        get: {
            parameters: {
                query?: {
                    /** @example sigfox-tracker */
                    typeId?: string;
                    /** @description `key=value` (or `key` alone: has the tag); repeat for AND */
                    tag?: string[];
                    deleted?: "exclude" | "include" | "only";
                    /** @description only devices in these lifecycle states (repeat for OR); `any`: every state. Absent: every state but `retired` */
                    lifecycle?: (("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired") | "any")[];
                    /**
                     * @description a condition in CEL over `id`, `type`, `name`, `tags`, `attributes`, `lifecycle`, `lastSeen`, `now`, `reported`, `desired` (docs/CONDITIONS.md), e.g. `type == "tracker" && tags.site == "paris"`; ANDed with the other filters. What SQL can answer is pushed down, the rest evaluated in process: a page may then hold fewer than `limit` devices and still have a `nextCursor`. A condition that does not parse or type-check answers `invalid_condition` with its line and column
                     * @example type == "tracker" && tags.site == "paris" && lastSeen > now - duration("1h")
                     */
                    where?: string;
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Device"][];
                            /** @description pass as `cursor` for the next page; null at the end */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create a device */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @example 1A2B3C */
                        id: string;
                        /** @example sigfox-tracker */
                        typeId: string;
                        name?: string;
                        /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                        tags?: {
                            [key: string]: string;
                        };
                        /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                        attributes?: {
                            [key: string]: unknown;
                        };
                        /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                        variables?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            id: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            name: string;
                            /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                            tags: {
                                [key: string]: string;
                            };
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            attributes: {
                                [key: string]: unknown;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            deletedAt: string | null;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            /** @description when the device entered its lifecycle state; null: when it was created */
                            lifecycleChangedAt: string | null;
                            /** @description its first activation, kept through later states; null: never activated */
                            activatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stream every matching device as NDJSON or CSV; `x-total-count` gives the number of rows */
        get: {
            parameters: {
                query?: {
                    format?: "csv" | "ndjson";
                    /** @example sigfox-tracker */
                    typeId?: string;
                    /** @description `key=value` (or `key` alone: has the tag); repeat for AND */
                    tag?: string[];
                    deleted?: "exclude" | "include" | "only";
                    /** @description only devices in these lifecycle states (repeat for OR); `any`: every state. Absent: every state but `retired` */
                    lifecycle?: (("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired") | "any")[];
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One device; `?deleted=include` also finds a deleted one */
        get: {
            parameters: {
                query?: {
                    deleted?: "exclude" | "include";
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            id: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            name: string;
                            /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                            tags: {
                                [key: string]: string;
                            };
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            attributes: {
                                [key: string]: unknown;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            deletedAt: string | null;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            /** @description when the device entered its lifecycle state; null: when it was created */
                            lifecycleChangedAt: string | null;
                            /** @description its first activation, kept through later states; null: never activated */
                            activatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a device (soft: restorable) */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a device; tags and attributes are replaced whole (If-Match supported) */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @example sigfox-tracker */
                        typeId?: string;
                        name?: string;
                        /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                        tags?: {
                            [key: string]: string;
                        };
                        /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                        attributes?: {
                            [key: string]: unknown;
                        };
                        /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                        variables?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            id: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            name: string;
                            /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                            tags: {
                                [key: string]: string;
                            };
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            attributes: {
                                [key: string]: unknown;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            deletedAt: string | null;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            /** @description when the device entered its lifecycle state; null: when it was created */
                            lifecycleChangedAt: string | null;
                            /** @description its first activation, kept through later states; null: never activated */
                            activatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/devices/{deviceId}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore a deleted device */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            id: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            name: string;
                            /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
                            tags: {
                                [key: string]: string;
                            };
                            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
                            attributes: {
                                [key: string]: unknown;
                            };
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables: {
                                [key: string]: string;
                            };
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            deletedAt: string | null;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            /** @description when the device entered its lifecycle state; null: when it was created */
                            lifecycleChangedAt: string | null;
                            /** @description its first activation, kept through later states; null: never activated */
                            activatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's credentials (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Credential"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Add a token (returned once) or an X.509 certificate fingerprint */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        kind: "token";
                        name?: string;
                        /** Format: date-time */
                        expiresAt?: string;
                    } | {
                        /** @enum {string} */
                        kind: "x509";
                        name?: string;
                        fingerprint?: string;
                        /** @description PEM; its SHA-256 fingerprint is stored */
                        certificate?: string;
                        /** Format: date-time */
                        expiresAt?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Credential"] & {
                            /** @description the device token; shown only once */
                            token?: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/credentials/{credentialId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a credential */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                    credentialId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's changes in commit order; follow `nextCursor` to see each exactly once
         * @description Covers device and device-type changes (messages join with capture). A consumer that stores `nextCursor` and passes it back as `since` sees every change once, in commit order, across restarts of either side. `wait` makes an empty read wait up to that many seconds for the next change.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a cursor from a previous page; absent or `0`: from the beginning; `latest`: only what comes next */
                    since?: string;
                    limit?: number;
                    /** @description seconds to wait for a change when there is none yet (long polling) */
                    wait?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Change"][];
                            /** @description always present: pass it as `since` to continue, even after an empty page */
                            nextCursor: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's changes as Server-Sent Events, filterable by device, device type and kind
         * @description Each event is `id: <cursor>`, `event: <kind>`, `data: <the change as JSON>` (the shape of `GET /v1/changes` items). Reconnect with `Last-Event-ID` (EventSource does) to resume after the last event received, without loss or repetition. `since` starts after a cursor; the default, `latest`, starts with what is committed after the stream opens. A `: ping` comment is sent after 15 s without events. Filters: a message matches on its `deviceId` and `typeId`, a device change on its id and `typeId`, a device-type change on its id (for `typeId`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description a change cursor to start after, or `latest` (the default: only what comes next) */
                    since?: string;
                    /** @description only changes of these devices (repeat or separate with commas) */
                    deviceId?: string[];
                    /** @description only changes of devices of these types, and of these types themselves */
                    typeId?: string[];
                    /** @description only these change kinds, e.g. `message.created` */
                    kinds?: string[];
                };
                header?: {
                    /** @description the id of the last event received: the stream resumes right after it */
                    "last-event-id"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description an endless `text/event-stream` */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream stored messages (with their decodes) as NDJSON or CSV
         * @description The messages of one device (`deviceId`), a type (`typeId`), the devices a condition selects (`where`), or every device, received in [`from`, `to`): devices in id order, each one's messages by receive time then id. Streamed as the client reads, whatever the size. To resume a broken export, pass the last row's `id` as `after`. `field` (CSV) adds a column per decoded field (docs/INTEGRATIONS.md).
         */
        get: {
            parameters: {
                query?: {
                    format?: "ndjson" | "csv";
                    /** @example 1A2B3C */
                    deviceId?: string;
                    /** @example sigfox-tracker */
                    typeId?: string;
                    /** @description a device condition in CEL (docs/CONDITIONS.md), e.g. `tags.site == "paris"`: the messages of the devices it selects */
                    where?: string;
                    /** @description received at or after this instant (RFC 3339) */
                    from?: string;
                    /** @description received before this instant (RFC 3339) */
                    to?: string;
                    /** @description the `id` of the last row already received: the export goes on after it (resume) */
                    after?: string;
                    /** @description add each message's decode */
                    decoded?: boolean;
                    /** @description CSV only: a decoded field (dotted path) given a column `decoded.<path>`; repeat */
                    field?: string[];
                    /** @description `include`: also deleted devices' messages */
                    deleted?: "exclude" | "include";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A device's messages by receive time, newest first unless `order=asc`
         * @description Every stored message, whatever its timeliness: late, replayed and out-of-order messages appear with their labels. `from` is inclusive, `to` exclusive. Pages are keyset-paged on (receive time, id): follow `nextCursor` with the same `order` and bounds to read each message exactly once, even while new ones arrive.
         */
        get: {
            parameters: {
                query?: {
                    /** @description received at or after this instant (RFC 3339) */
                    from?: string;
                    /** @description received before this instant (RFC 3339) */
                    to?: string;
                    /** @description by receive time, then id; `desc`: newest first */
                    order?: "asc" | "desc";
                    limit?: number;
                    /** @description `nextCursor` of the previous page, same order */
                    cursor?: string;
                    /** @description include each message's receptions */
                    receptions?: boolean;
                    /** @description `include`: also answer for a deleted device (its history is kept) */
                    deleted?: "exclude" | "include";
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Message"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages/{messageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One message with its receptions, by station */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a UUIDv7 */
                    messageId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Fleetport's id of the message */
                            id: string;
                            deviceId: string;
                            typeId: string;
                            transport: "http" | "sigfox" | "mqtt";
                            /** Format: date-time */
                            receivedAt: string;
                            deviceTime: string | null;
                            seq: number | null;
                            messageId: string | null;
                            payload: {
                                /** @description the raw bytes, always kept */
                                hex: string;
                                size: number;
                            };
                            /** @description the payload when the device sent a JSON object, else null */
                            json: unknown;
                            timeliness: "live" | "late" | "replayed";
                            /** @description older than the newest message of the device when it arrived */
                            outOfOrder: boolean;
                            sequenceEvent: ("first" | "next" | "gap" | "wrap" | "reset" | "out_of_order") | null;
                            /** Format: date-time */
                            storedAt: string;
                            receptions?: components["schemas"]["Reception"][];
                            /** @description what the device type's codec made of the payload; null when it has not been decoded (no codec, or not yet: see docs/CODECS.md) */
                            decoded?: {
                                /** @description the decoded object (JSON); null when decoding failed */
                                data: unknown;
                                warnings: string[];
                                /** @description empty when decoding succeeded; sandbox errors start with their code (codec_timeout: …) */
                                errors: string[];
                                codecVersion: number | null;
                                /** Format: date-time */
                                decodedAt: string;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/state": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A device's capture state: last seen, latest live message, counters, sequence and open gaps
         * @description `latestMessage` is the newest live, in-order message: late, replayed and out-of-order messages are in the history but never replace it. A device that never sent anything answers with empty values.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `include`: also answer for a deleted device (its history is kept) */
                    deleted?: "exclude" | "include";
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deviceId: string;
                            lastSeenAt: string | null;
                            lastMessageId: string | null;
                            /** @description the newest live, in-order message; late, replayed and out-of-order ones never replace it */
                            latestMessage: components["schemas"]["Message"] | null;
                            messageCount: number;
                            duplicateCount: number;
                            outOfOrderCount: number;
                            sequence: {
                                max: number | null;
                                /** @description counter restarts told apart from wraps */
                                resets: number;
                                openGaps: {
                                    /** @description first missing number (inclusive) */
                                    from: number;
                                    /** @description last missing number (inclusive); below `from` when the gap spans a wrap */
                                    to: number;
                                    /** Format: date-time */
                                    openedAt: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/twin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The device's twin: desired, reported, delta, versions, metadata, each parameter's status
         * @description The `ETag` is the desired version: send it as `If-Match` when changing desired.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deviceId: string;
                            /** @description what the backend wants: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            desired: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of desired; the ETag */
                            desiredVersion: number;
                            /** @description what the device last said: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            reported: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of reported */
                            reportedVersion: number;
                            /** @description the desired properties whose value differs from reported: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            delta: {
                                [key: string]: unknown;
                            };
                            metadata: {
                                desired: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                                reported: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                            };
                            /** @description the delivery of each desired property */
                            parameters: {
                                [key: string]: {
                                    /** @enum {string} */
                                    status: "pending" | "sent" | "applied" | "failed" | "superseded";
                                    /** @description the desired value this status is about */
                                    value: unknown;
                                    /** @description the desired version that set the value */
                                    version: number;
                                    /** @description how many times the value was handed to the device */
                                    attempts: number;
                                    /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                                    setBy: string;
                                    /** Format: date-time */
                                    pendingAt: string;
                                    sentAt: string | null;
                                    appliedAt: string | null;
                                    failedAt: string | null;
                                    supersededAt: string | null;
                                    /** @description why the device could not apply it */
                                    error: string | null;
                                    /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                                    errorCode: string | null;
                                    /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                                    commandId: string | null;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/twin/desired": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change desired with a JSON merge patch (RFC 7396: null removes); If-Match supported
         * @description Each changed property becomes a pending parameter (applied at once when reported already has the value) and the device is sent the delta. A stale `If-Match` answers 412 and changes nothing; a retired device answers 409 `device_retired`. Send it as `application/merge-patch+json` (or `application/json`).
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            /** @description a JSON merge patch (RFC 7396): members set or merge, `null` removes; names starting with `$` are reserved */
            requestBody: {
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deviceId: string;
                            /** @description what the backend wants: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            desired: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of desired; the ETag */
                            desiredVersion: number;
                            /** @description what the device last said: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            reported: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of reported */
                            reportedVersion: number;
                            /** @description the desired properties whose value differs from reported: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            delta: {
                                [key: string]: unknown;
                            };
                            metadata: {
                                desired: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                                reported: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                            };
                            /** @description the delivery of each desired property */
                            parameters: {
                                [key: string]: {
                                    /** @enum {string} */
                                    status: "pending" | "sent" | "applied" | "failed" | "superseded";
                                    /** @description the desired value this status is about */
                                    value: unknown;
                                    /** @description the desired version that set the value */
                                    version: number;
                                    /** @description how many times the value was handed to the device */
                                    attempts: number;
                                    /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                                    setBy: string;
                                    /** Format: date-time */
                                    pendingAt: string;
                                    sentAt: string | null;
                                    appliedAt: string | null;
                                    failedAt: string | null;
                                    supersededAt: string | null;
                                    /** @description why the device could not apply it */
                                    error: string | null;
                                    /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                                    errorCode: string | null;
                                    /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                                    commandId: string | null;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/devices/{deviceId}/twin/parameters/{name}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send one desired property to the device again (it becomes pending, whatever its status)
         * @description A retired device answers 409 `device_retired`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "pending" | "sent" | "applied" | "failed" | "superseded";
                            /** @description the desired value this status is about */
                            value: unknown;
                            /** @description the desired version that set the value */
                            version: number;
                            /** @description how many times the value was handed to the device */
                            attempts: number;
                            /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                            setBy: string;
                            /** Format: date-time */
                            pendingAt: string;
                            sentAt: string | null;
                            appliedAt: string | null;
                            failedAt: string | null;
                            supersededAt: string | null;
                            /** @description why the device could not apply it */
                            error: string | null;
                            /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                            errorCode: string | null;
                            /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                            commandId: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/twin-parameters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's open parameters (pending and failed by default), in device order
         * @description Fleet-wide: every device with a parameter in one of the statuses, one item per parameter, ordered by device then name. Follow `nextCursor`.
         */
        get: {
            parameters: {
                query?: {
                    /** @description which open statuses to list (repeat the parameter); pending and failed by default */
                    status?: ("pending" | "sent" | "failed")[];
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                deviceId: string;
                                name: string;
                                /** @enum {string} */
                                status: "pending" | "sent" | "applied" | "failed" | "superseded";
                                /** @description the desired value this status is about */
                                value: unknown;
                                /** @description the desired version that set the value */
                                version: number;
                                /** @description how many times the value was handed to the device */
                                attempts: number;
                                /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                                setBy: string;
                                /** Format: date-time */
                                pendingAt: string;
                                sentAt: string | null;
                                appliedAt: string | null;
                                failedAt: string | null;
                                supersededAt: string | null;
                                /** @description why the device could not apply it */
                                error: string | null;
                                /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                                errorCode: string | null;
                                /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                                commandId: string | null;
                            }[];
                            /** @description null on the last page */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/twin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The type's twin settings: decoded uplink fields that are reported properties, how desired values reach its devices */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description reported property → where its value is in the decoded data, as a dotted path (`battery.level`) */
                            reportedFields: {
                                [key: string]: string;
                            };
                            /**
                             * @description how desired values reach the type's devices: `mqtt` (default: deltas to an MQTT session, the twin read over HTTP), `sigfox` (one parameter at a time as the BIDIR answer) or `http` (one parameter at a time on `GET /v1/device/commands`), encoded by the type's codec (`encodeDownlink`)
                             * @enum {string}
                             */
                            delivery: "mqtt" | "sigfox" | "http";
                            downlink: {
                                /** @description properties one downlink carries together (the codec encodes them in one payload); a property is in at most one group */
                                groups: string[][];
                                /** @description sends of one downlink at most, the first included (default 1: never sent again unasked) */
                                attempts: number;
                                /** @description how long a sent downlink waits for the device's acknowledgement before it is sent again or left unknown (default 300), doubled at each retry */
                                backoffSeconds: number;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Set the type's twin settings (reported fields, delivery of desired values)
         * @description `reportedFields` maps a reported property to a dotted path in the decoded data; a decoded uplink of a device of the type reports those values, unless a newer value of the property is stored (`{}` removes them). `delivery` says how desired values reach the devices: `mqtt` (default), or as downlinks on the command queue, one parameter (or `downlink.groups` group) at a time, encoded by the codec: `sigfox` (BIDIR answers, 8 bytes) or `http` (`GET /v1/device/commands`). Members left out keep their current values.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description reported property → where its value is in the decoded data, as a dotted path (`battery.level`) */
                        reportedFields?: {
                            [key: string]: string;
                        };
                        /**
                         * @description how desired values reach the type's devices: `mqtt` (default: deltas to an MQTT session, the twin read over HTTP), `sigfox` (one parameter at a time as the BIDIR answer) or `http` (one parameter at a time on `GET /v1/device/commands`), encoded by the type's codec (`encodeDownlink`)
                         * @enum {string}
                         */
                        delivery?: "mqtt" | "sigfox" | "http";
                        downlink?: {
                            /** @description properties one downlink carries together (the codec encodes them in one payload); a property is in at most one group */
                            groups?: string[][];
                            /** @description sends of one downlink at most, the first included (default 1: never sent again unasked) */
                            attempts?: number;
                            /** @description how long a sent downlink waits for the device's acknowledgement before it is sent again or left unknown (default 300), doubled at each retry */
                            backoffSeconds?: number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description reported property → where its value is in the decoded data, as a dotted path (`battery.level`) */
                            reportedFields: {
                                [key: string]: string;
                            };
                            /**
                             * @description how desired values reach the type's devices: `mqtt` (default: deltas to an MQTT session, the twin read over HTTP), `sigfox` (one parameter at a time as the BIDIR answer) or `http` (one parameter at a time on `GET /v1/device/commands`), encoded by the type's codec (`encodeDownlink`)
                             * @enum {string}
                             */
                            delivery: "mqtt" | "sigfox" | "http";
                            downlink: {
                                /** @description properties one downlink carries together (the codec encodes them in one payload); a property is in at most one group */
                                groups: string[][];
                                /** @description sends of one downlink at most, the first included (default 1: never sent again unasked) */
                                attempts: number;
                                /** @description how long a sent downlink waits for the device's acknowledgement before it is sent again or left unknown (default 300), doubled at each retry */
                                backoffSeconds: number;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device/twin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The twin of the token's device; `wait` long-polls for the next desired change
         * @description Authenticated with a device token. With `wait`, answers once desired is past `since` (the current version when absent), or after `wait` seconds with the twin as it is. The delta and pending resends in the answer count as sent.
         */
        get: {
            parameters: {
                query?: {
                    /** @description seconds to wait for desired to pass `since` (long polling) */
                    wait?: number;
                    /** @description the desired version the device has; with `wait`, the answer comes once desired is newer (absent: the current version) */
                    since?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deviceId: string;
                            /** @description what the backend wants: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            desired: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of desired; the ETag */
                            desiredVersion: number;
                            /** @description what the device last said: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            reported: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of reported */
                            reportedVersion: number;
                            /** @description the desired properties whose value differs from reported: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            delta: {
                                [key: string]: unknown;
                            };
                            metadata: {
                                desired: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                                reported: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                            };
                            /** @description the delivery of each desired property */
                            parameters: {
                                [key: string]: {
                                    /** @enum {string} */
                                    status: "pending" | "sent" | "applied" | "failed" | "superseded";
                                    /** @description the desired value this status is about */
                                    value: unknown;
                                    /** @description the desired version that set the value */
                                    version: number;
                                    /** @description how many times the value was handed to the device */
                                    attempts: number;
                                    /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                                    setBy: string;
                                    /** Format: date-time */
                                    pendingAt: string;
                                    sentAt: string | null;
                                    appliedAt: string | null;
                                    failedAt: string | null;
                                    supersededAt: string | null;
                                    /** @description why the device could not apply it */
                                    error: string | null;
                                    /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                                    errorCode: string | null;
                                    /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                                    commandId: string | null;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device/twin/reported": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Report properties of the token's device (a JSON merge patch of reported)
         * @description Authenticated with a device token. A property whose stored value is newer is left alone. Send it as `application/merge-patch+json` (or `application/json`).
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description a JSON merge patch (RFC 7396): members set or merge, `null` removes; names starting with `$` are reserved */
            requestBody: {
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deviceId: string;
                            /** @description what the backend wants: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            desired: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of desired; the ETag */
                            desiredVersion: number;
                            /** @description what the device last said: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            reported: {
                                [key: string]: unknown;
                            };
                            /** @description increments at every change of reported */
                            reportedVersion: number;
                            /** @description the desired properties whose value differs from reported: a JSON object of at most 100 properties, 16384 bytes and 8 levels */
                            delta: {
                                [key: string]: unknown;
                            };
                            metadata: {
                                desired: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                                reported: {
                                    [key: string]: {
                                        /** Format: date-time */
                                        updatedAt: string;
                                        /** @description the document version that last changed the property */
                                        version: number;
                                    };
                                };
                            };
                            /** @description the delivery of each desired property */
                            parameters: {
                                [key: string]: {
                                    /** @enum {string} */
                                    status: "pending" | "sent" | "applied" | "failed" | "superseded";
                                    /** @description the desired value this status is about */
                                    value: unknown;
                                    /** @description the desired version that set the value */
                                    version: number;
                                    /** @description how many times the value was handed to the device */
                                    attempts: number;
                                    /** @description who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration) */
                                    setBy: string;
                                    /** Format: date-time */
                                    pendingAt: string;
                                    sentAt: string | null;
                                    appliedAt: string | null;
                                    failedAt: string | null;
                                    supersededAt: string | null;
                                    /** @description why the device could not apply it */
                                    error: string | null;
                                    /** @description why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md) */
                                    errorCode: string | null;
                                    /** @description the downlink (command) that carries the value, for a type whose twins are delivered as downlinks */
                                    commandId: string | null;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/device/twin/failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The device could not apply some desired properties: name → reason */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description property name → why the device could not apply its desired value */
            requestBody: {
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the parameters now failed */
                            failed: string[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/fleet": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The fleet at a glance: devices by type, seen, silent and never seen, and messages per minute
         * @description A device is seen when its last message is newer than its silence limit: twice its type's `expectedUplinkIntervalSeconds`, or `silentAfter` when the type has none. Deleted devices are not counted; retired ones are counted apart (`retired`), in none of the other counts. Message counts are by receive time, late and replayed messages included.
         */
        get: {
            parameters: {
                query?: {
                    /** @description how many whole minutes of message counts, ending with the current one */
                    minutes?: number;
                    /** @description seconds without a message after which a device of a type without an expected uplink interval is silent; a type's interval, doubled, is used when it has one */
                    silentAfter?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description when the counts were taken
                             */
                            at: string;
                            totals: {
                                /** @description devices that are neither deleted nor retired */
                                devices: number;
                                /** @description sent a message within their silence limit */
                                seen: number;
                                /** @description sent messages, but none within their silence limit */
                                silent: number;
                                /** @description never sent a message */
                                never: number;
                                /** @description retired devices (not deleted), counted apart: they are in none of the other counts */
                                retired: number;
                            };
                            /** @description every device type, by id, with its counts (zero for a type without devices) */
                            byType: {
                                typeId: string;
                                name: string;
                                /** @description the silence limit of its devices */
                                silentAfterSeconds: number;
                                /** @description devices that are neither deleted nor retired */
                                devices: number;
                                /** @description sent a message within their silence limit */
                                seen: number;
                                /** @description sent messages, but none within their silence limit */
                                silent: number;
                                /** @description never sent a message */
                                never: number;
                                /** @description retired devices (not deleted), counted apart: they are in none of the other counts */
                                retired: number;
                            }[];
                            /** @description one entry per minute, oldest first, minutes without messages included */
                            messagesPerMinute: {
                                /**
                                 * Format: date-time
                                 * @description the start of the minute
                                 */
                                minute: string;
                                /** @description messages received in that minute, whatever their timeliness */
                                count: number;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/codec": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Sets a device type's codec (validated; a change makes a new version)
         * @description A JavaScript (TS013) codec must compile and define a codec function; a Sigfox format must follow the grammar. A bad one is refused with `validation_failed`. Saving the same codec again changes nothing.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        kind: "javascript" | "sigfox";
                        /** @description a TS013 JavaScript codec, or a Sigfox custom-payload format */
                        source: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            kind: "javascript" | "sigfox";
                            source: string;
                            /** @description increments on every codec change */
                            version: number;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        /** Removes a device type's codec (a new version without one); messages are stored raw only */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/codec/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device type's codec changes, newest first: who, when, from which version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                version: number;
                                previousVersion: number;
                                kind: ("javascript" | "sigfox") | null;
                                source: string | null;
                                /** @description the id of the API key that made the change */
                                changedBy: string;
                                /** Format: date-time */
                                changedAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/redecode": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Decodes the type's stored messages again with its current codec (a job)
         * @description Walks the messages captured under this type by its devices, `from` inclusive, `to` exclusive (receive time). Follow the job with GET /v1/jobs/{id}.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: date-time */
                        from?: string;
                        /** Format: date-time */
                        to?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "redecode";
                            target: {
                                /** @example sigfox-tracker */
                                typeId?: string;
                                /** @example 1A2B3C */
                                deviceId?: string;
                            };
                            from: string | null;
                            to: string | null;
                            /** @description `interrupted`: the server stopped during the job; start it again */
                            state: "queued" | "running" | "succeeded" | "failed" | "interrupted";
                            /** @description messages to decode, counted when the job started */
                            total: number;
                            /** @description messages decoded so far, failed ones included */
                            done: number;
                            /** @description messages whose codec returned errors */
                            failed: number;
                            error: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/redecode": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Decodes the device's stored messages again with their type's current codec (a job) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: date-time */
                        from?: string;
                        /** Format: date-time */
                        to?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "redecode";
                            target: {
                                /** @example sigfox-tracker */
                                typeId?: string;
                                /** @example 1A2B3C */
                                deviceId?: string;
                            };
                            from: string | null;
                            to: string | null;
                            /** @description `interrupted`: the server stopped during the job; start it again */
                            state: "queued" | "running" | "succeeded" | "failed" | "interrupted";
                            /** @description messages to decode, counted when the job started */
                            total: number;
                            /** @description messages decoded so far, failed ones included */
                            done: number;
                            /** @description messages whose codec returned errors */
                            failed: number;
                            error: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/codecs/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Runs a codec (inline, or a device type’s) on an uplink or a downlink, storing nothing
         * @description For an uplink the answer is exactly what capture would store with the message (`decoded`). A downlink with `data` is encoded (`encodeDownlink`, bytes in hex); one with `bytes` or `base64` is decoded (`decodeDownlink`, answered like an uplink). Keys beyond the defined ones reach the codec in `input` as they are.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        codec: {
                            kind: "javascript" | "sigfox";
                            /** @description a TS013 JavaScript codec, or a Sigfox custom-payload format */
                            source: string;
                        } | {
                            /** @example sigfox-tracker */
                            typeId: string;
                        };
                        /** @description decodeUplink input; further keys reach the codec in `input` as they are */
                        uplink?: {
                            /** @description hex */
                            bytes?: string;
                            base64?: string;
                            fPort?: number;
                            /** Format: date-time */
                            recvTime?: string;
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables?: {
                                [key: string]: string;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                        /** @description with `data`, encodeDownlink; with `bytes` (or `base64`), decodeDownlink; further keys reach the codec in `input` as they are */
                        downlink?: {
                            /** @description the object to encode (encodeDownlink) */
                            data?: unknown;
                            /** @description bytes to decode (decodeDownlink), hex */
                            bytes?: string;
                            base64?: string;
                            fPort?: number;
                            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
                            variables?: {
                                [key: string]: string;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the decoded object (JSON); null when decoding failed */
                            data: unknown;
                            warnings: string[];
                            /** @description empty when decoding succeeded; sandbox errors start with their code (codec_timeout: …) */
                            errors: string[];
                            codecVersion: number | null;
                            /** Format: date-time */
                            decodedAt: string;
                        } | {
                            bytes: string | null;
                            fPort: number | null;
                            warnings: string[];
                            errors: string[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/commands": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's commands and method calls, newest first */
        get: {
            parameters: {
                query?: {
                    status?: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                    limit?: number;
                    /** @description `nextCursor` of the previous page */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                deviceId: string;
                                kind: "command" | "method";
                                name: string;
                                /** @enum {string} */
                                transport: "mqtt" | "http" | "sigfox";
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** @description the raw payload, or null for `data` */
                                hex: string | null;
                                /** @description the JSON to encode, or null for a raw payload */
                                data: unknown;
                                priority: number;
                                qos: number;
                                confirmed: boolean;
                                retry: {
                                    attempts: number;
                                    backoffSeconds: number;
                                };
                                /** @description sends made so far */
                                attempts: number;
                                expiresAt: string | null;
                                idempotencyKey: string | null;
                                twinParameter: string | null;
                                /** @description what the device answered (acknowledgement, method reply), or null */
                                result: unknown;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                                history?: {
                                    /** @enum {string} */
                                    status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                    /** Format: date-time */
                                    at: string;
                                    /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                    detail: {
                                        [key: string]: unknown;
                                    };
                                }[];
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Queue a command for a device
         * @description A raw payload (`hex` or `base64`) or `data` that the device type's codec encodes (`encodeDownlink`) when it is sent. Answers 201 with the new command, or 200 with the existing one when `idempotencyKey` was used before for this device. A payload longer than the transport carries (8 bytes over Sigfox) is `downlink_too_long`; data the codec cannot encode is `encoding_failed`; a retired device is `409 device_retired`; nothing is stored for any of them. Statuses per transport: docs/COMMANDS.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            /** @description exactly one of `hex`, `base64` or `data` */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                        name?: string;
                        /**
                         * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                         * @enum {string}
                         */
                        transport?: "mqtt" | "http" | "sigfox";
                        /** @description raw payload as hex */
                        hex?: string;
                        /** @description raw payload as base64 */
                        base64?: string;
                        /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                        data?: unknown;
                        /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                        priority?: number;
                        /** @description not sent after this many seconds: the command expires (default: never) */
                        expiresInSeconds?: number;
                        /** @description the device is expected to acknowledge it (default false) */
                        confirmed?: boolean;
                        retry?: {
                            /** @description sends at most, the first included; 1 means no retry */
                            attempts: number;
                            /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                            backoffSeconds?: number;
                        };
                        /** @description MQTT QoS of the publish (default 1) */
                        qos?: 0 | 1 | 2;
                        /** @description the same key for the same device answers the existing command instead of a new one */
                        idempotencyKey?: string;
                        /** @description the twin parameter this command applies */
                        twinParameter?: string;
                    };
                };
            };
            responses: {
                /** @description a command or direct-method call, with its status */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            deviceId: string;
                            kind: "command" | "method";
                            name: string;
                            /** @enum {string} */
                            transport: "mqtt" | "http" | "sigfox";
                            /** @enum {string} */
                            status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                            /** @description the raw payload, or null for `data` */
                            hex: string | null;
                            /** @description the JSON to encode, or null for a raw payload */
                            data: unknown;
                            priority: number;
                            qos: number;
                            confirmed: boolean;
                            retry: {
                                attempts: number;
                                backoffSeconds: number;
                            };
                            /** @description sends made so far */
                            attempts: number;
                            expiresAt: string | null;
                            idempotencyKey: string | null;
                            twinParameter: string | null;
                            /** @description what the device answered (acknowledgement, method reply), or null */
                            result: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            history?: {
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** Format: date-time */
                                at: string;
                                /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                detail: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                    };
                };
                /** @description a command or direct-method call, with its status */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            deviceId: string;
                            kind: "command" | "method";
                            name: string;
                            /** @enum {string} */
                            transport: "mqtt" | "http" | "sigfox";
                            /** @enum {string} */
                            status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                            /** @description the raw payload, or null for `data` */
                            hex: string | null;
                            /** @description the JSON to encode, or null for a raw payload */
                            data: unknown;
                            priority: number;
                            qos: number;
                            confirmed: boolean;
                            retry: {
                                attempts: number;
                                backoffSeconds: number;
                            };
                            /** @description sends made so far */
                            attempts: number;
                            expiresAt: string | null;
                            idempotencyKey: string | null;
                            twinParameter: string | null;
                            /** @description what the device answered (acknowledgement, method reply), or null */
                            result: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            history?: {
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** Format: date-time */
                                at: string;
                                /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                detail: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/commands/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue commands for many devices at once
         * @description Up to 1,000 commands, each a command body with its `deviceId`, queued in one transaction. Answers 200 with one result per item in order: `201` and the new command, `200` and the existing command when its `idempotencyKey` was used before for that device (or earlier in this batch), or the item's own status and `problem` (`not_found` for an unknown or another tenant's device, `device_retired`, `validation_failed`, `downlink_too_long`, `encoding_failed`). A failed item stores nothing and does not fail the others.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        items: {
                            /** @example 1A2B3C */
                            deviceId: string;
                            /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                            name?: string;
                            /**
                             * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                             * @enum {string}
                             */
                            transport?: "mqtt" | "http" | "sigfox";
                            /** @description raw payload as hex */
                            hex?: string;
                            /** @description raw payload as base64 */
                            base64?: string;
                            /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                            data?: unknown;
                            /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                            priority?: number;
                            /** @description not sent after this many seconds: the command expires (default: never) */
                            expiresInSeconds?: number;
                            /** @description the device is expected to acknowledge it (default false) */
                            confirmed?: boolean;
                            retry?: {
                                /** @description sends at most, the first included; 1 means no retry */
                                attempts: number;
                                /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                backoffSeconds?: number;
                            };
                            /** @description MQTT QoS of the publish (default 1) */
                            qos?: 0 | 1 | 2;
                            /** @description the same key for the same device answers the existing command instead of a new one */
                            idempotencyKey?: string;
                            /** @description the twin parameter this command applies */
                            twinParameter?: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description one result per item, in the request's order */
                            items: {
                                /** @description 201 queued, 200 the command of an idempotency key used before, or the status of `problem` */
                                status: number;
                                /** @description a command or direct-method call, with its status */
                                command?: {
                                    id: string;
                                    deviceId: string;
                                    kind: "command" | "method";
                                    name: string;
                                    /** @enum {string} */
                                    transport: "mqtt" | "http" | "sigfox";
                                    /** @enum {string} */
                                    status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                    /** @description the raw payload, or null for `data` */
                                    hex: string | null;
                                    /** @description the JSON to encode, or null for a raw payload */
                                    data: unknown;
                                    priority: number;
                                    qos: number;
                                    confirmed: boolean;
                                    retry: {
                                        attempts: number;
                                        backoffSeconds: number;
                                    };
                                    /** @description sends made so far */
                                    attempts: number;
                                    expiresAt: string | null;
                                    idempotencyKey: string | null;
                                    twinParameter: string | null;
                                    /** @description what the device answered (acknowledgement, method reply), or null */
                                    result: unknown;
                                    /** Format: date-time */
                                    createdAt: string;
                                    /** Format: date-time */
                                    updatedAt: string;
                                    history?: {
                                        /** @enum {string} */
                                        status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                        /** Format: date-time */
                                        at: string;
                                        /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                        detail: {
                                            [key: string]: unknown;
                                        };
                                    }[];
                                };
                                /** @description why this item's command was not queued */
                                problem?: {
                                    /** @description the HTTP status this item would have had alone */
                                    status: number;
                                    /** @description stable error code; see docs/ERRORS.md */
                                    code: string;
                                    detail: string;
                                    data?: {
                                        [key: string]: unknown;
                                    };
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/commands/{commandId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One command with its history of statuses */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                    commandId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a command or direct-method call, with its status */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            deviceId: string;
                            kind: "command" | "method";
                            name: string;
                            /** @enum {string} */
                            transport: "mqtt" | "http" | "sigfox";
                            /** @enum {string} */
                            status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                            /** @description the raw payload, or null for `data` */
                            hex: string | null;
                            /** @description the JSON to encode, or null for a raw payload */
                            data: unknown;
                            priority: number;
                            qos: number;
                            confirmed: boolean;
                            retry: {
                                attempts: number;
                                backoffSeconds: number;
                            };
                            /** @description sends made so far */
                            attempts: number;
                            expiresAt: string | null;
                            idempotencyKey: string | null;
                            twinParameter: string | null;
                            /** @description what the device answered (acknowledgement, method reply), or null */
                            result: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            history?: {
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** Format: date-time */
                                at: string;
                                /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                detail: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/commands/{commandId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a command that is not delivered yet
         * @description A queued command is never sent; a sent one is not sent again. Cancelling a cancelled command answers it; a delivered, acknowledged or otherwise finished one is `command_not_cancellable` (409).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                    commandId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a command or direct-method call, with its status */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            deviceId: string;
                            kind: "command" | "method";
                            name: string;
                            /** @enum {string} */
                            transport: "mqtt" | "http" | "sigfox";
                            /** @enum {string} */
                            status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                            /** @description the raw payload, or null for `data` */
                            hex: string | null;
                            /** @description the JSON to encode, or null for a raw payload */
                            data: unknown;
                            priority: number;
                            qos: number;
                            confirmed: boolean;
                            retry: {
                                attempts: number;
                                backoffSeconds: number;
                            };
                            /** @description sends made so far */
                            attempts: number;
                            expiresAt: string | null;
                            idempotencyKey: string | null;
                            twinParameter: string | null;
                            /** @description what the device answered (acknowledgement, method reply), or null */
                            result: unknown;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            history?: {
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** Format: date-time */
                                at: string;
                                /** @description transport details: attempt, QoS, connection, Sigfox uplink, reason, error */
                                detail: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/command-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every status transition of a device's commands, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                commandId: string;
                                /** @enum {string} */
                                status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                                /** Format: date-time */
                                at: string;
                                detail: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device/commands": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The device's queued commands (transport `http`), most urgent first
         * @description Authenticated with a device token. Each command is handed out once: it becomes `sent` and is not in the next answer, unless its retry policy puts it back (a confirmed command not acknowledged within its backoff). `wait` makes an empty answer wait up to that many seconds for a command.
         */
        get: {
            parameters: {
                query?: {
                    /** @description seconds to wait for a command when none is queued (long polling) */
                    wait?: number;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                hex: string;
                                base64: string;
                                priority: number;
                                /** @description acknowledge it with POST /v1/device/commands/{id}/ack */
                                confirmed: boolean;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device/commands/{commandId}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The device's answer to one of its commands
         * @description Authenticated with a device token. `acknowledged` (the default) or `failed`, with an optional `result`. A second answer changes nothing. An unknown command, or another device's, is `404 not_found`; one that can no longer be answered (expired) is `409 conflict`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    commandId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description `acknowledged` (default) or `failed` */
                        status?: "acknowledged" | "failed";
                        /** @description what the device reports; kept as the command's `result` */
                        result?: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            status: "queued" | "sent" | "delivered" | "acknowledged" | "failed" | "expired" | "cancelled" | "unknown";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jobs, newest first */
        get: {
            parameters: {
                query?: {
                    status?: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                    limit?: number;
                    /** @description `nextCursor` of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                kind: "command" | "twin";
                                /** @enum {string} */
                                status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                                command: {
                                    /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                    name?: string;
                                    /**
                                     * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                     * @enum {string}
                                     */
                                    transport?: "mqtt" | "http" | "sigfox";
                                    /** @description raw payload as hex */
                                    hex?: string;
                                    /** @description raw payload as base64 */
                                    base64?: string;
                                    /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                    data?: unknown;
                                    /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                    priority?: number;
                                    /** @description not sent after this many seconds: the command expires (default: never) */
                                    expiresInSeconds?: number;
                                    /** @description the device is expected to acknowledge it (default false) */
                                    confirmed?: boolean;
                                    retry?: {
                                        /** @description sends at most, the first included; 1 means no retry */
                                        attempts: number;
                                        /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                        backoffSeconds?: number;
                                    };
                                    /** @description MQTT QoS of the publish (default 1) */
                                    qos?: 0 | 1 | 2;
                                    /** @description the twin parameter this command applies */
                                    twinParameter?: string;
                                } | null;
                                twin: {
                                    desired: {
                                        [key: string]: unknown;
                                    };
                                } | null;
                                target: {
                                    /** @description the condition, or null for a list */
                                    where: string | null;
                                };
                                rolloutPerMinute: number | null;
                                maxConcurrency: number | null;
                                timeoutSeconds: number | null;
                                retries: number;
                                abort: {
                                    failedPercent: number;
                                    minFinished: number;
                                } | null;
                                /** @description every targeted device has its execution row */
                                resolved: boolean;
                                /** @description devices by execution status */
                                progress: {
                                    /** @description devices the job chose so far (all of them once `resolved`) */
                                    targeted: number;
                                    pending: number;
                                    inProgress: number;
                                    succeeded: number;
                                    failed: number;
                                    timedOut: number;
                                    cancelled: number;
                                };
                                /** @description why it was aborted or cancelled */
                                reason: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                                startedAt: string | null;
                                finishedAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a fleet job: one command or twin patch over many devices
         * @description Devices are chosen by `target.deviceIds` (checked now: an unknown, deleted, retired or other tenant's device is `422 unknown_devices` and nothing is stored) or `target.where`, a CEL condition resolved when the job starts (a bad one is `400 invalid_condition` with its line and column). The job starts `queued`; its rollout rate, concurrency, timeouts, retries and abort criteria are in docs/COMMANDS.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description exactly one of `command` or `twin` */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a label; `job` when absent */
                        name?: string;
                        /** @description the command each device is sent, as `POST /v1/devices/{id}/commands` takes it; the job sets each command's idempotency key */
                        command?: {
                            /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                            name?: string;
                            /**
                             * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                             * @enum {string}
                             */
                            transport?: "mqtt" | "http" | "sigfox";
                            /** @description raw payload as hex */
                            hex?: string;
                            /** @description raw payload as base64 */
                            base64?: string;
                            /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                            data?: unknown;
                            /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                            priority?: number;
                            /** @description not sent after this many seconds: the command expires (default: never) */
                            expiresInSeconds?: number;
                            /** @description the device is expected to acknowledge it (default false) */
                            confirmed?: boolean;
                            retry?: {
                                /** @description sends at most, the first included; 1 means no retry */
                                attempts: number;
                                /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                backoffSeconds?: number;
                            };
                            /** @description MQTT QoS of the publish (default 1) */
                            qos?: 0 | 1 | 2;
                            /** @description the twin parameter this command applies */
                            twinParameter?: string;
                        };
                        twin?: {
                            /** @description a merge patch (RFC 7396) of each device's desired properties */
                            desired: {
                                [key: string]: unknown;
                            };
                        };
                        /** @description exactly one of `deviceIds` or `where` */
                        target: {
                            deviceIds?: string[];
                            /** @description a CEL condition over devices (docs/CONDITIONS.md), resolved when the job starts */
                            where?: string;
                        };
                        /** @description devices started per minute at most */
                        rolloutPerMinute?: number;
                        /** @description devices in progress at once at most */
                        maxConcurrency?: number;
                        /** @description a device not finished this long after it started is `timed_out` (or retried) */
                        timeoutSeconds?: number;
                        /** @description a device that failed or timed out is tried again this many times (default 0) */
                        retries?: number;
                        /** @description abort when more than `failedPercent` % of the finished devices failed or timed out, once at least `minFinished` finished */
                        abort?: {
                            failedPercent: number;
                            minFinished: number;
                        };
                    };
                };
            };
            responses: {
                /** @description a fleet job: one command or twin patch over many devices, with its progress */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            kind: "command" | "twin";
                            /** @enum {string} */
                            status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                            command: {
                                /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                name?: string;
                                /**
                                 * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                 * @enum {string}
                                 */
                                transport?: "mqtt" | "http" | "sigfox";
                                /** @description raw payload as hex */
                                hex?: string;
                                /** @description raw payload as base64 */
                                base64?: string;
                                /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                data?: unknown;
                                /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                priority?: number;
                                /** @description not sent after this many seconds: the command expires (default: never) */
                                expiresInSeconds?: number;
                                /** @description the device is expected to acknowledge it (default false) */
                                confirmed?: boolean;
                                retry?: {
                                    /** @description sends at most, the first included; 1 means no retry */
                                    attempts: number;
                                    /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                    backoffSeconds?: number;
                                };
                                /** @description MQTT QoS of the publish (default 1) */
                                qos?: 0 | 1 | 2;
                                /** @description the twin parameter this command applies */
                                twinParameter?: string;
                            } | null;
                            twin: {
                                desired: {
                                    [key: string]: unknown;
                                };
                            } | null;
                            target: {
                                /** @description the condition, or null for a list */
                                where: string | null;
                            };
                            rolloutPerMinute: number | null;
                            maxConcurrency: number | null;
                            timeoutSeconds: number | null;
                            retries: number;
                            abort: {
                                failedPercent: number;
                                minFinished: number;
                            } | null;
                            /** @description every targeted device has its execution row */
                            resolved: boolean;
                            /** @description devices by execution status */
                            progress: {
                                /** @description devices the job chose so far (all of them once `resolved`) */
                                targeted: number;
                                pending: number;
                                inProgress: number;
                                succeeded: number;
                                failed: number;
                                timedOut: number;
                                cancelled: number;
                            };
                            /** @description why it was aborted or cancelled */
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One job with its progress counts: a fleet job, or a re-decode job (`kind: redecode`) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            kind: "command" | "twin";
                            /** @enum {string} */
                            status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                            command: {
                                /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                name?: string;
                                /**
                                 * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                 * @enum {string}
                                 */
                                transport?: "mqtt" | "http" | "sigfox";
                                /** @description raw payload as hex */
                                hex?: string;
                                /** @description raw payload as base64 */
                                base64?: string;
                                /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                data?: unknown;
                                /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                priority?: number;
                                /** @description not sent after this many seconds: the command expires (default: never) */
                                expiresInSeconds?: number;
                                /** @description the device is expected to acknowledge it (default false) */
                                confirmed?: boolean;
                                retry?: {
                                    /** @description sends at most, the first included; 1 means no retry */
                                    attempts: number;
                                    /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                    backoffSeconds?: number;
                                };
                                /** @description MQTT QoS of the publish (default 1) */
                                qos?: 0 | 1 | 2;
                                /** @description the twin parameter this command applies */
                                twinParameter?: string;
                            } | null;
                            twin: {
                                desired: {
                                    [key: string]: unknown;
                                };
                            } | null;
                            target: {
                                /** @description the condition, or null for a list */
                                where: string | null;
                            };
                            rolloutPerMinute: number | null;
                            maxConcurrency: number | null;
                            timeoutSeconds: number | null;
                            retries: number;
                            abort: {
                                failedPercent: number;
                                minFinished: number;
                            } | null;
                            /** @description every targeted device has its execution row */
                            resolved: boolean;
                            /** @description devices by execution status */
                            progress: {
                                /** @description devices the job chose so far (all of them once `resolved`) */
                                targeted: number;
                                pending: number;
                                inProgress: number;
                                succeeded: number;
                                failed: number;
                                timedOut: number;
                                cancelled: number;
                            };
                            /** @description why it was aborted or cancelled */
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                        } | components["schemas"]["Job"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's devices and their executions, in device order */
        get: {
            parameters: {
                query?: {
                    status?: "pending" | "in_progress" | "succeeded" | "failed" | "timed_out" | "cancelled";
                    limit?: number;
                    /** @example 1A2B3C */
                    cursor?: string;
                };
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                deviceId: string;
                                /** @enum {string} */
                                status: "pending" | "in_progress" | "succeeded" | "failed" | "timed_out" | "cancelled";
                                /** @description executions started, retries included */
                                attempts: number;
                                /** @description the command of the last attempt */
                                commandId: string | null;
                                /** @description the desired version the patch made (or found) */
                                twinVersion: number | null;
                                error: string | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a job: no device starts until it is resumed; those in progress finish
         * @description Asking for the state the job is in answers it unchanged; a job that has ended (or, to resume, is not paused or running) is `409 job_state_conflict` with `data.status`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a fleet job: one command or twin patch over many devices, with its progress */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            kind: "command" | "twin";
                            /** @enum {string} */
                            status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                            command: {
                                /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                name?: string;
                                /**
                                 * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                 * @enum {string}
                                 */
                                transport?: "mqtt" | "http" | "sigfox";
                                /** @description raw payload as hex */
                                hex?: string;
                                /** @description raw payload as base64 */
                                base64?: string;
                                /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                data?: unknown;
                                /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                priority?: number;
                                /** @description not sent after this many seconds: the command expires (default: never) */
                                expiresInSeconds?: number;
                                /** @description the device is expected to acknowledge it (default false) */
                                confirmed?: boolean;
                                retry?: {
                                    /** @description sends at most, the first included; 1 means no retry */
                                    attempts: number;
                                    /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                    backoffSeconds?: number;
                                };
                                /** @description MQTT QoS of the publish (default 1) */
                                qos?: 0 | 1 | 2;
                                /** @description the twin parameter this command applies */
                                twinParameter?: string;
                            } | null;
                            twin: {
                                desired: {
                                    [key: string]: unknown;
                                };
                            } | null;
                            target: {
                                /** @description the condition, or null for a list */
                                where: string | null;
                            };
                            rolloutPerMinute: number | null;
                            maxConcurrency: number | null;
                            timeoutSeconds: number | null;
                            retries: number;
                            abort: {
                                failedPercent: number;
                                minFinished: number;
                            } | null;
                            /** @description every targeted device has its execution row */
                            resolved: boolean;
                            /** @description devices by execution status */
                            progress: {
                                /** @description devices the job chose so far (all of them once `resolved`) */
                                targeted: number;
                                pending: number;
                                inProgress: number;
                                succeeded: number;
                                failed: number;
                                timedOut: number;
                                cancelled: number;
                            };
                            /** @description why it was aborted or cancelled */
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused job
         * @description Asking for the state the job is in answers it unchanged; a job that has ended (or, to resume, is not paused or running) is `409 job_state_conflict` with `data.status`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a fleet job: one command or twin patch over many devices, with its progress */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            kind: "command" | "twin";
                            /** @enum {string} */
                            status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                            command: {
                                /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                name?: string;
                                /**
                                 * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                 * @enum {string}
                                 */
                                transport?: "mqtt" | "http" | "sigfox";
                                /** @description raw payload as hex */
                                hex?: string;
                                /** @description raw payload as base64 */
                                base64?: string;
                                /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                data?: unknown;
                                /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                priority?: number;
                                /** @description not sent after this many seconds: the command expires (default: never) */
                                expiresInSeconds?: number;
                                /** @description the device is expected to acknowledge it (default false) */
                                confirmed?: boolean;
                                retry?: {
                                    /** @description sends at most, the first included; 1 means no retry */
                                    attempts: number;
                                    /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                    backoffSeconds?: number;
                                };
                                /** @description MQTT QoS of the publish (default 1) */
                                qos?: 0 | 1 | 2;
                                /** @description the twin parameter this command applies */
                                twinParameter?: string;
                            } | null;
                            twin: {
                                desired: {
                                    [key: string]: unknown;
                                };
                            } | null;
                            target: {
                                /** @description the condition, or null for a list */
                                where: string | null;
                            };
                            rolloutPerMinute: number | null;
                            maxConcurrency: number | null;
                            timeoutSeconds: number | null;
                            retries: number;
                            abort: {
                                failedPercent: number;
                                minFinished: number;
                            } | null;
                            /** @description every targeted device has its execution row */
                            resolved: boolean;
                            /** @description devices by execution status */
                            progress: {
                                /** @description devices the job chose so far (all of them once `resolved`) */
                                targeted: number;
                                pending: number;
                                inProgress: number;
                                succeeded: number;
                                failed: number;
                                timedOut: number;
                                cancelled: number;
                            };
                            /** @description why it was aborted or cancelled */
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a job: devices not started are cancelled; those in progress finish
         * @description Asking for the state the job is in answers it unchanged; a job that has ended (or, to resume, is not paused or running) is `409 job_state_conflict` with `data.status`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a fleet job: one command or twin patch over many devices, with its progress */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            kind: "command" | "twin";
                            /** @enum {string} */
                            status: "queued" | "in_progress" | "paused" | "completed" | "cancelled" | "aborted";
                            command: {
                                /** @description a label for the command (`reboot`, `set-interval`); `command` when absent */
                                name?: string;
                                /**
                                 * @description how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)
                                 * @enum {string}
                                 */
                                transport?: "mqtt" | "http" | "sigfox";
                                /** @description raw payload as hex */
                                hex?: string;
                                /** @description raw payload as base64 */
                                base64?: string;
                                /** @description JSON encoded by the device type's codec (`encodeDownlink`) when it is sent */
                                data?: unknown;
                                /** @description 0 (lowest) to 9 (most urgent); 5 by default */
                                priority?: number;
                                /** @description not sent after this many seconds: the command expires (default: never) */
                                expiresInSeconds?: number;
                                /** @description the device is expected to acknowledge it (default false) */
                                confirmed?: boolean;
                                retry?: {
                                    /** @description sends at most, the first included; 1 means no retry */
                                    attempts: number;
                                    /** @description wait for an acknowledgement before the second send, doubled at each retry (default 30) */
                                    backoffSeconds?: number;
                                };
                                /** @description MQTT QoS of the publish (default 1) */
                                qos?: 0 | 1 | 2;
                                /** @description the twin parameter this command applies */
                                twinParameter?: string;
                            } | null;
                            twin: {
                                desired: {
                                    [key: string]: unknown;
                                };
                            } | null;
                            target: {
                                /** @description the condition, or null for a list */
                                where: string | null;
                            };
                            rolloutPerMinute: number | null;
                            maxConcurrency: number | null;
                            timeoutSeconds: number | null;
                            retries: number;
                            abort: {
                                failedPercent: number;
                                minFinished: number;
                            } | null;
                            /** @description every targeted device has its execution row */
                            resolved: boolean;
                            /** @description devices by execution status */
                            progress: {
                                /** @description devices the job chose so far (all of them once `resolved`) */
                                targeted: number;
                                pending: number;
                                inProgress: number;
                                succeeded: number;
                                failed: number;
                                timedOut: number;
                                cancelled: number;
                            };
                            /** @description why it was aborted or cancelled */
                            reason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/configurations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's configurations in id order */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    /** @description only those with this label: `key=value` */
                    label?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Configuration"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a fleet configuration: a target condition, a priority and desired content
         * @description Applied to every device the target matches, now and later (within about a second of a device starting or stopping to match). Conflicts are settled property by property: highest priority, then the newest configuration; a property set directly on a twin wins over every configuration (docs/TWINS.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @example paris-interval */
                        id: string;
                        name?: string;
                        /** @description the devices it applies to: a CEL condition (docs/CONDITIONS.md) */
                        target: string;
                        /** @description higher wins a property two configurations both set; a tie goes to the newer configuration */
                        priority?: number;
                        /** @description the desired properties it sets, each top-level property whole: a JSON object without nulls, within the twin limits (100 properties, 16384 bytes, 8 levels) */
                        content: {
                            [key: string]: unknown;
                        };
                        /** @description free labels, for people and filters */
                        labels?: {
                            [key: string]: string;
                        };
                        /** @description custom metrics: name → a CEL condition; each counts the targeted devices for which it holds */
                        metrics?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            target: string;
                            priority: number;
                            content: {
                                [key: string]: unknown;
                            };
                            labels: {
                                [key: string]: string;
                            };
                            metrics: {
                                [key: string]: string;
                            };
                            /** @description increments at every change; the ETag */
                            version: number;
                            /** @description the last version whose target and content went over every device of the tenant */
                            appliedVersion: number;
                            /** @description `applying` while its rollout over the devices runs; `applied` once desired is written on every targeted device */
                            status: "applying" | "applied";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/configurations/{configurationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One configuration; the ETag is its version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example paris-interval */
                    configurationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            target: string;
                            priority: number;
                            content: {
                                [key: string]: unknown;
                            };
                            labels: {
                                [key: string]: string;
                            };
                            metrics: {
                                [key: string]: string;
                            };
                            /** @description increments at every change; the ETag */
                            version: number;
                            /** @description the last version whose target and content went over every device of the tenant */
                            appliedVersion: number;
                            /** @description `applying` while its rollout over the devices runs; `applied` once desired is written on every targeted device */
                            status: "applying" | "applied";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a configuration: the properties it set are removed, unless another configuration sets them */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example paris-interval */
                    configurationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change a configuration (the fields given replace theirs); If-Match supported
         * @description A new target, priority or content is applied to the devices again; a new name, labels or metrics are not.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    /** @example paris-interval */
                    configurationId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description the devices it applies to: a CEL condition */
                        target?: string;
                        /** @description higher wins a property two configurations both set; a tie goes to the newer configuration */
                        priority?: number;
                        /** @description the desired properties it sets, each top-level property whole: a JSON object without nulls, within the twin limits (100 properties, 16384 bytes, 8 levels) */
                        content?: {
                            [key: string]: unknown;
                        };
                        /** @description free labels, for people and filters */
                        labels?: {
                            [key: string]: string;
                        };
                        /** @description custom metrics: name → a CEL condition; each counts the targeted devices for which it holds */
                        metrics?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            target: string;
                            priority: number;
                            content: {
                                [key: string]: unknown;
                            };
                            labels: {
                                [key: string]: string;
                            };
                            metrics: {
                                [key: string]: string;
                            };
                            /** @description increments at every change; the ETag */
                            version: number;
                            /** @description the last version whose target and content went over every device of the tenant */
                            appliedVersion: number;
                            /** @description `applying` while its rollout over the devices runs; `applied` once desired is written on every targeted device */
                            status: "applying" | "applied";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/configurations/{configurationId}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Targeted, applied, pending, failed and overridden devices, each custom metric, and their history
         * @description The current counts are computed at the request from the targets and the parameters the configuration set; `history` holds the periodic snapshots (every minute).
         */
        get: {
            parameters: {
                query?: {
                    /** @description how many of the latest snapshots to include */
                    history?: number;
                };
                header?: never;
                path: {
                    /** @example paris-interval */
                    configurationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            current: {
                                /** Format: date-time */
                                at: string;
                                /** @description devices the target matches now */
                                targeted: number;
                                /** @description targeted devices where it sets at least one property and every one of them is applied */
                                applied: number;
                                /** @description targeted devices with a property of it pending or sent, none failed */
                                pending: number;
                                /** @description targeted devices with a property of it failed, or whose desired it could not write (twin limits) */
                                failed: number;
                                /** @description targeted devices where it sets nothing: every property of it is held by a higher-priority or newer configuration, or set directly */
                                overridden: number;
                                /** @description each custom metric: the targeted devices for which its condition holds */
                                custom: {
                                    [key: string]: number;
                                };
                            };
                            /** @description periodic snapshots, oldest first */
                            history: {
                                /** Format: date-time */
                                at: string;
                                /** @description devices the target matches now */
                                targeted: number;
                                /** @description targeted devices where it sets at least one property and every one of them is applied */
                                applied: number;
                                /** @description targeted devices with a property of it pending or sent, none failed */
                                pending: number;
                                /** @description targeted devices with a property of it failed, or whose desired it could not write (twin limits) */
                                failed: number;
                                /** @description targeted devices where it sets nothing: every property of it is held by a higher-priority or newer configuration, or set directly */
                                overridden: number;
                                /** @description each custom metric: the targeted devices for which its condition holds */
                                custom: {
                                    [key: string]: number;
                                };
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lifecycle graph: states, allowed transitions, automatic rules, type stages */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            states: ("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired")[];
                            transitions: {
                                [key: string]: ("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired")[];
                            };
                            automatic: {
                                rule: string;
                                /**
                                 * @description a lifecycle state (docs/LIFECYCLE.md)
                                 * @enum {string}
                                 */
                                to: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                                when: string;
                            }[];
                            stages: ("test" | "production" | "none")[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's lifecycle state, the states it may move to, its contract and subscription */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            state: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            since: string | null;
                            activatedAt: string | null;
                            /** @description the states the device may move to now */
                            allowed: ("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired")[];
                            contractId: string | null;
                            subscription: {
                                plan: string;
                                /** Format: date-time */
                                startsAt: string;
                                /** Format: date-time */
                                endsAt: string;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Move a device to another lifecycle state
         * @description Audited with the calling key and the reason, and in the change feed (`device.lifecycle_changed`). A state the graph does not allow from the current one is `409 lifecycle_transition_refused`, whose `data.allowed` lists the states it may go to; asking for the current state changes nothing. See docs/LIFECYCLE.md.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description a lifecycle state (docs/LIFECYCLE.md)
                         * @enum {string}
                         */
                        state: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            /** @example sigfox-tracker */
                            typeId: string;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            state: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            since: string | null;
                            activatedAt: string | null;
                            /** @description the states the device may move to now */
                            allowed: ("manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired")[];
                            contractId: string | null;
                            subscription: {
                                plan: string;
                                /** Format: date-time */
                                startsAt: string;
                                /** Format: date-time */
                                endsAt: string;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/lifecycle/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's lifecycle transitions, newest first: who or what made each, why and when */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["LifecycleTransition"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device type's stage, which decides the automatic transitions of its devices' uplinks */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            typeId: string;
                            /**
                             * @description `test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks
                             * @enum {string}
                             */
                            stage: "test" | "production" | "none";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /** Set a device type's stage: test, production (the default) or none */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description `test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks
                         * @enum {string}
                         */
                        stage: "test" | "production" | "none";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            typeId: string;
                            /**
                             * @description `test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks
                             * @enum {string}
                             */
                            stage: "test" | "production" | "none";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/move-type": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move up to 1,000 devices to another device type in one transaction
         * @description All or nothing: a device that does not exist (or is deleted) is `404 not_found` with `data.missing`, and nothing moves. Each moved device gets a `device.updated` change; lifecycle states stay, and the next uplink follows the new type's stage.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deviceIds: string[];
                        /** @example sigfox-tracker */
                        typeId: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            typeId: string;
                            /** @description devices now of the type */
                            moved: string[];
                            /** @description devices that were of the type already */
                            unchanged: string[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/clone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Copy a device type with its codec, settings, reported fields and stage; new callback secrets
         * @description One transaction. The copy's callback secrets are new (one per secret of the source, same names) and shown only in this answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @example sigfox-tracker */
                        id: string;
                        name?: string;
                        /**
                         * @description `test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks
                         * @enum {string}
                         */
                        stage?: "test" | "production" | "none";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the new device type, as `GET /v1/device-types/{id}` shows it */
                            deviceType: unknown;
                            /**
                             * @description `test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks
                             * @enum {string}
                             */
                            stage: "test" | "production" | "none";
                            /** @description new secrets, one per secret of the source (a clone never shares its source's) */
                            callbackSecrets: {
                                id: string;
                                name: string;
                                /** @description shown only once */
                                secret: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/contracts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Network contracts with their tokens used and free, oldest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Contract"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a network contract: provider, tokens, start and end
         * @description `endsAt` must come after `startsAt` (`validation_failed`, `data.field`). `warnDays` before the end (default 30) the feed gets `contract.ending`; at the end the contract's devices move to out_of_contract. `lowTokens` (default a tenth of the tokens): free tokens at or below it raise `contract.tokens_low`, once.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        provider: string;
                        tokens: number;
                        lowTokens?: number;
                        /** Format: date-time */
                        startsAt: string;
                        /** Format: date-time */
                        endsAt: string;
                        /** @description days before the end when the ending warning is raised (default 30) */
                        warnDays?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            provider: string;
                            tokens: number;
                            /** @description devices assigned to the contract, each using a token */
                            used: number;
                            free: number;
                            /** @description free tokens at or below this raise `contract.tokens_low` */
                            lowTokens: number;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/contracts/{contractId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One network contract with its tokens used and free */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    contractId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            provider: string;
                            tokens: number;
                            /** @description devices assigned to the contract, each using a token */
                            used: number;
                            free: number;
                            /** @description free tokens at or below this raise `contract.tokens_low` */
                            lowTokens: number;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a contract that has no devices (`409 conflict` otherwise) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    contractId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change a contract: name, tokens, threshold, dates, warning days
         * @description Fewer tokens than devices assigned is `409 contract_tokens_exhausted`. A later end date re-arms the warning and the end. `If-Match` with the ETag is honoured.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    contractId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        tokens?: number;
                        lowTokens?: number;
                        /** Format: date-time */
                        startsAt?: string;
                        /** Format: date-time */
                        endsAt?: string;
                        /** @description days before the end when the ending warning is raised (default 30) */
                        warnDays?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            provider: string;
                            tokens: number;
                            /** @description devices assigned to the contract, each using a token */
                            used: number;
                            free: number;
                            /** @description free tokens at or below this raise `contract.tokens_low` */
                            lowTokens: number;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/contracts/{contractId}/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A contract's devices, by id */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path: {
                    contractId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @example 1A2B3C */
                                deviceId: string;
                                /** Format: date-time */
                                assignedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Assign up to 1,000 devices to a contract, one token each, all or none
         * @description More devices than free tokens is `409 contract_tokens_exhausted` (`data.free`, `data.requested`); a missing device `404 not_found` (`data.missing`); an ended contract `409 conflict`. Nothing is assigned then. A device on another contract moves to this one.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    contractId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        deviceIds: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            provider: string;
                            tokens: number;
                            /** @description devices assigned to the contract, each using a token */
                            used: number;
                            free: number;
                            /** @description free tokens at or below this raise `contract.tokens_low` */
                            lowTokens: number;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/contracts/{contractId}/devices/{deviceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Take a device off a contract, freeing its token */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    contractId: string;
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            provider: string;
                            tokens: number;
                            /** @description devices assigned to the contract, each using a token */
                            used: number;
                            free: number;
                            /** @description free tokens at or below this raise `contract.tokens_low` */
                            lowTokens: number;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/subscription": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's service subscription */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            plan: string;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Set a device's service subscription: plan, start, end
         * @description `endsAt` must come after `startsAt`. `warnDays` before the end (default 30) the feed gets `subscription.ending`; at the end the device moves to out_of_subscription. A later end re-arms both.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        plan: string;
                        /** Format: date-time */
                        startsAt: string;
                        /** Format: date-time */
                        endsAt: string;
                        /** @description days before the end when the ending warning is raised (default 30) */
                        warnDays?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            plan: string;
                            /** Format: date-time */
                            startsAt: string;
                            /** Format: date-time */
                            endsAt: string;
                            warnDays: number;
                            endingWarnedAt: string | null;
                            endedAt: string | null;
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a device's service subscription (its end no longer moves the device) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's alerts, newest first, with filters
         * @description Filters combine: `state` (`active` is open or acknowledged), `severity`, `type`, `deviceId`, and `from`/`to` on the first occurrence. Pages by keyset: pass `nextCursor` as `cursor`. See docs/ALERTS.md.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `active`: open or acknowledged */
                    state?: ("open" | "acknowledged" | "cleared") | "active";
                    /** @description critical, major, minor, warning or info */
                    severity?: "critical" | "major" | "minor" | "warning" | "info";
                    type?: string;
                    /** @example 1A2B3C */
                    deviceId?: string;
                    /** @description first occurrence at or after */
                    from?: string;
                    /** @description first occurrence before */
                    to?: string;
                    limit?: number;
                    /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description newest first (by first occurrence) */
                            items: components["schemas"]["Alert"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alertId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An alert with its history: transitions and comments, who and when */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                    alertId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                            id: string;
                            type: string;
                            /**
                             * @description critical, major, minor, warning or info
                             * @enum {string}
                             */
                            severity: "critical" | "major" | "minor" | "warning" | "info";
                            /** @enum {string} */
                            state: "open" | "acknowledged" | "cleared";
                            scope: "device" | "fleet";
                            deviceId: string | null;
                            subject: string | null;
                            message: string;
                            details: {
                                [key: string]: unknown;
                            };
                            /** @description times it was raised while not cleared */
                            occurrences: number;
                            /** Format: date-time */
                            firstAt: string;
                            /** Format: date-time */
                            lastAt: string;
                            acknowledgedAt: string | null;
                            acknowledgedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            clearedAt: string | null;
                            clearedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            updatedAt: string;
                            /** @description transitions and comments, oldest first */
                            history: {
                                seq: number;
                                action: "raised" | "acknowledged" | "cleared" | "commented";
                                actor: {
                                    kind: "principal" | "platform";
                                    /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                    id: string;
                                };
                                text: string | null;
                                /** Format: date-time */
                                at: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alertId}/acknowledge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Acknowledge an open alert (someone is on it); it stays active until cleared
         * @description Audited with the calling key and the optional comment, and in the change feed (`alert.acknowledged`). From any other state: `409 alert_transition_refused`, nothing changed.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                    alertId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                            id: string;
                            type: string;
                            /**
                             * @description critical, major, minor, warning or info
                             * @enum {string}
                             */
                            severity: "critical" | "major" | "minor" | "warning" | "info";
                            /** @enum {string} */
                            state: "open" | "acknowledged" | "cleared";
                            scope: "device" | "fleet";
                            deviceId: string | null;
                            subject: string | null;
                            message: string;
                            details: {
                                [key: string]: unknown;
                            };
                            /** @description times it was raised while not cleared */
                            occurrences: number;
                            /** Format: date-time */
                            firstAt: string;
                            /** Format: date-time */
                            lastAt: string;
                            acknowledgedAt: string | null;
                            acknowledgedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            clearedAt: string | null;
                            clearedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alertId}/clear": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Clear an open or acknowledged alert; a later raise of its type and subject opens a new one
         * @description Audited with the calling key and the optional comment, and in the change feed (`alert.cleared`). From any other state: `409 alert_transition_refused`, nothing changed.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                    alertId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                            id: string;
                            type: string;
                            /**
                             * @description critical, major, minor, warning or info
                             * @enum {string}
                             */
                            severity: "critical" | "major" | "minor" | "warning" | "info";
                            /** @enum {string} */
                            state: "open" | "acknowledged" | "cleared";
                            scope: "device" | "fleet";
                            deviceId: string | null;
                            subject: string | null;
                            message: string;
                            details: {
                                [key: string]: unknown;
                            };
                            /** @description times it was raised while not cleared */
                            occurrences: number;
                            /** Format: date-time */
                            firstAt: string;
                            /** Format: date-time */
                            lastAt: string;
                            acknowledgedAt: string | null;
                            acknowledgedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            clearedAt: string | null;
                            clearedBy: {
                                kind: "principal" | "platform";
                                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                id: string;
                            } | null;
                            version: number;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alertId}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Comment on an alert, whatever its state (`alert.commented` in the change feed) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
                    alertId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        text: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            alert: components["schemas"]["Alert"];
                            comment: {
                                seq: number;
                                action: "raised" | "acknowledged" | "cleared" | "commented";
                                actor: {
                                    kind: "principal" | "platform";
                                    /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                                    id: string;
                                };
                                text: string | null;
                                /** Format: date-time */
                                at: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/silence": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device's silence: expected interval, last uplink, when it becomes silent, whether it is */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            expectedIntervalSeconds: number | null;
                            intervalOverrideSeconds: number | null;
                            silentAfterSeconds: number | null;
                            lastSeenAt: string | null;
                            dueAt: string | null;
                            silent: boolean;
                            silentSince: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Set a device's own expected uplink interval (null: its type's)
         * @description Its due time follows at once: a silent device that is no longer silent under the new interval has its `device_silent` cleared. See docs/ALERTS.md.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description the device's own expected uplink interval; null goes back to its type's */
                        expectedIntervalSeconds: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            expectedIntervalSeconds: number | null;
                            intervalOverrideSeconds: number | null;
                            silentAfterSeconds: number | null;
                            lastSeenAt: string | null;
                            dueAt: string | null;
                            silent: boolean;
                            silentSince: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook endpoints, by id */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WebhookEndpoint"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a webhook endpoint; the answer holds its signing secret, shown only once
         * @description The URL must be http or https; its host is resolved and refused (`webhook_target_refused`) when any address is private or loopback, unless the operator allowed the tenant those. `filter` is CEL over the event (`invalid_condition` with line and column). It receives the changes committed after it was created (docs/WEBHOOKS.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description an http or https URL */
                        url: string;
                        description?: string;
                        /** @description the change kinds to send; empty or absent: every kind */
                        eventTypes?: ("device.created" | "device.updated" | "device.deleted" | "device.restored" | "device_type.created" | "device_type.updated" | "device_type.deleted" | "message.created" | "message.decoded" | "device_type.codec_changed" | "command.created" | "command.status_changed" | "command.noted" | "twin.desired.changed" | "twin.reported.changed" | "job.created" | "job.status_changed" | "job.progress" | "configuration.created" | "configuration.updated" | "configuration.deleted" | "twin.parameter.changed" | "device.lifecycle_changed" | "device_type.lifecycle_changed" | "contract.created" | "contract.updated" | "contract.deleted" | "contract.devices_changed" | "contract.ending" | "contract.tokens_low" | "contract.ended" | "subscription.changed" | "subscription.deleted" | "subscription.ending" | "subscription.ended" | "alert.raised" | "alert.updated" | "alert.acknowledged" | "alert.cleared" | "alert.commented" | "webhook_endpoint.created" | "webhook_endpoint.updated" | "webhook_endpoint.deleted" | "webhook_endpoint.disabled")[];
                        /** @description a CEL condition over the event (`type`, `entityId`, `at`, `data`); docs/CONDITIONS.md */
                        filter?: string;
                        /** @default false */
                        ordered?: boolean;
                        /** @default true */
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: components["schemas"]["WebhookEndpoint"];
                            /** @description the signing secret (`whsec_` and base64); shown only here */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A webhook endpoint, with its health (failing since, circuit breaker) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            url: string;
                            description: string;
                            eventTypes: string[];
                            filter: string | null;
                            /** @description one delivery at a time, in feed order; otherwise several at once */
                            ordered: boolean;
                            enabled: boolean;
                            /** @description `failing` when the server disabled it, `manual` when a user did */
                            disabledReason: string | null;
                            failingSince: string | null;
                            /** @description while the circuit breaker is open, nothing is sent before this time */
                            breakerOpenUntil: string | null;
                            /** @description a previous secret is still valid, and signed with */
                            rotating: boolean;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a webhook endpoint with its queue and delivery log */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a webhook endpoint; `enabled: true` starts a disabled one again */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description an http or https URL */
                        url?: string;
                        description?: string;
                        /** @description the change kinds to send; empty or absent: every kind */
                        eventTypes?: ("device.created" | "device.updated" | "device.deleted" | "device.restored" | "device_type.created" | "device_type.updated" | "device_type.deleted" | "message.created" | "message.decoded" | "device_type.codec_changed" | "command.created" | "command.status_changed" | "command.noted" | "twin.desired.changed" | "twin.reported.changed" | "job.created" | "job.status_changed" | "job.progress" | "configuration.created" | "configuration.updated" | "configuration.deleted" | "twin.parameter.changed" | "device.lifecycle_changed" | "device_type.lifecycle_changed" | "contract.created" | "contract.updated" | "contract.deleted" | "contract.devices_changed" | "contract.ending" | "contract.tokens_low" | "contract.ended" | "subscription.changed" | "subscription.deleted" | "subscription.ending" | "subscription.ended" | "alert.raised" | "alert.updated" | "alert.acknowledged" | "alert.cleared" | "alert.commented" | "webhook_endpoint.created" | "webhook_endpoint.updated" | "webhook_endpoint.deleted" | "webhook_endpoint.disabled")[];
                        filter?: string | null;
                        ordered?: boolean;
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            url: string;
                            description: string;
                            eventTypes: string[];
                            filter: string | null;
                            /** @description one delivery at a time, in feed order; otherwise several at once */
                            ordered: boolean;
                            enabled: boolean;
                            /** @description `failing` when the server disabled it, `manual` when a user did */
                            disabledReason: string | null;
                            failingSince: string | null;
                            /** @description while the circuit breaker is open, nothing is sent before this time */
                            breakerOpenUntil: string | null;
                            /** @description a previous secret is still valid, and signed with */
                            rotating: boolean;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret; the previous one stays valid and signed with for a while */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description how long the previous secret stays valid (both signatures are sent meanwhile)
                         * @default 24
                         */
                        previousValidHours?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: components["schemas"]["WebhookEndpoint"];
                            /** @description the signing secret (`whsec_` and base64); shown only here */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An endpoint's deliveries, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    /** @description newest first: deliveries before this one */
                    cursor?: string;
                    status?: "pending" | "delivered" | "failed";
                };
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WebhookDelivery"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A delivery with its log: each try, its request id, response code, time and error */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                    /** @description a delivery number */
                    deliveryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            delivery: components["schemas"]["WebhookDelivery"];
                            attempts: components["schemas"]["WebhookAttempt"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivery again, as a new delivery with the same message id */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                    /** @description a delivery number */
                    deliveryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description a delivery number */
                            id: string;
                            webhookId: string;
                            /** @description the `webhook-id` header and envelope id: the same for every try */
                            messageId: string;
                            eventType: string;
                            /** @description the change's feed position (`0` for a test) */
                            cursor: string;
                            origin: "feed" | "retry" | "replay" | "test";
                            status: "pending" | "delivered" | "failed";
                            attempts: number;
                            nextAttemptAt: string | null;
                            lastStatus: number | null;
                            lastError: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue the changes after a cursor (`since`) or from a time (`from`) again
         * @description Only the changes the endpoint selects now; at most 10,000 per call (`nextCursor` continues). A time in the future or a cursor past the newest change is `validation_failed`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a feed cursor: the changes after it */
                        since?: string;
                        /**
                         * Format: date-time
                         * @description the changes committed at or after it
                         */
                        from?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description deliveries queued */
                            queued: number;
                            /** @description when the replay stopped at its limit: replay again with `since` set to this */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a signed test event now and answer with what the receiver said */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default webhook.test */
                        eventType?: string;
                        data?: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            delivery: components["schemas"]["WebhookDelivery"];
                            attempts: components["schemas"]["WebhookAttempt"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/webhook-settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What the operator allows a tenant's webhooks (the system key, or the tenant's own admin key) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenantId: string;
                            /** @description whether endpoints may be on private, loopback and link-local addresses */
                            allowPrivateTargets: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /** Allow or refuse private and loopback targets for a tenant (the system key only) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    tenantId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        allowPrivateTargets: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenantId: string;
                            /** @description whether endpoints may be on private, loopback and link-local addresses */
                            allowPrivateTargets: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Notification channels, by id */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["NotificationChannel"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a channel: e-mail addresses, a signed webhook or an MQTT topic of the tenant
         * @description A webhook channel answers its signing secret here only. E-mail needs the server's SMTP settings (`notification_channel_unavailable` otherwise); a webhook URL to a private address is `webhook_target_refused` unless the operator allowed the tenant those; a topic below `devices/` or with wildcards is `validation_failed` (docs/NOTIFICATIONS.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @enum {string} */
                        kind: "email" | "webhook" | "mqtt";
                        to?: string[];
                        url?: string;
                        topic?: string;
                        qos?: 0 | 1 | 2;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["NotificationChannel"];
                            secret: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/channels/{channelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A notification channel */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            kind: "email" | "webhook" | "mqtt";
                            /** @description e-mail: the addresses */
                            to?: string[];
                            /** @description webhook: where the signed POST goes */
                            url?: string;
                            /** @description mqtt: the tenant's topic it is published on */
                            topic?: string;
                            qos?: 0 | 1 | 2;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a channel no recipient names (`notification_channel_in_use` otherwise) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/recipients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Notification recipients, by id */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["NotificationRecipient"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a recipient: its channels and which alerts it hears of, when and how
         * @description Channels the tenant does not have are `notification_channel_unknown` (`data.unknown`); nothing is stored.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        channels: string[];
                        severities?: ("critical" | "major" | "minor" | "warning" | "info")[];
                        /** @description alert types; empty or absent: every type */
                        types?: string[];
                        events?: ("raised" | "updated" | "acknowledged" | "cleared")[];
                        quietHours?: {
                            /** @description HH:MM, local time */
                            start: string;
                            /** @description HH:MM, local time */
                            end: string;
                            /**
                             * @description an IANA time zone
                             * @default UTC
                             */
                            timeZone?: string;
                            /**
                             * @description critical alerts are not held back
                             * @default true
                             */
                            exceptCritical?: boolean;
                        } | null;
                        delivery?: {
                            mode: "immediate" | "digest";
                            /** @description digest: alerts gathered this long */
                            windowMinutes?: number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            channels: string[];
                            severities: ("critical" | "major" | "minor" | "warning" | "info")[];
                            types: string[];
                            events: ("raised" | "updated" | "acknowledged" | "cleared")[];
                            quietHours: {
                                start: string;
                                end: string;
                                timeZone: string;
                                exceptCritical: boolean;
                            } | null;
                            delivery: {
                                mode: string;
                                windowMinutes: number | null;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/recipients/{recipientId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A notification recipient */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recipientId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            channels: string[];
                            severities: ("critical" | "major" | "minor" | "warning" | "info")[];
                            types: string[];
                            events: ("raised" | "updated" | "acknowledged" | "cleared")[];
                            quietHours: {
                                start: string;
                                end: string;
                                timeZone: string;
                                exceptCritical: boolean;
                            } | null;
                            delivery: {
                                mode: string;
                                windowMinutes: number | null;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /** Replace a recipient's name, channels and preferences */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recipientId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        channels: string[];
                        severities?: ("critical" | "major" | "minor" | "warning" | "info")[];
                        /** @description alert types; empty or absent: every type */
                        types?: string[];
                        events?: ("raised" | "updated" | "acknowledged" | "cleared")[];
                        quietHours?: {
                            /** @description HH:MM, local time */
                            start: string;
                            /** @description HH:MM, local time */
                            end: string;
                            /**
                             * @description an IANA time zone
                             * @default UTC
                             */
                            timeZone?: string;
                            /**
                             * @description critical alerts are not held back
                             * @default true
                             */
                            exceptCritical?: boolean;
                        } | null;
                        delivery?: {
                            mode: "immediate" | "digest";
                            /** @description digest: alerts gathered this long */
                            windowMinutes?: number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            channels: string[];
                            severities: ("critical" | "major" | "minor" | "warning" | "info")[];
                            types: string[];
                            events: ("raised" | "updated" | "acknowledged" | "cleared")[];
                            quietHours: {
                                start: string;
                                end: string;
                                timeZone: string;
                                exceptCritical: boolean;
                            } | null;
                            delivery: {
                                mode: string;
                                windowMinutes: number | null;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a recipient; what it was gathering is not sent */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recipientId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Notifications, newest first: gathering, pending (being tried), delivered or failed */
        get: {
            parameters: {
                query?: {
                    status?: "gathering" | "pending" | "delivered" | "failed";
                    recipientId?: string;
                    limit?: number;
                    /** @description a notification number */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description newest first */
                            items: components["schemas"]["Notification"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/messages/{notificationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A notification with its text, its alert changes and every try */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a notification number */
                    notificationId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            notification: components["schemas"]["Notification"];
                            body: string | null;
                            /** @description its alert changes, oldest first (the first 500) */
                            items: {
                                /** @description the alert change's feed position */
                                cursor: string;
                                kind: string;
                                alertId: string;
                                type: string;
                                severity: string;
                            }[];
                            attempts: {
                                attempt: number;
                                ok: boolean;
                                detail: string | null;
                                error: string | null;
                                durationMs: number;
                                /** Format: date-time */
                                at: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A device's health in buckets: messages, signal, battery, temperature, reboots, shock
         * @description Every bucket of the range, empty ones too, with min, max, avg and last per metric (null when the bucket has none), the uplinks in it, the battery drain per day from a least-squares line over the range and the date that line reaches the type's empty level. A bucket under a minute, a range with `from` not before `to` or over 1,000 buckets is `400 invalid_range`. See docs/HEALTH.md.
         */
        get: {
            parameters: {
                query?: {
                    /** @description start of the range (default: a day before `to`) */
                    from?: string;
                    /** @description end of the range, excluded (default: now) */
                    to?: string;
                    /** @description bucket size: minutes, hours or days like `5m`, `1h`, `1d` (default: the smallest of 1m, 5m, 15m, 1h, 6h, 1d, 7d giving at most 200 buckets); at most 1,000 buckets */
                    bucket?: string;
                };
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 1A2B3C */
                            deviceId: string;
                            /**
                             * @description a lifecycle state (docs/LIFECYCLE.md)
                             * @enum {string}
                             */
                            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
                            /** Format: date-time */
                            from: string;
                            /** Format: date-time */
                            to: string;
                            bucket: string;
                            bucketSeconds: number;
                            lastSeenAt: string | null;
                            messages: {
                                /** @description uplinks in the range */
                                total: number;
                                perHour: number;
                            };
                            battery: {
                                /** @description battery units lost per day, from a least-squares line through the samples (null: fewer than two) */
                                drainPerDay: number | null;
                                /** @description where that line reaches `empty` (null: not draining) */
                                projectedEmptyAt: string | null;
                                empty: number;
                            };
                            buckets: {
                                /** Format: date-time */
                                at: string;
                                /** @description uplinks in the bucket */
                                messages: number;
                                rssi: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                snr: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                stations: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                battery: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                temperature: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                reboots: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                                shock: {
                                    min: number;
                                    max: number;
                                    avg: number;
                                    last: number;
                                    /** @description samples with this metric in the bucket */
                                    count: number;
                                } | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{typeId}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device type's health settings: decoded fields per metric, empty battery level, crazy-device threshold */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            typeId: string;
                            fields: {
                                /** @description a dotted path in the decoded data */
                                battery?: string;
                                /** @description a dotted path in the decoded data */
                                temperature?: string;
                                /** @description a dotted path in the decoded data */
                                reboots?: string;
                                /** @description a dotted path in the decoded data */
                                shock?: string;
                            };
                            batteryEmpty: number | null;
                            crazy: {
                                /** @description more live uplinks than this within the window quarantine the device */
                                uplinks: number;
                                windowSeconds: number;
                                /** @description a quarantined device that sends nothing for this long is released */
                                quietSeconds: number;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Set a device type's health settings (replaces them)
         * @description `fields` maps `battery`, `temperature`, `reboots` and `shock` to dotted paths in the decoded data; `batteryEmpty` is the level the projected empty date aims at (default 0); `crazy` quarantines a device that sends more than `uplinks` live uplinks within `windowSeconds`, and releases it after `quietSeconds` without an uplink. Applies to uplinks handled from now on.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example sigfox-tracker */
                    typeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        fields?: {
                            /** @description a dotted path in the decoded data */
                            battery?: string;
                            /** @description a dotted path in the decoded data */
                            temperature?: string;
                            /** @description a dotted path in the decoded data */
                            reboots?: string;
                            /** @description a dotted path in the decoded data */
                            shock?: string;
                        };
                        batteryEmpty?: number | null;
                        crazy?: {
                            /** @description more live uplinks than this within the window quarantine the device */
                            uplinks: number;
                            windowSeconds: number;
                            /** @description a quarantined device that sends nothing for this long is released */
                            quietSeconds: number;
                        } | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example sigfox-tracker */
                            typeId: string;
                            fields: {
                                /** @description a dotted path in the decoded data */
                                battery?: string;
                                /** @description a dotted path in the decoded data */
                                temperature?: string;
                                /** @description a dotted path in the decoded data */
                                reboots?: string;
                                /** @description a dotted path in the decoded data */
                                shock?: string;
                            };
                            batteryEmpty: number | null;
                            crazy: {
                                /** @description more live uplinks than this within the window quarantine the device */
                                uplinks: number;
                                windowSeconds: number;
                                /** @description a quarantined device that sends nothing for this long is released */
                                quietSeconds: number;
                            } | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{deviceTypeId}/callback-secrets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A device type's callback secrets (never the secrets themselves) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deviceTypeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["CallbackSecret"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create a secret for network-server callbacks of this device type (shown once) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deviceTypeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CallbackSecret"] & {
                            /** @description shown only once: configure it as the X-Fleetport-Secret header of the callback */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/device-types/{deviceTypeId}/callback-secrets/{secretId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a callback secret */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deviceTypeId: string;
                    secretId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send one uplink, or a batch, as the device of the token
         * @description Authenticated with a device token (`Authorization: Bearer fpd_…`). Answers only once the messages are durably stored: 201 for a new message, 200 for one already stored (a retry) or a batch. A batch is checked whole before anything is stored. A `messageId` (or `seq` with `time`) already stored with another payload is refused with 409 `identity_conflict`: duplicates are decided by identity, never by payload, and the stored message is kept (in a batch, `data.index` names the message; the others are stored).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description one message object, or {"messages": [ … ]} for a batch (not a bare array) */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description payload bytes as hex */
                        hex?: string;
                        /** @description payload bytes as base64 */
                        base64?: string;
                        /** @description a JSON payload (object, array or scalar) instead of bytes */
                        json?: unknown;
                        /** @description the frame counter */
                        seq?: number;
                        /** @description when the device sent it: RFC 3339 or Unix milliseconds */
                        time?: string | number;
                        /** @description unique per device; retries reuse it */
                        messageId?: string;
                    } | {
                        messages: {
                            /** @description payload bytes as hex */
                            hex?: string;
                            /** @description payload bytes as base64 */
                            base64?: string;
                            /** @description a JSON payload (object, array or scalar) instead of bytes */
                            json?: unknown;
                            /** @description the frame counter */
                            seq?: number;
                            /** @description when the device sent it: RFC 3339 or Unix milliseconds */
                            time?: string | number;
                            /** @description unique per device; retries reuse it */
                            messageId?: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description already stored: this call changed nothing */
                            duplicate: boolean;
                            timeliness: "live" | "late" | "replayed";
                        } | {
                            results: {
                                id: string;
                                /** @description already stored: this call changed nothing */
                                duplicate: boolean;
                                timeliness: "live" | "late" | "replayed";
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description already stored: this call changed nothing */
                            duplicate: boolean;
                            timeliness: "live" | "late" | "replayed";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/resync/records": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay requests kept by fleetport-backup through capture, labelled replayed
         * @description Each record is one request fleetport-backup stored (`GET /records` of the backup, as is): a Sigfox callback or an HTTP ingest, with the SHA-256 of the credential it carried. Each goes through its live route's checks and authentication and the capture pipeline, received at the backup's time and labelled `replayed`; a frame already stored is answered as a duplicate and stored once. A record the live route would refuse is refused here with the same problem, alone: the others are replayed. A key replays its own tenant's records (another tenant's credential is refused as unknown); the bootstrap key any tenant's. No downlink is asked for a replayed BIDIR callback. Records are answered in order; `GET /v1/messages` shows what was stored.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        records: {
                            /** @description the backup's record number */
                            id: string;
                            /** @description when the backup received the request, Unix ms */
                            receivedAt: number;
                            method: string;
                            /** @description the path (and query) the request was sent to */
                            path: string;
                            contentType?: string;
                            /** @description SHA-256 (hex) of the device token or callback secret the request carried */
                            credentialSha256?: string;
                            /** @description the body as received, base64 */
                            body: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            results: ({
                                id: string;
                                outcome: "new" | "duplicate";
                                messages: {
                                    id: string;
                                    /** @description already stored: the replay changed at most its receptions */
                                    duplicate: boolean;
                                    timeliness: "live" | "late" | "replayed";
                                }[];
                            } | {
                                id: string;
                                /** @enum {string} */
                                outcome: "skipped";
                                reason: string;
                            } | {
                                id: string;
                                /** @enum {string} */
                                outcome: "refused";
                                problem: {
                                    status: number;
                                    code: string;
                                    detail: string;
                                };
                                messages?: {
                                    id: string;
                                    /** @description already stored: the replay changed at most its receptions */
                                    duplicate: boolean;
                                    timeliness: "live" | "late" | "replayed";
                                }[];
                            })[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/{deviceId}/methods/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Call a method on a connected device and wait for its reply
         * @description Published to `devices/{id}/down/methods/{name}/{callId}` (QoS 0, expiring with the timeout; MQTT 5: response topic and correlation data); the device replies on `devices/{id}/ack/{callId}` (docs/COMMANDS.md). A device with no MQTT session is `404 device_offline` at once; no reply within `timeoutSeconds` is `504 method_timeout`, and the call is recorded as `unknown`. A retired device is `409 device_retired`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @example 1A2B3C */
                    deviceId: string;
                    /** @description the method: letters, digits, _ and - */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description JSON sent to the device as the request */
                        payload?: unknown;
                        /**
                         * @description how long to wait for the reply
                         * @default 30
                         */
                        timeoutSeconds: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the call, recorded as a command of kind `method` */
                            id: string;
                            /** @description `failed` when the device answered `"status": "failed"` */
                            status: "acknowledged" | "failed";
                            /** @description the device's reply: JSON, `{base64}` for other bytes, null for none */
                            result: unknown;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mqtt/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the tenant's changes are published on the MQTT export topics */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description whether the tenant's changes are published on the export topics */
                            enabled: boolean;
                            /** @description the topic root, `$fleetport`; docs/INTEGRATIONS.md lists the topics */
                            root: string;
                            /** @description the feed cursor when the export was last turned on: later changes are published */
                            startAfter: string | null;
                            updatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        /**
         * Turns the MQTT export on or off
         * @description On: every change committed from now on of the exported kinds (uplinks, decodes, twin changes, command statuses, alerts) is published at QoS 1 on `$fleetport/…` (docs/INTEGRATIONS.md); subscribe with a persistent session to keep them while away. Turning it on again starts from then: nothing committed while it was off is published.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        enabled: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description whether the tenant's changes are published on the export topics */
                            enabled: boolean;
                            /** @description the topic root, `$fleetport`; docs/INTEGRATIONS.md lists the topics */
                            root: string;
                            /** @description the feed cursor when the export was last turned on: later changes are published */
                            startAfter: string | null;
                            updatedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mqtt/policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's MQTT topic policies, oldest first
         * @description A publish or subscription is refused when any matching rule denies it; otherwise allowed (a rule limited to one kind of client applies to that kind only). Devices are always confined to `devices/{deviceId}/…` besides.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                effect: "allow" | "deny";
                                action: "publish" | "subscribe" | "both";
                                filter: string;
                                principal: "device" | "application" | "anonymous" | null;
                                description: string | null;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Adds a topic policy rule; it applies to the next publish or subscription */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        effect: "allow" | "deny";
                        action: "publish" | "subscribe" | "both";
                        /**
                         * @description an MQTT topic filter ('+' one level, '#' the rest), as the tenant's clients see topics
                         * @example devices/+/up/#
                         */
                        filter: string;
                        /** @description only this kind of client; every kind when absent */
                        principal?: "device" | "application" | "anonymous";
                        description?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            effect: "allow" | "deny";
                            action: "publish" | "subscribe" | "both";
                            filter: string;
                            principal: "device" | "application" | "anonymous" | null;
                            description: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mqtt/policies/{policyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One topic policy rule */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    policyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            effect: "allow" | "deny";
                            action: "publish" | "subscribe" | "both";
                            filter: string;
                            principal: "device" | "application" | "anonymous" | null;
                            description: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Removes a topic policy rule (live subscriptions stay; new ones are judged without it) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    policyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mqtt/clients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's connected MQTT clients, by client id */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                clientId: string;
                                principal: {
                                    /** @description device, application or anonymous */
                                    kind: string;
                                    /** @description the credential or API key id the client connected with */
                                    id: string;
                                    deviceId: string | null;
                                };
                                /** @description 3 (3.1), 4 (3.1.1) or 5 */
                                protocolVersion: number;
                                /** @description tcp, tls or ws */
                                listener: string;
                                remoteAddress: string | null;
                                /** Format: date-time */
                                connectedAt: string;
                                /** @description seconds; 0 is none */
                                keepAlive: number;
                                subscriptions: string[];
                                /** @description QoS 1/2 messages sent and not yet acknowledged */
                                inflight: number;
                                /** @description messages waiting for an in-flight slot */
                                queued: number;
                                /** @description reading from this client is paused (back-pressure) */
                                paused: boolean;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mqtt/clients/{clientId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One connected MQTT client of the tenant */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the MQTT client id, URL-encoded */
                    clientId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            clientId: string;
                            principal: {
                                /** @description device, application or anonymous */
                                kind: string;
                                /** @description the credential or API key id the client connected with */
                                id: string;
                                deviceId: string | null;
                            };
                            /** @description 3 (3.1), 4 (3.1.1) or 5 */
                            protocolVersion: number;
                            /** @description tcp, tls or ws */
                            listener: string;
                            remoteAddress: string | null;
                            /** Format: date-time */
                            connectedAt: string;
                            /** @description seconds; 0 is none */
                            keepAlive: number;
                            subscriptions: string[];
                            /** @description QoS 1/2 messages sent and not yet acknowledged */
                            inflight: number;
                            /** @description messages waiting for an in-flight slot */
                            queued: number;
                            /** @description reading from this client is paused (back-pressure) */
                            paused: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Disconnects a client (MQTT 5: DISCONNECT 0x98 administrative action); its persistent session stays */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the MQTT client id, URL-encoded */
                    clientId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/devices/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bulk import devices from a CSV or NDJSON body, streamed, with a per-row report
         * @description CSV: a header row with `id`, `typeId` (or `type`), `name`, `tags` and `attributes` (JSON objects), `tag.<key>` and `attr.<key>` columns. NDJSON: one device object per line. `atomic=true` writes nothing unless every row is good.
         */
        post: {
            parameters: {
                query?: {
                    format?: "csv" | "ndjson";
                    atomic?: boolean;
                    /** @example sigfox-tracker */
                    typeId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "text/csv": string;
                    "application/x-ndjson": string;
                    "application/ndjson": string;
                    "application/jsonl": string;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            mode: "atomic" | "best-effort";
                            /** @description atomic: whether the import was applied; best-effort: always true */
                            committed: boolean;
                            /** @description rows read */
                            received: number;
                            created: number;
                            failed: number;
                            errors: {
                                line: number;
                                id?: string;
                                code: string;
                                message: string;
                            }[];
                            errorsTruncated: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/sigfox/{deviceTypeId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive a Sigfox callback (DATA, DATA_ADVANCED, BIDIR, SERVICE, ERROR) for this device type
         * @description Authenticated with a callback secret of the device type in the path, sent as the `X-Fleetport-Secret` header (or `Authorization: Bearer`). JSON or form bodies; fields as strings or numbers; unknown fields are kept with the reception. DATA and DATA_ADVANCED answer 200 once the message is durable (retries and other base stations' callbacks of the same frame answer the same id with `duplicate: true`). BIDIR answers 200 `{"<device>":{"downlinkData":"<16 hex>"}}` when a downlink waits for the device, 204 otherwise. SERVICE and ERROR callbacks are counted and logged, and answer 204; a SERVICE STATUS callback's `batt` and `temp` become a health sample of the device (docs/HEALTH.md).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deviceTypeId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description {device}: the Sigfox device id, hex */
                        device: string | number;
                        /** @description {time}: the frame time, epoch seconds */
                        time?: string | number;
                        /** @description {data}: the frame, hex, 0–12 bytes; absent in SERVICE and ERROR callbacks */
                        data?: string | null;
                        /** @description {seqNumber}: the 12-bit sequence number, 0–4095 */
                        seqNumber?: string | number;
                        /** @description {duplicate}: true when another base station already called back this frame */
                        duplicate?: boolean | string;
                        /** @description {station}: the base station id */
                        station?: string | number;
                        /** @description {rssi}: dBm */
                        rssi?: string | number;
                        /** @description {snr}: dB */
                        snr?: string | number;
                        /** @description {avgSnr}: dB */
                        avgSnr?: string | number;
                        /** @description {lat}: the base station's latitude */
                        lat?: string | number;
                        /** @description {lng}: the base station's longitude */
                        lng?: string | number;
                        /** @description {deviceTypeId}: Sigfox's device type id */
                        deviceTypeId?: string;
                        /** @description {ack} (BIDIR): the device waits for a downlink */
                        ack?: boolean | string;
                        /** @description {longPolling} (BIDIR) */
                        longPolling?: boolean | string;
                        /** @description {lqi} (DATA_ADVANCED) */
                        lqi?: string | number;
                        /** @description {linkQuality} (DATA_ADVANCED) */
                        linkQuality?: string | number;
                        /** @description {duplicates} (DATA_ADVANCED): every reception, `[{"bsId","rssi","snr","nbRep"}]` */
                        duplicates?: {
                            [key: string]: unknown;
                        }[] | string | null;
                        /** @description {computedLocation} (DATA_ADVANCED): the network's estimate of the device's location */
                        computedLocation?: {
                            [key: string]: unknown;
                        } | string | null;
                    } & {
                        [key: string]: unknown;
                    };
                    "application/x-www-form-urlencoded": {
                        /** @description {device}: the Sigfox device id, hex */
                        device: string | number;
                        /** @description {time}: the frame time, epoch seconds */
                        time?: string | number;
                        /** @description {data}: the frame, hex, 0–12 bytes; absent in SERVICE and ERROR callbacks */
                        data?: string | null;
                        /** @description {seqNumber}: the 12-bit sequence number, 0–4095 */
                        seqNumber?: string | number;
                        /** @description {duplicate}: true when another base station already called back this frame */
                        duplicate?: boolean | string;
                        /** @description {station}: the base station id */
                        station?: string | number;
                        /** @description {rssi}: dBm */
                        rssi?: string | number;
                        /** @description {snr}: dB */
                        snr?: string | number;
                        /** @description {avgSnr}: dB */
                        avgSnr?: string | number;
                        /** @description {lat}: the base station's latitude */
                        lat?: string | number;
                        /** @description {lng}: the base station's longitude */
                        lng?: string | number;
                        /** @description {deviceTypeId}: Sigfox's device type id */
                        deviceTypeId?: string;
                        /** @description {ack} (BIDIR): the device waits for a downlink */
                        ack?: boolean | string;
                        /** @description {longPolling} (BIDIR) */
                        longPolling?: boolean | string;
                        /** @description {lqi} (DATA_ADVANCED) */
                        lqi?: string | number;
                        /** @description {linkQuality} (DATA_ADVANCED) */
                        linkQuality?: string | number;
                        /** @description {duplicates} (DATA_ADVANCED): every reception, `[{"bsId","rssi","snr","nbRep"}]` */
                        duplicates?: {
                            [key: string]: unknown;
                        }[] | string | null;
                        /** @description {computedLocation} (DATA_ADVANCED): the network's estimate of the device's location */
                        computedLocation?: {
                            [key: string]: unknown;
                        } | string | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description already stored: this callback at most added a reception */
                            duplicate: boolean;
                            timeliness: "live" | "late" | "replayed";
                        } | {
                            [key: string]: {
                                downlinkData: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            type: string;
            title: string;
            status: number;
            /** @description stable error code; see docs/ERRORS.md */
            code: string;
            detail: string;
            requestId?: string;
            data?: {
                [key: string]: unknown;
            };
        };
        Tenant: {
            /**
             * @description lower-case letters, digits and dashes, 1–63 characters
             * @example acme
             */
            id: string;
            name: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ApiKey: {
            id: string;
            tenantId: string;
            name: string;
            scope: "reader" | "operator" | "admin";
            system: boolean;
            expiresAt: string | null;
            revokedAt: string | null;
            lastUsedAt: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        User: {
            id: string;
            tenantId: string;
            email: string;
            name: string;
            /** @description what the user may do in its tenant, as an API key scope (roles replace it later) */
            scope: "reader" | "operator" | "admin";
            /** @description the first admin user: may manage tenants like the bootstrap key */
            system: boolean;
            passwordSet: boolean;
            totpEnabled: boolean;
            disabledAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Session: {
            id: string;
            user: components["schemas"]["User"];
            /** @description send it as X-CSRF-Token with every write of this session */
            csrfToken: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            idleExpiresAt: string;
            /** Format: date-time */
            expiresAt: string;
        };
        DeviceType: {
            /** @example sigfox-tracker */
            id: string;
            name: string;
            description: string;
            expectedUplinkIntervalSeconds: number | null;
            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
            settings: {
                [key: string]: unknown;
            };
            capture: {
                /** @description a message received more than this after its device time is `late` (default 600) */
                lateAfterSeconds: number;
                /** @description width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12) */
                sequenceBits: 8 | 12 | 16 | 32;
                /** @description network-server callbacks for unknown devices create them in this type (default false) */
                autoCreateDevices: boolean;
                /** @description messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300) */
                dedupWindowSeconds: number;
            };
            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
            variables: {
                [key: string]: string;
            };
            /** @description null when the type has no codec; set it with PUT /v1/device-types/{id}/codec */
            codec: {
                kind: "javascript" | "sigfox";
                source: string;
                /** @description increments on every codec change */
                version: number;
                /** Format: date-time */
                updatedAt: string;
            } | null;
            version: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Device: {
            /** @example 1A2B3C */
            id: string;
            /** @example sigfox-tracker */
            typeId: string;
            name: string;
            /** @description key/value labels used for filtering; keys: letters, digits and _ . : / - */
            tags: {
                [key: string]: string;
            };
            /** @description free JSON object (keys up to 128 characters), at most 16384 bytes serialized */
            attributes: {
                [key: string]: unknown;
            };
            /** @description codec variables: names of letters, digits and _ . - (up to 64); string values */
            variables: {
                [key: string]: string;
            };
            version: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            deletedAt: string | null;
            /**
             * @description a lifecycle state (docs/LIFECYCLE.md)
             * @enum {string}
             */
            lifecycle: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
            /** @description when the device entered its lifecycle state; null: when it was created */
            lifecycleChangedAt: string | null;
            /** @description its first activation, kept through later states; null: never activated */
            activatedAt: string | null;
        };
        Credential: {
            id: string;
            /** @example 1A2B3C */
            deviceId: string;
            kind: "token" | "x509";
            name: string;
            /** @description SHA-256 of the DER certificate, lower-case hex */
            fingerprint: string | null;
            expiresAt: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        Change: {
            /** @description the position of this change; pass it as `since` to read what follows */
            cursor: string;
            /** @enum {string} */
            kind: "device.created" | "device.updated" | "device.deleted" | "device.restored" | "device_type.created" | "device_type.updated" | "device_type.deleted" | "message.created" | "message.decoded" | "device_type.codec_changed" | "command.created" | "command.status_changed" | "command.noted" | "twin.desired.changed" | "twin.reported.changed" | "job.created" | "job.status_changed" | "job.progress" | "configuration.created" | "configuration.updated" | "configuration.deleted" | "twin.parameter.changed" | "device.lifecycle_changed" | "device_type.lifecycle_changed" | "contract.created" | "contract.updated" | "contract.deleted" | "contract.devices_changed" | "contract.ending" | "contract.tokens_low" | "contract.ended" | "subscription.changed" | "subscription.deleted" | "subscription.ending" | "subscription.ended" | "alert.raised" | "alert.updated" | "alert.acknowledged" | "alert.cleared" | "alert.commented" | "webhook_endpoint.created" | "webhook_endpoint.updated" | "webhook_endpoint.deleted" | "webhook_endpoint.disabled";
            entityId: string;
            /**
             * Format: date-time
             * @description when the change was committed
             */
            at: string;
            /** @description the entity as it was after the change (for deletes: its id) */
            data: unknown;
        };
        Message: {
            /** @description Fleetport's id of the message */
            id: string;
            deviceId: string;
            typeId: string;
            transport: "http" | "sigfox" | "mqtt";
            /** Format: date-time */
            receivedAt: string;
            deviceTime: string | null;
            seq: number | null;
            messageId: string | null;
            payload: {
                /** @description the raw bytes, always kept */
                hex: string;
                size: number;
            };
            /** @description the payload when the device sent a JSON object, else null */
            json: unknown;
            timeliness: "live" | "late" | "replayed";
            /** @description older than the newest message of the device when it arrived */
            outOfOrder: boolean;
            sequenceEvent: ("first" | "next" | "gap" | "wrap" | "reset" | "out_of_order") | null;
            /** Format: date-time */
            storedAt: string;
            receptions?: components["schemas"]["Reception"][];
            /** @description what the device type's codec made of the payload; null when it has not been decoded (no codec, or not yet: see docs/CODECS.md) */
            decoded?: {
                /** @description the decoded object (JSON); null when decoding failed */
                data: unknown;
                warnings: string[];
                /** @description empty when decoding succeeded; sandbox errors start with their code (codec_timeout: …) */
                errors: string[];
                codecVersion: number | null;
                /** Format: date-time */
                decodedAt: string;
            } | null;
        };
        Reception: {
            station: string;
            /** Format: date-time */
            receivedAt: string;
            rssi: number | null;
            snr: number | null;
            lat: number | null;
            lng: number | null;
            extra: {
                [key: string]: unknown;
            };
        };
        Job: {
            id: string;
            /** @enum {string} */
            kind: "redecode";
            target: {
                /** @example sigfox-tracker */
                typeId?: string;
                /** @example 1A2B3C */
                deviceId?: string;
            };
            from: string | null;
            to: string | null;
            /** @description `interrupted`: the server stopped during the job; start it again */
            state: "queued" | "running" | "succeeded" | "failed" | "interrupted";
            /** @description messages to decode, counted when the job started */
            total: number;
            /** @description messages decoded so far, failed ones included */
            done: number;
            /** @description messages whose codec returned errors */
            failed: number;
            error: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            finishedAt: string | null;
        };
        Configuration: {
            id: string;
            name: string;
            target: string;
            priority: number;
            content: {
                [key: string]: unknown;
            };
            labels: {
                [key: string]: string;
            };
            metrics: {
                [key: string]: string;
            };
            /** @description increments at every change; the ETag */
            version: number;
            /** @description the last version whose target and content went over every device of the tenant */
            appliedVersion: number;
            /** @description `applying` while its rollout over the devices runs; `applied` once desired is written on every targeted device */
            status: "applying" | "applied";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        LifecycleTransition: {
            id: string;
            /** @example 1A2B3C */
            deviceId: string;
            /**
             * @description a lifecycle state (docs/LIFECYCLE.md)
             * @enum {string}
             */
            from: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
            /**
             * @description a lifecycle state (docs/LIFECYCLE.md)
             * @enum {string}
             */
            to: "manufactured" | "tested" | "activated" | "suspended" | "quarantined" | "out_of_contract" | "out_of_subscription" | "retired";
            actor: {
                kind: "principal" | "platform";
                /** @description the API key's id, or the platform rule that made the transition */
                id: string;
            };
            reason: string;
            /** Format: date-time */
            at: string;
        };
        Contract: {
            id: string;
            name: string;
            provider: string;
            tokens: number;
            /** @description devices assigned to the contract, each using a token */
            used: number;
            free: number;
            /** @description free tokens at or below this raise `contract.tokens_low` */
            lowTokens: number;
            /** Format: date-time */
            startsAt: string;
            /** Format: date-time */
            endsAt: string;
            warnDays: number;
            endingWarnedAt: string | null;
            endedAt: string | null;
            version: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Alert: {
            /** @example alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b */
            id: string;
            type: string;
            /**
             * @description critical, major, minor, warning or info
             * @enum {string}
             */
            severity: "critical" | "major" | "minor" | "warning" | "info";
            /** @enum {string} */
            state: "open" | "acknowledged" | "cleared";
            scope: "device" | "fleet";
            deviceId: string | null;
            subject: string | null;
            message: string;
            details: {
                [key: string]: unknown;
            };
            /** @description times it was raised while not cleared */
            occurrences: number;
            /** Format: date-time */
            firstAt: string;
            /** Format: date-time */
            lastAt: string;
            acknowledgedAt: string | null;
            acknowledgedBy: {
                kind: "principal" | "platform";
                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                id: string;
            } | null;
            clearedAt: string | null;
            clearedBy: {
                kind: "principal" | "platform";
                /** @description the API key's id, or the platform source (`silence`, `lifecycle`, …) */
                id: string;
            } | null;
            version: number;
            /** Format: date-time */
            updatedAt: string;
        };
        WebhookEndpoint: {
            id: string;
            url: string;
            description: string;
            eventTypes: string[];
            filter: string | null;
            /** @description one delivery at a time, in feed order; otherwise several at once */
            ordered: boolean;
            enabled: boolean;
            /** @description `failing` when the server disabled it, `manual` when a user did */
            disabledReason: string | null;
            failingSince: string | null;
            /** @description while the circuit breaker is open, nothing is sent before this time */
            breakerOpenUntil: string | null;
            /** @description a previous secret is still valid, and signed with */
            rotating: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        WebhookDelivery: {
            /** @description a delivery number */
            id: string;
            webhookId: string;
            /** @description the `webhook-id` header and envelope id: the same for every try */
            messageId: string;
            eventType: string;
            /** @description the change's feed position (`0` for a test) */
            cursor: string;
            origin: "feed" | "retry" | "replay" | "test";
            status: "pending" | "delivered" | "failed";
            attempts: number;
            nextAttemptAt: string | null;
            lastStatus: number | null;
            lastError: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        WebhookAttempt: {
            /** @description sent as `x-request-id` */
            requestId: string;
            attempt: number;
            url: string;
            responseStatus: number | null;
            /** @description the first 4 KiB */
            responseBody: string | null;
            durationMs: number;
            error: string | null;
            /** Format: date-time */
            at: string;
        };
        NotificationChannel: {
            id: string;
            name: string;
            /** @enum {string} */
            kind: "email" | "webhook" | "mqtt";
            /** @description e-mail: the addresses */
            to?: string[];
            /** @description webhook: where the signed POST goes */
            url?: string;
            /** @description mqtt: the tenant's topic it is published on */
            topic?: string;
            qos?: 0 | 1 | 2;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        NotificationRecipient: {
            id: string;
            name: string;
            channels: string[];
            severities: ("critical" | "major" | "minor" | "warning" | "info")[];
            types: string[];
            events: ("raised" | "updated" | "acknowledged" | "cleared")[];
            quietHours: {
                start: string;
                end: string;
                timeZone: string;
                exceptCritical: boolean;
            } | null;
            delivery: {
                mode: string;
                windowMinutes: number | null;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Notification: {
            /** @description a notification number */
            id: string;
            recipientId: string;
            channelId: string;
            status: "gathering" | "pending" | "delivered" | "failed";
            /** @description alert changes in it */
            alerts: number;
            /** Format: date-time */
            sendAt: string;
            sealedAt: string | null;
            subject: string | null;
            attempts: number;
            lastError: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        CallbackSecret: {
            id: string;
            deviceTypeId: string;
            name: string;
            /** Format: date-time */
            createdAt: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
