/* The life of a service's userdata: `release` is called exactly once, whatever happens. A failed
 * registration (bad handle, bad name, missing callback, zeroed options, duplicate name) releases it
 * before the call returns; a registered service keeps it through shutdown and releases it after its
 * last callback, before omsvc_node_free returns. Each userdata is heap memory that release frees,
 * so valgrind and LeakSanitizer also see a missing or doubled release. */
#include "check.h"

typedef struct {
    int starts;
    int stops;
    int *releases; /* where release counts, outside the freed userdata */
    int stops_at_release;
} counters;

static int32_t count_start(void *userdata, uint64_t epoch) {
    (void)epoch;
    ((counters *)userdata)->starts++;
    return 0;
}

static int32_t count_stop(void *userdata) {
    ((counters *)userdata)->stops++;
    return 0;
}

static int last_stops_at_release = -1;

static void release_counters(void *userdata) {
    counters *self = (counters *)userdata;
    (*self->releases)++;
    last_stops_at_release = self->stops;
    free(self);
}

static counters *new_counters(int *releases) {
    counters *self = (counters *)calloc(1, sizeof *self);
    CHECK(self != NULL);
    self->releases = releases;
    return self;
}

static omsvc_service_callbacks callbacks_with_release(void) {
    omsvc_service_callbacks callbacks;
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = count_start;
    callbacks.stop = count_stop;
    callbacks.release = release_counters;
    return callbacks;
}

static void failed_registrations_release_at_once(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks callbacks = callbacks_with_release();
    omsvc_service_callbacks no_stop = callbacks_with_release();
    int releases = 0;
    no_stop.stop = NULL;

    CHECK_STATUS(omsvc_node_register_service((omsvc_node *)(uintptr_t)0x7, OMSVC_STR("svc"),
                                             &callbacks, new_counters(&releases), NULL),
                 OMSVC_INVALID_HANDLE);
    CHECK(releases == 1);
    CHECK_STATUS(
        omsvc_node_register_service(node, OMSVC_STR(""), &callbacks, new_counters(&releases), NULL),
        OMSVC_INVALID_NAME);
    CHECK(releases == 2);
    CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &no_stop,
                                             new_counters(&releases), NULL),
                 OMSVC_NULL_ARGUMENT);
    CHECK(releases == 3);
    {
        omsvc_service_options zeroed;
        omsvc_service_options defaults;
        memset(&zeroed, 0, sizeof zeroed);
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks,
                                                 new_counters(&releases), &zeroed),
                     OMSVC_INVALID_ARGUMENT);
        CHECK(strstr(omsvc_last_error(), "omsvc_service_options_init") != NULL);
        CHECK(releases == 4);
        omsvc_service_options_init(&defaults, sizeof defaults);
        CHECK(defaults.struct_size == sizeof defaults && defaults.delay_after_ready_ms == 0);
        CHECK(defaults.retry_initial_ms == 100 && defaults.retry_max_ms == 30000);
    }
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, new_counters(&releases),
                                   NULL));
    CHECK(releases == 4);
    CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks,
                                             new_counters(&releases), NULL),
                 OMSVC_DUPLICATE_SERVICE);
    CHECK(releases == 5);
    OK(omsvc_node_free(node));
    CHECK(releases == 6);
}

static void a_running_service_releases_after_its_last_stop(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks callbacks = callbacks_with_release();
    omsvc_service_status status;
    int releases = 0;
    bool settled = false;
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, new_counters(&releases),
                                   NULL));
    OK(omsvc_node_leader_changed(node, 1, str_of("om1"), NULL));
    OK(omsvc_node_leader_ready(node, 1, 0, NULL));
    OK(omsvc_node_wait_settled(node, 10000, &settled));
    CHECK(settled);
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
    CHECK(status.state == OMSVC_SERVICE_RUNNING);

    /* Shutdown stops the service but the node still holds it: no release yet. */
    OK(omsvc_node_shutdown(node));
    status.struct_size = sizeof status;
    OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
    CHECK(status.state != OMSVC_SERVICE_RUNNING && status.stop_count == 1);
    CHECK(releases == 0);
    OK(omsvc_node_free(node));
    CHECK(releases == 1);
    CHECK(last_stops_at_release == 1);
}

static void a_service_without_release_is_fine(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks callbacks = callbacks_with_release();
    counters on_stack;
    int releases = 0;
    memset(&on_stack, 0, sizeof on_stack);
    on_stack.releases = &releases;
    callbacks.release = NULL;
    OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, &on_stack, NULL));
    OK(omsvc_node_free(node));
    CHECK(releases == 0);
}

int main(void) {
    failed_registrations_release_at_once();
    a_running_service_releases_after_its_last_stop();
    a_service_without_release_is_fine();
    printf("release: every userdata released exactly once\n");
    return 0;
}
