/* Callbacks that call back into libomsvc from the runner thread: reading status and
 * configuration, applying an entry, forwarding events (even demoting their own node), and
 * shutting down or freeing their own node, and two nodes whose stop callbacks free each other.
 * Nothing deadlocks and the state stays consistent. */
#include "check.h"

typedef struct {
    omsvc_node *node;
    int starts;
    int stops;
    int step_down_in_start;
    volatile int stopped_after_free;
} reentrant;

static int32_t reentrant_start(void *userdata, uint64_t epoch) {
    reentrant *self = (reentrant *)userdata;
    omsvc_bytes *json = NULL, *request = NULL;
    bool current = false, present = false;
    size_t len = 0;
    uint64_t term = 0, index = 0;

    self->starts++;
    OK(omsvc_node_epoch_is_current(self->node, epoch, &current));
    CHECK(current);
    OK(omsvc_node_status_json(self->node, &json));
    CHECK(omsvc_bytes_len(json) > 0);
    omsvc_bytes_free(json);
    /* Save progress from inside start, as a single-node host applying its own entry. */
    OK(omsvc_node_last_applied_entry(self->node, &term, &index));
    OK(omsvc_encode_set_request(OMSVC_STR("progress"), (const uint8_t *)"key-42", 6, &request));
    OK(omsvc_node_apply_entry(self->node, epoch, index + 1, omsvc_bytes_data(request),
                              omsvc_bytes_len(request), NULL));
    omsvc_bytes_free(request);
    OK(omsvc_node_read_configuration(self->node, OMSVC_STR("progress"), NULL, 0, &present, &len) ==
               OMSVC_BUFFER_TOO_SMALL
           ? OMSVC_OK
           : OMSVC_PANIC);
    CHECK(present && len == 6);
    OK(omsvc_node_leader_ready(self->node, epoch, 0, NULL)); /* a repeat: changes nothing */
    if (self->step_down_in_start) OK(omsvc_node_not_leader(self->node, epoch, NULL));
    return 0;
}

static int32_t reentrant_stop(void *userdata) {
    reentrant *self = (reentrant *)userdata;
    bool settled;
    self->stops++;
    /* Waiting for the runner from the runner must not hang: it returns "not settled yet". */
    OK(omsvc_node_wait_settled(self->node, 0, &settled));
    return 0;
}

static int32_t shutdown_in_start(void *userdata, uint64_t epoch) {
    reentrant *self = (reentrant *)userdata;
    (void)epoch;
    self->starts++;
    OK(omsvc_node_shutdown(self->node)); /* only requested: completes after we return */
    return 0;
}

static int32_t free_in_start(void *userdata, uint64_t epoch) {
    reentrant *self = (reentrant *)userdata;
    (void)epoch;
    self->starts++;
    OK(omsvc_node_free(self->node));
    return 0;
}

static int32_t note_stop_after_free(void *userdata) {
    reentrant *self = (reentrant *)userdata;
    self->stops++;
    self->stopped_after_free = 1;
    return 0;
}

static void become_leader(omsvc_node *node, uint64_t term);

/* Two nodes whose services' stop callbacks free each other's node, both at once. */
typedef struct {
    omsvc_node *other;
    volatile int in_stop;
    volatile int freed_other;
    volatile int *peer_in_stop;
} mutual;

static int32_t mutual_start(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    return 0;
}

static int32_t mutual_stop(void *userdata) {
    mutual *self = (mutual *)userdata;
    int waited;
    self->in_stop = 1;
    /* Both stops run before either frees: the order that used to deadlock. */
    for (waited = 0; !*self->peer_in_stop && waited < 5000; waited += 1) sleep_ms(1);
    OK(omsvc_node_free(self->other)); /* only requests the shutdown: returns at once */
    self->freed_other = 1;
    return 0;
}

