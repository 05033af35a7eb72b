import { generateSecret, hashSecret, verifySecret } from '@berth/auth';
import type { AccountStore } from '@berth/db';

export interface BootstrapAdminResult {
  /** Set only when the account was created now with a generated password (print it once). */
  generatedPassword?: string;
  created: boolean;
}

/**
 * Make sure the configured administrator exists. A configured password is the source of truth:
 * when it no longer matches, the stored hash is replaced (and the account re-enabled as an admin).
 * Without one, a random password is generated on first start only.
 */
export async function bootstrapAdmin(
  accounts: AccountStore,
  admin: { username: string; password?: string },
): Promise<BootstrapAdminResult> {
  // The usual start finds the account: hash a new password only when one is about to be stored.
  let user = await accounts.getUser(admin.username);
  if (user === null) {
    const password = admin.password ?? generateSecret();
    const ensured = await accounts.ensureUser({ name: admin.username, passwordHash: await hashSecret(password), admin: true });
    if (ensured.created) return admin.password === undefined ? { created: true, generatedPassword: password } : { created: true };
    user = ensured.user; // another replica created it a moment ago
  }
  if (admin.password !== undefined && (!(await verifySecret(admin.password, user.passwordHash)) || !user.admin || user.disabled)) {
    await accounts.updateUser(user.name, { passwordHash: await hashSecret(admin.password), admin: true, disabled: false });
    await accounts.recordAudit({ actor: 'config', action: 'user.update', target: `user:${user.name}`, before: null, after: { admin: true, disabled: false, password: 'changed' } });
  }
  return { created: false };
}
