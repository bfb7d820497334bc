/* Callbacks that call back into libomsvc from the runner thread: reading status and
 * configuration, applying an entry, forwarding events (even demoting their own node), and
 * shutting down or freeing their own node. Nothing deadlocks and the state stays consistent. */
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
    OK(omsvc_encode_set_request("progress", 8, (const uint8_t *)"key-42", 6, &request));
    OK(omsvc_node_apply_entry(self->node, epoch, index + 1, omsvc_bytes_data(request), omsvc_bytes_len(request), NULL));
    omsvc_bytes_free(request);
    OK(omsvc_node_read_configuration(self->node, "progress", 8, NULL, 0, &present, &len) == OMSVC_BUFFER_TOO_SMALL
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

static void become_leader(omsvc_node *node, uint64_t term) {
    OK(omsvc_node_leader_changed(node, term, str_of("solo"), NULL));
    OK(omsvc_node_leader_ready(node, term, 0, NULL));
}

int main(void) {
    omsvc_service_callbacks callbacks;
    reentrant self;
    omsvc_service_status status;
    int waited;

    memset(&callbacks, 0, sizeof callbacks);
    memset(&self, 0, sizeof self);
    callbacks.start = reentrant_start;
    callbacks.stop = reentrant_stop;
    self.node = open_node("solo", NULL);
    OK(omsvc_node_register_service(self.node, "Reentrant", 9, &callbacks, &self, NULL));
    become_leader(self.node, 1);
    settle(self.node);
    OK(omsvc_node_service_status(self.node, "Reentrant", 9, &status));
    CHECK(status.running && status.epoch == 1 && self.starts == 1);

    /* A start that demotes its own node: the runner stops it right after. */
    self.step_down_in_start = 1;
    OK(omsvc_node_not_leader(self.node, 1, NULL));
    become_leader(self.node, 2);
    settle(self.node);
    OK(omsvc_node_service_status(self.node, "Reentrant", 9, &status));
    CHECK(!status.running && self.starts == 2 && self.stops == 2);
    OK(omsvc_node_free(self.node));

    /* Shutdown requested from inside start. */
    memset(&self, 0, sizeof self);
    callbacks.start = shutdown_in_start;
    self.node = open_node("solo", NULL);
    OK(omsvc_node_register_service(self.node, "Quitter", 7, &callbacks, &self, NULL));
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
    OK(omsvc_node_register_service(self.node, "Freer", 5, &callbacks, &self, NULL));
    become_leader(self.node, 1);
    for (waited = 0; !self.stopped_after_free && waited < 10000; waited += 10) sleep_ms(10);
    CHECK(self.starts == 1 && self.stopped_after_free);
    CHECK_STATUS(omsvc_node_leader_ready(self.node, 2, 0, NULL), OMSVC_INVALID_HANDLE);
    sleep_ms(100); /* let the detached runner thread finish exiting */

    printf("reentrancy: callbacks re-entered the library without deadlock\n");
    return 0;
}
