/*
 * Zero-copy file-to-socket transfer for Linux: sendfile(2) from a file into a connected,
 * non-blocking TCP socket, the way nginx and Go's net/http send static files. Node has no sendfile,
 * and copying each byte through user space costs a warm hit about a quarter of its throughput.
 *
 * One transfer = a chain of bursts. A burst runs on libuv's thread pool (a page-cache miss blocks a
 * pool thread, never the event loop) and sends until the socket's buffer is full, the range is done
 * or BURST_MAX bytes went. When the socket is full, a uv_poll on the event loop waits for it to
 * become writable: no thread is held while a slow client reads.
 *
 * Both descriptors are dup()ed at the start, so JavaScript closing the socket or the file mid-way
 * cannot make a burst write into a descriptor number reused for something else.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BURST_MAX (64 * 1024 * 1024)
#define CALL_MAX (8 * 1024 * 1024)
#define ENDED_EARLY (-1)

typedef struct transfer {
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  napi_async_work work;
  uv_poll_t poll;
  int polling;
  int out_fd;
  int in_fd;
  off_t offset;
  int64_t remaining;
  int64_t sent;
  int burst_errno;
  int would_block;
  volatile int cancelled;
  int finished;
  int busy; /* a burst is queued or running */
  int poll_failed; /* the last wait ended with a socket error */
} transfer;

static void queue_burst(transfer *t);

static void burst_execute(napi_env env, void *data) {
  transfer *t = data;
  int64_t burst = 0;
  t->would_block = 0;
  t->burst_errno = 0;
  while (t->remaining > 0 && burst < BURST_MAX && !t->cancelled) {
    size_t want = t->remaining < CALL_MAX ? (size_t)t->remaining : CALL_MAX;
    ssize_t n = sendfile(t->out_fd, t->in_fd, &t->offset, want);
    if (n > 0) {
      t->remaining -= n;
      t->sent += n;
      burst += n;
    } else if (n == 0) {
      t->burst_errno = ENDED_EARLY;
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      t->would_block = 1;
      return;
    } else {
      t->burst_errno = errno;
      return;
    }
  }
}

static void on_poll_closed(uv_handle_t *handle) {
  transfer *t = handle->data;
  close(t->out_fd);
  free(t);
}

/*
 * Corked while the file goes out (nginx's tcp_nopush): the kernel sends only full segments instead
 * of pushing every piece at once (Node sets TCP_NODELAY), which took a loopback send of a cached
 * blob from ~1.8 to ~2.5 GB/s. Uncorking at the end sends what is left. Errors (a socket already
 * gone) change nothing: the transfer reports its own.
 */
