export { AccessService, AuthenticationError, type AccessLogger, type AccessOptions } from './access-service.js';
export { bootstrapAdmin, type BootstrapAdminResult } from './bootstrap-admin.js';