static void stops_that_free_each_other(void) {
    char dir[512], dir_a[600], dir_b[600];
    omsvc_service_callbacks callbacks;
    mutual a, b;
    omsvc_node *node_a, *node_b;
    int waited;
    make_temp_dir(dir, sizeof dir);
    snprintf(dir_a, sizeof dir_a, "%s/a", dir);
    snprintf(dir_b, sizeof dir_b, "%s/b", dir);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    callbacks.start = mutual_start;
    callbacks.stop = mutual_stop;
    node_a = open_node("solo", dir_a);
    node_b = open_node("solo", dir_b);
    a.other = node_b;
    b.other = node_a;
    a.peer_in_stop = &b.in_stop;
    b.peer_in_stop = &a.in_stop;
    OK(omsvc_node_register_service(node_a, OMSVC_STR("A"), &callbacks, &a, NULL));
    OK(omsvc_node_register_service(node_b, OMSVC_STR("B"), &callbacks, &b, NULL));
    become_leader(node_a, 1);
    become_leader(node_b, 1);
    settle(node_a);
    settle(node_b);
    OK(omsvc_node_not_leader(node_a, 1, NULL));
    OK(omsvc_node_not_leader(node_b, 1, NULL));
    for (waited = 0; !(a.freed_other && b.freed_other) && waited < 20000; waited += 10)
        sleep_ms(10);
    CHECK(a.freed_other && b.freed_other); /* no deadlock */

    /* Both databases close soon after (on another thread): each directory opens again. */
    {
        const char *dirs[2];
        int i;
        dirs[0] = dir_a;
        dirs[1] = dir_b;
        for (i = 0; i < 2; i++) {
            omsvc_node_options options;
            omsvc_node *again = NULL;
            enum omsvc_status status = OMSVC_DATABASE_LOCKED;
            omsvc_node_options_init(&options, sizeof options);
            options.sync_writes = false;
            options.self_id = str_of("solo");
            options.db_dir = str_of(dirs[i]);
            for (waited = 0; status == OMSVC_DATABASE_LOCKED && waited < 20000; waited += 10) {
                status = omsvc_node_open(&options, &again);
                if (status == OMSVC_DATABASE_LOCKED) sleep_ms(10);
            }
            OK(status);
            OK(omsvc_node_free(again));
        }
    }
}

static void become_leader(omsvc_node *node, uint64_t term) {
    OK(omsvc_node_leader_changed(node, term, str_of("solo"), NULL));
    OK(omsvc_node_leader_ready(node, term, 0, NULL));
}

int main(void) {
    omsvc_service_callbacks callbacks;
    reentrant self;
    omsvc_service_status status;
    int waited;

    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    memset(&self, 0, sizeof self);
    callbacks.start = reentrant_start;
    callbacks.stop = reentrant_stop;
    self.node = open_node("solo", NULL);
    OK(omsvc_node_register_service(self.node, OMSVC_STR("Reentrant"), &callbacks, &self, NULL));
    become_leader(self.node, 1);
    settle(self.node);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(self.node, OMSVC_STR("Reentrant"), &status));
    CHECK(status.state == OMSVC_SERVICE_RUNNING && status.epoch == 1 && self.starts == 1);

    /* A start that demotes its own node: the runner stops it right after. */
    self.step_down_in_start = 1;
    OK(omsvc_node_not_leader(self.node, 1, NULL));
    become_leader(self.node, 2);
    settle(self.node);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(self.node, OMSVC_STR("Reentrant"), &status));
    CHECK(status.state != OMSVC_SERVICE_RUNNING && self.starts == 2 && self.stops == 2);
    OK(omsvc_node_free(self.node));

    /* Shutdown requested from inside start. */
    memset(&self, 0, sizeof self);
    callbacks.start = shutdown_in_start;
    self.node = open_node("solo", NULL);
    OK(omsvc_node_register_service(self.node, OMSVC_STR("Quitter"), &callbacks, &self, NULL));
    become_leader(self.node, 1);
    settle(self.node);
    CHECK_STATUS(omsvc_node_leader_ready(self.node, 2, 0, NULL), OMSVC_SHUT_DOWN);
    CHECK(self.starts == 1 && self.stops == 1);
    OK(omsvc_node_free(self.node));

    /* The node freed from inside start: the runner still stops the service, then exits. */
    memset(&self, 0, sizeof self);
    callbacks.start = free_in_start;
    callbacks.stop = note_stop_after_free;
    self.node = open_node("solo", NULL);
    OK(omsvc_node_register_service(self.node, OMSVC_STR("Freer"), &callbacks, &self, NULL));
    become_leader(self.node, 1);
    for (waited = 0; !self.stopped_after_free && waited < 10000; waited += 10) sleep_ms(10);
    CHECK(self.starts == 1 && self.stopped_after_free);
    CHECK_STATUS(omsvc_node_leader_ready(self.node, 2, 0, NULL), OMSVC_INVALID_HANDLE);
    sleep_ms(100); /* let the detached runner thread finish exiting */

    stops_that_free_each_other();

    printf("reentrancy: callbacks re-entered the library without deadlock\n");
    return 0;
}
