/*
 * A blob body received without JavaScript: a thread of its own reads the upstream connection,
 * writes each read into the spool file and hashes it while the bytes are still in that core's
 * cache. Handing each read to another thread for hashing made the hash read them from memory,
 * about a third slower on the bench's machine, and cost the event loop a few calls per read.
 *
 * One thread per receive (a fill), blocking in poll() on a duplicate of the connection's descriptor
 * and on a pipe that cancel() writes to: a receive may wait for minutes on a slow upstream, which
 * would pin one of libuv's four pool threads. Progress and the outcome reach JavaScript through a
 * thread-safe function; progress calls are coalesced (at most one queued).
 *
 * Each read is written before it is hashed: when a receive fails, the digest covers exactly the
 * bytes reported written, so the caller can go on from there (a resumed connection).
 */
#define _GNU_SOURCE /* pipe2 */
#include "sha256.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define READ_BYTES (1024 * 1024)

typedef enum { RECEIVED = 0, TIMED_OUT, CLOSED, READ_FAILED, WRITE_FAILED, CANCELLED, INTERNAL } outcome;
static const char *const OUTCOME_NAMES[] = {NULL, "timeout", "closed", "read", "write", "cancelled", "internal"};

typedef struct job {
  hash *h;
  int socket;  /* a duplicate: the connection's own descriptor may be closed meanwhile */
  int file;    /* the caller's: it keeps it open until onDone */
  int wake[2]; /* cancel() writes to wake[1] */
  int64_t offset, length;
  int timeout_ms;
  uint32_t prefix_count;
  const unsigned char **prefix;
  size_t *prefix_lengths;
  int64_t written;    /* bytes written and hashed; atomic */
  int progress_queued; /* atomic */
  outcome result;
  int error_number;
  napi_threadsafe_function events;
  napi_ref on_written, on_done, owner, prefix_array;
  pthread_t thread;
} job;

static int write_at(job *j, const unsigned char *bytes, size_t length, int64_t at) {
  while (length > 0) {
    ssize_t done = pwrite(j->file, bytes, length, at);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) return j->error_number = errno, -1;
    bytes += done;
    length -= (size_t)done;
    at += done;
  }
  return 0;
}

/* Write then hash; 0, or the outcome that ends the receive. */
static outcome take(job *j, const unsigned char *bytes, size_t length) {
  int64_t written = __atomic_load_n(&j->written, __ATOMIC_RELAXED);
  if (write_at(j, bytes, length, j->offset + written) != 0) return WRITE_FAILED;
  if (EVP_DigestUpdate(j->h->ctx, bytes, length) != 1) return INTERNAL;
  __atomic_store_n(&j->written, written + (int64_t)length, __ATOMIC_SEQ_CST);
  if (!__atomic_exchange_n(&j->progress_queued, 1, __ATOMIC_SEQ_CST)) napi_call_threadsafe_function(j->events, NULL, napi_tsfn_nonblocking);
  return RECEIVED;
}

static outcome receive_socket(job *j, unsigned char *buffer) {
  int64_t left = j->length;
  while (left > 0) {
    struct pollfd waits[2] = {{j->socket, POLLIN, 0}, {j->wake[0], POLLIN, 0}};
    int ready = poll(waits, 2, j->timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return j->error_number = errno, INTERNAL;
    if (ready == 0) return TIMED_OUT;
    if (waits[1].revents != 0) return CANCELLED;
    ssize_t got = read(j->socket, buffer, left < READ_BYTES ? (size_t)left : READ_BYTES);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (got < 0) return j->error_number = errno, READ_FAILED;
    if (got == 0) return CLOSED;
    outcome result = take(j, buffer, (size_t)got);
    if (result != RECEIVED) return result;
    left -= got;
  }
  return RECEIVED;
}

static void *run(void *data) {
  job *j = data;
  j->result = RECEIVED;
  for (uint32_t i = 0; i < j->prefix_count && j->result == RECEIVED; i++) j->result = take(j, j->prefix[i], j->prefix_lengths[i]);
  if (j->result == RECEIVED) {
    unsigned char *buffer = malloc(READ_BYTES);
    j->result = buffer == NULL ? INTERNAL : receive_socket(j, buffer);
    free(buffer);
  }
  napi_call_threadsafe_function(j->events, j, napi_tsfn_blocking); /* non-NULL data: the outcome */
  return NULL;
}

static void free_job(napi_env env, job *j) {
  if (j->socket >= 0) close(j->socket);
  if (j->wake[0] >= 0) close(j->wake[0]);
  if (j->wake[1] >= 0) close(j->wake[1]);
  if (j->on_written != NULL) napi_delete_reference(env, j->on_written);
  if (j->on_done != NULL) napi_delete_reference(env, j->on_done);
  if (j->owner != NULL) napi_delete_reference(env, j->owner);
  if (j->prefix_array != NULL) napi_delete_reference(env, j->prefix_array);
  free(j->prefix);
  free(j->prefix_lengths);
  free(j);
}

/* On the event loop: a progress call (data NULL) or the outcome (the thread has finished). */
static void call_js(napi_env env, napi_value unused, void *context, void *data) {
  job *j = context;
  if (env == NULL) return; /* the environment is going away: nobody is left to tell */
  napi_value global, callback, argv[3], result;
  napi_get_global(env, &global);
  if (data == NULL) {
    __atomic_store_n(&j->progress_queued, 0, __ATOMIC_SEQ_CST); /* before reading: a later write queues a call again */
    napi_get_reference_value(env, j->on_written, &callback);
    napi_create_int64(env, __atomic_load_n(&j->written, __ATOMIC_SEQ_CST), &argv[0]);
    napi_call_function(env, global, callback, 1, argv, &result);
    return;
  }
  pthread_join(j->thread, NULL);
  j->h->busy = 0;
  if (j->result == INTERNAL) j->h->failed = 1; /* the digest may have missed bytes */
  napi_get_reference_value(env, j->on_done, &callback);
  if (j->result == RECEIVED) napi_get_null(env, &argv[0]);
  else napi_create_string_utf8(env, OUTCOME_NAMES[j->result], NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_int32(env, j->error_number, &argv[1]);
  napi_create_int64(env, __atomic_load_n(&j->written, __ATOMIC_ACQUIRE), &argv[2]);
  napi_release_threadsafe_function(j->events, napi_tsfn_release);
  free_job(env, j);
  napi_call_function(env, global, callback, 3, argv, &result);
}

static int read_prefix(napi_env env, napi_value array, job *j) {
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &j->prefix_count) != napi_ok) return -1;
  j->prefix = calloc(j->prefix_count + 1, sizeof *j->prefix);
  j->prefix_lengths = calloc(j->prefix_count + 1, sizeof *j->prefix_lengths);
  if (j->prefix == NULL || j->prefix_lengths == NULL) return -1;
  for (uint32_t i = 0; i < j->prefix_count; i++) {
    napi_value chunk, buffer;
    bool typed = false;
    napi_typedarray_type type;
    size_t offset;
    void *bytes;
    if (napi_get_element(env, array, i, &chunk) != napi_ok || napi_is_typedarray(env, chunk, &typed) != napi_ok || !typed ||
        napi_get_typedarray_info(env, chunk, &type, &j->prefix_lengths[i], &bytes, &buffer, &offset) != napi_ok || type != napi_uint8_array)
      return -1;
    j->prefix[i] = bytes;
  }
  return napi_create_reference(env, array, 1, &j->prefix_array) == napi_ok ? 0 : -1;
}

