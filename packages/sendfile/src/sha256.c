/*
 * sha256 on libuv's thread pool, for a blob fill (an addon of its own, so that a Node without
 * OpenSSL's symbols still loads the sendfile one): the event loop hands over the chunks it has read
 * and goes on reading while a pool thread hashes them (OpenSSL's EVP, the one Node's crypto uses,
 * whose symbols Node exports to addons). One hash = one context; JavaScript keeps at most one
 * update in flight per context (order matters), each update hashing a batch of chunks in order.
 *
 * The chunks stay referenced (the array holding them) until their update completed, and the
 * context object while an update runs, so neither can be collected under a running thread.
 * receive.c adds the other way in: bytes read from a socket by a thread of their own.
 */
#include "sha256.h"
#include <stdlib.h>

typedef struct update {
  napi_async_work work;
  napi_ref callback;
  napi_ref chunks; /* the array of Uint8Arrays: keeps their memory alive */
  napi_ref owner;  /* the context's external: keeps it alive */
  hash *h;
  size_t count;
  const unsigned char **data;
  size_t *lengths;
  int ok;
} update;

napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void free_hash(napi_env env, void *data, void *hint) {
  hash *h = data;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

/* create() -> handle */
static napi_value create(napi_env env, napi_callback_info info) {
  hash *h = calloc(1, sizeof *h);
  if (h == NULL) return throw_error(env, "sha256: out of memory");
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(h->ctx);
    free(h);
    return throw_error(env, "sha256: could not initialise the digest");
  }
  napi_value handle;
  if (napi_create_external(env, h, free_hash, NULL, &handle) != napi_ok) {
    free_hash(env, h, NULL);
    return throw_error(env, "sha256: could not create the handle");
  }
  return handle;
}

static void update_execute(napi_env env, void *data) {
  update *u = data;
  u->ok = 1;
  for (size_t i = 0; i < u->count && u->ok; i++) {
    if (EVP_DigestUpdate(u->h->ctx, u->data[i], u->lengths[i]) != 1) u->ok = 0;
  }
}

static void update_complete(napi_env env, napi_status status, void *data) {
  update *u = data;
  u->h->busy = 0;
  if (!u->ok || status != napi_ok) u->h->failed = 1;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, global, argv[1], result;
  napi_get_reference_value(env, u->callback, &callback);
  napi_get_global(env, &global);
  if (u->ok && status == napi_ok) napi_get_null(env, &argv[0]);
  else napi_create_string_utf8(env, status == napi_cancelled ? "sha256: update cancelled" : "sha256: update failed", NAPI_AUTO_LENGTH, &argv[0]);
  napi_delete_reference(env, u->callback);
  napi_delete_reference(env, u->chunks);
  napi_delete_reference(env, u->owner);
  napi_delete_async_work(env, u->work);
  free(u->data);
  free(u->lengths);
  free(u);
  napi_call_function(env, global, callback, 1, argv, &result);
  napi_close_handle_scope(env, scope);
}

/* update(handle, chunks: Uint8Array[], callback(error|null)): hash the chunks, in order, on the pool. */
static napi_value update_chunks(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  hash *h = NULL;
  uint32_t count = 0;
  napi_valuetype kind;
  bool is_array = false;
  if (argc != 3 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || napi_is_array(env, argv[1], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[1], &count) != napi_ok || napi_typeof(env, argv[2], &kind) != napi_ok || kind != napi_function)
    return throw_error(env, "update(handle, chunks, callback)");
  if (h->busy) return throw_error(env, "sha256: an update is already running");
  if (h->failed) return throw_error(env, "sha256: the digest failed");
  update *u = calloc(1, sizeof *u);
  if (u == NULL) return throw_error(env, "sha256: out of memory");
  u->h = h;
  u->count = count;
  u->data = calloc(count > 0 ? count : 1, sizeof *u->data);
  u->lengths = calloc(count > 0 ? count : 1, sizeof *u->lengths);
  if (u->data == NULL || u->lengths == NULL) {
    free(u->data);
    free(u->lengths);
    free(u);
    return throw_error(env, "sha256: out of memory");
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value chunk;
    bool typed = false;
    napi_typedarray_type type;
    size_t length;
    void *bytes;
    napi_value buffer;
    size_t offset;
    if (napi_get_element(env, argv[1], i, &chunk) != napi_ok || napi_is_typedarray(env, chunk, &typed) != napi_ok || !typed ||
        napi_get_typedarray_info(env, chunk, &type, &length, &bytes, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
      free(u->data);
      free(u->lengths);
      free(u);
      return throw_error(env, "sha256: chunks must be Uint8Arrays");
    }
    u->data[i] = bytes;
    u->lengths[i] = length;
  }
  napi_value name;
  napi_create_string_utf8(env, "berth.sha256", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[2], 1, &u->callback);
  napi_create_reference(env, argv[1], 1, &u->chunks);
  napi_create_reference(env, argv[0], 1, &u->owner);
  if (napi_create_async_work(env, NULL, name, update_execute, update_complete, u, &u->work) != napi_ok ||
      napi_queue_async_work(env, u->work) != napi_ok) {
    napi_delete_reference(env, u->callback);
    napi_delete_reference(env, u->chunks);
    napi_delete_reference(env, u->owner);
    free(u->data);
    free(u->lengths);
    free(u);
    return throw_error(env, "sha256: could not queue the update");
  }
  h->busy = 1;
  return NULL;
}

/* final(handle) -> Buffer of 32 bytes; the context cannot be updated afterwards. */
static napi_value final(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  hash *h = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok) return throw_error(env, "final(handle)");
  if (h->busy) return throw_error(env, "sha256: final while an update is running");
  if (h->failed) return throw_error(env, "sha256: the digest failed");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  h->failed = 1; /* no use after final */
  if (EVP_DigestFinal_ex(h->ctx, digest, &length) != 1) return throw_error(env, "sha256: final failed");
  napi_value result;
  void *copy;
  napi_create_buffer_copy(env, length, digest, &copy, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"sha256Create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
    {"sha256Update", NULL, update_chunks, NULL, NULL, NULL, napi_default, NULL},
    {"sha256Final", NULL, final, NULL, NULL, NULL, napi_default, NULL},
    {"sha256Receive", NULL, receive_start, NULL, NULL, NULL, napi_default, NULL},
    {"sha256ReceiveCancel", NULL, receive_cancel, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 5, methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
