/* omsvc_raft_node_free shuts the node down before it returns, even while another thread is
 * inside a call on the node: here a write blocked on a leader that has lost its followers
 * (they were freed, so the write cannot commit). When free returns, the leader's C service
 * has been stopped, and the blocked write has failed as every call on a shut-down node does
 * (OMSVC_SHUT_DOWN); each service's userdata is released exactly once. */
#include "check.h"

#include <pthread.h>

#define PEERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int running[PEERS + 1];
static int stops[PEERS + 1];
static int releases[PEERS + 1];

static int32_t start_service(void *userdata, uint64_t epoch) {
    size_t id = (size_t)userdata;
    (void)epoch;
    pthread_mutex_lock(&lock);
    running[id] = 1;
    pthread_mutex_unlock(&lock);
    return 0;
}

static int32_t stop_service(void *userdata) {
    size_t id = (size_t)userdata;
    pthread_mutex_lock(&lock);
    running[id] = 0;
    stops[id]++;
    pthread_mutex_unlock(&lock);
    return 0;
}

static void release_service(void *userdata) {
    size_t id = (size_t)userdata;
    pthread_mutex_lock(&lock);
    releases[id]++;
    pthread_mutex_unlock(&lock);
}

static omsvc_raft_node *nodes[PEERS + 1];

typedef struct {
    omsvc_raft_node *node;
    volatile int entered;
    enum omsvc_status status;
} blocked_write;

static void *write_without_quorum(void *arg) {
    blocked_write *write = (blocked_write *)arg;
    write->entered = 1;
    write->status =
        omsvc_raft_node_set(write->node, OMSVC_STR("Lifecycle"), (const uint8_t *)"lost", 4, NULL);
    return NULL;
}

int main(void) {
    omsvc_service_callbacks callbacks;
    uint64_t ids[PEERS];
    omsvc_str addrs[PEERS];
    omsvc_bytes *addr_bytes[PEERS];
    uint64_t id, leader = 0;
    int waited;
    char dir[512];
    blocked_write write;
    pthread_t thread;

    make_temp_dir(dir, sizeof dir);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = start_service;
    callbacks.stop = stop_service;
    callbacks.release = release_service;
    for (id = 1; id <= PEERS; id++) {
        omsvc_node_core *core = NULL;
        /* Long election timeouts: the leader keeps its service running well past the moment
         * its followers stop (it pauses only when its leader lease runs out, 7.8 s here). */
        nodes[id] = start_raft_node(dir, id, 200, 5000, 10000);
        OK(omsvc_raft_node_core(nodes[id], &core));
        OK(omsvc_node_core_register_service(core, OMSVC_STR("Scanner"), &callbacks,
                                            (void *)(size_t)id, NULL));
        OK(omsvc_node_core_release(core));
        ids[id - 1] = id;
        addrs[id - 1] = member_addr(nodes[id], &addr_bytes[id - 1]);
    }
    OK(omsvc_raft_node_initialize(nodes[1], ids, addrs, PEERS));
    for (waited = 0; waited < 60000 && leader == 0; waited += 20) {
        bool known = false;
        uint64_t seen = 0;
        OK(omsvc_raft_node_leader(nodes[1], &seen, &known));
        pthread_mutex_lock(&lock);
        if (known && running[seen]) leader = seen;
        pthread_mutex_unlock(&lock);
        if (leader == 0) sleep_ms(20);
    }
    CHECK(leader != 0);
    OK(omsvc_raft_node_set(nodes[leader], OMSVC_STR("Lifecycle"), (const uint8_t *)"ok", 2, NULL));

    /* Isolate the leader: stop both followers. */
    for (id = 1; id <= PEERS; id++) {
        if (id == leader) continue;
        OK(omsvc_raft_node_free(nodes[id]));
        nodes[id] = NULL;
    }
    memset(&write, 0, sizeof write);
    write.node = nodes[leader];
    CHECK(pthread_create(&thread, NULL, write_without_quorum, &write) == 0);
    while (!write.entered) sleep_ms(1);
    sleep_ms(200); /* the write is inside the call, waiting for a quorum */
    pthread_mutex_lock(&lock);
    CHECK(running[leader] == 1 && stops[leader] == 0);
    pthread_mutex_unlock(&lock);

    OK(omsvc_raft_node_free(nodes[leader]));
    pthread_mutex_lock(&lock);
    CHECK(running[leader] == 0 && stops[leader] == 1); /* stopped before free returned */
    pthread_mutex_unlock(&lock);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(write.status == OMSVC_SHUT_DOWN);
    /* Every service's userdata was released once, once its raft node was freed (the core
     * handles were released long before) and the last call on it ended. */
    pthread_mutex_lock(&lock);
    for (id = 1; id <= PEERS; id++) CHECK(releases[id] == 1);
    pthread_mutex_unlock(&lock);

    for (id = 0; id < PEERS; id++) omsvc_bytes_free(addr_bytes[id]);
    printf("raft_stop: the leader's service stopped before free returned; the blocked write failed "
           "as shut down (%d)\n",
           (int)write.status);
    return 0;
}
