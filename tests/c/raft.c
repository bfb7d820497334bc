/* openraft mode from C: three replicated nodes in one process on 127.0.0.1, a C service on
 * each node's core, writes proposed on the leader and read everywhere, a follower's write
 * refused with the leader named, and the leader stopped: another node runs the service. */
#include "check.h"

#include <pthread.h>

#define PEERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int running[PEERS + 1];
static uint64_t epochs[PEERS + 1];

static int32_t start_service(void *userdata, uint64_t epoch) {
    size_t id = (size_t)userdata;
    pthread_mutex_lock(&lock);
    running[id] = 1;
    epochs[id] = epoch;
    pthread_mutex_unlock(&lock);
    return 0;
}

static int32_t stop_service(void *userdata) {
    size_t id = (size_t)userdata;
    pthread_mutex_lock(&lock);
    running[id] = 0;
    pthread_mutex_unlock(&lock);
    return 0;
}

static omsvc_raft_node *nodes[PEERS + 1];
static omsvc_node *cores[PEERS + 1];

/* The node every live node agrees leads, once its service runs; 0 on timeout. */
static uint64_t wait_for_leader(uint64_t not_this) {
    int waited;
    for (waited = 0; waited < 60000; waited += 20) {
        uint64_t id, leader = 0;
        bool known = false;
        for (id = 1; id <= PEERS; id++) {
            if (nodes[id] == NULL || id == not_this) continue;
            OK(omsvc_raft_node_leader(nodes[id], &leader, &known));
            if (known && leader != not_this && nodes[leader] != NULL) {
                int is_running;
                pthread_mutex_lock(&lock);
                is_running = running[leader];
                pthread_mutex_unlock(&lock);
                if (is_running) return leader;
            }
        }
        sleep_ms(20);
    }
    return 0;
}

static void bad_input(void) {
    omsvc_raft_node_options options;
    omsvc_raft_node *node = (omsvc_raft_node *)0x1;
    memset(&options, 0, sizeof options);
    CHECK_STATUS(omsvc_raft_node_start(NULL, &node), OMSVC_NULL_ARGUMENT);
    options.listen = str_of("127.0.0.1:0");
    CHECK_STATUS(omsvc_raft_node_start(&options, &node), OMSVC_INVALID_ARGUMENT); /* id 0 */
    options.id = 9;
    CHECK_STATUS(omsvc_raft_node_start(&options, NULL), OMSVC_NULL_ARGUMENT);
    options.listen = str_of("not-an-address");
    CHECK_STATUS(omsvc_raft_node_start(&options, &node), OMSVC_IO_ERROR);
    CHECK(strstr(omsvc_last_error(), "not-an-address") != NULL);
    CHECK(node == (omsvc_raft_node *)0x1);
    CHECK_STATUS(omsvc_raft_node_stop((omsvc_raft_node *)(uintptr_t)0x42), OMSVC_INVALID_HANDLE);
    OK(omsvc_raft_node_stop(NULL));
}

int main(void) {
    omsvc_service_callbacks callbacks;
    uint64_t ids[PEERS];
    omsvc_str addrs[PEERS];
    omsvc_bytes *addr_bytes[PEERS];
    uint64_t id, leader, follower, next_leader, index = 0;
    char dir[512];

    bad_input();
    make_temp_dir(dir, sizeof dir);
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.start = start_service;
    callbacks.stop = stop_service;
    for (id = 1; id <= PEERS; id++) {
        omsvc_raft_node_options options;
        char data[600];
        snprintf(data, sizeof data, "%s/node%llu", dir, (unsigned long long)id);
        memset(&options, 0, sizeof options);
        options.id = id;
        options.listen = str_of("127.0.0.1:0");
        options.data_dir = str_of(data);
        /* Generous timing: this test also runs under valgrind. */
        options.heartbeat_ms = 100;
        options.election_min_ms = 1500;
        options.election_max_ms = 3000;
        OK(omsvc_raft_node_start(&options, &nodes[id]));
        OK(omsvc_raft_node_core(nodes[id], &cores[id]));
        OK(omsvc_node_register_service(cores[id], "Scanner", 7, &callbacks, (void *)(size_t)id, NULL));
        OK(omsvc_raft_node_addr(nodes[id], &addr_bytes[id - 1]));
        ids[id - 1] = id;
        addrs[id - 1].ptr = (const char *)omsvc_bytes_data(addr_bytes[id - 1]);
        addrs[id - 1].len = omsvc_bytes_len(addr_bytes[id - 1]);
    }
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], ids, addrs, 0), OMSVC_INVALID_ARGUMENT);
    OK(omsvc_raft_node_initialize(nodes[1], ids, addrs, PEERS));

    leader = wait_for_leader(0);
    CHECK(leader != 0);
    OK(omsvc_raft_node_set(nodes[leader], "Lifecycle", 9, (const uint8_t *)"suspended", 9, &index));
    CHECK(index > 0);
    for (id = 1; id <= PEERS; id++) {
        int waited;
        bool present = false;
        size_t len = 0;
        uint8_t buf[16];
        for (waited = 0; waited < 30000 && !present; waited += 20) {
            OK(omsvc_node_read_configuration(cores[id], "Lifecycle", 9, buf, sizeof buf, &present, &len));
            if (!present) sleep_ms(20);
        }
        CHECK(present && len == 9 && memcmp(buf, "suspended", 9) == 0);
    }

    follower = leader % PEERS + 1;
    CHECK_STATUS(omsvc_raft_node_set(nodes[follower], "Lifecycle", 9, (const uint8_t *)"x", 1, NULL), OMSVC_NOT_LEADER);
    CHECK(strstr(omsvc_last_error(), "the leader is node") != NULL);
    CHECK_STATUS(omsvc_raft_node_set(nodes[leader], "", 0, NULL, 0, NULL), OMSVC_INVALID_NAME);

    {
        omsvc_bytes *json = NULL;
        OK(omsvc_raft_node_status_json(nodes[follower], &json));
        CHECK(omsvc_bytes_len(json) > 0);
        omsvc_bytes_free(json);
    }

    /* Stop the leader: another node runs the service in a newer epoch. */
    {
        uint64_t old_epoch;
        pthread_mutex_lock(&lock);
        old_epoch = epochs[leader];
        pthread_mutex_unlock(&lock);
        OK(omsvc_node_free(cores[leader]));
        OK(omsvc_raft_node_stop(nodes[leader]));
        CHECK_STATUS(omsvc_raft_node_stop(nodes[leader]), OMSVC_INVALID_HANDLE);
        nodes[leader] = NULL;
        cores[leader] = NULL;
        next_leader = wait_for_leader(leader);
        CHECK(next_leader != 0 && next_leader != leader);
        pthread_mutex_lock(&lock);
        CHECK(epochs[next_leader] > old_epoch);
        CHECK(running[leader] == 0);
        pthread_mutex_unlock(&lock);
    }

    for (id = 1; id <= PEERS; id++) {
        if (nodes[id] == NULL) continue;
        OK(omsvc_node_free(cores[id]));
        OK(omsvc_raft_node_stop(nodes[id]));
    }
    for (id = 0; id < PEERS; id++) omsvc_bytes_free(addr_bytes[id]);
    printf("raft: leader %llu, then %llu after it stopped\n", (unsigned long long)leader,
           (unsigned long long)next_leader);
    return 0;
}
