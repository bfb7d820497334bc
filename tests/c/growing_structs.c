/* Structs that grow (the header's "Structs that grow"): a caller compiled against an older
 * header (a smaller struct) gets the defaults for the fields it lacks, and the library never
 * touches a byte past its struct_size; a caller of a newer header (a larger struct) works while
 * the fields this library does not know are zero, and is refused, with nothing done, once one
 * is set. The older structs are declared here as their 1.0 layout, and allocated with their
 * exact size so that ASan and valgrind see any access past them. */
#include "check.h"

#include <sys/stat.h>

/* omsvc_raft_node_options as libomsvc 1.0 laid it out: up to election_max_ms. */
typedef struct {
    size_t struct_size;
    uint64_t id;
    omsvc_str listen;
    omsvc_str data_dir;
    omsvc_str cluster;
    uint64_t heartbeat_ms;
    uint64_t election_min_ms;
    uint64_t election_max_ms;
} raft_node_options_1_0;

/* A newer header's structs: this library's, and one more field. */
typedef struct {
    omsvc_node_options known;
    uint64_t newer_option;
} node_options_newer;

typedef struct {
    omsvc_service_callbacks known;
    int32_t (*newer_callback)(void *userdata);
} callbacks_newer;

typedef struct {
    omsvc_service_options known;
    uint64_t newer_option;
} service_options_newer;

typedef struct {
    omsvc_raft_node_options known;
    uint64_t newer_option;
} raft_node_options_newer;

typedef struct {
    omsvc_service_status known;
    uint64_t newer_counter;
} service_status_newer;

/* The first fields of omsvc_service_status, as a smaller (older) caller struct. */
typedef struct {
    size_t struct_size;
    omsvc_service_state state;
    uint32_t consecutive_failures;
    uint64_t epoch;
} service_status_prefix;

static int32_t start_ok(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    return 0;
}

static int32_t stop_ok(void *userdata) {
    (void)userdata;
    return 0;
}

static int32_t newer_callback(void *userdata) {
    (void)userdata;
    return 0;
}

static void count_release(void *userdata) {
    ++*(int *)userdata;
}

static int exists(const char *path) {
    struct stat info;
    return stat(path, &info) == 0;
}

/* A 1.0-layout raft options struct, exactly that large: init fills it without writing past
 * it, and start reads only it (snapshot_every, which it lacks, takes its default). */
static void older_raft_node_options(void) {
    raft_node_options_1_0 *older = (raft_node_options_1_0 *)malloc(sizeof *older);
    omsvc_raft_node *node = NULL;
    omsvc_bytes *addr = NULL;
    CHECK(older != NULL);
    CHECK(sizeof *older == OMSVC_RAFT_NODE_OPTIONS_SIZE_1_0);
    CHECK(sizeof *older < sizeof(omsvc_raft_node_options));
    OK(omsvc_raft_node_options_init((omsvc_raft_node_options *)older, sizeof *older));
    CHECK(older->struct_size == sizeof *older);
    CHECK(older->heartbeat_ms == 50 && older->election_min_ms == 250 &&
          older->election_max_ms == 500);
    older->id = 1;
    older->listen = str_of("127.0.0.1:0");
    OK(omsvc_raft_node_start((const omsvc_raft_node_options *)older, &node));
    CHECK(node != NULL);
    OK(omsvc_raft_node_addr(node, &addr));
    CHECK(strncmp((const char *)omsvc_bytes_data(addr), "127.0.0.1:", 10) == 0);
    omsvc_bytes_free(addr);
    OK(omsvc_raft_node_free(node));
    free(older);
}

/* Node options of a newer header: its unknown field zeroed by init, the node opens; set, the
 * open is refused and nothing is created. */
static void newer_node_options(const char *dir) {
    node_options_newer newer;
    omsvc_node *sentinel = (omsvc_node *)0x1;
    omsvc_node *node = sentinel;
    char db[600];
    snprintf(db, sizeof db, "%s/newer-node", dir);

    memset(&newer, 0xff, sizeof newer);
    OK(omsvc_node_options_init(&newer.known, sizeof newer));
    CHECK(newer.known.struct_size == sizeof newer && newer.newer_option == 0);
    CHECK(newer.known.sync_writes && newer.known.create_if_missing);
    newer.known.self_id = str_of("om1");
    newer.known.db_dir = str_of(db);
    newer.known.sync_writes = false;

    newer.newer_option = 1;
    CHECK_STATUS(omsvc_node_open(&newer.known, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "option this library version does not know") != NULL);
    CHECK(strstr(omsvc_last_error(), "omsvc_node_options") != NULL);
    CHECK(node == sentinel);
    CHECK(!exists(db));

    newer.newer_option = 0;
    OK(omsvc_node_open(&newer.known, &node));
    CHECK(node != sentinel && exists(db));
    OK(omsvc_node_free(node));
}

/* Callbacks and service options of a newer header: refused with a set unknown field (no
 * registration, userdata not released), accepted with it zero. */
