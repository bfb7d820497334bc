/* Assertions for the C tests: each failure names the file, line, call, status and the
 * library's detailed message. Written to compile as C99 and as C++. */
#ifndef OMSVC_TEST_CHECK_H
#define OMSVC_TEST_CHECK_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* mkdtemp, nanosleep */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omsvc.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#define CHECK_STATUS(call, expected)                                                             \
    do {                                                                                         \
        enum omsvc_status got_ = (call);                                                         \
        if (got_ != (expected)) {                                                                \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s); last error: %s\n",    \
                    __FILE__, __LINE__, #call, (int)got_, omsvc_status_message((int)got_),       \
                    (int)(expected), omsvc_status_message((int)(expected)), omsvc_last_error()); \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

#define OK(call) CHECK_STATUS(call, OMSVC_OK)

static inline omsvc_str str_of(const char *text) {
    omsvc_str result;
    result.ptr = text;
    result.len = text == NULL ? 0 : strlen(text);
    return result;
}

/* An omsvc_str of `len` bytes at `ptr`, which may be NULL or not UTF-8 (for bad input). */
static inline omsvc_str str_n(const char *ptr, size_t len) {
    omsvc_str result;
    result.ptr = ptr;
    result.len = len;
    return result;
}

static inline void sleep_ms(long ms) {
    struct timespec wait;
    wait.tv_sec = ms / 1000;
    wait.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&wait, NULL);
}

static inline void settle(omsvc_node *node) {
    bool settled = false;
    OK(omsvc_node_wait_settled(node, 10000, &settled));
    CHECK(settled);
}

/* A fresh directory under $OMSVC_TEST_DIR (made and removed by tests/c/run) or /tmp. */
static inline void make_temp_dir(char *path, size_t size) {
    const char *base = getenv("OMSVC_TEST_DIR");
    snprintf(path, size, "%s/omsvc-c-XXXXXX", base != NULL ? base : "/tmp");
    CHECK(mkdtemp(path) != NULL);
}

static inline omsvc_node *open_node(const char *self_id, const char *db_dir) {
    omsvc_node_options options;
    omsvc_node *node = NULL;
    omsvc_node_options_init(&options, sizeof options);
    options.self_id = str_of(self_id);
    options.db_dir = str_of(db_dir);
    options.sync_writes = false;
    options.create_if_missing = true;
    OK(omsvc_node_open(&options, &node));
    CHECK(node != NULL);
    return node;
}

/* Starts raft node `id` listening on a free port of 127.0.0.1, with its data in `dir`/node<id>. */
static inline omsvc_raft_node *start_raft_node(const char *dir, uint64_t id, uint64_t heartbeat_ms,
                                               uint64_t election_min_ms, uint64_t election_max_ms) {
    omsvc_raft_node_options options;
    omsvc_raft_node *node = NULL;
    char data[600];
    snprintf(data, sizeof data, "%s/node%llu", dir, (unsigned long long)id);
    omsvc_raft_node_options_init(&options, sizeof options);
    options.id = id;
    options.listen = str_of("127.0.0.1:0");
    options.data_dir = str_of(data);
    options.heartbeat_ms = heartbeat_ms;
    options.election_min_ms = election_min_ms;
    options.election_max_ms = election_max_ms;
    OK(omsvc_raft_node_start(&options, &node));
    CHECK(node != NULL);
    return node;
}

/* Whether `needle` occurs in the `len` bytes at `data` (memmem is not C99). */
static inline int bytes_contain(const uint8_t *data, size_t len, const char *needle) {
    size_t i, n = strlen(needle);
    for (i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

/* The address `node` listens on, as omsvc_raft_node_initialize takes it; it points into
 * `*bytes`, which the caller frees with omsvc_bytes_free after use. */
static inline omsvc_str member_addr(omsvc_raft_node *node, omsvc_bytes **bytes) {
    omsvc_str addr;
    OK(omsvc_raft_node_addr(node, bytes));
    addr.ptr = (const char *)omsvc_bytes_data(*bytes);
    addr.len = omsvc_bytes_len(*bytes);
    return addr;
}

#endif
