/* Terms and leases. Raft never elects in term 0: leader events naming it are refused with
 * OMSVC_INVALID_ARGUMENT and start nothing. A term of UINT64_MAX is an ordinary (if absurd)
 * term, never the library's "shut down": applies keep working after it. A leader lease bounds
 * a service by time: once it runs out with no renewal (a host paused past it), the epoch is no
 * longer current and the service stops. */
#include "check.h"

static int starts;

static int32_t count_start(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    starts++;
    return 0;
}

static int32_t ok_stop(void *userdata) {
    (void)userdata;
    return 0;
}

static omsvc_node *node_with_service(void) {
    omsvc_service_callbacks callbacks;
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = count_start;
    callbacks.stop = ok_stop;
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL));
    return node;
}

static void term_zero(void) {
    omsvc_node *node = node_with_service();
    enum omsvc_event_outcome outcome = (enum omsvc_event_outcome)77;
    omsvc_service_status status;
    starts = 0;
    CHECK_STATUS(omsvc_node_leader_changed(node, 0, str_of("om1"), &outcome),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "term 0") != NULL);
    CHECK_STATUS(omsvc_node_leader_ready(node, 0, 0, &outcome), OMSVC_INVALID_ARGUMENT);
    CHECK((int)outcome == 77);
    settle(node);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
    CHECK(status.state != OMSVC_SERVICE_RUNNING && starts == 0);
    OK(omsvc_node_free(node));
}

static void term_max(void) {
    omsvc_node *node = node_with_service();
    omsvc_bytes *request = NULL;
    enum omsvc_status status;
    OK(omsvc_encode_set_request(OMSVC_STR("progress"), (const uint8_t *)"p", 1, &request));
    /* Whether the model takes or refuses such a term, it must not look like a shutdown. */
    status = omsvc_node_leader_changed(node, UINT64_MAX, str_of("om1"), NULL);
    CHECK(status == OMSVC_OK || status == OMSVC_INVALID_ARGUMENT);
    status = omsvc_node_leader_ready(node, UINT64_MAX, 0, NULL);
    CHECK(status == OMSVC_OK || status == OMSVC_INVALID_ARGUMENT);
    OK(omsvc_node_apply_entry(node, 1, 1, omsvc_bytes_data(request), omsvc_bytes_len(request),
                              NULL));
    OK(omsvc_node_not_leader(node, UINT64_MAX, NULL) == OMSVC_SHUT_DOWN ? OMSVC_PANIC : OMSVC_OK);
    omsvc_bytes_free(request);
    OK(omsvc_node_free(node));
}

static int stops;

static int32_t count_stop(void *userdata) {
    (void)userdata;
    stops++;
    return 0;
}

static void lease_runs_out(void) {
    omsvc_service_callbacks callbacks;
    omsvc_service_status status;
    bool current = true;
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = count_start;
    callbacks.stop = count_stop;
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL));
    starts = 0;
    stops = 0;
    OK(omsvc_node_leader_changed(node, 3, str_of("om1"), NULL));
    OK(omsvc_node_lease_renewed(node, 3, 300, NULL));
    OK(omsvc_node_leader_ready(node, 3, 0, NULL));
    settle(node);
    OK(omsvc_node_epoch_is_current(node, 3, &current));
    CHECK(current && starts == 1);
    CHECK_STATUS(omsvc_node_lease_renewed(node, 0, 300, NULL), OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_node_lease_renewed(node, 3, UINT64_MAX, NULL), OMSVC_INVALID_ARGUMENT);
    /* No renewal arrives, as for a host paused past its lease. */
    sleep_ms(400);
    OK(omsvc_node_epoch_is_current(node, 3, &current));
    CHECK(!current);
    settle(node);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
    CHECK(status.state == OMSVC_SERVICE_PAUSING && stops == 1);
    OK(omsvc_node_free(node));
}

int main(void) {
    term_zero();
    term_max();
    lease_runs_out();
    printf("terms: term 0 refused, UINT64_MAX is not a shutdown, an expired lease stops\n");
    return 0;
}