static void set_cork(int fd, int on) {
  setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

/* Report the outcome to JavaScript once, then release everything. */
static void finish(transfer *t, const char *error) {
  if (t->finished) return;
  t->finished = 1;
  set_cork(t->out_fd, 0);
  napi_env env = t->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, recv, argv[2], result;
  napi_get_reference_value(env, t->callback, &callback);
  napi_get_global(env, &recv);
  if (error == NULL) napi_get_null(env, &argv[0]);
  else napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_double(env, (double)t->sent, &argv[1]);
  close(t->in_fd);
  napi_make_callback(env, t->context, recv, callback, 2, argv, &result);
  napi_delete_reference(env, t->callback);
  napi_async_destroy(env, t->context);
  napi_close_handle_scope(env, scope);
  if (t->polling) uv_poll_stop(&t->poll);
  /* The poll handle was initialised at start; closing it frees the transfer. */
  uv_close((uv_handle_t *)&t->poll, on_poll_closed);
}

static void finish_with_errno(transfer *t, int code) {
  char message[160];
  if (code == ENDED_EARLY) snprintf(message, sizeof message, "file ended before the range did (%lld bytes left)", (long long)t->remaining);
  else snprintf(message, sizeof message, "sendfile: %s (%s)", strerror(code), code == EPIPE ? "EPIPE" : code == ECONNRESET ? "ECONNRESET" : "errno");
  finish(t, message);
}

static void on_writable(uv_poll_t *handle, int status, int events) {
  transfer *t = handle->data;
  uv_poll_stop(&t->poll);
  t->polling = 0;
  if (t->cancelled) return finish(t, "cancelled");
  /* libuv reports any socket error (a reset by the client, say) as EBADF; one more burst reads the
   * real one from sendfile. */
  t->poll_failed = status < 0;
  queue_burst(t);
}

static void burst_complete(napi_env env, napi_status status, void *data) {
  transfer *t = data;
  napi_delete_async_work(env, t->work);
  t->busy = 0;
  if (t->cancelled) return finish(t, "cancelled");
  if (t->burst_errno != 0) return finish_with_errno(t, t->burst_errno);
  if (t->remaining == 0) return finish(t, NULL);
  if (t->would_block) {
    if (t->poll_failed) return finish(t, "the connection failed");
    int rc = uv_poll_start(&t->poll, UV_WRITABLE, on_writable);
    if (rc < 0) return finish(t, uv_strerror(rc));
    t->polling = 1;
    return;
  }
  queue_burst(t); /* BURST_MAX sent: let other pool work run in between */
}

/* Also called from a uv_poll callback, outside any JavaScript scope: it opens its own. */
static void queue_burst(transfer *t) {
  napi_handle_scope scope;
  napi_value name;
  napi_open_handle_scope(t->env, &scope);
  napi_create_string_utf8(t->env, "berth.sendfile", NAPI_AUTO_LENGTH, &name);
  int queued = napi_create_async_work(t->env, NULL, name, burst_execute, burst_complete, t, &t->work) == napi_ok &&
               napi_queue_async_work(t->env, t->work) == napi_ok;
  napi_close_handle_scope(t->env, scope);
  if (!queued) return finish(t, "could not queue a sendfile burst");
  t->busy = 1;
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* start(socketFd, fileFd, offset, length, callback(error|null, bytesSent)) -> handle */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 5) return throw_error(env, "start(socketFd, fileFd, offset, length, callback)");
  int32_t socket_fd, file_fd;
  double offset, length;
  napi_valuetype kind;
  if (napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok || napi_get_value_int32(env, argv[1], &file_fd) != napi_ok ||
      napi_get_value_double(env, argv[2], &offset) != napi_ok || napi_get_value_double(env, argv[3], &length) != napi_ok ||
      napi_typeof(env, argv[4], &kind) != napi_ok || kind != napi_function || socket_fd < 0 || file_fd < 0 || offset < 0 || length < 0)
    return throw_error(env, "start: bad arguments");

  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_error(env, "start: no event loop");
  transfer *t = calloc(1, sizeof *t);
  if (t == NULL) return throw_error(env, "start: out of memory");
  t->env = env;
  t->offset = (off_t)offset;
  t->remaining = (int64_t)length;
  t->out_fd = fcntl(socket_fd, F_DUPFD_CLOEXEC, 0);
  t->in_fd = fcntl(file_fd, F_DUPFD_CLOEXEC, 0);
  if (t->out_fd < 0 || t->in_fd < 0 || uv_poll_init(loop, &t->poll, t->out_fd) != 0) {
    if (t->out_fd >= 0) close(t->out_fd);
    if (t->in_fd >= 0) close(t->in_fd);
    free(t);
    return throw_error(env, "start: could not take the descriptors");
  }
  t->poll.data = t;
  set_cork(t->out_fd, 1);
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "berth.sendfile", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &t->context);
  napi_create_reference(env, argv[4], 1, &t->callback);
  /* The handle only lets JavaScript cancel; the transfer frees itself when it finishes. */
  napi_create_external(env, t, NULL, NULL, &handle);
  queue_burst(t);
  return handle;
}

/* cancel(handle): stop after the running burst; the callback then gets "cancelled". */
static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return throw_error(env, "cancel(handle)");
  transfer *t = data;
  /* A finished transfer is freed: JavaScript must not cancel after its callback ran (index.ts guards). */
  t->cancelled = 1;
  if (t->polling) {
    uv_poll_stop(&t->poll);
    t->polling = 0;
    finish(t, "cancelled");
  }
  return NULL;
}

/* corked(socketFd): whether TCP_CORK is set on the socket now (for tests and diagnostics). */
static napi_value corked(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return throw_error(env, "corked(socketFd)");
  int on = 0;
  socklen_t size = sizeof on;
  if (getsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, &size) != 0) on = 0;
  napi_get_boolean(env, on != 0, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
    {"cancel", NULL, cancel, NULL, NULL, NULL, napi_default, NULL},
    {"corked", NULL, corked, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
