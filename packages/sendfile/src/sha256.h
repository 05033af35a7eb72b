/* The sha256 addon's shared pieces: one running digest, and the receive functions (receive.c). */
#ifndef BERTH_SHA256_H
#define BERTH_SHA256_H

#include <node_api.h>
#include <openssl/evp.h>

typedef struct hash {
  EVP_MD_CTX *ctx;
  int busy; /* an update or a receive is queued or running */
  int failed;
} hash;

napi_value throw_error(napi_env env, const char *message);

/* receive(handle, socketFd, prefix: Uint8Array[], length, fileFd, offset, idleTimeoutMs, onWritten, onDone) -> job */
napi_value receive_start(napi_env env, napi_callback_info info);
/* cancel(job): the receive ends with 'cancelled' (JavaScript calls it only while the job runs). */
napi_value receive_cancel(napi_env env, napi_callback_info info);

#endif
