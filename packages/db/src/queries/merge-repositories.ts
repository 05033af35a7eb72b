import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import { repositories } from '../schema.js';

/**
 * Make repository `fromName` part of repository `intoName` of the same project, in one transaction:
 * renamed when `intoName` does not exist yet; otherwise its blob links, manifests (with their blob
 * references and index children), tags and upload sessions move over and the emptied row goes.
 * Where both hold the same manifest or tag: a pushed (`local`) one wins over a cached one, then the
 * more recent. False when `fromName` does not exist or belongs to another project.
 */
export async function mergeRepositoryInto(db: Database, projectId: number, fromName: string, intoName: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const from = await tx
      .select({ id: repositories.id })
      .from(repositories)
      .where(and(eq(repositories.name, fromName), eq(repositories.projectId, projectId)))
      .for('update');
    const fromId = from[0]?.id;
    if (fromId === undefined) return false;
    const into = await tx
      .select({ id: repositories.id, projectId: repositories.projectId })
      .from(repositories)
      .where(eq(repositories.name, intoName))
      .for('update');
    const target = into[0];
    if (target === undefined) {
      await tx.execute(sql`update repositories set name = ${intoName} where id = ${fromId}`);
      return true;
    }
    if (target.projectId !== projectId) {
      throw new Error(`repository ${intoName} belongs to another project than ${fromName}`);
    }
    const intoId = target.id;
    await tx.execute(sql`
      insert into repository_blobs (repository_id, digest, created_at)
      select ${intoId}, digest, created_at from repository_blobs where repository_id = ${fromId}
      on conflict do nothing`);
    await tx.execute(sql`
      insert into manifests (repository_id, digest, media_type, size, content, subject, artifact_type, annotations,
                             config_media_type, source, created_at, last_pulled_at)
      select ${intoId}, digest, media_type, size, content, subject, artifact_type, annotations,
             config_media_type, source, created_at, last_pulled_at
      from manifests where repository_id = ${fromId}
      on conflict (repository_id, digest) do update set
        source = case when excluded.source = 'local' then 'local' else manifests.source end,
        last_pulled_at = greatest(manifests.last_pulled_at, excluded.last_pulled_at)`);
    await tx.execute(sql`
      insert into manifest_blob_refs (repository_id, manifest_digest, blob_digest)
      select ${intoId}, manifest_digest, blob_digest from manifest_blob_refs where repository_id = ${fromId}
      on conflict do nothing`);
    await tx.execute(sql`
      insert into manifest_children (repository_id, parent_digest, child_digest)
      select ${intoId}, parent_digest, child_digest from manifest_children where repository_id = ${fromId}
      on conflict do nothing`);
    await tx.execute(sql`
      insert into tags (repository_id, name, digest, source, checked_at, updated_at)
      select ${intoId}, name, digest, source, checked_at, updated_at from tags where repository_id = ${fromId}
      on conflict (repository_id, name) do update set
        digest = excluded.digest, source = excluded.source, checked_at = excluded.checked_at, updated_at = excluded.updated_at
      where (tags.source = 'cached' and excluded.source = 'local')
         or (tags.source = excluded.source and excluded.updated_at > tags.updated_at)`);
    await tx.execute(sql`update uploads set repository_id = ${intoId} where repository_id = ${fromId}`);
    // The foreign keys take the moved rows' originals with it.
    await tx.execute(sql`delete from repositories where id = ${fromId}`);
    return true;
  });
}

/** Names of a project's repositories (for the start-up merge of aliases). */
export async function projectRepositoryNames(db: Database, projectId: number): Promise<string[]> {
  const rows = await db
    .select({ name: repositories.name })
    .from(repositories)
    .where(eq(repositories.projectId, projectId))
    .orderBy(asc(repositories.name));
  return rows.map((row) => row.name);
}
