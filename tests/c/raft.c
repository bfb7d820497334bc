/* openraft mode from C: three replicated nodes in one process on 127.0.0.1, a C service on
 * each node's core, writes proposed on the leader and read everywhere, a follower's write
 * refused with the leader named, an election forced, and the leader stopped: another node
 * runs the service. The core handles are freed right after registering: that only drops the
 * handles (the raft nodes keep running, apply entries and run their services). Also: bad
 * timeouts refused without a word on stderr, and a handle of one type never taken for the
 * other. */
#include "check.h"

#include <pthread.h>
#include <unistd.h>

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

/* The node every live node agrees leads, once its service runs in an epoch above
 * `min_epoch`; 0 on timeout. */
static uint64_t wait_for_leader_after(uint64_t not_this, uint64_t min_epoch, int timeout_ms) {
    int waited;
    for (waited = 0; waited < timeout_ms; waited += 20) {
        uint64_t id, leader = 0;
        bool known = false;
        for (id = 1; id <= PEERS; id++) {
            if (nodes[id] == NULL || id == not_this) continue;
            OK(omsvc_raft_node_leader(nodes[id], &leader, &known));
            if (known && leader != not_this && nodes[leader] != NULL) {
                int is_running;
                uint64_t epoch;
                pthread_mutex_lock(&lock);
                is_running = running[leader];
                epoch = epochs[leader];
                pthread_mutex_unlock(&lock);
                if (is_running && epoch > min_epoch) return leader;
            }
        }
        sleep_ms(20);
    }
    return 0;
}

static uint64_t wait_for_leader(uint64_t not_this) {
    return wait_for_leader_after(not_this, 0, 60000);
}

/* Reads `name` on node `id` through a core handle taken for the purpose. */
static int read_value(uint64_t id, const char *name, uint8_t *buf, size_t size, size_t *len) {
    omsvc_node_core *core = NULL;
    bool present = false;
    OK(omsvc_raft_node_core(nodes[id], &core));
    OK(omsvc_node_core_read_configuration(core, str_of(name), buf, size, &present, len));
    OK(omsvc_node_core_release(core));
    return present;
}

static void check_value_everywhere(const char *name, const char *value) {
    uint64_t id;
    for (id = 1; id <= PEERS; id++) {
        int waited, present = 0;
        size_t len = 0;
        uint8_t buf[32];
        for (waited = 0; waited < 30000; waited += 20) {
            present = read_value(id, name, buf, sizeof buf, &len);
            if (present && len == strlen(value) && memcmp(buf, value, len) == 0) break;
            sleep_ms(20);
        }
        CHECK(present && len == strlen(value) && memcmp(buf, value, len) == 0);
    }
}

/* The encoded RaftNodeStatus is the same model as the JSON: it carries the node's address. */
static void check_status_proto(omsvc_raft_node *node) {
    omsvc_bytes *proto = NULL, *addr_bytes = NULL;
    char addr[64];
    omsvc_str listen = member_addr(node, &addr_bytes);
    CHECK(listen.len < sizeof addr);
    memcpy(addr, listen.ptr, listen.len);
    addr[listen.len] = '\0';
    omsvc_bytes_free(addr_bytes);
    OK(omsvc_raft_node_status_proto(node, &proto));
    CHECK(bytes_contain(omsvc_bytes_data(proto), omsvc_bytes_len(proto), addr));
    omsvc_bytes_free(proto);
    CHECK_STATUS(omsvc_raft_node_status_proto(node, NULL), OMSVC_NULL_ARGUMENT);
}

/* Every node still takes part in Raft (leader or follower) and lists three voters. */
static void check_all_voting(void) {
    uint64_t id;
    for (id = 1; id <= PEERS; id++) {
        omsvc_bytes *json = NULL;
        char text[8192];
        const char *at;
        int voters = 0;
        size_t len;
        OK(omsvc_raft_node_status_json(nodes[id], &json));
        len = omsvc_bytes_len(json);
        CHECK(strlen((const char *)omsvc_bytes_data(json)) == len); /* NUL-terminated */
        CHECK(len < sizeof text);
        memcpy(text, omsvc_bytes_data(json), len);
        text[len] = '\0';
        omsvc_bytes_free(json);
        CHECK(strstr(text, "\"server_state\":\"LEADER\"") != NULL ||
              strstr(text, "\"server_state\":\"FOLLOWER\"") != NULL);
        for (at = strstr(text, "\"voter\":true"); at != NULL; at = strstr(at + 1, "\"voter\":true"))
            voters++;
        if (voters != PEERS) fprintf(stderr, "node %llu: %s\n", (unsigned long long)id, text);
        CHECK(voters == PEERS);
        check_status_proto(nodes[id]);
    }
}

