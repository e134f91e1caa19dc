export { ADMIN_ONLY, authChecker, type Requirement } from './auth-checker.ts';
export { DEV_ADMIN_KEY_FILE, DEV_ADMIN_KEY_NAME, type DevAdminKey, ensureDevAdminKey } from './dev-admin-key.ts';
export {
  type ApiKey,
  type ApiKeyStore,
  type ApiKeyStoreOptions,
  type CreateApiKeyParams,
  type CreatedApiKey,
  createApiKeyStore,
  hashSecret,
  parseApiToken,
} from './keys.ts';
export {
  type ApiPrincipal,
  can,
  inScope,
  PERMISSIONS,
  type Permission,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
} from './permissions.ts';