static void newer_service_structs(void) {
    omsvc_node *node = open_node("om1", NULL);
    callbacks_newer callbacks;
    service_options_newer options;
    omsvc_service_status status;
    int releases = 0;

    memset(&callbacks, 0xff, sizeof callbacks);
    OK(omsvc_service_callbacks_init(&callbacks.known, sizeof callbacks));
    CHECK(callbacks.known.struct_size == sizeof callbacks && callbacks.newer_callback == NULL);
    CHECK(callbacks.known.start == NULL && callbacks.known.release == NULL);
    callbacks.known.start = start_ok;
    callbacks.known.stop = stop_ok;
    callbacks.known.release = count_release;
    memset(&options, 0xff, sizeof options);
    OK(omsvc_service_options_init(&options.known, sizeof options));
    CHECK(options.newer_option == 0 && options.known.retry_initial_ms == 100);

    callbacks.newer_callback = newer_callback;
    CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks.known, &releases,
                                             &options.known),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "omsvc_service_callbacks") != NULL);
    CHECK(releases == 0);
    callbacks.newer_callback = NULL;

    options.newer_option = 5;
    CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks.known, &releases,
                                             &options.known),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "omsvc_service_options") != NULL);
    CHECK(releases == 1); /* the callbacks were accepted: their userdata is released */
    status.struct_size = sizeof status;
    CHECK_STATUS(omsvc_node_service_status(node, OMSVC_STR("svc"), &status), OMSVC_UNKNOWN_SERVICE);
    options.newer_option = 0;

    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks.known, &releases,
                                   &options.known));
    OK(omsvc_node_leader_changed(node, 1, OMSVC_STR("om1"), NULL));
    OK(omsvc_node_leader_ready(node, 1, 0, NULL));
    settle(node);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
    CHECK(status.state == OMSVC_SERVICE_RUNNING && status.epoch == 1);
    OK(omsvc_node_free(node));
    CHECK(releases == 2);
}

/* Raft options of a newer header with a set unknown field: refused before anything starts. */
static void newer_raft_node_options(void) {
    raft_node_options_newer newer;
    omsvc_raft_node *sentinel = (omsvc_raft_node *)0x1;
    omsvc_raft_node *node = sentinel;
    OK(omsvc_raft_node_options_init(&newer.known, sizeof newer));
    newer.known.id = 1;
    newer.known.listen = str_of("127.0.0.1:0");
    newer.newer_option = 3;
    CHECK_STATUS(omsvc_raft_node_start(&newer.known, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "omsvc_raft_node_options") != NULL);
    CHECK(node == sentinel);
}

/* Status into a smaller struct (exactly that large, guard bytes after it), and into a larger
 * one, whose unknown field is zeroed. */
static void status_of_other_sizes(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks callbacks;
    struct {
        service_status_prefix status;
        unsigned char guard[64];
    } guarded;
    service_status_prefix *exact = (service_status_prefix *)malloc(sizeof *exact);
    service_status_newer newer;
    size_t i;
    CHECK(exact != NULL);

    OK(omsvc_service_callbacks_init(&callbacks, sizeof callbacks));
    callbacks.start = start_ok;
    callbacks.stop = stop_ok;
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL));
    OK(omsvc_node_leader_changed(node, 3, OMSVC_STR("om1"), NULL));
    OK(omsvc_node_leader_ready(node, 3, 0, NULL));
    settle(node);

    memset(&guarded, 0xa5, sizeof guarded);
    guarded.status.struct_size = sizeof guarded.status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"),
                                 (omsvc_service_status *)(void *)&guarded.status));
    CHECK(guarded.status.struct_size == sizeof guarded.status);
    CHECK(guarded.status.state == OMSVC_SERVICE_RUNNING && guarded.status.epoch == 3);
    CHECK(guarded.status.consecutive_failures == 0);
    for (i = 0; i < sizeof guarded.guard; i++) CHECK(guarded.guard[i] == 0xa5);

    exact->struct_size = sizeof *exact;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), (omsvc_service_status *)(void *)exact));
    CHECK(exact->state == OMSVC_SERVICE_RUNNING && exact->epoch == 3);

    memset(&newer, 0xff, sizeof newer);
    newer.known.struct_size = sizeof newer;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &newer.known));
    CHECK(newer.known.struct_size == sizeof newer.known && newer.newer_counter == 0);
    CHECK(newer.known.state == OMSVC_SERVICE_RUNNING && newer.known.start_count == 1);

    newer.known.struct_size = 0; /* not set: refused, nothing written */
    newer.known.epoch = 77;
    CHECK_STATUS(omsvc_node_service_status(node, OMSVC_STR("svc"), &newer.known),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(newer.known.epoch == 77);
    newer.known.struct_size = (size_t)1 << 40; /* garbage: refused, nothing written past it */
    CHECK_STATUS(omsvc_node_service_status(node, OMSVC_STR("svc"), &newer.known),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(newer.known.epoch == 77);
    OK(omsvc_node_free(node));
    free(exact);
}

int main(void) {
    char dir[512];
    make_temp_dir(dir, sizeof dir);
    older_raft_node_options();
    newer_node_options(dir);
    newer_service_structs();
    newer_raft_node_options();
    status_of_other_sizes();
    printf("growing structs: older structs get defaults, newer ones need zero tails\n");
    return 0;
}