/* Starts a node with these timeouts; the status must be `expected` and stderr stay empty. */
static void start_quietly(omsvc_raft_node_options *options, enum omsvc_status expected,
                          const char *field) {
    omsvc_raft_node *node = (omsvc_raft_node *)0x1;
    enum omsvc_status status;
    FILE *capture = tmpfile();
    int saved = dup(2);
    long written;
    CHECK(capture != NULL && saved >= 0);
    fflush(stderr);
    CHECK(dup2(fileno(capture), 2) == 2);
    status = omsvc_raft_node_start(options, &node);
    fflush(stderr);
    CHECK(dup2(saved, 2) == 2);
    close(saved);
    CHECK(fseek(capture, 0, SEEK_END) == 0);
    written = ftell(capture);
    if (written != 0) {
        char head[512];
        size_t got;
        rewind(capture);
        got = fread(head, 1, sizeof head - 1, capture);
        head[got] = '\0';
        fprintf(stderr, "libomsvc wrote %ld bytes to stderr:\n%s\n", written, head);
    }
    fclose(capture);
    CHECK_STATUS(status, expected);
    CHECK(strstr(omsvc_last_error(), field) != NULL);
    CHECK(node == (omsvc_raft_node *)0x1);
    CHECK(written == 0);
}

static void bad_input(void) {
    omsvc_raft_node_options options;
    omsvc_raft_node *node = (omsvc_raft_node *)0x1;
    memset(&options, 0, sizeof options);
    options.id = 9;
    options.listen = str_of("127.0.0.1:0");
    CHECK_STATUS(omsvc_raft_node_start(&options, &node), OMSVC_INVALID_ARGUMENT); /* zeroed */
    CHECK(strstr(omsvc_last_error(), "omsvc_raft_node_options_init") != NULL);
    omsvc_raft_node_options_init(&options, sizeof options);
    CHECK(options.struct_size == sizeof options && options.id == 0);
    CHECK(options.heartbeat_ms == 50 && options.election_min_ms == 250 &&
          options.election_max_ms == 500);
    CHECK(options.listen.ptr == NULL && options.data_dir.ptr == NULL &&
          options.cluster.ptr == NULL);
    CHECK_STATUS(omsvc_raft_node_start(NULL, &node), OMSVC_NULL_ARGUMENT);
    options.listen = str_of("127.0.0.1:0");
    CHECK_STATUS(omsvc_raft_node_start(&options, &node), OMSVC_INVALID_ARGUMENT); /* id 0 */
    options.id = 9;
    CHECK_STATUS(omsvc_raft_node_start(&options, NULL), OMSVC_NULL_ARGUMENT);
    options.listen = str_of("not-an-address");
    CHECK_STATUS(omsvc_raft_node_start(&options, &node), OMSVC_IO_ERROR);
    CHECK(strstr(omsvc_last_error(), "not-an-address") != NULL);
    CHECK(node == (omsvc_raft_node *)0x1);
    CHECK_STATUS(omsvc_raft_node_free((omsvc_raft_node *)(uintptr_t)0x42), OMSVC_INVALID_HANDLE);
    OK(omsvc_raft_node_free(NULL));
    CHECK_STATUS(omsvc_raft_node_trigger_election(NULL), OMSVC_NULL_ARGUMENT);

    /* Timeouts: each bad one refused naming its field, nothing printed. */
    options.listen = str_of("127.0.0.1:0");
    options.heartbeat_ms = 50;
    options.election_min_ms = UINT64_MAX / 2;
    options.election_max_ms = UINT64_MAX; /* overflowed openraft's deadline arithmetic */
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "election_min");
    options.election_min_ms = 250;
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "election_max");
    options.election_max_ms = 3600001;
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "election_max");
    options.election_max_ms = 200; /* below election_min */
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "election_max");
    options.election_max_ms = 500;
    options.heartbeat_ms = 250; /* not below election_min */
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "heartbeat");
    options.heartbeat_ms = 0;
    options.election_min_ms = 40; /* below the default heartbeat (50 ms) */
    start_quietly(&options, OMSVC_INVALID_ARGUMENT, "heartbeat");
}

