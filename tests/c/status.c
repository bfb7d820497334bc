/* A service whose start fails: its status says so, and its last error reads as text that
 * names the failure, while a healthy service has none. The whole status also reads as JSON and
 * as the encoded omsvc.v1.NodeStatus message. */
#include "check.h"

static int32_t failing_start(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    return 7;
}

static int32_t healthy_start(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    return 0;
}

static int32_t quiet_stop(void *userdata) {
    (void)userdata;
    return 0;
}

/* A pointer no call returns, to see that a successful call overwrites its out-param. */
static char sentinel;
#define UNWRITTEN ((omsvc_bytes *)(void *)&sentinel)

static omsvc_service_status status_of(omsvc_node *node, const char *name) {
    omsvc_service_status status;
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, str_of(name), &status));
    return status;
}

int main(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks failing, healthy;
    omsvc_service_status status;
    omsvc_bytes *error = NULL, *json = NULL, *proto = NULL;
    const char *text;
    int waited_ms = 0;

    omsvc_service_callbacks_init(&failing, sizeof failing);
    failing.start = failing_start;
    failing.stop = quiet_stop;
    omsvc_service_callbacks_init(&healthy, sizeof healthy);
    healthy.start = healthy_start;
    healthy.stop = quiet_stop;
    OK(omsvc_node_register_service(node, OMSVC_STR("FailingService"), &failing, NULL, NULL));
    OK(omsvc_node_register_service(node, OMSVC_STR("HealthyService"), &healthy, NULL, NULL));

    /* Before any start, neither has an error: the out-param reads NULL. */
    error = UNWRITTEN;
    OK(omsvc_node_service_last_error(node, OMSVC_STR("FailingService"), &error));
    CHECK(error == NULL);

    OK(omsvc_node_leader_changed(node, 1, OMSVC_STR("om1"), NULL));
    OK(omsvc_node_leader_ready(node, 1, 0, NULL));
    settle(node);
    while (!status_of(node, "FailingService").has_error) {
        CHECK(waited_ms < 10000);
        sleep_ms(10);
        waited_ms += 10;
    }

    status = status_of(node, "FailingService");
    CHECK(status.state != OMSVC_SERVICE_RUNNING);
    CHECK(status.consecutive_failures >= 1 && status.failed_start_count >= 1);
    CHECK(status.start_count == 0 && status.failed_run_count == 0 && status.since_unix_ms > 0);
    OK(omsvc_node_service_last_error(node, OMSVC_STR("FailingService"), &error));
    CHECK(error != NULL);
    text = (const char *)omsvc_bytes_data(error);
    CHECK(strlen(text) == omsvc_bytes_len(error));
    CHECK(strstr(text, "the C start callback returned 7") != NULL);
    printf("last error of FailingService: %s\n", text);
    omsvc_bytes_free(error);

    status = status_of(node, "HealthyService");
    CHECK(status.state == OMSVC_SERVICE_RUNNING);
    CHECK(status.epoch == 1 && status.start_count == 1 && status.failed_start_count == 0);
    CHECK(status.since_unix_ms > 0 && status.struct_size == sizeof status);
    CHECK(!status.has_error);
    error = UNWRITTEN;
    OK(omsvc_node_service_last_error(node, OMSVC_STR("HealthyService"), &error));
    CHECK(error == NULL);

    /* The JSON carries the same error text; the message is the same model, encoded. */
    OK(omsvc_node_status_json(node, &json));
    CHECK(strstr((const char *)omsvc_bytes_data(json), "the C start callback returned 7") != NULL);
    CHECK(strstr((const char *)omsvc_bytes_data(json), "\"status\":\"RUNNING\"") != NULL);
    OK(omsvc_node_status_proto(node, &proto));
    CHECK(omsvc_bytes_len(proto) > 0);
    CHECK(bytes_contain(omsvc_bytes_data(proto), omsvc_bytes_len(proto), "FailingService"));
    omsvc_bytes_free(json);
    omsvc_bytes_free(proto);

    /* Errors: an unknown name, a NULL out-param (left unwritten), a freed handle. */
    error = NULL;
    CHECK_STATUS(omsvc_node_service_last_error(node, OMSVC_STR("NoSuchService"), &error),
                 OMSVC_UNKNOWN_SERVICE);
    CHECK(error == NULL);
    CHECK_STATUS(omsvc_node_service_last_error(node, OMSVC_STR("FailingService"), NULL),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_status_proto(node, NULL), OMSVC_NULL_ARGUMENT);
    OK(omsvc_node_free(node));
    CHECK_STATUS(omsvc_node_service_last_error(node, OMSVC_STR("FailingService"), &error),
                 OMSVC_INVALID_HANDLE);
    CHECK(error == NULL);
    return 0;
}
