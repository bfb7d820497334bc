/* Three node handles play a 3-peer Ratis group in one process. Leadership moves in Ratis's
 * real order of events; exactly one C service runs at any time; configuration applied on all
 * three reads the same everywhere; a stale-term event starts nothing. */
#include "check.h"

#include <pthread.h>

#define PEERS 3

typedef struct {
    pthread_mutex_t *lock;
    int *running_now;
    int *most_running;
    int running;
    uint64_t epoch;
    int starts;
    int stops;
} peer_service;

static int32_t service_start(void *userdata, uint64_t epoch) {
    peer_service *service = (peer_service *)userdata;
    pthread_mutex_lock(service->lock);
    service->running = 1;
    service->epoch = epoch;
    service->starts++;
    (*service->running_now)++;
    if (*service->running_now > *service->most_running)
        *service->most_running = *service->running_now;
    pthread_mutex_unlock(service->lock);
    return 0;
}

static int32_t service_stop(void *userdata) {
    peer_service *service = (peer_service *)userdata;
    pthread_mutex_lock(service->lock);
    service->running = 0;
    service->stops++;
    (*service->running_now)--;
    pthread_mutex_unlock(service->lock);
    return 0;
}

static const char *ids[PEERS] = {"om1", "om2", "om3"};
static omsvc_node *nodes[PEERS];
static uint64_t log_index = 0;

/* Ratis's order for a new leader: the old leader steps down; every peer hears of the new
 * leader; the leader's startup configuration entry is applied (notifyConfigurationChanged);
 * then notifyLeaderReady on the leader and notifyTermIndexUpdated everywhere. */
static void elect(int old_leader, int leader, uint64_t term) {
    omsvc_str peers[PEERS];
    int i;
    for (i = 0; i < PEERS; i++) peers[i] = str_of(ids[i]);
    if (old_leader >= 0) {
        OK(omsvc_node_not_leader(nodes[old_leader], term, NULL));
        settle(nodes[old_leader]);
    }
    for (i = 0; i < PEERS; i++)
        OK(omsvc_node_leader_changed(nodes[i], term, str_of(ids[leader]), NULL));
    log_index++;
    for (i = 0; i < PEERS; i++) {
        OK(omsvc_node_configuration_changed(nodes[i], term, log_index, peers, PEERS, NULL));
        OK(omsvc_node_applied(nodes[i], term, log_index, NULL));
    }
    OK(omsvc_node_leader_ready(nodes[leader], term, log_index, NULL));
    for (i = 0; i < PEERS; i++) OK(omsvc_node_term_index_updated(nodes[i], term, log_index, NULL));
    for (i = 0; i < PEERS; i++) settle(nodes[i]);
}

static void apply_everywhere(uint64_t term, const char *name, const char *value) {
    omsvc_bytes *request = NULL;
    int i;
    OK(omsvc_encode_set_request(str_of(name), (const uint8_t *)value, strlen(value), &request));
    log_index++;
    for (i = 0; i < PEERS; i++) {
        enum omsvc_apply_outcome outcome;
        OK(omsvc_node_apply_entry(nodes[i], term, log_index, omsvc_bytes_data(request),
                                  omsvc_bytes_len(request), &outcome));
        CHECK(outcome == OMSVC_APPLY_APPLIED);
    }
    omsvc_bytes_free(request);
}

int main(void) {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int running_now = 0, most_running = 0;
    peer_service services[PEERS];
    omsvc_service_callbacks callbacks;
    uint64_t term;
    int i, leader, old_leader = -1;
    enum omsvc_event_outcome outcome;

    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = service_start;
    callbacks.stop = service_stop;
    for (i = 0; i < PEERS; i++) {
        memset(&services[i], 0, sizeof services[i]);
        services[i].lock = &lock;
        services[i].running_now = &running_now;
        services[i].most_running = &most_running;
        nodes[i] = open_node(ids[i], NULL);
        OK(omsvc_node_register_service(nodes[i], OMSVC_STR("KeyLifecycleService"), &callbacks,
                                       &services[i], NULL));
    }

    for (term = 1; term <= 9; term++) {
        leader = (int)(term % PEERS);
        elect(old_leader, leader, term);
        pthread_mutex_lock(&lock);
        CHECK(running_now == 1);
        for (i = 0; i < PEERS; i++) CHECK(services[i].running == (i == leader));
        CHECK(services[leader].epoch == term);
        pthread_mutex_unlock(&lock);
        {
            bool current = false;
            OK(omsvc_node_epoch_is_current(nodes[leader], term, &current));
            CHECK(current);
            OK(omsvc_node_epoch_is_current(nodes[leader], term - 1, &current));
            CHECK(!current);
        }
        old_leader = leader;
    }
    CHECK(most_running == 1);

    /* Configuration applied on all three reads the same everywhere. */
    apply_everywhere(9, "KeyLifecycleService", "suspended");
    apply_everywhere(9, "TrashRecovery", "bucket-7");
    for (i = 0; i < PEERS; i++) {
        uint8_t buf[64];
        bool present = false;
        size_t len = 0;
        omsvc_name_list *names = NULL;
        OK(omsvc_node_read_configuration(nodes[i], OMSVC_STR("KeyLifecycleService"), buf,
                                         sizeof buf, &present, &len));
        CHECK(present && len == 9 && memcmp(buf, "suspended", 9) == 0);
        OK(omsvc_node_list_configurations(nodes[i], &names));
        CHECK(omsvc_name_list_len(names) == 2);
        CHECK(strcmp(omsvc_name_list_get(names, 0, NULL), "KeyLifecycleService") == 0);
        CHECK(strcmp(omsvc_name_list_get(names, 1, &len), "TrashRecovery") == 0 && len == 13);
        omsvc_name_list_free(names);
    }

    /* A stale-term event starts nothing: term 9's leader is om1 (9 % 3 == 0). */
    OK(omsvc_node_not_leader(nodes[0], 10, NULL));
    settle(nodes[0]);
    OK(omsvc_node_leader_changed(nodes[1], 8, str_of("om2"), &outcome));
    CHECK(outcome == OMSVC_EVENT_STALE);
    OK(omsvc_node_leader_ready(nodes[1], 8, 0, &outcome));
    CHECK(outcome == OMSVC_EVENT_STALE);
    for (i = 0; i < PEERS; i++) settle(nodes[i]);
    pthread_mutex_lock(&lock);
    CHECK(running_now == 0);
    pthread_mutex_unlock(&lock);

    {
        omsvc_service_status status;
        omsvc_bytes *json = NULL;
        status.struct_size = sizeof status;
        OK(omsvc_node_service_status(nodes[0], OMSVC_STR("KeyLifecycleService"), &status));
        CHECK(status.state != OMSVC_SERVICE_RUNNING && status.start_count == 3 &&
              status.stop_count == 3);
        OK(omsvc_node_status_json(nodes[1], &json));
        CHECK(omsvc_bytes_len(json) > 0);
        /* NUL-terminated text: printf-able, and exactly as long as omsvc_bytes_len says. */
        CHECK(strlen((const char *)omsvc_bytes_data(json)) == omsvc_bytes_len(json));
        CHECK(((const char *)omsvc_bytes_data(json))[0] == '{');
        omsvc_bytes_free(json);
    }

    for (i = 0; i < PEERS; i++) OK(omsvc_node_free(nodes[i]));
    printf("lifecycle: 9 leader changes across 3 peers, at most %d service running at once\n",
           most_running);
    return 0;
}
