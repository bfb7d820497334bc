/* A small libomsvc host: three node handles in one process play a 3-peer Raft group. The
 * host forwards events in Apache Ratis's real order, and only the leader's service runs.
 * Build and run: make install-lib && make run   (see the README). */
#define _XOPEN_SOURCE 700
#include <omsvc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PEERS 3

static const char *ids[PEERS] = {"om1", "om2", "om3"};
static omsvc_node *nodes[PEERS];
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static int32_t start_scanner(void *userdata, uint64_t epoch) {
    pthread_mutex_lock(&print_lock);
    printf("    %s: scanner STARTED in epoch %llu\n", (const char *)userdata,
           (unsigned long long)epoch);
    pthread_mutex_unlock(&print_lock);
    return 0;
}

static int32_t stop_scanner(void *userdata) {
    pthread_mutex_lock(&print_lock);
    printf("    %s: scanner stopped\n", (const char *)userdata);
    pthread_mutex_unlock(&print_lock);
    return 0;
}

static int check(enum omsvc_status status, const char *what) {
    if (status != OMSVC_OK) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, omsvc_status_message(status),
                omsvc_last_error());
        return 0;
    }
    return 1;
}

static omsvc_str str(const char *text) {
    omsvc_str s;
    s.ptr = text;
    s.len = strlen(text);
    return s;
}

static void settle_all(void) {
    bool settled;
    int i;
    for (i = 0; i < PEERS; i++) omsvc_node_wait_settled(nodes[i], 5000, &settled);
}

/* Ratis, new leader: notifyLeaderChanged on every peer; the leader appends its startup
 * configuration entry; when applied: notifyConfigurationChanged, notifyLeaderReady (leader
 * only), notifyTermIndexUpdated. The old leader got notifyNotLeader first. */
static void elect(int old_leader, int leader, uint64_t term, uint64_t index) {
    omsvc_str peers[PEERS];
    int i;
    printf("term %llu: %s is elected\n", (unsigned long long)term, ids[leader]);
    for (i = 0; i < PEERS; i++) peers[i] = str(ids[i]);
    if (old_leader >= 0) check(omsvc_node_not_leader(nodes[old_leader], term, NULL), "not_leader");
    for (i = 0; i < PEERS; i++)
        check(omsvc_node_leader_changed(nodes[i], term, str(ids[leader]), NULL), "leader_changed");
    for (i = 0; i < PEERS; i++) {
        check(omsvc_node_configuration_changed(nodes[i], term, index, peers, PEERS, NULL),
              "configuration_changed");
        check(omsvc_node_applied(nodes[i], term, index, NULL), "applied");
    }
    check(omsvc_node_leader_ready(nodes[leader], term, index, NULL), "leader_ready");
    for (i = 0; i < PEERS; i++)
        check(omsvc_node_term_index_updated(nodes[i], term, index, NULL), "term_index_updated");
    settle_all();
}

int main(void) {
    omsvc_service_callbacks callbacks;
    omsvc_node_options options;
    int i, running = 0;
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = start_scanner;
    callbacks.stop = stop_scanner;
    /* The defaults: fsync on, create if missing. */
    omsvc_node_options_init(&options, sizeof options);

    printf("libomsvc %s: 3 peers in one process\n", omsvc_version());
    for (i = 0; i < PEERS; i++) {
        options.self_id = str(ids[i]); /* db_dir left NULL: a temporary database per node */
        if (!check(omsvc_node_open(&options, &nodes[i]), "omsvc_node_open")) return 1;
        if (!check(omsvc_node_register_service(nodes[i], OMSVC_STR("Scanner"), &callbacks,
                                               (void *)ids[i], NULL),
                   "register"))
            return 1;
    }
    elect(-1, 0, 1, 1);
    elect(0, 2, 2, 2);
    elect(2, 1, 3, 3);

    for (i = 0; i < PEERS; i++) {
        omsvc_service_status status;
        status.struct_size = sizeof status;
        check(omsvc_node_service_status(nodes[i], OMSVC_STR("Scanner"), &status), "service_status");
        printf("%s: %s (started %llu times)\n", ids[i],
               status.state == OMSVC_SERVICE_RUNNING ? "RUNNING" : "PAUSING",
               (unsigned long long)status.start_count);
        running += status.state == OMSVC_SERVICE_RUNNING;
    }
    for (i = 0; i < PEERS; i++) check(omsvc_node_free(nodes[i]), "omsvc_node_free");
    printf("%d service running on the leader, as expected\n", running);
    return running == 1 ? 0 : 1;
}
