/** Size of each multipart part Berth writes to S3 (S3's minimum is 5 MiB for all parts but the last). */
export const S3_PART_SIZE = 8 * 1024 * 1024;