napi_value receive_start(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  hash *h = NULL;
  int32_t socket_fd, file_fd, timeout_ms;
  int64_t length, offset;
  napi_valuetype written_kind, done_kind;
  if (argc != 9 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || napi_get_value_int32(env, argv[1], &socket_fd) != napi_ok ||
      napi_get_value_int64(env, argv[3], &length) != napi_ok || napi_get_value_int32(env, argv[4], &file_fd) != napi_ok ||
      napi_get_value_int64(env, argv[5], &offset) != napi_ok || napi_get_value_int32(env, argv[6], &timeout_ms) != napi_ok ||
      napi_typeof(env, argv[7], &written_kind) != napi_ok || written_kind != napi_function || napi_typeof(env, argv[8], &done_kind) != napi_ok ||
      done_kind != napi_function || length < 0 || offset < 0 || timeout_ms <= 0)
    return throw_error(env, "receive(handle, socketFd, prefix, length, fileFd, offset, idleTimeoutMs, onWritten, onDone)");
  if (h->busy) return throw_error(env, "sha256: an update is already running");
  if (h->failed) return throw_error(env, "sha256: the digest failed");
  job *j = calloc(1, sizeof *j);
  if (j == NULL) return throw_error(env, "receive: out of memory");
  j->h = h;
  j->file = file_fd;
  j->offset = offset;
  j->length = length;
  j->timeout_ms = timeout_ms;
  j->socket = j->wake[0] = j->wake[1] = -1;
  const char *failure = NULL;
  napi_value name;
  if (read_prefix(env, argv[2], j) != 0) failure = "receive: the prefix must be an array of Uint8Arrays";
  else if ((j->socket = fcntl(socket_fd, F_DUPFD_CLOEXEC, 0)) < 0) failure = "receive: the socket descriptor cannot be duplicated";
  else if (pipe2(j->wake, O_CLOEXEC | O_NONBLOCK) != 0) failure = "receive: no pipe for cancelling";
  else if (napi_create_reference(env, argv[7], 1, &j->on_written) != napi_ok || napi_create_reference(env, argv[8], 1, &j->on_done) != napi_ok ||
           napi_create_reference(env, argv[0], 1, &j->owner) != napi_ok)
    failure = "receive: could not keep the callbacks";
  else if (napi_create_string_utf8(env, "berth.receive", NAPI_AUTO_LENGTH, &name) != napi_ok ||
           napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, j, call_js, &j->events) != napi_ok)
    failure = "receive: could not create the callback channel";
  if (failure != NULL) {
    free_job(env, j);
    return throw_error(env, failure);
  }
  if (pthread_create(&j->thread, NULL, run, j) != 0) {
    napi_release_threadsafe_function(j->events, napi_tsfn_abort);
    free_job(env, j);
    return throw_error(env, "receive: could not start a thread");
  }
  h->busy = 1;
  napi_value handle;
  napi_create_external(env, j, NULL, NULL, &handle);
  return handle;
}

napi_value receive_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  job *j = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_external(env, argv[0], (void **)&j) != napi_ok) return throw_error(env, "cancel(job)");
  ssize_t ignored = write(j->wake[1], "x", 1); /* a full pipe means a cancel is pending already */
  (void)ignored;
  return NULL;
}