/* The core shares the raft node; it has no event functions, and a handle of one type passed
 * as another (each cast below) is refused, never taken for an object of the other type (the
 * first handle of each table used to be the same number). */
static void check_handle_types(omsvc_raft_node *raft, omsvc_node_core *core) {
    omsvc_bytes *request = NULL;
    uint64_t leader_id;
    bool known, present, settled;
    size_t len;
    CHECK_STATUS(omsvc_node_leader_changed((omsvc_node *)core, 1, str_of("1"), NULL),
                 OMSVC_INVALID_HANDLE);
    CHECK(strstr(omsvc_last_error(), "omsvc_node") != NULL);
    CHECK_STATUS(omsvc_node_leader_ready((omsvc_node *)core, 1, 0, NULL), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_not_leader((omsvc_node *)core, 1, NULL), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_shutdown((omsvc_node *)core), OMSVC_INVALID_HANDLE);
    OK(omsvc_encode_set_request(OMSVC_STR("x"), (const uint8_t *)"y", 1, &request));
    CHECK_STATUS(omsvc_node_apply_entry((omsvc_node *)core, 1, 1, omsvc_bytes_data(request),
                                        omsvc_bytes_len(request), NULL),
                 OMSVC_INVALID_HANDLE);
    omsvc_bytes_free(request);
    CHECK_STATUS(
        omsvc_node_read_configuration((omsvc_node *)core, OMSVC_STR("x"), NULL, 0, &present, &len),
        OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_free((omsvc_node *)core), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_free((omsvc_node *)raft), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_raft_node_free((omsvc_raft_node *)core), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_raft_node_trigger_election((omsvc_raft_node *)core), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_core_release((omsvc_node_core *)raft), OMSVC_INVALID_HANDLE);
    CHECK(strstr(omsvc_last_error(), "omsvc_node_core") != NULL);
    CHECK_STATUS(omsvc_node_core_wait_settled((omsvc_node_core *)raft, 0, &settled),
                 OMSVC_INVALID_HANDLE);
    /* Both still alive after every refusal. */
    OK(omsvc_raft_node_leader(raft, &leader_id, &known));
    OK(omsvc_node_core_read_configuration(core, OMSVC_STR("x"), NULL, 0, &present, &len));
    /* The core reads status from the one model: no error yet, the message names the service. */
    {
        omsvc_bytes *error = NULL, *proto = NULL;
        OK(omsvc_node_core_service_last_error(core, OMSVC_STR("Scanner"), &error));
        CHECK(error == NULL);
        CHECK_STATUS(omsvc_node_core_service_last_error(core, OMSVC_STR("Nope"), &error),
                     OMSVC_UNKNOWN_SERVICE);
        CHECK_STATUS(omsvc_node_core_status_proto((omsvc_node_core *)raft, &proto),
                     OMSVC_INVALID_HANDLE);
        OK(omsvc_node_core_status_proto(core, &proto));
        CHECK(omsvc_bytes_len(proto) > 0);
        omsvc_bytes_free(proto);
    }
}

