/* 8 threads at once for a few seconds ($OMSVC_STRESS_SECONDS, default 3): four forward
 * random Raft events to three nodes, four read configuration and status and apply entries.
 * No crash, no sanitizer report, and the invariants hold at the end. */
#include "check.h"

#include <pthread.h>

#define PEERS 3
#define THREADS 8

static const char *ids[PEERS] = {"om1", "om2", "om3"};
static omsvc_node *nodes[PEERS];
static volatile int stop_flag = 0;
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static int running[PEERS];
static long events_sent, reads_done;

static int32_t start_service(void *userdata, uint64_t epoch) {
    (void)epoch;
    pthread_mutex_lock(&running_lock);
    running[(size_t)userdata]++;
    pthread_mutex_unlock(&running_lock);
    return 0;
}

static int32_t stop_service(void *userdata) {
    pthread_mutex_lock(&running_lock);
    running[(size_t)userdata]--;
    pthread_mutex_unlock(&running_lock);
    return 0;
}

static void *forward_events(void *arg) {
    unsigned int seed = (unsigned int)(size_t)arg;
    long sent = 0;
    while (!stop_flag) {
        omsvc_node *node = nodes[rand_r(&seed) % PEERS];
        uint64_t term = 1 + (uint64_t)(rand_r(&seed) % 50);
        uint64_t index = (uint64_t)(rand_r(&seed) % 1000);
        omsvc_str peers[PEERS];
        int i;
        for (i = 0; i < PEERS; i++) peers[i] = str_of(ids[i]);
        switch (rand_r(&seed) % 6) {
            case 0:
                OK(omsvc_node_leader_changed(node, term, str_of(ids[rand_r(&seed) % PEERS]), NULL));
                break;
            case 1: OK(omsvc_node_not_leader(node, term, NULL)); break;
            case 2: OK(omsvc_node_leader_ready(node, term, index, NULL)); break;
            case 3: OK(omsvc_node_term_index_updated(node, term, index, NULL)); break;
            case 4:
                OK(omsvc_node_configuration_changed(node, term, index, peers, PEERS, NULL));
                break;
            default: OK(omsvc_node_applied(node, term, index, NULL)); break;
        }
        sent++;
    }
    pthread_mutex_lock(&running_lock);
    events_sent += sent;
    pthread_mutex_unlock(&running_lock);
    return NULL;
}

static void *read_and_apply(void *arg) {
    unsigned int seed = (unsigned int)(size_t)arg;
    long done = 0;
    uint8_t buf[64];
    while (!stop_flag) {
        omsvc_node *node = nodes[rand_r(&seed) % PEERS];
        bool present;
        size_t len;
        omsvc_service_status status;
        omsvc_name_list *names = NULL;
        OK(omsvc_node_read_configuration(node, OMSVC_STR("svc"), buf, sizeof buf, &present, &len));
        status.struct_size = sizeof status;
        OK(omsvc_node_service_status(node, OMSVC_STR("Stress"), &status));
        OK(omsvc_node_list_configurations(node, &names));
        omsvc_name_list_free(names);
        if (rand_r(&seed) % 8 == 0) {
            omsvc_bytes *request = NULL, *json = NULL;
            uint64_t term, index;
            OK(omsvc_node_last_applied_entry(node, &term, &index));
            OK(omsvc_encode_set_request(OMSVC_STR("svc"), (const uint8_t *)"value", 5, &request));
            /* Two threads may race for the same index: one applies, the other is a no-op. */
            OK(omsvc_node_apply_entry(node, 1, index + 1, omsvc_bytes_data(request),
                                      omsvc_bytes_len(request), NULL));
            omsvc_bytes_free(request);
            OK(omsvc_node_status_json(node, &json));
            omsvc_bytes_free(json);
        }
        done++;
    }
    pthread_mutex_lock(&running_lock);
    reads_done += done;
    pthread_mutex_unlock(&running_lock);
    return NULL;
}

int main(void) {
    pthread_t threads[THREADS];
    omsvc_service_callbacks callbacks;
    const char *seconds_env = getenv("OMSVC_STRESS_SECONDS");
    long seconds = seconds_env != NULL ? atol(seconds_env) : 3;
    size_t i;
    int total = 0;

    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = start_service;
    callbacks.stop = stop_service;
    for (i = 0; i < PEERS; i++) {
        nodes[i] = open_node(ids[i], NULL);
        OK(omsvc_node_register_service(nodes[i], OMSVC_STR("Stress"), &callbacks, (void *)i, NULL));
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, i < 4 ? forward_events : read_and_apply,
                             (void *)(i + 1)) == 0);
    }
    sleep_ms(seconds * 1000);
    stop_flag = 1;
    for (i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);

    /* Invariants: each node's service started and stopped in turn (0 or 1 running), and a
     * clean election in a newer term leaves exactly the leader running. */
    for (i = 0; i < PEERS; i++) {
        settle(nodes[i]);
        pthread_mutex_lock(&running_lock);
        CHECK(running[i] == 0 || running[i] == 1);
        pthread_mutex_unlock(&running_lock);
        OK(omsvc_node_not_leader(nodes[i], 100, NULL));
        OK(omsvc_node_leader_changed(nodes[i], 101, str_of("om2"), NULL));
    }
    OK(omsvc_node_leader_ready(nodes[1], 101, 0, NULL));
    OK(omsvc_node_applied(nodes[1], 101, 5000, NULL));
    for (i = 0; i < PEERS; i++) settle(nodes[i]);
    pthread_mutex_lock(&running_lock);
    for (i = 0; i < PEERS; i++) total += running[i];
    CHECK(total == 1 && running[1] == 1);
    pthread_mutex_unlock(&running_lock);
    for (i = 0; i < PEERS; i++) OK(omsvc_node_free(nodes[i]));
    printf("threads: %d threads for %ld s: %ld events, %ld read rounds\n", THREADS, seconds,
           events_sent, reads_done);
    return 0;
}