int main(void) {
    omsvc_service_callbacks callbacks;
    uint64_t ids[PEERS];
    omsvc_str addrs[PEERS];
    omsvc_bytes *addr_bytes[PEERS];
    uint64_t id, leader, follower, elected = 0, next_leader, index = 0;
    char dir[512];

    bad_input();
    make_temp_dir(dir, sizeof dir);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = start_service;
    callbacks.stop = stop_service;
    for (id = 1; id <= PEERS; id++) {
        omsvc_node_core *core = NULL;
        /* Generous timing: this test also runs under valgrind. */
        nodes[id] = start_raft_node(dir, id, 100, 1500, 3000);
        OK(omsvc_raft_node_core(nodes[id], &core));
        OK(omsvc_node_core_register_service(core, OMSVC_STR("Scanner"), &callbacks,
                                            (void *)(size_t)id, NULL));
        if (id == 1) check_handle_types(nodes[id], core);
        /* Releasing a core drops only the handle: the raft node keeps its core running. */
        OK(omsvc_node_core_release(core));
        ids[id - 1] = id;
        addrs[id - 1] = member_addr(nodes[id], &addr_bytes[id - 1]);
    }
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], ids, addrs, 0), OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], ids, addrs, SIZE_MAX),
                 OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], ids, addrs, SIZE_MAX / sizeof(omsvc_str) + 1),
                 OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], NULL, addrs, PEERS), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_raft_node_initialize(nodes[1], ids + 1, addrs + 1, PEERS - 1),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "must include this node (id 1)") != NULL);
    OK(omsvc_raft_node_initialize(nodes[1], ids, addrs, PEERS));

    leader = wait_for_leader(0);
    CHECK(leader != 0);
    OK(omsvc_raft_node_set(nodes[leader], OMSVC_STR("Lifecycle"), (const uint8_t *)"suspended", 9,
                           &index));
    CHECK(index > 0);
    check_value_everywhere("Lifecycle", "suspended");

    follower = leader % PEERS + 1;
    CHECK_STATUS(
        omsvc_raft_node_set(nodes[follower], OMSVC_STR("Lifecycle"), (const uint8_t *)"x", 1, NULL),
        OMSVC_NOT_LEADER);
    CHECK(strstr(omsvc_last_error(), "the leader is node") != NULL);
    CHECK_STATUS(omsvc_raft_node_set(nodes[leader], OMSVC_STR(""), NULL, 0, NULL),
                 OMSVC_INVALID_NAME);

    /* Force an election (openraft may let the candidate lose: campaign until the term
     * moves); the new leader runs the service in the newer epoch, and writes still apply on
     * every node. */
    {
        uint64_t old_epoch, attempt;
        pthread_mutex_lock(&lock);
        old_epoch = epochs[leader];
        pthread_mutex_unlock(&lock);
        for (attempt = 0; attempt < 20 && elected == 0; attempt++) {
            OK(omsvc_raft_node_trigger_election(nodes[follower]));
            elected = wait_for_leader_after(0, old_epoch, 5000);
        }
        CHECK(elected != 0);
        OK(omsvc_raft_node_set(nodes[elected], OMSVC_STR("Lifecycle"), (const uint8_t *)"resumed",
                               7, NULL));
        check_value_everywhere("Lifecycle", "resumed");
        pthread_mutex_lock(&lock);
        CHECK(running[elected] == 1 && epochs[elected] > old_epoch);
        pthread_mutex_unlock(&lock);
        check_all_voting();
    }

    /* Stop the leader: another node runs the service in a newer epoch. */
    {
        uint64_t old_epoch;
        pthread_mutex_lock(&lock);
        old_epoch = epochs[elected];
        pthread_mutex_unlock(&lock);
        OK(omsvc_raft_node_free(nodes[elected]));
        CHECK_STATUS(omsvc_raft_node_free(nodes[elected]), OMSVC_INVALID_HANDLE);
        nodes[elected] = NULL;
        pthread_mutex_lock(&lock);
        CHECK(running[elected] == 0); /* stopped before omsvc_raft_node_free returned */
        pthread_mutex_unlock(&lock);
        next_leader = wait_for_leader(elected);
        CHECK(next_leader != 0 && next_leader != elected);
        pthread_mutex_lock(&lock);
        CHECK(epochs[next_leader] > old_epoch);
        pthread_mutex_unlock(&lock);
    }

    for (id = 1; id <= PEERS; id++) {
        if (nodes[id] == NULL) continue;
        OK(omsvc_raft_node_free(nodes[id]));
    }
    for (id = 0; id < PEERS; id++) omsvc_bytes_free(addr_bytes[id]);
    printf("raft: leader %llu, %llu after an election, then %llu after it stopped\n",
           (unsigned long long)leader, (unsigned long long)elected,
           (unsigned long long)next_leader);
    return 0;
}
